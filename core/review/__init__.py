"""Review: what a reviewer decides and sees: decisions and reasons, the ranked queue, agreement, exports.

Owns the decision vocabulary and rules (``decisions``), the queue's ranking and filters (``queue``), double-review
agreement (``agreement``) and the export file formats (``exports``). Pure: works on DataFrames and dataclasses the
store hands over; must not import DuckDB, Streamlit, Keras/TensorFlow, ``db``, ``models``, ``ui`` or ``core.demo``.
"""
