"""Scans know their period: from the imagery recipe, from the file's tags, or typed for a local file; a typed
period that contradicts the file is refused; the CLI and the Scan page say so."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pytest
from affine import Affine

from cli.main import main
from core.imagery.periods import PeriodError, parse_period, period_tags
from core.imagery.provenance import SOURCE_EARTH_ENGINE, ImageryProvenance, provenance_tags
from core.register.matching import MatchSettings
from core.scan.pipeline import ScanSettings
from db.connection import connect
from db.scans import scan_record
from db.workflows import scan_into_store
from tests.app_harness import open_app
from tests.fakes import RGB, fake_discovery, write_tif

SETTINGS = ScanSettings(cells_per_tile=5)


def _scene(path: Path, tags: dict[str, str] | None = None) -> Path:
    """A 500 px RGB scene with one bright square (one site for the fake model)."""
    data = np.full((3, 500, 500), 800, np.uint16)
    data[:, 200:260, 220:280] = 2500
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_tif(path, data, transform=Affine(10, 0, 600_000, 0, -10, 7_800_000), descriptions=RGB, tags=tags)


def _period_of(store: Path, scene: Path, typed: str | None = None) -> tuple[object, ...]:
    con = connect(store)
    try:
        stored = scan_into_store(
            con, scene, fake_discovery(), None, SETTINGS, MatchSettings(), period=parse_period(typed) if typed else None
        )
        record = scan_record(con, stored.scan_id)
    finally:
        con.close()
    return record["period_label"], record["period_start"], record["period_end"], record["period_source"]


def test_the_period_comes_from_the_recipe_then_the_tags_then_what_was_typed(tmp_path: Path) -> None:
    recipe = ImageryProvenance(source=SOURCE_EARTH_ENGINE, start="2024-01-01", end="2025-01-01")
    a = _scene(tmp_path / "a.tif", provenance_tags(recipe))
    b = _scene(tmp_path / "b.tif", period_tags(parse_period("2023-Q3")))
    c = _scene(tmp_path / "c.tif")
    store = tmp_path / "s.duckdb"
    label, start, end, source = _period_of(store, a)
    assert (label, source) == ("2024", "recipe") and str(start)[:10] == "2024-01-01" and str(end)[:10] == "2025-01-01"
    assert _period_of(store, b)[0::3] == ("2023-Q3", "tags")
    assert _period_of(store, c, "2022-05")[0::3] == ("2022-05", "typed")
    d = _scene(tmp_path / "d.tif")
    label, _, _, source = _period_of(store, d)
    assert (label, source) == (None, None)  # undated: nothing says when


def test_a_typed_period_that_contradicts_the_file_is_refused_and_nothing_is_stored(tmp_path: Path) -> None:
    scene = _scene(tmp_path / "a.tif", period_tags(parse_period("2024")))
    with pytest.raises(PeriodError, match="records its period as 2024 .its tags.; you gave 2023"):
        _period_of(tmp_path / "s.duckdb", scene, "2023")
    con = connect(tmp_path / "s.duckdb")
    assert con.execute("SELECT count(*) FROM scan").fetchone() == (0,)


@pytest.mark.parametrize(
    ("text", "label", "start", "end"),
    [
        ("2024", "2024", date(2024, 1, 1), date(2025, 1, 1)),
        ("2024-q2", "2024-Q2", date(2024, 4, 1), date(2024, 7, 1)),
        ("2024-12", "2024-12", date(2024, 12, 1), date(2025, 1, 1)),
        ("2024-02-29", "2024-02-29", date(2024, 2, 29), date(2024, 3, 1)),
        ("2024-03-01/2024-06-01", "2024-03-01/2024-06-01", date(2024, 3, 1), date(2024, 6, 1)),
        ("2024-01-01..2024-12-31", "2024", date(2024, 1, 1), date(2025, 1, 1)),
    ],
)
def test_periods_as_people_type_them(text: str, label: str, start: date, end: date) -> None:
    p = parse_period(text)
    assert (p.label, p.start, p.end) == (label, start, end)
    assert parse_period(p.label) == p  # the label reads back as the same period


@pytest.mark.parametrize("text", ["24", "2024-13", "2023-02-29", "2024-06-01/2024-03-01", "last year", ""])
def test_text_that_is_not_a_period_says_what_is_accepted(text: str) -> None:
    with pytest.raises(PeriodError):
        parse_period(text)


def test_the_cli_refuses_a_bad_period_before_scanning(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scene = _scene(tmp_path / "a.tif")
    code = main(["scan", str(scene), "--out", str(tmp_path / "x.csv"), "--period", "2024-13"])
    err = capsys.readouterr().err
    assert code == 2 and "there is no month 13" in err and "Traceback" not in err
    assert not (tmp_path / "x.csv").exists()


def test_the_scan_page_shows_the_files_period_or_asks_for_one(env: Path, clean_caches: None) -> None:
    _scene(env / "scenes" / "dated.tif", period_tags(parse_period("2025")))
    _scene(env / "scenes" / "local.tif")
    at = open_app("app_pages/scan.py")
    scene_box = next(s for s in at.selectbox if s.label == "Scene file")
    at = scene_box.set_value(next(o for o in scene_box.options if "dated" in o)).run()
    assert any("Acquisition period: **2025** (from its tags)" in c.value for c in at.caption)
    assert not [t for t in at.text_input if t.label == "Acquisition period"]
    scene_box = next(s for s in at.selectbox if s.label == "Scene file")
    at = scene_box.set_value(next(o for o in scene_box.options if "local" in o)).run()
    box = next(t for t in at.text_input if t.label == "Acquisition period")
    at = box.input("2024-13").run()
    assert any("there is no month 13" in e.value for e in at.error)
    run = next(b for b in at.button if b.label == "Run the scan")
    assert run.disabled
    box = next(t for t in at.text_input if t.label == "Acquisition period")
    at = box.input("2024").run()
    assert not at.error and not next(b for b in at.button if b.label == "Run the scan").disabled
