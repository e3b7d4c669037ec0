"""The Dashboard over time, as a manager opens it on a two-period store (2024 and 2025 of the place story)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from core import wording
from tests.app_harness import MANAGER, open_app
from tests.review.test_place_stats import story_store

pytestmark = pytest.mark.usefixtures("clean_caches")


def _frame_with(at: AppTest, column: str) -> pd.DataFrame:
    frames = [df.value for df in at.dataframe if column in df.value.columns]
    assert len(frames) == 1, f"{len(frames)} tables with a {column!r} column"
    return frames[0]


def test_the_dashboard_shows_the_places_over_time(env: Path) -> None:
    story_store(env / "store.duckdb", ("2024", "2025")).close()
    at = open_app("app_pages/dashboard.py", MANAGER)
    assert not at.exception, at.exception
    assert "Over time" in [s.value for s in at.subheader]
    sections = " ".join(m.value for m in at.markdown)
    for title in ("Mined area and places per period", "New unregistered area per period",
                  "Confirmed places no register explains"):  # fmt: skip
        assert title in sections
    specs = " ".join(str(getattr(c.proto, "spec", "")) for c in at.get("vega_lite_chart"))
    for axis in ("Mined area (ha)", "Places", "New unregistered area (ha)", "2025 (provisional)"):
        assert f'"{axis}"' in specs  # the three charts over time, with words on their axes
    captions = " ".join(c.value for c in at.caption)
    assert "The latest period, 2025, is provisional" in captions and "New unregistered area of a period" in captions
    assert "Amazon Mining Watch drops differences of 11 ha or less" in captions

    new = _frame_with(at, "New unregistered (ha)").set_index("Period")
    # 2024 (the baseline): E 64 + F 4 + G 4 ha; 2025: B 9 and D 10.24 ha first seen, F did not grow.
    assert new["New unregistered (ha)"].round(6).to_dict() == {"2024 (baseline)": 72.0, "2025 (provisional)": 19.24}
    places = _frame_with(at, "Persistence")
    assert places["First seen"].tolist() == ["2024", "2025 (provisional)"]
    assert places["Persistence"].tolist()[1] == wording.persistence("provisional")

    next(c for c in at.checkbox if "11 ha or less" in c.label).check().run()
    assert not at.exception
    amw = _frame_with(at, "New unregistered (ha)").set_index("Period")
    assert amw["New unregistered (ha)"].round(6).to_dict() == {"2024 (baseline)": 64.0, "2025 (provisional)": 0.0}
    assert any("Differences of 11 ha or less are dropped" in c.value for c in at.caption)

    at.radio[0].set_value("status").run()
    at.toggle[0].set_value(True).run()
    assert not at.exception and any("only places a reviewer confirmed" in c.value for c in at.caption)


def test_the_dashboard_says_when_no_scan_is_dated(env: Path) -> None:
    from db.connection import connect
    from tests.store.places_data import LAT0, A, add_scan, site

    con = connect(env / "store.duckdb")
    add_scan(con, None, [site(A, LAT0, 300)])
    con.close()
    at = open_app("app_pages/dashboard.py", MANAGER)
    assert not at.exception
    assert any("No dated scans yet" in c.value for c in at.caption)
