"""The app's side of Earth Engine: its configuration from the environment and secrets, the connection, the
drawing map. ``ee`` is imported only when a user asks for imagery (never at app start)."""

from __future__ import annotations

import os
from typing import Any

import folium
import streamlit as st
from folium.plugins import Draw

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


def drawing_map() -> folium.Map:
    """A map of Brazil on which the user draws rectangles or polygons (the tiles come from the internet)."""
    fmap = folium.Map(location=[-14.0, -51.0], zoom_start=4, control_scale=True)
    Draw(
        export=False,
        draw_options={
            "polyline": False,
            "circle": False,
            "circlemarker": False,
            "marker": False,
            "rectangle": True,
            "polygon": True,
        },
        edit_options={"edit": True, "remove": True},
    ).add_to(fmap)
    return fmap


__all__ = ["EarthEngineUnavailable", "configuration", "drawing_map", "earth_engine", "secrets_tables"]
