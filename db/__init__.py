"""The store: one DuckDB file holding everything persistent (schema and migrations in ``schema``).

One module per aggregate: ``scans``, ``sites``, ``registers`` (snapshots and matches), ``reviews`` (append-only
decisions), ``queue`` (the triage view), ``exports``, ``imagery_tasks``, ``sessions`` and ``store_kind``;
``connection`` opens the file and holds the one transaction helper, ``store`` gives short-lived connections to
processes that share the file, ``workflows`` and ``demo_setup`` compose them. SQL lives only here, with named or
positional bound parameters and no text built from values. Must not import Streamlit, Keras/TensorFlow, ``models``,
``ui`` or ``cli``; only ``demo_setup`` may import the synthetic generator ``core.demo``.
"""
