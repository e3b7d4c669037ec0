"""Shared fixtures: paths to the real data (skipping when absent) and clean Streamlit caches."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.settings import shared_data_dir
from tests.offline_ee import offline_ee  # noqa: F401 - the Earth Engine client, initialised offline

# The suite reads the app in English (the messages as written in the code); tests of Portuguese ask for it
# (translate.using("pt_BR"), MINESCAN_LANGUAGE for a subprocess, a pt-BR browser locale). Set before anything starts
# a server or a command, which inherit it.
os.environ["MINESCAN_LANGUAGE"] = "en"


@pytest.fixture(scope="session", autouse=True)
def _data_outside_the_repository(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Whatever a test writes to the data folder (map pictures, a demo) goes to a temporary one, never ``data/``."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MINESCAN_DATA", str(tmp_path_factory.mktemp("minescan-data")))
        yield


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data``: real ANM registers, Sentinel-2 patches, the L1C crop. Skips when absent."""
    root = shared_data_dir()
    if not (root / "README.md").is_file():
        pytest.skip(f"real data folder {root} is absent (it is beside the repository in CI); test skipped")
    return root


@pytest.fixture
def clean_caches() -> Iterator[None]:
    """st.cache_resource/cache_data are process-wide: never let one AppTest see another's cached objects (or store)."""
    import streamlit as st

    from ui import site_pictures
    from ui.resources import clear_slims

    st.cache_resource.clear()
    st.cache_data.clear()
    clear_slims()
    site_pictures.clear()
    yield
    st.cache_resource.clear()
    st.cache_data.clear()
    clear_slims()
    site_pictures.clear()


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An app environment of its own: data folder, store and imagery folder under ``tmp_path``."""
    monkeypatch.setenv("MINESCAN_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("MINESCAN_DB", str(tmp_path / "store.duckdb"))
    monkeypatch.setenv("MINESCAN_SCENES", str(tmp_path / "scenes"))
    return tmp_path


@pytest.fixture
def no_account(env: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No Earth Engine configuration anywhere: no variables, no secrets file."""
    for name in ("MINESCAN_EE_PROJECT", "MINESCAN_EE_SERVICE_ACCOUNT_KEY", "MINESCAN_EE_CREDENTIALS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MINESCAN_SECRETS", str(env / "no-secrets.toml"))
    return env


@pytest.fixture(autouse=True)
def _plain_main_module(monkeypatch: pytest.MonkeyPatch) -> None:
    """An AppTest leaves ``app.py`` as ``__main__``; Dask's spawned workers re-run ``__main__`` and would crash."""
    import sys
    import types

    monkeypatch.setitem(sys.modules, "__main__", types.ModuleType("__main__"))


@pytest.fixture(scope="session")
def two_period_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The two-period synthetic demo scanned once per run with the shipped models (about 25 s), as
    ``<root>/store.duckdb`` and ``<root>/demo``. Read it, or copy it with :func:`copy_demo_store` to change it."""
    from core.model_card import resolve_model
    from core.scan.pipeline import ScanModel
    from core.settings import DEFAULT_DISCOVERY_MODEL, DEFAULT_IMPACT_MODEL, model_roots
    from db.demo_setup import set_up_demo
    from db.store import Store
    from models.bundle import load_bundle

    root = tmp_path_factory.mktemp("two-period-demo")
    d = load_bundle(resolve_model(DEFAULT_DISCOVERY_MODEL, model_roots()))
    i = load_bundle(resolve_model(DEFAULT_IMPACT_MODEL, model_roots()))
    scans = set_up_demo(Store(root / "store.duckdb"), root / "demo", ScanModel(d.card, d.predict),
                        ScanModel(i.card, i.predict))  # fmt: skip
    assert len(scans) == 2
    return root


def copy_demo_store(demo_root: Path, to: Path) -> Path:
    """A copy of the shared demo's store file at ``to`` (its scenes stay where they are): a test's own to change."""
    import shutil

    to.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(demo_root / "store.duckdb", to)
    return to
