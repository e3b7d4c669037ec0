"""Shared fixtures: paths to the real data (skipping when absent) and clean Streamlit caches."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.settings import shared_data_dir


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data``: real ANM registers, Sentinel-2 patches, the L1C crop. Skips when absent."""
    root = shared_data_dir()
    if not (root / "README.md").is_file():
        pytest.skip(f"real data folder {root} is absent (it is beside the repository in CI); test skipped")
    return root
