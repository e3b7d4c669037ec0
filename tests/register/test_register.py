"""Register import: DMS and Brazilian numbers, the four real SIGBM/ANM files, layers, snapshot diff, errors."""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import Point, box

from core.register import (
    RegisterImportError,
    diff_snapshots,
    in_brazil,
    parse_br_number,
    parse_dms,
    read_layer,
    read_register,
)
from core.register.model import RegisterEntry, RegisterImport

SIGBM_2025 = "sigbm_download_2025-10-17.xlsx"
SIGBM_2022 = "sigbm_download_2022-05-05.xlsx"
DETAILED_2022 = "sigbm_detailed_2022_latin1_semicolon.csv"
ANM_2019 = "anm_dams_2019_brazildam.tsv"


@pytest.fixture(scope="module")
def real_data(shared_data: Path) -> Path:
    """``../shared/data`` (the session fixture skips when it is absent)."""
    return shared_data


@pytest.fixture(scope="module")
def sigbm_2025(real_data: Path) -> RegisterImport:
    return read_register(real_data / "sigbm" / SIGBM_2025)


@pytest.fixture(scope="module")
def sigbm_2022(real_data: Path) -> RegisterImport:
    return read_register(real_data / "sigbm" / SIGBM_2022)


# --- DMS ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "hemisphere", "expected"),
    [
        ("-20°06'36.060''", None, -(20 + 6 / 60 + 36.06 / 3600)),
        ("-10°39'12.400''", "Sul do Equador", -(10 + 39 / 60 + 12.4 / 3600)),
        ("00°22'46.200\"", "Norte do Equador", 22 / 60 + 46.2 / 3600),
        ("-0°44'00.100\"", None, -(44 / 60 + 0.1 / 3600)),
        ("0° 51' 34.4927\"", "Norte do Equador", 51 / 60 + 34.4927 / 3600),
        ("15°55'09.590\"", "Sul do Equador", -(15 + 55 / 60 + 9.59 / 3600)),
        ("20°06′36.06″", "S", -(20 + 6 / 60 + 36.06 / 3600)),
        ("-20°06’36.06”", None, -(20 + 6 / 60 + 36.06 / 3600)),
        ("43°22'36.8\" W", None, -(43 + 22 / 60 + 36.8 / 3600)),
        ("S 20°30'", None, -20.5),
        ("1°30'N", "S", 1.5),  # a letter in the text wins over the hemisphere column
        ("-2°50'0.4477", None, -(2 + 50 / 60 + 0.4477 / 3600)),
        ("-20,5", None, -20.5),
        ("-20.25", None, -20.25),
        ("12", "N", 12.0),
    ],
)
def test_parse_dms_golden(text: str, hemisphere: str | None, expected: float) -> None:
    assert parse_dms(text, hemisphere) == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize(
    "text", ["-20°12'xx", "°21'05.800\"", "abc", "20°61'00\"", "20°10'70\"", "200", "12.5°30'", "20°10'10\" Q"]
)
def test_parse_dms_rejects_garbage_quoting_it(text: str) -> None:
    with pytest.raises(ValueError, match="not a coordinate"):
        parse_dms(text)


def test_parse_dms_empty_and_overflow_option() -> None:
    with pytest.raises(ValueError, match="empty"):
        parse_dms("  ")
    assert parse_dms("-09°34'60.000\"", allow_overflow=True) == pytest.approx(-(9 + 35 / 60))


# --- numbers -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("57.463.773,00", 57463773.0),
        ("10,3", 10.3),
        ("22", 22.0),
        ("19.6", 19.6),
        ("1.290", 1290.0),
        ("-703", -703.0),
        (" 0,00 ", 0.0),
        ("", None),
        ("-", None),
        ("N/A", None),
    ],
)
def test_parse_br_number_golden(text: str, expected: float | None) -> None:
    assert parse_br_number(text) == expected


@pytest.mark.parametrize("text", ["abc", "1,2,3", "12.34.5,6", "10 m"])
def test_parse_br_number_rejects_garbage(text: str) -> None:
    with pytest.raises(ValueError, match="not a number"):
        parse_br_number(text)


# --- real SIGBM / ANM files ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "rows", "file_format"),
    [
        (SIGBM_2025, 916, "sigbm_xlsx"),
        (SIGBM_2022, 912, "sigbm_xlsx"),
        (DETAILED_2022, 909, "sigbm_detailed_csv"),
        (ANM_2019, 769, "anm_2019_tsv"),
    ],
)
def test_real_registers_import_with_their_counts(
    real_data: Path, capsys: pytest.CaptureFixture[str], name: str, rows: int, file_format: str
) -> None:
    result = read_register(real_data / "sigbm" / name)
    with capsys.disabled():
        print("\n" + result.report_text(max_listed=8))
    assert result.file_format == file_format
    assert result.rows_read == rows
    assert len(result.entries) + len(result.rejected) == rows
    assert len(result.entries) >= rows - 2
    assert len({entry.register_id for entry in result.entries}) == len(result.entries)
    assert all(entry.lon is not None and entry.lat is not None for entry in result.entries)
    assert result.report()["imported"] == len(result.entries)


def test_2025_export_fields_coordinates_and_flags(sigbm_2025: RegisterImport) -> None:
    assert sigbm_2025.snapshot_date == "2025-10-17"
    outside = [e for e in sigbm_2025.entries if not in_brazil(e.lon, e.lat)]
    assert all("outside_brazil" in e.flags or "swapped_lat_lon" in e.flags for e in outside)
    by_id = {e.register_id: e for e in sigbm_2025.entries}
    taboca = by_id["8662"]
    assert taboca.volume_m3 == 57463773.0
    assert taboca.height_m == pytest.approx(19.6)
    assert taboca.state == "AM" and taboca.owner == "MINERACAO TABOCA S A"
    assert taboca.risk_category == "Alta" and taboca.emergency_level == "Nível de Emergência 1"
    assert taboca.lat == pytest.approx(-(44 / 60 + 0.1 / 3600)) and taboca.raw["Latitude"] == "-00°44'00.100\""
    north = [e for e in sigbm_2025.entries if e.raw["Posicionamento"] == "Norte do Equador"]
    assert north and all(e.lat is not None and e.lat > 0 for e in north)


def test_negative_height_is_flagged_and_kept(sigbm_2025: RegisterImport) -> None:
    negative = [e for e in sigbm_2025.entries if e.height_m is not None and e.height_m < 0]
    assert [e.register_id for e in negative] == ["8546"]
    assert "negative_height" in negative[0].flags
    assert sigbm_2025.report()["flagged"]["per_flag"]["negative_height"] == 1


def test_minutes_of_sixty_are_carried_over_and_flagged(sigbm_2025: RegisterImport) -> None:
    overflow = [e for e in sigbm_2025.entries if "dms_overflow" in e.flags]
    assert overflow and all(in_brazil(e.lon, e.lat) for e in overflow)


def test_2019_tsv_rejects_the_latitude_without_degrees(real_data: Path) -> None:
    result = read_register(real_data / "sigbm" / ANM_2019)
    assert [(row.source_line, "not a coordinate" in row.reason) for row in result.rejected] == [(440, True)]
    assert "°21'05.800" in result.rejected[0].reason


def test_diff_2022_to_2025(
    sigbm_2022: RegisterImport, sigbm_2025: RegisterImport, capsys: pytest.CaptureFixture[str]
) -> None:
    diff = diff_snapshots(sigbm_2022.entries, sigbm_2025.entries)
    with capsys.disabled():
        print("\nSIGBM 2022-05-05 -> 2025-10-17\n" + diff.summary())
    assert diff.added and diff.removed
    added = {e.register_id for e in diff.added}
    removed = {e.register_id for e in diff.removed}
    assert not added & removed
    kept = "9776"  # VALE GOLD, in both exports at the same place
    assert kept not in added | removed
    assert kept not in {o.register_id for o, _, _ in diff.moved}
    old_ids = {e.register_id for e in sigbm_2022.entries}
    assert added == {e.register_id for e in sigbm_2025.entries} - old_ids
    assert all(distance_m > 50 for _, _, distance_m in diff.moved)


# --- the demo register ----------------------------------------------------------------------------------------------


def test_demo_register_imports_every_row(tmp_path: Path) -> None:
    from core.demo import make_demo_scene

    paths = make_demo_scene(tmp_path, size=768)
    register = tmp_path / "anm_register_demo.csv"
    lines = register.read_bytes().decode("latin-1").splitlines()
    result = read_register(register)
    assert result.file_format == "sigbm_detailed_csv"
    assert result.rows_read == len(lines) - 1 == len(result.entries) > 0
    assert not result.rejected
    assert all(e.name and e.name.startswith("DEMO") and in_brazil(e.lon, e.lat) for e in result.entries)
    assert paths.register == register


# --- small synthetic files: flags and errors ---------------------------------------------------------------------

_DETAILED_HEADER = (
    "ID;Nome;UF;Latitude;Longitude;Posicionamento;Altura máxima atual (m);Volume atual do Reservatório (m³)"
)


def _write(path: Path, lines: list[str], encoding: str = "latin-1") -> Path:
    path.write_bytes("\r\n".join(lines).encode(encoding))
    return path


def test_flags_and_rejections_on_a_small_register(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "small.csv",
        [
            _DETAILED_HEADER,
            "1;ok;MG;-20°06'36.060'';-43°30'00.000'';Sul do Equador;10,5;1.234,00",
            "2;swapped;MG;-43°30'00.000'';-20°06'36.060'';Sul do Equador;5;0",
            "3;abroad;MG;40°00'00.000'';-3°00'00.000'';Norte do Equador;5;1",
            ";;;;;;;",
            "4;no place;MG;;-43°30'00.000'';Sul do Equador;5;1",
            "5;bad;MG;-20°12'xx;-43°30'00.000'';Sul do Equador;5;1",
            "6;tall;MG;-20°06'36.060'';-43°30'00.000'';Sul do Equador;350;-5",
            "7;zero;MG;-20,1;-43,5;Sul do Equador;0;garbage",
        ],
    )
    result = read_register(path)
    assert result.rows_read == 7  # the empty line is not a row
    flags = {e.register_id: e.flags for e in result.entries}
    assert flags["1"] == ()
    assert flags["2"] == ("swapped_lat_lon",)
    swapped = next(e for e in result.entries if e.register_id == "2")
    assert swapped.lat == pytest.approx(-20.11, abs=0.01) and swapped.lon == pytest.approx(-43.5)
    assert "outside_brazil" in flags["3"]
    assert set(flags["6"]) == {"height_implausible", "negative_volume"}
    assert set(flags["7"]) == {"zero_height", "volume_not_a_number"}
    reasons = {row.source_line: row.reason for row in result.rejected}
    assert set(reasons) == {6, 7}
    assert "no latitude" in reasons[6] and "'-20°12'xx' is not a coordinate" in reasons[7]
    report = result.report()
    assert report["rejected"]["count"] == 2 and report["flagged"]["count"] == 4
    assert "line 7: latitude '-20°12'xx' is not a coordinate" in result.report_text()


def test_unreadable_files_raise_register_import_error(tmp_path: Path) -> None:
    binary = tmp_path / "register.csv"
    binary.write_bytes(b"\x00\x01\x02binary")
    with pytest.raises(RegisterImportError, match="binary"):
        read_register(binary)
    no_coords = _write(tmp_path / "nocoords.csv", ["Nome;UF;Altura", "a;MG;3"])
    with pytest.raises(RegisterImportError, match=r"nocoords\.csv .*Nome, UF, Altura"):
        read_register(no_coords)
    fake_xlsx = tmp_path / "fake.xlsx"
    fake_xlsx.write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(RegisterImportError, match="fake.xlsx"):
        read_register(fake_xlsx)
    with pytest.raises(RegisterImportError, match="does not exist"):
        read_register(tmp_path / "missing.xlsx")
    assert RegisterImportError.title == "This register file can't be imported"
    assert isinstance(RegisterImportError("x"), ValueError)


# --- layers ----------------------------------------------------------------------------------------------------------


def test_amazon_mining_watch_geojson(real_data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = read_layer(real_data / "mining_areas" / "amazon_mining_watch_2024_brazil.geojson", "mine")
    with capsys.disabled():
        print("\n" + result.report_text(max_listed=3))
    assert result.file_format == "geojson" and len(result.entries) == result.rows_read == 2094
    first = result.entries[0]
    assert first.kind == "mine" and first.register_id == "amazon_mining_watch_2024_brazil:1"
    assert first.geometry_wkt is not None and first.geometry_wkt.startswith("POLYGON")
    assert all(e.lon is not None and e.lat is not None and math.isfinite(e.lon) for e in result.entries)
    assert sum(1 for e in result.entries if "outside_brazil" in e.flags) < 10


def test_maus_tang_gpkg(real_data: Path) -> None:
    result = read_layer(real_data / "mining_areas" / "maus_tang_demo.gpkg", "reference")
    assert result.file_format == "gpkg" and len(result.entries) == 100
    assert result.entries[0].register_id == result.entries[0].raw["id"]
    in_bbox = [e for e in result.entries if "outside_brazil" not in e.flags]
    assert len(in_bbox) >= 11  # 11 are in Brazil; neighbours inside the bounding box count too


def test_shapefile_in_utm_is_reprojected(tmp_path: Path) -> None:
    frame = gpd.GeoDataFrame(
        {"processo": ["830.001/2020"], "nome": ["Mina A"], "geometry": [box(600_000, 7_770_000, 601_000, 7_771_000)]},
        crs="EPSG:31983",
    )
    frame.to_file(tmp_path / "mines.shp")
    result = read_layer(tmp_path / "mines.shp", "mine")
    entry = result.entries[0]
    assert result.file_format == "shapefile"
    assert entry.register_id == "830.001/2020" and entry.name == "Mina A"
    assert entry.lon is not None and entry.lat is not None
    assert -44.1 < entry.lon < -43.9 and -20.2 < entry.lat < -20.0 and entry.flags == ()
    points = gpd.GeoDataFrame({"geometry": [Point(-43.5, -20.1)]}, crs="EPSG:4326")
    points.to_file(tmp_path / "points.geojson")
    point = read_layer(tmp_path / "points.geojson", "reference").entries[0]
    assert (point.lon, point.lat, point.register_id) == (-43.5, -20.1, "points:1")


def test_csv_points_layer(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "minas.csv",
        [
            "ID;Nome;LAT;Long",
            "a;one;-20,1;-43,5",
            "b;two;-43,5;-20,1",
            "c;three;;-43,5",
            "d;four;-20°06'36\";-43°30'00\"",
        ],
        encoding="utf-8",
    )
    result = read_layer(path, "mine")
    assert result.file_format == "csv_points" and result.rows_read == 4
    by_id = {e.register_id: e for e in result.entries}
    assert (by_id["a"].lon, by_id["a"].lat, by_id["a"].flags) == (-43.5, -20.1, ())
    assert (by_id["b"].lon, by_id["b"].lat, by_id["b"].flags) == (-43.5, -20.1, ("swapped_lat_lon",))
    assert by_id["d"].lat == pytest.approx(-20.11)
    assert [r.source_line for r in result.rejected] == [4]
    comma = _write(tmp_path / "pts.csv", ["latitude,longitude", "-20.1,-43.5"], encoding="utf-8")
    assert read_layer(comma, "reference").entries[0].register_id == "pts:2"


def test_layer_errors(tmp_path: Path) -> None:
    no_coords = _write(tmp_path / "list.csv", ["id;nome", "1;x"])
    with pytest.raises(RegisterImportError, match=r"list\.csv .*latitude and longitude.*id, nome"):
        read_layer(no_coords, "mine")
    with pytest.raises(RegisterImportError, match="not a layer format"):
        read_layer(_write(tmp_path / "x.docx", ["x"]), "mine")
    broken = tmp_path / "broken.geojson"
    broken.write_text("{not json")
    with pytest.raises(RegisterImportError, match="broken.geojson"):
        read_layer(broken, "mine")
    with pytest.raises(ValueError, match="kind"):
        read_layer(no_coords, "dam")


# --- diff on hand-made entries ----------------------------------------------------------------------------------


def _dam(register_id: str, lon: float, lat: float, risk: str | None = "Baixa") -> RegisterEntry:
    return RegisterEntry(
        kind="dam", register_id=register_id, name=None, owner=None, state=None, municipality=None, main_ore=None,
        height_m=None, volume_m3=None, construction_method=None, risk_category=risk, potential_damage=None,
        emergency_level=None, lon=lon, lat=lat, geometry_wkt=None, raw={}, flags=(), source_line=1,
    )  # fmt: skip


def test_diff_moved_and_risk_changed() -> None:
    old = [_dam("1", -43.5, -20.0), _dam("2", -43.5, -20.0), _dam("3", -43.5, -20.0)]
    new = [_dam("1", -43.5, -20.0003), _dam("2", -43.5, -20.01, "Alta"), _dam("4", -44.0, -20.0)]
    diff = diff_snapshots(old, new)
    assert [e.register_id for e in diff.added] == ["4"] and [e.register_id for e in diff.removed] == ["3"]
    assert [(o.register_id, round(d)) for o, _, d in diff.moved] == [("2", 1112)]
    assert [(o.risk_category, n.risk_category) for o, n in diff.risk_changed] == [("Baixa", "Alta")]
    assert "moved: 1" in diff.summary()
    with pytest.raises(ValueError, match="moved_threshold_m"):
        diff_snapshots(old, new, moved_threshold_m=-1)
