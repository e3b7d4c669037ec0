"""Long work outside the page script: what a job's state means and how far along it is.

Owns the rules (states, when a silent runner counts as interrupted, training progress as a fraction). Must not
import ``db``, ``models``, Streamlit or TensorFlow: the store keeps the jobs (``db.jobs``), a runner process does
the work (``cli.jobs``).
"""
