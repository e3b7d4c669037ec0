"""The shipped real-data RGB model on real Sentinel-2 patches and the real 2025 ANM register.

Needs ``../shared/data`` (skipped with the reason when it is absent).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from core.model_card import resolve_model
from core.register.matching import REGISTERED, MatchSettings, PointLayer, nearest
from core.scan.pipeline import ScanModel, ScanSettings
from core.scan.sites import NOT_RATED_NO_MODEL
from core.settings import REAL_RGB_MODEL, model_roots
from db.connection import connect
from db.exports import export_rows
from db.workflows import import_register, scan_into_store
from models.bundle import load_bundle
from models.report_plot import CURVE_PNG
from models.reports import REPORT_JSON, REPORT_MD

REGISTER_2025 = "sigbm/sigbm_download_2025-10-17.xlsx"
#: Measured with tailings_rgb v2 at its card threshold 0.7: 71 of 109 register dams inside scanned cells = 65.1 %
#: (v1 at 0.6: 62 = 56.9 %)
#: (the goal is all of them; see the README). Dams missed lie in patches with no site at all, or 1.1-1.5 km from
#: the centre of a large site. This floor catches a regression; it is not a target.
MIN_MATCHED_SHARE = 0.62


@pytest.fixture(scope="module")
def model_dir() -> Path:
    return resolve_model(REAL_RGB_MODEL, model_roots())


def _scanned_box(result: object) -> tuple[float, float, float, float]:
    """West, south, east, north of the cells a scan scored (the patch minus its unscanned border)."""
    grid = result.grid  # type: ignore[attr-defined]
    rows, cols = grid.p_mine.shape
    xs, ys = zip(*(grid.cell_transform @ (c, r) for c in (0, cols) for r in (0, rows)), strict=True)
    return min(xs), min(ys), max(xs), max(ys)


def test_shipped_card_and_report_meet_what_the_card_claims(model_dir: Path) -> None:
    model = load_bundle(model_dir)
    card = model.card
    assert card.bands == ("B2", "B3", "B4") and card.kind == "discovery" and not card.synthetic
    report = json.loads((model_dir / REPORT_JSON).read_text(encoding="utf-8"))
    assert card.threshold == report["sites"]["threshold"] == card.metrics.sites.threshold  # type: ignore[union-attr]
    assert report["training"]["n_scenes"] == 70 and report["training"]["augment"]
    assert (model_dir / CURVE_PNG).is_file() and CURVE_PNG in (model_dir / REPORT_MD).read_text(encoding="utf-8")


def test_registered_dams_in_scanned_real_patches_are_matched_to_candidate_sites(
    shared_data: Path, model_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = load_bundle(model_dir)
    scan_model = ScanModel(model.card, model.predict)
    settings, match = ScanSettings(threshold=model.card.threshold), MatchSettings()
    con = connect(tmp_path / "store.duckdb")
    _, register = import_register(con, shared_data / REGISTER_2025, "dam", match)
    dams = [e for e in register.entries if e.lon is not None and e.lat is not None]
    dam_lon = np.array([e.lon for e in dams], float)
    dam_lat = np.array([e.lat for e in dams], float)
    assert len(dams) == 916

    expected = matched = 0
    missed: list[str] = []
    patches = sorted((shared_data / "tailings_seg" / "img").glob("img_*.tif"), key=lambda p: int(p.stem[4:]))
    for path in patches:
        stored = scan_into_store(con, path, scan_model, None, settings, match)
        west, south, east, north = _scanned_box(stored.result)
        inside = np.flatnonzero((dam_lon >= west) & (dam_lon <= east) & (dam_lat >= south) & (dam_lat <= north))
        if inside.size == 0:
            continue
        rows = export_rows(con, scan_id=stored.scan_id)
        sites = PointLayer(rows["site_id"].to_numpy(), rows["lon"].to_numpy(float), rows["lat"].to_numpy(float))
        index, metres = nearest(dam_lon[inside], dam_lat[inside], sites)
        for dam, i, m in zip(inside, index, metres, strict=True):
            expected += 1
            hit = i >= 0 and m <= match.radius_m and rows["match_status"].iloc[i] == REGISTERED
            matched += int(hit)
            if not hit:
                missed.append(f"{dams[dam].register_id} in {path.name} ({m:.0f} m)")
    share = matched / expected
    with capsys.disabled():
        print(f"\nregister dams inside scanned cells of real patches: {matched}/{expected} = {share:.1%} matched")
    all_rows = export_rows(con)
    assert set(all_rows["impact_rating"]) == {NOT_RATED_NO_MODEL}
    assert expected >= 100, "most patches hold a register dam; fewer means the scanned extent is wrong"
    assert share >= MIN_MATCHED_SHARE, f"only {share:.1%} matched; missed: {', '.join(missed[:20])}"
