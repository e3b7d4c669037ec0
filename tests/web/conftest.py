"""Fixtures of the web tests: a fresh Chromium profile per browser test (skipping when Chromium is absent)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests import browser_harness as bh


@pytest.fixture
def browser_context(tmp_path: Path) -> Iterator[Any]:
    """A Chromium context with a profile of its own; the test skips, saying why, without Debian's chromium."""
    try:
        bh.ensure_chromium()
    except bh.BrowserUnavailable as err:
        pytest.skip(str(err))
    with bh.chromium(tmp_path / "profile") as context:
        yield context
