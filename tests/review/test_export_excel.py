"""The CSV for Excel in Brazil (``;``, decimal comma, local times, BOM), its translated header, and the command line
and Export page options that ask for them."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from cli.main import main
from core.review.export_columns import COLUMN_TITLES, EXPORT_COLUMNS, PLACE_EXPORT_COLUMNS, column_titles
from core.review.export_csv import CsvOptions
from core.review.exports import prepare_rows, write_export
from db.connection import connect
from db.exports import export_rows
from tests.app_harness import SUPERVISOR, filled_store, open_app
from tests.review.test_place_stats import story_store

NOTE = 'Barragem "B1"; visitada — Itabirá, São João'
FORMULA = '=HYPERLINK("http://evil","x")'
WHEN = pd.Timestamp("2026-11-21 09:30:15", tz="UTC")
EXCEL = CsvOptions(dialect="excel-br")


@pytest.fixture
def rows() -> pd.DataFrame:
    """Three sites: big, tiny and negative numbers, an accented note with ';', a formula, a null everywhere."""
    return pd.DataFrame([
        {"site_id": 1, "lon": -43.551234, "lat": -20.15, "area_km2": 1234.5678, "p_max": 0.975, "p_mean": 0.7125,
         "cell_count": 12, "nearest_dam_m": 85.4, "nearest_mine_m": 2450.6, "note": NOTE, "reviewer": "ana",
         "decision": "confirmed", "decided_at": WHEN, "match_status": "registered", "area_ha_2024": 12.25,
         "growth_ha": -3.5, "growth_pct": -28.57, "outline_wkt": "POLYGON ((0 0, 1 0, 1 1, 0 0))"},
        {"site_id": 2, "lon": -44.0, "lat": -19.000001, "area_km2": 0.0042, "p_max": 0.5, "p_mean": 0.25,
         "cell_count": 3, "nearest_dam_m": None, "nearest_mine_m": 12000.0, "note": FORMULA, "reviewer": "=bob",
         "decision": "rejected", "decided_at": WHEN + pd.Timedelta(hours=2), "area_ha_2024": 0.42},
        {"site_id": 3, "lon": -43.0, "lat": -20.0, "area_km2": 0.01},
    ])  # fmt: skip


def _read_excel_csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, sep=";", decimal=",", encoding="utf-8-sig", keep_default_na=False, na_values=[""])


def test_excel_br_csv_reads_back_as_the_same_numbers(tmp_path: Path, rows: pd.DataFrame) -> None:
    path = write_export(rows, tmp_path / "br.csv", "csv", EXCEL)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    text = raw.decode("utf-8-sig")
    assert text.splitlines()[0].split(";")[:4] == ["site_id", "scan_id", "scene_id", "lon"]  # machine names kept
    assert text.splitlines()[1].startswith("1;;;-43,551234;-20,150000;1234,5678;0,975;0,713;12;")  # no 1.234,56
    assert ";registered;;;;85;;2451;" in text  # distances in whole metres
    back = _read_excel_csv(path)
    assert list(back.columns) == list(prepare_rows(rows).columns)
    assert back["lon"].tolist() == [-43.551234, -44.0, -43.0] and back["lat"][1] == -19.000001
    assert back["area_km2"].tolist() == [1234.5678, 0.0042, 0.01] and back["p_max"].tolist()[:2] == [0.975, 0.5]
    assert (
        back["p_mean"].tolist()[:2] == [0.713, 0.25]
        and pd.isna(back["p_max"][2])
        and back["site_id"].tolist() == [1, 2, 3]
    )
    assert back["nearest_dam_m"][0] == 85 and pd.isna(back["nearest_dam_m"][1]) and back["nearest_mine_m"][1] == 12000
    assert back["area_ha_2024"].tolist()[:2] == [12.25, 0.42] and back["growth_pct"][0] == -28.6
    assert back["growth_ha"][0] == -3.5 and back["cell_count"].dtype == "float64"  # a null makes pandas use floats
    assert back["note"][0] == NOTE  # the ';' inside is quoted, the accents are UTF-8
    assert back["outline_wkt"][0] == "POLYGON ((0 0, 1 0, 1 1, 0 0))"  # WKT keeps its points: it is not a number


def test_excel_br_times_are_local_and_formulas_stay_neutralised(tmp_path: Path, rows: pd.DataFrame) -> None:
    back = _read_excel_csv(write_export(rows, tmp_path / "br.csv", "csv", EXCEL))
    assert back["decided_at"].tolist()[:2] == ["2026-11-21 06:30:15", "2026-11-21 08:30:15"]  # São Paulo: UTC-3
    assert pd.isna(back["decided_at"][2])
    assert back["note"][1] == "'" + FORMULA and back["reviewer"].tolist()[:2] == ["ana", "'=bob"]
    assert back["lon"][0] < 0  # a negative number is a number, not a formula to neutralise
    tokyo = _read_excel_csv(write_export(rows, tmp_path / "jp.csv", "csv", CsvOptions("excel-br", tz="Asia/Tokyo")))
    assert tokyo["decided_at"][0] == "2026-11-21 18:30:15"


def test_titles_replace_the_names_and_say_the_time_zone(tmp_path: Path, rows: pd.DataFrame) -> None:
    back = _read_excel_csv(write_export(rows, tmp_path / "t.csv", "csv", CsvOptions("excel-br", titles=True)))
    columns = list(back.columns)
    assert columns[:5] == ["Site", "Scan", "Scene", "Longitude", "Latitude"]
    assert {"Register status", "Decided at (America/Sao_Paulo)", "Area in 2024 (ha)", "Note"} <= set(columns)
    assert len(columns) == len(set(columns)) == len(prepare_rows(rows).columns)
    assert back["Longitude"][0] == -43.551234 and back["Note"][0] == NOTE
    plain = pd.read_csv(write_export(rows, tmp_path / "p.csv", "csv", CsvOptions(titles=True)), encoding="utf-8-sig")
    assert plain["Decided at (UTC)"][0] == "2026-11-21T09:30:15Z" and plain["Longitude"][0] == -43.551234


def test_every_export_column_has_a_distinct_title() -> None:
    known = [*EXPORT_COLUMNS, *PLACE_EXPORT_COLUMNS]
    assert all(name in COLUMN_TITLES for name in known)
    titles = column_titles([*known, "area_ha_2025"], "UTC")
    assert len(set(titles)) == len(titles) and "area_ha_2025" not in titles
    assert column_titles(["some_new_column"], "UTC") == ["some_new_column"]  # no title yet: the name, not a blank


def test_the_plain_csv_is_unchanged_by_the_options_default(tmp_path: Path, rows: pd.DataFrame) -> None:
    default = write_export(rows, tmp_path / "a.csv", "csv").read_bytes()
    assert write_export(rows, tmp_path / "b.csv", "csv", CsvOptions()).read_bytes() == default
    assert default.decode("utf-8-sig").splitlines()[1].startswith("1,,,-43.551234,-20.15,1234.5678,")


@pytest.mark.parametrize(
    ("options", "message"),
    [({"dialect": "excel-fr"}, "unknown CSV dialect"), ({"dialect": "excel-br", "tz": "Mars/Olympus"}, "time zone"),
     ({"dialect": "excel-br", "tz": "../etc/passwd"}, "time zone"), ({"tz": "America/Sao_Paulo"}, "ISO UTC")],
)  # fmt: skip
def test_bad_options_are_refused(options: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        CsvOptions(**options)  # type: ignore[arg-type]


def test_the_export_command_writes_the_excel_csv(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "story.duckdb"
    story_store(db).close()
    out = tmp_path / "br.csv"
    argv = ["export", "--db", str(db), "--csv-dialect", "excel-br", "--tz", "America/Manaus", "--titles"]
    assert main([*argv, "--out", str(out)]) == 0
    assert "(csv, excel-br, times in America/Manaus)" in capsys.readouterr().out
    con = connect(db)
    expected = prepare_rows(export_rows(con))
    con.close()
    back = _read_excel_csv(out)
    assert back["Site"].tolist() == expected["site_id"].tolist()
    assert back["Longitude"].tolist() == pytest.approx(expected["lon"].tolist(), abs=5e-7)
    decided = expected["decided_at"].dropna()
    local = decided.dt.tz_convert("America/Manaus").dt.strftime("%Y-%m-%d %H:%M:%S").tolist()  # UTC-4
    assert back["Decided at (America/Manaus)"].dropna().tolist() == local and local


def test_the_export_command_refuses_csv_options_for_other_formats_and_unknown_zones(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "story.duckdb"
    story_store(db, ("2024",)).close()
    base = ["export", "--db", str(db), "--out", str(tmp_path / "x")]
    assert main([*base, "--format", "gpkg", "--titles"]) == 2
    assert "apply to --format csv, not gpkg" in capsys.readouterr().err
    assert main([*base, "--csv-dialect", "excel-br", "--tz", "Mars/Olympus"]) == 2
    assert "unknown time zone 'Mars/Olympus'" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


@pytest.mark.usefixtures("clean_caches")
def test_the_export_page_offers_the_excel_csv_and_the_titles(env: Path) -> None:
    filled_store(env)
    at = open_app("app_pages/export.py", SUPERVISOR)
    zone = next(s for s in at.selectbox if s.label == "Time zone of the Excel CSV")
    assert zone.value == "America/Sao_Paulo" and zone.disabled  # the plain CSV is UTC: nothing to choose
    (layout,) = [r for r in at.radio if r.label == "CSV layout"]
    layout.set_value("excel-br").run()
    (titles,) = [c for c in at.checkbox if c.label == "Column titles instead of names"]
    titles.check().run()
    assert not at.exception, at.exception
    assert at.radio[0].value == "excel-br" and at.checkbox[0].value
    assert not next(s for s in at.selectbox if s.label == "Time zone of the Excel CSV").disabled
