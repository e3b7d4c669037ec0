"""Objects created once per server process (st.cache_resource) and read from settings at call time."""

from __future__ import annotations

import duckdb
import streamlit as st

from core import settings
from core.errors import MineScanError
from core.scan import ScanModel
from db import repository


@st.cache_resource(show_spinner="Opening the store…")
def _connection(path: str) -> duckdb.DuckDBPyConnection:
    return repository.connect(path)


def db() -> duckdb.DuckDBPyConnection:
    """A cursor on the process-wide store connection (cursors are safe per script run; connections are not)."""
    return _connection(str(settings.db_path())).cursor()


@st.cache_resource(show_spinner="Loading model…")
def scan_model(name_or_path: str) -> ScanModel:
    """A model loaded once per process (TensorFlow is imported here, lazily)."""
    from models.bundle import load_bundle, resolve_model

    loaded = load_bundle(resolve_model(name_or_path, settings.models_dir()))
    return ScanModel(loaded.card, loaded.predict)


def show_error(err: MineScanError) -> None:
    """A user-facing error: headline and the specific message."""
    st.error(f"**{err.title}.** {err}")
