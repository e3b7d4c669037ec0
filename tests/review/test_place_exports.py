"""Every export format carries each site's place over time: place id, the site's period, first and last seen,
persistence, growth, area per period; KML placemarks are dated (TimeSpan) for Google Earth's time slider."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import duckdb
import geopandas as gpd
import pandas as pd
import pytest

from core.review.exports import EXPORT_COLUMNS, KML_NS, PLACE_EXPORT_COLUMNS, write_export
from db.exports import export_rows
from tests.review.test_place_stats import story_store
from tests.store.places_data import LAT0, A, add_scan, site

K = f"{{{KML_NS}}}"
AREAS = ["area_ha_2023", "area_ha_2024", "area_ha_2025", "area_ha_undated"]
UNDATED_LON = -43.2


@pytest.fixture()
def rows(tmp_path: Path) -> pd.DataFrame:
    """The three-period story plus one site of an undated scan."""
    con = story_store(tmp_path / "story.duckdb")
    add_scan(con, None, [site(UNDATED_LON, LAT0, 300)])
    return export_rows(con)


def _a_sites(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[(frame["lon"] - A).abs() < 1e-9]


def test_export_rows_carry_the_place_and_the_period_of_each_site(rows: pd.DataFrame) -> None:
    a = _a_sites(rows).set_index("period")
    assert len(a) == 3 and a["place_id"].nunique() == 1 and a["place_id"].iloc[0].startswith("P2023-")
    assert a["period_start"].to_dict() == {"2023": "2023-01-01", "2024": "2024-01-01", "2025": "2025-01-01"}
    assert a["period_end"].to_dict() == {"2023": "2024-01-01", "2024": "2025-01-01", "2025": "2026-01-01"}
    assert set(a["first_period"]) == {"2023"} and set(a["last_period"]) == {"2025"}
    assert set(a["persistence"]) == {"confirmed"}
    assert a["growth_ha"].tolist() == pytest.approx([12.75] * 3)
    assert a["growth_pct"].tolist() == pytest.approx([100 * 12.75 / 12.25] * 3)
    assert a[AREAS[:3]].iloc[0].tolist() == pytest.approx([9.0, 12.25, 25.0])
    undated = rows[(rows["lon"] - UNDATED_LON).abs() < 1e-9].iloc[0]
    assert pd.isna(undated["period"]) and pd.isna(undated["period_start"]) and pd.isna(undated["period_end"])
    assert undated["persistence"] == "undated" and undated["area_ha_undated"] == pytest.approx(9.0)


def test_csv_has_the_old_columns_in_order_then_the_place_columns_and_a_column_per_period(
    tmp_path: Path, rows: pd.DataFrame
) -> None:
    back = pd.read_csv(write_export(rows, tmp_path / "s.csv", "csv"), encoding="utf-8-sig", dtype=str)
    columns = list(back.columns)
    assert columns[: len(EXPORT_COLUMNS) - 1] == list(EXPORT_COLUMNS[:-1]) and columns[-1] == "outline_wkt"
    first = columns.index("place_id")
    assert columns[first : first + len(PLACE_EXPORT_COLUMNS)] == list(PLACE_EXPORT_COLUMNS)
    assert columns[first + len(PLACE_EXPORT_COLUMNS) : -1] == AREAS
    assert columns.index("nearest_dam_state") < first  # the columns exports had before stay where they were
    a = back[back["lon"].astype(float).sub(A).abs() < 1e-9].set_index("period")
    assert a.loc["2024", "period_start"] == "2024-01-01" and a.loc["2024", "area_ha_2025"] == "25.0"
    assert float(a.loc["2023", "growth_ha"]) == pytest.approx(12.75)
    undated = back[back["persistence"] == "undated"].iloc[0]
    assert pd.isna(undated["period"]) and pd.isna(undated["period_start"]) and pd.isna(undated["area_ha_2024"])


def test_geojson_properties_carry_the_place(tmp_path: Path, rows: pd.DataFrame) -> None:
    raw = json.loads(write_export(rows, tmp_path / "s.geojson", "geojson").read_text(encoding="utf-8"))
    props = [f["properties"] for f in raw["features"]]
    a = {p["period"]: p for p in props if abs(p["lon"] - A) < 1e-9}
    assert a["2025"]["place_id"] == a["2023"]["place_id"] and a["2025"]["first_period"] == "2023"
    assert (a["2025"]["area_ha_2023"], a["2025"]["area_ha_2024"], a["2025"]["area_ha_2025"]) == pytest.approx(
        (9.0, 12.25, 25.0)
    )
    assert a["2025"]["growth_ha"] == pytest.approx(12.75) and a["2024"]["period_end"] == "2025-01-01"
    undated = next(p for p in props if p["persistence"] == "undated")
    assert undated["period"] is None and undated["period_start"] is None and undated["area_ha_2023"] is None


def test_kml_placemarks_are_dated_by_their_scan_period_and_name_their_place(tmp_path: Path, rows: pd.DataFrame) -> None:
    root = ET.parse(write_export(rows, tmp_path / "s.kml", "kml")).getroot()
    placemarks = list(root.iter(f"{K}Placemark"))
    assert len(placemarks) == len(rows)
    expected = rows.set_index("site_id")
    for placemark in placemarks:
        data = {d.get("name"): d.findtext(f"{K}value") for d in placemark.iter(f"{K}Data")}
        row = expected.loc[int(data["site_id"])]
        span = placemark.find(f"{K}TimeSpan")
        if pd.isna(row["period_start"]):  # an undated scan: no time, so always shown
            assert span is None and "period" not in data
        else:
            assert span is not None
            assert (span.findtext(f"{K}begin"), span.findtext(f"{K}end")) == (row["period_start"], row["period_end"])
        name = placemark.findtext(f"{K}name") or ""
        assert name.startswith(f"Site {data['site_id']}, place {row['place_id']}: ")
        assert f"<td>{row['place_id']}</td>" in (placemark.findtext(f"{K}description") or "")
        assert data["place_id"] == row["place_id"] and data.get("persistence") == row["persistence"]
    begins = sorted({p.findtext(f"{K}TimeSpan/{K}begin") for p in placemarks} - {None})
    assert begins == ["2023-01-01", "2024-01-01", "2025-01-01"]


def test_gpkg_has_a_float_column_per_period(tmp_path: Path, rows: pd.DataFrame) -> None:
    back = gpd.read_file(write_export(rows, tmp_path / "s.gpkg", "gpkg"), layer="sites")
    assert {*PLACE_EXPORT_COLUMNS, *AREAS} <= set(back.columns)
    assert all(back[c].dtype == "float64" for c in [*AREAS, "growth_ha", "growth_pct"])
    a = back[(back["lon"] - A).abs() < 1e-9].set_index("period")
    assert a.loc["2025", "area_ha_2024"] == pytest.approx(12.25) and a.loc["2025", "persistence"] == "confirmed"
    assert a.loc["2023", "period_start"] == "2023-01-01"


def test_a_site_stored_before_its_places_were_built_exports_without_them(tmp_path: Path) -> None:
    con: duckdb.DuckDBPyConnection = story_store(tmp_path / "s.duckdb", ("2024",))
    add_scan(con, "2025", [site(A, LAT0, 500)], places=False)
    rows = export_rows(con)
    late = rows[rows["period"] == "2025"].iloc[0]
    assert pd.isna(late["place_id"]) and pd.isna(late["first_period"]) and late["period_start"] == "2025-01-01"
    root = ET.parse(write_export(rows, tmp_path / "s.kml", "kml")).getroot()
    names = [p.findtext(f"{K}name") or "" for p in root.iter(f"{K}Placemark")]
    assert sum(", place " not in n for n in names) == 1
