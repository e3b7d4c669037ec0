"""The site dossier: what an auditor checks in the HTML page and the PDF, and that data never becomes markup."""

from __future__ import annotations

import base64
import dataclasses
import io
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from PIL import Image
from pypdf import PdfReader

from core.register.dms import dms, parse_lat, parse_lon_brazil
from core.review.dossier import (
    SYNTHETIC_BANNER,
    Dossier,
    DossierDecision,
    DossierImage,
    DossierPeriod,
    RegisterNeighbour,
    dossier_stem,
    render_html,
    render_pdf,
    scale_bar_length,
)
from core.review.scale_bar import scale_label, with_scale_bar

ZONE = ZoneInfo("America/Sao_Paulo")
LAT, LON = -20.119778, -44.123778
DMS_TEXT = "20°07'11.2\"S 44°07'25.6\"W"
NOTE_SCRIPT = "<script>alert(1)</script> visited São João, cota ≥ 5 m"
REVIEWER_EVIL = '"><img src=x onerror=alert(2)>'
OUTLINE = (
    "POLYGON ((-44.126 -20.122, -44.121 -20.122, -44.121 -20.117, -44.126 -20.117, -44.126 -20.122), "
    "(-44.1245 -20.1205, -44.1235 -20.1205, -44.1235 -20.1195, -44.1245 -20.1205))"
)


def _png(seed: int, size: tuple[int, int] = (120, 160)) -> bytes:
    rng = np.random.default_rng(seed)
    pixels = rng.integers(0, 255, (*size, 3), dtype=np.uint8)
    out = io.BytesIO()
    Image.fromarray(pixels, mode="RGB").save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def dossier() -> Dossier:
    """Two periods, the area grown from 12 to 15.4 ha, two Portuguese register neighbours, a hostile audit trail."""
    return Dossier(
        place_id="place-23KPT-0007",
        site_ids=(12, 57),
        lon=LON,
        lat=LAT,
        outline_wkt=OUTLINE,
        first_seen="2023",
        last_seen="2025",
        persistence="persistent",
        match_status="unregistered",
        periods=(
            DossierPeriod("2023", "2023-01-01", "2024-01-01", 12.0, 0.91, (12,)),
            DossierPeriod("2025", "2025-01-01", "2026-01-01", 15.4, 0.97, (57,)),
        ),
        before=DossierImage("2023", _png(1), 1600.0),
        after=DossierImage("2025", _png(2), 1600.0),
        neighbours=(
            RegisterNeighbour(
                "mine",
                "ANM-831.044/2010",
                "Mina do Pico",
                "Minerações Brasileiras Reunidas",
                "MG",
                "Itabirito",
                "Minério de ferro",
                None,
                None,
                None,
                12_400.0,
            ),
            RegisterNeighbour(
                "dam",
                "BR-MG-1234",
                "Barragem Forquilha III",
                "Vale S.A.",
                "MG",
                "Ouro Preto",
                "Minério de ferro",
                "Alta",
                "Alto",
                74.0,
                850.0,
            ),
        ),  # fmt: skip
        decisions=(
            DossierDecision(
                "2026-11-20T14:03:00",
                "ana.souza",
                "reviewer",
                "confirmed",
                "mine_visible",
                NOTE_SCRIPT,
                "decision",
                57,
                "2025",
            ),
            DossierDecision(
                "2026-11-21T09:30:00",
                REVIEWER_EVIL,
                "supervisor",
                "rejected",
                "irrigation_dam",
                'Açude "B1"; no pit',
                "override",
                57,
                None,
            ),
        ),  # fmt: skip
        models=("demo_discovery@1", "demo_impact@2"),
        imagery=(
            ("2023", {"Collection": "COPERNICUS/S2_SR_HARMONIZED", "Cloud filter": "CLOUDY_PIXEL_PERCENTAGE ≤ 20"}),
            ("2025", {"Collection": "COPERNICUS/S2_SR_HARMONIZED", "Composite": "median"}),
        ),
        generated_at="2026-12-01T12:00:00",
        generated_by="carla.lima",
        synthetic=False,
    )


class _Tree(HTMLParser):
    """Every start tag with its attributes, and the text of each table row and figure caption."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.rows: dict[str, list[list[str]]] = {}
        self.captions: list[str] = []
        self.text: list[str] = []
        self._table: str | None = None
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._caption: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "table":
            self._table = dict(attrs).get("id") or "table"
            self.rows.setdefault(self._table, [])
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "figcaption":
            self._caption = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append("".join(self._cell))
            self._cell = None
        elif tag == "tr" and self._row is not None and self._table:
            self.rows[self._table].append(self._row)
            self._row = None
        elif tag == "figcaption" and self._caption is not None:
            self.captions.append("".join(self._caption))
            self._caption = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        for part in (self._cell, self._caption):
            if part is not None:
                part.append(data)


def _parse(page: str) -> _Tree:
    tree = _Tree()
    tree.feed(page)
    return tree


def _pdf_text(pdf: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(pdf))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


def test_dms_reads_back_to_the_point() -> None:
    assert dms(LAT, LON) == DMS_TEXT
    lat_text, lon_text = DMS_TEXT.split()
    assert parse_lat(lat_text) == pytest.approx(LAT, abs=1e-4)
    assert parse_lon_brazil(lon_text) == pytest.approx(LON, abs=1e-4)
    assert dms(-20.99999999, 0.0) == "21°00'00.0\"S 0°00'00.0\"E"  # rounding carries: never 60.0"
    with pytest.raises(ValueError, match="not a latitude"):
        dms(91.0, 0.0)


@pytest.mark.parametrize(
    ("width_m", "bar_m", "label"),
    [(400, 100, "100 m"), (1000, 200, "200 m"), (1600, 200, "200 m"), (2000, 500, "500 m"), (3000, 500, "500 m"),
     (4000, 1000, "1 km"), (9000, 2000, "2 km"), (25_000, 5000, "5 km"), (50, 10, "10 m")],
)  # fmt: skip
def test_scale_bar_is_a_round_length_of_about_a_quarter_of_the_width(width_m: float, bar_m: float, label: str) -> None:
    assert scale_bar_length(width_m) == bar_m
    assert bar_m <= width_m / 4 < bar_m * 2.5
    assert scale_label(bar_m) == label
    with pytest.raises(ValueError, match="positive"):
        scale_bar_length(0)


def test_scale_bar_is_drawn_under_the_picture() -> None:
    png, bar_m = with_scale_bar(_png(3, (100, 200)), 2000.0)
    image = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))
    assert bar_m == 500 and image.shape[1] == 200 and image.shape[0] > 100
    strip = image[100:]
    bar_cols = np.flatnonzero((strip[:, :66].max(axis=2) < 40).any(axis=0))  # the label starts 8 px after the bar
    assert (bar_cols.min(), bar_cols.max()) == (10, 60)  # 500 m of 2,000 m on 200 px: 50 px from the margin
    with pytest.raises(ValueError, match="not a readable PNG"):
        with_scale_bar(b"not a png", 2000.0)


def test_html_shows_what_an_auditor_checks(dossier: Dossier) -> None:
    tree = _parse(render_html(dossier, ZONE))
    facts = {row[0]: row[1] for row in tree.rows["facts-table"]}
    assert facts["Place"] == "place-23KPT-0007"
    assert facts["Coordinates (decimal degrees, WGS84)"] == "-20.119778, -44.123778"
    assert facts["Coordinates (degrees, minutes, seconds)"] == DMS_TEXT
    assert (facts["First seen"], facts["Last seen"], facts["Persistence"]) == ("2023", "2025", "Persistent")
    assert facts["Register match"] == "Unregistered"
    assert facts["Area growth"] == "from 12.00 ha (2023) to 15.40 ha (2025): +3.40 ha (+28.3%)"
    assert facts["Generated"] == "2026-12-01 09:00 (UTC−03:00) by carla.lima"
    header, first, second = tree.rows["periods-table"]
    assert header[:6] == ["Period", "Dates", "Area (ha)", "P(mine)", "Growth (ha)", "Growth (%)"]
    assert first[0] == "2023" and first[2:6] == ["12.00", "0.91", "—", "—"] and first[6] == "#12"
    assert second[0] == "2025" and second[2:6] == ["15.40", "0.97", "+3.40", "+28.3%"]
    assert "2025-01-01 to 2026-01-01" in second[1]


def test_html_images_outline_register_decisions_models_recipe(dossier: Dossier) -> None:
    page = render_html(dossier, ZONE)
    tree = _parse(page)
    images = [attrs for tag, attrs in tree.tags if tag == "img"]
    assert len(images) == 2 and all(str(a["src"]).startswith("data:image/png;base64,") for a in images)
    for attrs in images:
        picture = Image.open(io.BytesIO(base64.b64decode(str(attrs["src"]).split(",", 1)[1])))
        assert picture.width == 160 and picture.height > 120  # the strip with the scale bar is below the chip
    assert tree.captions == [
        "Before: 2023 (scale bar 200 m; width 1,600 m)",
        "After: 2025 (scale bar 200 m; width 1,600 m)",
    ]
    assert any(tag == "svg" for tag, _ in tree.tags) and any(tag == "path" for tag, _ in tree.tags)
    assert "POLYGON ((-44.126 -20.122" in page
    register = tree.rows["register-table"][1:]
    assert [r[2] for r in register] == ["Barragem Forquilha III", "Mina do Pico"]  # nearest first
    dam, mine = register
    assert dam[:5] == ["Dam", "BR-MG-1234", "Barragem Forquilha III", "Vale S.A.", "Ouro Preto, MG"]
    assert dam[5:] == ["Minério de ferro", "Alta", "Alto", "74.0 m", "850 m"]
    assert mine[0] == "Mine" and mine[-1] == "12.4 km" and mine[6] == "—"
    header, first, second = tree.rows["decisions-table"]
    assert header == ["When", "Reviewer", "Role", "Kind", "Decision", "Reason", "Note", "Site", "Period"]
    assert first == ["2026-11-20 11:03 (UTC−03:00)", "ana.souza", "Reviewer", "Decision", "Confirmed",
                     "Mine or pit visible", NOTE_SCRIPT, "#57", "2025"]  # fmt: skip
    assert second == ["2026-11-21 06:30 (UTC−03:00)", REVIEWER_EVIL, "Supervisor", "Supervisor's final decision",
                      "Rejected", "Irrigation or farm dam", 'Açude "B1"; no pit', "#57", "—"]  # fmt: skip
    assert [t for t in tree.text if "demo_" in t] == ["demo_discovery@1", "demo_impact@2"]
    recipes = [r for name, rows in tree.rows.items() if name == "table" for r in rows]
    assert ["Cloud filter", "CLOUDY_PIXEL_PERCENTAGE ≤ 20"] in recipes and ["Composite", "median"] in recipes
    assert "2023" in tree.text and "2025" in tree.text  # the recipe's period headings


def test_html_is_self_contained(dossier: Dossier) -> None:
    tree = _parse(render_html(dossier, ZONE))
    assert not [t for t, a in tree.tags if t in ("script", "link", "iframe", "object", "embed")]
    for _, attrs in tree.tags:
        for name in ("src", "href"):
            assert not attrs.get(name) or str(attrs[name]).startswith(("data:", "#")), attrs
    csp = [a["content"] for t, a in tree.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"]
    assert csp and "default-src 'none'" in str(csp[0])


def test_data_never_becomes_markup(dossier: Dossier) -> None:
    evil = "</td><script>alert(3)</script>"
    hostile = dataclasses.replace(
        dossier,
        place_id="<b>p1</b>",
        neighbours=(dataclasses.replace(dossier.neighbours[0], name=evil, owner=REVIEWER_EVIL),),
        models=(evil,),
        imagery=(("<i>2023</i>", {"<u>k</u>": evil}),),
        before=dataclasses.replace(dossier.before, label=REVIEWER_EVIL) if dossier.before else None,
    )
    page = render_html(hostile, ZONE)
    tree = _parse(page)
    tags = {t for t, _ in tree.tags}
    assert not tags & {"script", "b", "i", "u"}
    assert [t for t, _ in tree.tags].count("img") == 2  # the two chips, never the reviewer's <img>
    assert not any(name.startswith("on") for _, attrs in tree.tags for name in attrs)
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&quot;&gt;&lt;img src=x onerror=alert(2)&gt;" in page
    assert any(evil in row for row in tree.rows["register-table"][1])
    assert any(t == "<b>p1</b>" for t in tree.text)


def test_synthetic_banner_only_on_synthetic_dossiers(dossier: Dossier) -> None:
    real = _parse(render_html(dossier, ZONE))
    demo = _parse(render_html(dataclasses.replace(dossier, synthetic=True), ZONE))
    assert SYNTHETIC_BANNER not in "".join(real.text)
    assert "".join(demo.text).count(SYNTHETIC_BANNER) == 2  # above and below; fixed on every printed page
    assert "Site dossier place-23KPT-0007 (synthetic demo data)" in demo.text  # the <title>
    assert "Site dossier place-23KPT-0007" in real.text


def test_pdf_carries_the_same_content(dossier: Dossier) -> None:
    pages, text = _pdf_text(render_pdf(dossier, ZONE))
    assert pages >= 1
    flat = " ".join(text.split())
    for expected in ("place-23KPT-0007", DMS_TEXT, "-20.119778, -44.123778", "Ouro Preto", "Barragem Forquilha III",
                     "Vale S.A.", "Minério de ferro", "850 m", "12.4 km", "ana.souza", "First seen", "Persistent",
                     "+3.40", "+28.3%", "Mine or pit visible", "Irrigation or farm dam", "São João", "≥ 5 m",
                     "≤ 20", "demo_discovery@1", "Before: 2023", "After: 2025", "scale bar 200 m",
                     f"Page 1 of {pages}"):  # fmt: skip
        assert expected in flat, expected
    squeezed = "".join(text.split())  # a table cell breaks a long word where it must
    assert "<script>alert(1)</script>" in squeezed and "".join(REVIEWER_EVIL.split()) in squeezed
    first_seen = flat.split("First seen", 1)[1].split()[0]
    assert first_seen == "2023"
    assert SYNTHETIC_BANNER not in flat


def test_pdf_marks_every_page_of_a_synthetic_dossier(dossier: Dossier) -> None:
    many = tuple(dataclasses.replace(dossier.decisions[0], note=f"visit {i} " * 12) for i in range(60))
    pdf = render_pdf(dataclasses.replace(dossier, synthetic=True, decisions=many), ZONE)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) >= 2
    for number, page in enumerate(reader.pages, start=1):
        text = " ".join(page.extract_text().split())
        assert SYNTHETIC_BANNER in text and f"Page {number} of {len(reader.pages)}" in text


def test_missing_pictures_and_empty_sections_still_render(dossier: Dossier) -> None:
    bare = dataclasses.replace(dossier, before=None, after=None, neighbours=(), decisions=(), models=(), imagery=(),
                               periods=dossier.periods[:1])  # fmt: skip
    tree = _parse(render_html(bare, ZONE))
    assert tree.captions == ["Before: no picture.", "After: no picture."]
    assert {row[0]: row[1] for row in tree.rows["facts-table"]}["Area growth"] == "—"
    pages, text = _pdf_text(render_pdf(bare, ZONE))
    assert pages >= 1 and "Before: no picture." in text


def test_bad_inputs_say_what_is_wrong(dossier: Dossier) -> None:
    with pytest.raises(ValueError, match="polygon"):
        render_html(dataclasses.replace(dossier, outline_wkt="POINT (-44 -20)"), ZONE)
    with pytest.raises(ValueError, match="not a readable PNG"):
        render_pdf(dataclasses.replace(dossier, after=DossierImage("2025", b"junk", 1600.0)), ZONE)
    with pytest.raises(ValueError, match="lon, lat"):
        dataclasses.replace(dossier, lat=-120.0)


def test_dossier_stem_is_a_safe_file_name() -> None:
    assert dossier_stem("place-23KPT-0007") == "dossier_place-23KPT-0007"
    assert dossier_stem("../../etc/passwd") == "dossier_etc_passwd"
    assert dossier_stem("São João/7") == "dossier_S_o_Jo_o_7"
    assert dossier_stem("///") == "dossier_place"


def test_a_multipolygon_outline_draws_every_part(dossier: Dossier) -> None:
    two = (
        "MULTIPOLYGON (((-44.0 -19.0, -43.99 -19.0, -43.99 -18.99, -44.0 -19.0)), "
        "((-43.98 -19.0, -43.97 -19.0, -43.97 -18.99, -43.98 -19.0)))"
    )
    tree = _parse(render_html(dataclasses.replace(dossier, outline_wkt=two), ZONE))
    (outline,) = [a for t, a in tree.tags if t == "path" and a.get("fill-rule") == "evenodd"]
    assert str(outline["d"]).count("M ") == 2
    assert render_pdf(dataclasses.replace(dossier, outline_wkt=two), ZONE).startswith(b"%PDF")
