"""A place's dossier from the store: periods, pictures, register neighbours, the whole audit trail, models and
recipes; the ``dossier`` command's two files; the web app's download buttons; and the two-period demo's pictures."""

from __future__ import annotations

import io
import math
from collections.abc import Iterator
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
import rasterio
from affine import Affine
from pypdf import PdfReader

from cli.main import main
from core.access.users import add_user
from core.imagery.geo import EARTH_RADIUS_M
from core.imagery.provenance import ImageryProvenance
from core.register import RegisterEntry, RegisterImport
from core.register.matching import MatchSettings
from db.connection import StoreError, connect
from db.dossiers import dossier_for_site
from db.registers import insert_register
from db.reviews import add_review
from db.workflows import rematch
from tests.store.places_data import LAT0, STORY, A, B, C, add_scan

NOTE = '<script>alert(1)</script> visitei a cava, cota ≥ 5 m & "B1"'
T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def _east(lon: float, metres: float) -> float:
    """The longitude ``metres`` east of ``lon`` on LAT0 (on the matching's sphere)."""
    return lon + math.degrees(metres / EARTH_RADIUS_M) / math.cos(math.radians(LAT0))


def _north(metres: float) -> float:
    return LAT0 + math.degrees(metres / EARTH_RADIUS_M)


def _entry(kind: str, rid: str, name: str, lon: float, lat: float, **extra: object) -> RegisterEntry:
    fields: dict[str, object] = {
        "owner": None, "state": "MG", "municipality": "Itabirito", "main_ore": "Minério de ferro", "height_m": None,
        "volume_m3": None, "construction_method": None, "risk_category": None, "potential_damage": None,
        "emergency_level": None, **extra,
    }  # fmt: skip
    return RegisterEntry(kind=kind, register_id=rid, name=name, lon=lon, lat=lat, geometry_wkt=None, raw={},
                         flags=(), source_line=2, **fields)  # type: ignore[arg-type]  # fmt: skip


#: Dams around place A (at A, LAT0): 600 m east, 2 km north, 4.5 km east, 8 km north (the fourth: left out), 15 km.
DAMS = (
    _entry("dam", "BR-MG-0001", "Barragem Forquilha III", _east(A, 600), LAT0, owner="Vale S.A.",
           municipality="Ouro Preto", risk_category="Baixa", potential_damage="Alta", height_m=74.0),
    _entry("dam", "BR-MG-0002", "Barragem São João", A, _north(2000), owner="Mineração Ibirité Ltda."),
    _entry("dam", "BR-MG-0003", "Barragem Córrego do Feijão", _east(A, 4500), LAT0),
    _entry("dam", "BR-MG-0004", "Barragem Açude Velho", A, _north(8000)),
    _entry("dam", "BR-MG-0005", "Barragem Distante", _east(A, 15_000), LAT0),
)  # fmt: skip
MINES = (_entry("mine", "ANM-831.044/2010", "Mina do Pico", A, _north(-1200), owner="Minerações Brasileiras"),)


def _store(path: Path) -> dict[str, int]:
    """Three yearly scans of the places story, the register above, decisions on place A's sites; ids by name."""
    con = connect(path)
    scans = {period: add_scan(con, period, sites) for period, sites in STORY.items()}
    recipe = ImageryProvenance("Google Earth Engine", "COPERNICUS/S2_SR_HARMONIZED", "2025-01-01", "2026-01-01",
                               max_cloud_percent=20, composite="median", scale_m=10.0)  # fmt: skip
    con.execute("UPDATE scan SET imagery_json = ? WHERE id = ?", [recipe.to_json(), scans["2025"]])
    insert_register(con, RegisterImport("sigbm.csv", "sigbm_detailed_csv", None, DAMS, (), len(DAMS)), "dam")
    insert_register(con, RegisterImport("sigmine.csv", "sigmine_csv", None, MINES, (), 1), "mine")
    rematch(con, MatchSettings())
    ids = {f"{period}:{lon}": int(i) for period, lon, i in con.execute(
        "SELECT c.period_label, s.lon, s.id FROM site s JOIN scan c ON c.id = s.scan_id").fetchall()}  # fmt: skip
    first, latest = ids[f"2023:{A}"], ids[f"2025:{A}"]
    add_review(con, first, "ana", "confirmed", "mine_visible", NOTE, 40.0, role="reviewer")
    add_review(con, latest, "carla", "rejected", "irrigation_dam", "Açude, sem cava", role="supervisor",
               kind="override")  # fmt: skip
    add_review(con, ids[f"2023:{C}"], "ana", "unsure", None, "another place", role="reviewer")
    con.execute("INSERT INTO double_review (site_id) VALUES (?)", [ids[f"2024:{A}"]])
    add_review(con, ids[f"2024:{A}"], "bia", "confirmed", "mine_visible", "blind call", role="reviewer")
    con.close()
    return {"first": first, "middle": ids[f"2024:{A}"], "latest": latest, "b": ids[f"2025:{B}"],
            "c": ids[f"2023:{C}"]}  # fmt: skip


@pytest.fixture
def store(tmp_path: Path) -> tuple[Path, dict[str, int]]:
    path = tmp_path / "store.duckdb"
    return path, _store(path)


def test_the_dossier_holds_the_place_over_time(store: tuple[Path, dict[str, int]]) -> None:
    path, ids = store
    con = connect(path)
    d = dossier_for_site(con, ids["middle"], generated_by="carla.lima", now=T0)
    assert d.site_ids == (ids["first"], ids["middle"], ids["latest"])
    assert (d.lon, d.lat) == (A, LAT0) and d.outline_wkt.startswith("POLYGON")
    assert (d.first_seen, d.last_seen, d.persistence) == ("2023", "2025", "confirmed")
    assert d.match_status == "registered"  # the dam 600 m away is within the 1 km radius
    assert [(p.label, p.start, p.end) for p in d.periods] == [
        ("2023", "2023-01-01", "2024-01-01"), ("2024", "2024-01-01", "2025-01-01"), ("2025", "2025-01-01", "2026-01-01")
    ]  # fmt: skip
    assert [p.area_ha for p in d.periods] == pytest.approx([9.0, 12.25, 25.0])  # 300, 350 and 500 m squares
    assert [p.site_ids for p in d.periods] == [(ids["first"],), (ids["middle"],), (ids["latest"],)]
    assert d.models == ("m@1",)
    assert [label for label, _ in d.imagery] == ["2023", "2024", "2025"]
    latest_recipe = dict(d.imagery)["2025"]
    assert latest_recipe["Collection"] == "COPERNICUS/S2_SR_HARMONIZED" and latest_recipe["Composite"] == "median"
    assert dict(d.imagery)["2023"] == {"Source": "MineScan synthetic demo"}
    assert d.synthetic and d.generated_by == "carla.lima" and d.generated_at == "2026-12-01T12:00:00+00:00"
    assert d.before is None and d.after is None  # the scans' scene files do not exist: no picture, no crash
    con.close()


def test_register_neighbours_are_the_nearest_of_each_kind_in_metres(store: tuple[Path, dict[str, int]]) -> None:
    path, ids = store
    con = connect(path)
    d = dossier_for_site(con, ids["first"], generated_by="x")
    # Three dams at most (the fourth, 8 km away, is left out), none beyond 10 km; nearest first, whatever the kind.
    assert [(n.kind, n.name) for n in d.neighbours] == [
        ("dam", "Barragem Forquilha III"),
        ("mine", "Mina do Pico"),
        ("dam", "Barragem São João"),
        ("dam", "Barragem Córrego do Feijão"),
    ]
    assert [n.distance_m for n in d.neighbours] == pytest.approx([600, 1200, 2000, 4500], abs=0.5)
    dam = d.neighbours[0]
    assert (dam.register_id, dam.owner, dam.municipality, dam.state) == ("BR-MG-0001", "Vale S.A.", "Ouro Preto", "MG")
    assert (dam.main_ore, dam.risk_category, dam.potential_damage) == ("Minério de ferro", "Baixa", "Alta")
    assert dam.height_m == 74.0 and d.neighbours[1].height_m is None
    matched = con.execute(
        "SELECT nearest_dam_m, nearest_mine_m FROM site_match WHERE site_id = ?", [d.site_ids[-1]]
    ).fetchone()
    assert matched is not None  # the triage page's numbers, from core.register.matching
    assert dam.distance_m == pytest.approx(matched[0], abs=0.01)
    assert d.neighbours[1].distance_m == pytest.approx(matched[1], abs=0.01)
    con.close()


def test_the_audit_trail_covers_every_site_of_the_place(store: tuple[Path, dict[str, int]]) -> None:
    path, ids = store
    con = connect(path)
    trail = dossier_for_site(con, ids["latest"], generated_by="x").decisions
    assert [(x.reviewer, x.role, x.decision, x.kind, x.site_id, x.period) for x in trail] == [
        ("ana", "reviewer", "confirmed", "decision", ids["first"], "2023"),
        ("carla", "supervisor", "rejected", "override", ids["latest"], "2025"),
        ("bia", "reviewer", "confirmed", "decision", ids["middle"], "2024"),
    ]  # fmt: skip  (place C's decision is not in it)
    assert trail[0].note == NOTE and trail[0].reason == "mine_visible" and trail[1].reason == "irrigation_dam"
    assert datetime.fromisoformat(trail[0].decided_at).year >= 2024
    blind = dossier_for_site(con, ids["latest"], generated_by="ana", blind_for="ana").decisions
    assert [x.reviewer for x in blind] == ["ana", "carla"]  # bia's call on a double-review site still blind
    con.close()


def test_an_unknown_site_says_so(store: tuple[Path, dict[str, int]]) -> None:
    con = connect(store[0])
    with pytest.raises(StoreError, match="there is no site 9999"):
        dossier_for_site(con, 9999, generated_by="x")
    con.close()


def _write_scene(path: Path) -> Path:
    """Three bands (read as B2, B3, B4) in EPSG:4326 over places A, B and C, 0.0002° pixels, a bright pit at A."""
    step, west, north = 0.0002, -43.95, -19.95
    width, height = round(0.3 / step), round(0.1 / step)
    data = np.full((3, height, width), 1200, dtype="uint16")
    col, row = round((A - west) / step), round((north - LAT0) / step)
    data[:, row - 10 : row + 10, col - 10 : col + 10] = 5000
    with rasterio.open(path, "w", driver="GTiff", width=width, height=height, count=3, dtype="uint16", nodata=0,
                       crs="EPSG:4326", transform=Affine(step, 0, west, 0, -step, north)) as dst:  # fmt: skip
        dst.write(data)
    return path


def test_pictures_show_the_ground_before_and_after(store: tuple[Path, dict[str, int]]) -> None:
    path, ids = store
    con = connect(path)
    con.execute("UPDATE scan SET scene_path = ?", [str(_write_scene(path.parent / "scene.tif"))])
    grown = dossier_for_site(con, ids["first"], generated_by="x")
    assert grown.before is not None and grown.after is not None
    assert (grown.before.label, grown.after.label) == ("2023", "2025")
    assert grown.before.png.startswith(b"\x89PNG") and 1500 < grown.after.ground_width_m < 2500
    new = dossier_for_site(con, ids["b"], generated_by="x")  # first seen in the latest period
    assert new.before is not None and new.after is not None
    assert (new.before.label, new.after.label) == ("2024 (not detected)", "2025")
    assert [label for label, _ in new.imagery] == ["2024", "2025"]  # the recipe of the pictured 2024 scan too
    gone = dossier_for_site(con, ids["c"], generated_by="x")  # seen in 2023 only
    assert gone.before is not None and gone.after is not None
    assert (gone.before.label, gone.after.label) == ("2023", "2025 (not detected)")
    con.close()


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


@pytest.fixture
def users(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "users.json"
    add_user(path, "carla.lima", "manager", password="a long enough password")
    monkeypatch.setenv("MINESCAN_USERS", str(path))
    return path


def test_the_command_writes_the_html_and_the_pdf(
    store: tuple[Path, dict[str, int]], users: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, ids = store
    out = tmp_path / "dossiers"
    assert main(["dossier", "--site", str(ids["middle"]), "--out", str(out), "--db", str(path), "--by",
                 "carla.lima"]) == 0  # fmt: skip
    printed = capsys.readouterr().out.splitlines()
    html, pdf = Path(printed[-2]), Path(printed[-1])
    assert (html.parent, pdf.parent) == (out, out) and html.stem == pdf.stem and html.stem.startswith("dossier_P2023")
    page = html.read_text(encoding="utf-8")
    parsed = _Text()
    parsed.feed(page)
    text = "".join(parsed.text)
    assert "script" not in parsed.tags and NOTE in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert html.stem.removeprefix("dossier_") in text and "Barragem Forquilha III" in text and "carla.lima" in text
    reader = PdfReader(io.BytesIO(pdf.read_bytes()))
    flat = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
    assert html.stem.removeprefix("dossier_") in flat and "ana" in flat and "carla.lima" in flat
    assert "Synthetic demo data" in flat


def test_the_command_refuses_an_unknown_account_and_site(
    store: tuple[Path, dict[str, int]], users: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, ids = store
    out = tmp_path / "none"
    assert main(["dossier", "--site", str(ids["first"]), "--out", str(out), "--db", str(path), "--by", "zeca"]) == 2
    assert "no such active user" in capsys.readouterr().err
    assert main(["dossier", "--site", "9999", "--out", str(out), "--db", str(path)]) == 2
    assert "there is no site 9999" in capsys.readouterr().err and not out.exists()


def _downloads_page() -> None:
    import streamlit as st

    from core.access.users import Identity
    from ui import resources
    from ui.dossier import dossier_downloads

    with resources.page_run():
        dossier_downloads(int(st.session_state["site"]), Identity("ana", "reviewer", "Ana", "password"))


@pytest.fixture
def page_env(store: tuple[Path, dict[str, int]], monkeypatch: pytest.MonkeyPatch, clean_caches: None) -> Iterator[int]:
    monkeypatch.setenv("MINESCAN_DB", str(store[0]))
    yield store[1]["middle"]


def test_the_app_builds_the_dossier_only_when_asked(page_env: int) -> None:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_downloads_page, default_timeout=30)
    at.session_state["site"] = page_env
    at.run()
    assert not at.exception and [b.label for b in at.button] == ["Prepare the dossier"]
    assert "prepared_dossier" not in at.session_state
    at.button[0].click().run()
    assert not at.exception, at.exception
    labels = [e.proto.label for e in at.get("download_button")]
    assert labels == ["Dossier (PDF)", "Dossier (HTML)"]
    prepared = at.session_state["prepared_dossier"]
    assert prepared.pdf.startswith(b"%PDF") and prepared.site_id == page_env
    assert "blind call" not in prepared.html.decode()  # ana sees bia's blind call no more than in the queue


@pytest.fixture(scope="module")
def demo_store(two_period_demo: Path) -> Path:
    """The session's two-period synthetic demo store (read only here)."""
    return two_period_demo / "store.duckdb"


def test_a_grown_demo_pit_has_its_2024_and_2025_pictures(demo_store: Path) -> None:
    from db.places import place_rows

    con = connect(demo_store)
    places = place_rows(con)
    grown = places[(places["first_period"] == "2024") & (places["growth_ha"] > 5)]
    assert len(grown) == 3  # T03, T07 and T08
    d = dossier_for_site(con, int(grown.iloc[0]["site_id"]), generated_by="x")
    assert d.before is not None and d.after is not None and d.synthetic
    assert (d.before.label, d.after.label) == ("2024", "2025") and d.before.png != d.after.png
    assert [p.label for p in d.periods] == ["2024", "2025"] and d.periods[1].area_ha > d.periods[0].area_ha + 5
    assert [label for label, _ in d.imagery] == ["2024", "2025"] and len(d.models) == 2
    con.close()
