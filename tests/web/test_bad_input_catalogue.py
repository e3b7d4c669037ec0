"""The bad-input catalogue end to end: every case through the command line and through the app, each answered
with its specific message, and nothing stored.

Scene cases come from ``tests/bad_inputs.py`` (also checked against the core in test_raster.py); register, model
and hostile-text cases are built here. The scans use the shipped RGB model, so that messages are about the file,
not about bands an RGB file cannot have.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cli.main import main
from core.model_card import resolve_model
from core.settings import REAL_RGB_MODEL, model_roots
from db.connection import connect
from db.registers import current_register
from db.reviews import review_history
from tests.app_harness import REVIEWER, filled_store, open_app
from tests.bad_inputs import bad_scenes

SCENE_CASES = [
    "no_crs", "no_transform", "rotated", "wrong_band_count", "missing_named_band", "duplicate_band", "all_nodata",
    "all_nan", "too_small", "one_pixel", "60m_pixels", "not_a_raster", "empty_file", "truncated", "truncated_pixels",
    "far_larger_than_memory", "missing", "folder",
]  # fmt: skip
#: Cases a person cannot pick in the app (the imagery folder lists files only).
CLI_ONLY = {"missing", "folder"}


pytestmark = pytest.mark.usefixtures("clean_caches")


def _stored(store: Path) -> dict[str, int]:
    """What the store holds that a bad input must not add: sites, register rows, reviews."""
    if not store.exists():
        return {"site": 0, "registered_site": 0, "review": 0}
    con = connect(store)
    try:
        tables = ("site", "registered_site", "review")
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}  # noqa: S608
    finally:
        con.close()


@pytest.mark.parametrize("case", SCENE_CASES)
def test_bad_scene_on_the_command_line(env: Path, case: str, capsys: pytest.CaptureFixture[str]) -> None:
    (env / "files").mkdir()
    path, expected = bad_scenes(env / "files")[case]
    out = env / "sites.geojson"
    args = ["scan", str(path), "--model", REAL_RGB_MODEL, "--impact-model", "none", "--db", str(env / "store.duckdb")]
    assert main([*args, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert expected in err and "Traceback" not in err
    assert not out.exists() and _stored(env / "store.duckdb") == {"site": 0, "registered_site": 0, "review": 0}


@pytest.mark.parametrize("case", [c for c in SCENE_CASES if c not in CLI_ONLY])
def test_bad_scene_in_the_app(env: Path, case: str) -> None:
    (env / "files").mkdir()
    path, expected = bad_scenes(env / "files")[case]
    (env / "scenes").mkdir()
    shutil.copy(path, env / "scenes" / path.name)
    at = open_app("app_pages/scan.py")
    next(s for s in at.selectbox if s.label == "Scene file").select(path.name).run()
    next(s for s in at.selectbox if s.label == "Discovery model").select(f"{REAL_RGB_MODEL}@2").run()
    next(b for b in at.button if b.label == "Run the scan").click().run()
    assert not at.exception
    assert at.error and expected in at.error[0].value
    assert _stored(env / "store.duckdb") == {"site": 0, "registered_site": 0, "review": 0}


def test_nan_and_inf_pixels_are_nodata_not_detections(tmp_path: Path) -> None:
    from core.scan.pipeline import scan_scene
    from tests.fakes import RGB, fake_discovery, write_tif

    data = np.full((3, 700, 700), 0.08, np.float32)
    data[:, 300:360, 300:360] = 0.25  # a bright site
    data[0, 100:200, 500:600] = np.inf  # would be "bright" if inf counted as a value
    data[1, 500:560, 100:160] = np.nan
    path = write_tif(tmp_path / "nan_inf.tif", data, descriptions=RGB)
    result = scan_scene(path, fake_discovery())
    assert len(result.sites) == 1  # the real site only
    assert np.isnan(result.grid.p_mine).any()  # cells over inf/NaN are left out, not guessed


# --- registers ---------------------------------------------------------------------------------------------------

HEADER = (
    "ID;Nome;Empreendedor;UF;Latitude;Longitude;Posicionamento;Altura máxima atual (m);"
    "Volume atual do Reservatório (m³)"
)
HOSTILE_NAME = "<img src=x onerror=alert(1)>Barragem '; DROP TABLE site; --"
FORMULA = '=HYPERLINK("http://evil.example","click")'
QUOTED_FORMULA = FORMULA.replace('"', '""')  # a quote inside a quoted CSV field is doubled


def _refused_registers(folder: Path) -> dict[str, tuple[Path, str]]:
    folder.mkdir(parents=True, exist_ok=True)
    files = {}
    (folder / "binary.csv").write_bytes(b"\x00\x01\x02binary\xff")
    files["binary"] = (folder / "binary.csv", "binary")
    (folder / "nocoords.csv").write_bytes("Nome;UF;Altura\r\na;MG;3\r\n".encode("latin-1"))
    files["missing_columns"] = (folder / "nocoords.csv", "Nome, UF, Altura")
    (folder / "fake.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
    files["fake_xlsx"] = (folder / "fake.xlsx", "fake.xlsx")
    (folder / "empty.csv").write_bytes(b"")
    files["zero_bytes"] = (folder / "empty.csv", "empty.csv")
    return files


def _messy_register(path: Path) -> Path:
    """One file with every row-level problem: swapped lat/lon, comma decimals, odd DMS symbols, empty rows, a
    formula-injection owner, HTML and SQL in the name. UTF-8 with CRLF (ANM's open data comes as Latin-1: the reader
    must tell them apart, and the typographic DMS marks exist only in UTF-8)."""
    lines = [
        HEADER,
        # CSV quoting: the name holds the separator; the formula holds quotes (doubled inside a quoted field).
        f'1;"{HOSTILE_NAME}";"{QUOTED_FORMULA}";MG;'
        + "-20°06'36.060'';-43°30'00.000'';Sul do Equador;10,5;1.234.567,89",
        "2;Trocada;Mineração São João;MG;-43°30'00.000'';-20°06'36.060'';Sul do Equador;5;0",
        "3;Símbolos;Açaí Ltda.;PA;-6°03′12,5″;-50°10’30”;Sul do Equador;12,25;2.000,00",
        ";;;;;;;;",
        "4;Ruim;X;MG;-20°12'xx;-43°30'00.000'';Sul do Equador;5;1",
        ";;;;;;;;",
    ]
    path.write_bytes("\r\n".join(lines).encode("utf-8"))
    return path


@pytest.mark.parametrize("case", ["binary", "missing_columns", "fake_xlsx", "zero_bytes"])
def test_refused_register_on_the_command_line_and_in_the_app(env: Path, case: str, capsys) -> None:  # type: ignore[no-untyped-def]
    path, expected = _refused_registers(env / "files")[case]
    assert main(["registry", "import", str(path), "--kind", "dam", "--db", str(env / "store.duckdb")]) == 2
    err = capsys.readouterr().err
    assert expected in err and "Traceback" not in err
    at = open_app("app_pages/register.py")
    at.file_uploader[0].set_value((path.name, path.read_bytes(), "text/csv"))  # inside the form: sent on submit
    next(b for b in at.button if b.label == "Import").click().run()
    assert not at.exception and at.error and expected in at.error[0].value
    assert _stored(env / "store.duckdb") == {"site": 0, "registered_site": 0, "review": 0}


def test_messy_register_keeps_good_rows_flags_and_rejects_the_rest_and_stays_text(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _messy_register(env / "messy.csv")
    assert main(["registry", "import", str(path), "--kind", "dam", "--db", str(env / "store.duckdb")]) == 0
    out = capsys.readouterr().out
    assert "line 6: latitude '-20°12'xx' is not a coordinate" in out  # the bad row, by its file line
    con = connect(env / "store.duckdb")
    rows = current_register(con).set_index("register_id")
    con.close()
    assert sorted(rows.index) == ["1", "2", "3"]  # empty rows skipped, the malformed one rejected
    assert rows.loc["1", "name"] == HOSTILE_NAME  # stored verbatim: bound parameters, no SQL ran
    assert rows.loc["1", "owner"] == FORMULA
    assert rows.loc["1", "height_m"] == 10.5 and rows.loc["1", "volume_m3"] == pytest.approx(1_234_567.89)
    assert "swapped_lat_lon" in rows.loc["2", "flags"]
    assert rows.loc["2", "lat"] == pytest.approx(-20.11, abs=0.01) and rows.loc["2", "lon"] == pytest.approx(-43.5)
    assert rows.loc["3", "lat"] == pytest.approx(-(6 + 3 / 60 + 12.5 / 3600))
    assert (
        rows.loc["3", "name"] == "Símbolos" and rows.loc["3", "owner"] == "Açaí Ltda."
    )  # decoded as UTF-8, not Latin-1

    # The app shows the same report, and the register's map tooltip shows the HTML as text.
    at = open_app("app_pages/register.py")
    assert not at.exception
    from ui.maps import register_deck

    con = connect(env / "store.duckdb")
    deck = register_deck(current_register(con)).to_json()
    con.close()
    # Plain-text tooltips (deck.gl sets them with innerText): the markup is shown as the letters it is, never run.
    assert "Dam: <img src=x onerror=alert(1)>" in deck and "&lt;img" not in deck


def test_formula_in_a_register_field_is_neutralised_in_csv_exports(env: Path) -> None:
    from core.review.exports import write_export

    rows = pd.DataFrame({"site_id": [1], "nearest_dam_owner": [FORMULA], "note": ["+55 31 9999-0000"]})
    path = write_export(rows, env / "out.csv", "csv")
    back = pd.read_csv(path, dtype=str)
    assert back.loc[0, "nearest_dam_owner"] == "'" + FORMULA and back.loc[0, "note"].startswith("'+")


# --- models ------------------------------------------------------------------------------------------------------


def _mismatched_model(models: Path) -> Path:
    """A copy of the RGB model whose card claims 12 bands: the card does not match the weights."""
    import json

    folder = models / "mismatched"
    shutil.copytree(resolve_model(REAL_RGB_MODEL, model_roots()), folder)
    card = json.loads((folder / "card.json").read_text())
    card.update(name="mismatched", bands=list(S2_12), mean=[0.1] * 12, std=[0.05] * 12)
    (folder / "card.json").write_text(json.dumps(card))
    return folder


S2_12 = ("B1", "B2", "B3", "B4", "B5", "B6", "B7", "B8", "B9", "B10", "B11", "B12")


def test_a_card_that_does_not_match_its_weights(env: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:  # type: ignore[no-untyped-def]
    from core.demo import make_demo_scene

    folder = _mismatched_model(env / "models")
    scene = make_demo_scene(env / "demo", size=512).scene
    args = ["scan", str(scene), "--model", str(folder), "--impact-model", "none", "--out", str(env / "o.geojson")]
    assert main([*args, "--db", str(env / "store.duckdb")]) == 2
    err = capsys.readouterr().err
    assert "mismatched: the network takes 3 bands but the card lists 12" in err and "Traceback" not in err
    # In the app: the same model, picked from the models folder.
    for name in ("demo_discovery", "demo_impact"):
        shutil.copytree(resolve_model(name, model_roots()), env / "models" / name / "1")
    monkeypatch.setenv("MINESCAN_MODELS", str(env / "models"))
    (env / "scenes").mkdir()
    shutil.copy(scene, env / "scenes" / "demo_copy.tif")
    at = open_app("app_pages/scan.py")
    next(s for s in at.selectbox if s.label == "Scene file").select("demo_copy.tif").run()
    next(s for s in at.selectbox if s.label == "Discovery model").select("mismatched@2").run()
    next(b for b in at.button if b.label == "Run the scan").click().run()
    assert not at.exception and at.error and "takes 3 bands but the card lists 12" in at.error[0].value
    assert _stored(env / "store.duckdb") == {"site": 0, "registered_site": 0, "review": 0}


# --- hostile text in notes ----------------------------------------------------------------------------------------


def test_a_hostile_note_is_stored_verbatim_and_shown_as_text(env: Path) -> None:
    ids = filled_store(env)
    note = "<script>alert('x')</script> '; DELETE FROM review; -- **bold** [link](http://evil.example)"
    con = connect(env / "store.duckdb")
    from db.workflows import decide

    decide(con, REVIEWER, ids[0], "confirmed", note=note)
    assert review_history(con, ids[0])["note"].tolist() == [note]
    assert con.execute("SELECT count(*) FROM review").fetchone()[0] == 1
    con.close()
    page = open_app("app_pages/disagreements.py")
    page.number_input[0].set_value(ids[0]).run()
    assert not page.exception
    shown = page.table[-1].value
    assert shown["Note"].tolist() == [note]  # a table cell: text, never HTML or Markdown
    assert not any("<script>" in m.value for m in page.markdown)
