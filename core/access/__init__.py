"""Who may do what: accounts and roles (``users``) and signed session tokens (``sessions``).

Pure: password hashing, role capabilities and token checks. The store keeps the sessions' hashes (``db``) and
the web app sets the cookie (``ui``); nothing here imports DuckDB, Streamlit, ``db``, ``models`` or ``ui``.
"""
