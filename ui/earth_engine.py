"""The app's side of Earth Engine: its configuration from the environment and secrets, the connection (the
online maps are in ``ui.online_maps``). ``ee`` is imported only when a user asks for imagery (never at app start)."""

from __future__ import annotations

import os
from typing import Any

import streamlit as st

from core.imagery.earth_engine.connection import EarthEngineConfig, EarthEngineUnavailable, config_from, connect


def secrets_tables() -> dict[str, Any]:
    """The secrets file's ``[earth_engine]`` table (nothing when there is no secrets file)."""
    try:
        table = st.secrets.get("earth_engine")
    except Exception:  # noqa: BLE001 -- no secrets file, or an unreadable one: no Earth Engine configuration there
        return {}
    return {"earth_engine": dict(table)} if table else {}


def configuration() -> EarthEngineConfig:
    """The Earth Engine configuration, environment first.

    Raises:
        EarthEngineUnavailable: nothing (or something incomplete) configured, with what to do.
    """
    return config_from(os.environ, secrets_tables())


def earth_engine() -> Any:
    """Sign in with the configuration and return the initialised client.

    Raises:
        EarthEngineUnavailable: not configured, credentials refused, or Earth Engine not reachable.
    """
    return connect(configuration())


__all__ = ["EarthEngineUnavailable", "configuration", "earth_engine", "secrets_tables"]
