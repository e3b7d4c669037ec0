"""The web app as a user meets it (AppTest): pages load without exceptions and say what they show."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from core.settings import ROOT


@pytest.fixture(autouse=True)
def clean_caches() -> Iterator[None]:
    """st.cache_resource is process-wide: never let one AppTest see another's cached objects."""
    st.cache_resource.clear()
    st.cache_data.clear()
    yield
    st.cache_resource.clear()
    st.cache_data.clear()


def test_overview_without_demo_data_says_how_to_make_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MINESCAN_DATA", str(tmp_path))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception
    assert at.title[0].value == "MineScan"
    assert any("has not been generated yet" in w.value for w in at.warning)
    shown = at.dataframe[0].value
    assert set(shown["model"]) == {"demo_discovery v1 (synthetic demo)", "demo_impact v1 (synthetic demo)"}
    assert set(shown["trained on"]) == {"synthetic demo data"}


def test_overview_with_an_empty_models_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MINESCAN_DATA", str(tmp_path))
    monkeypatch.setenv("MINESCAN_MODELS", str(tmp_path / "no_models"))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception
    assert any("No trained model" in i.value for i in at.info)


def test_overview_shows_cross_validation_and_demo_scores(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MINESCAN_DATA", str(tmp_path))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    table = at.dataframe[0].value.set_index("kind")
    assert " ± " in table.loc["discovery", "cross-validated accuracy"]
    assert 0.9 <= float(table.loc["discovery", "demo recall"]) <= 1.0
