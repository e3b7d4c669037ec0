"""MineScan web app entry point (``streamlit run app.py``): every run calls the navigation's :func:`run`."""

from app_pages.navigation import run

run()
