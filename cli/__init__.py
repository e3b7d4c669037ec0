"""MineScan's command line (``python -m cli ...``, or ``./run cli ...``): one module per command group.

A composition root, like ``app.py`` for the web: it wires ``core`` (pure logic), ``db`` (the store) and ``models``
(Keras) together, and is the only package besides the web app that may import all three. Heavy imports
(TensorFlow, the store) happen inside the commands, so ``--help`` is fast. Errors meant for users print as one
clear message with exit code 2, never a traceback. Must not import Streamlit, ``ui`` or ``app_pages``.
"""
