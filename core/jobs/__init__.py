"""Jobs: long work (trainings, scans, imagery downloads, region chains) done by a runner process outside the page
script, whose state, progress, heartbeat and log are kept in the store.

Owns the states a person sees (``states``: queued, running, interrupted, done, failed, cancelled; what a job holds
so that no second job does the same work), and per kind what its runner needs (``training``, ``scans``). Plain data
only: must not import DuckDB, Streamlit, Keras/TensorFlow, ``db``, ``models`` or ``ui``.
"""
