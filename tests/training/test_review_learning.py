"""Decisions teach the model: demo store -> decisions -> training set -> fine-tuned version 2 -> promotion -> the
next scan uses version 2. Plus the ways it refuses bad input and changes nothing."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import shapely

from cli.main import main
from core import settings
from core.access.users import Identity, add_user
from core.demo import DemoPaths, make_demo_scene
from core.imagery.bands import S2_12_BANDS
from core.imagery.geo import from_wgs84, to_wgs84
from core.model_card import ModelCard, list_cards, resolve_model
from core.scan.pipeline import ScanModel
from core.settings import DEFAULT_DISCOVERY_MODEL, DEFAULT_IMPACT_MODEL, model_roots
from core.training.evaluation import load_truth
from core.training.review_set_files import MANIFEST
from db.demo_setup import set_up_demo
from db.jobs import Job, get_job
from db.store import Store
from db.training_sets import training_set_items
from db.workflows import decide, override

SOFIA = Identity("sofia", "supervisor", "Sofia", "password")
ANA = Identity("ana", "reviewer", "Ana", "password")


@pytest.fixture(scope="module")
def campaign(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """A demo store whose scan was reviewed from the planted truth: confirmed on targets, rejected elsewhere (one
    rejection overridden to confirmed by a supervisor), one site unsure."""
    from models.bundle import load_bundle

    root = tmp_path_factory.mktemp("campaign")
    demo = make_demo_scene(root / "demo", seed=7, size=2048)
    d = load_bundle(resolve_model(DEFAULT_DISCOVERY_MODEL, model_roots()))
    i = load_bundle(resolve_model(DEFAULT_IMPACT_MODEL, model_roots()))
    store = Store(root / "store.duckdb")
    (stored,) = set_up_demo(store, root / "demo", ScanModel(d.card, d.predict), ScanModel(i.card, i.predict), periods=1)
    targets = [shapely.from_wkt(f.outline_wkt) for f in load_truth(demo.truth) if f.target]
    sites = store.read(lambda con: con.execute(
        "SELECT id, outline_wkt FROM site WHERE scan_id = ? ORDER BY id", [stored.scan_id]).fetchall())  # fmt: skip
    on_target = [sid for sid, wkt in sites if any(shapely.from_wkt(wkt).intersects(t) for t in targets)]
    off_target = [sid for sid, _ in sites if sid not in on_target]
    assert len(on_target) >= 4 and len(off_target) >= 1, (len(on_target), len(off_target))
    for sid in on_target[:-2]:
        decide(store, ANA, sid, "confirmed", "tailings_visible")
    decide(store, ANA, on_target[-2], "unsure")
    decide(store, ANA, on_target[-1], "rejected", "natural_lake")
    override(store, SOFIA, on_target[-1], "confirmed", "the pond is tailings: the dam wall is visible")
    for sid in off_target:
        decide(store, ANA, sid, "rejected", "urban_or_construction")
    return {"store": store, "demo": demo, "scan_id": stored.scan_id, "on": on_target, "off": off_target}


def _users() -> None:
    if not settings.users_path().is_file():
        add_user(settings.users_path(), "sofia", "supervisor", password="a long enough password")
        add_user(settings.users_path(), "ana", "reviewer", password="a long enough password")


def test_reviews_train_a_new_version_that_is_promoted_and_used(
    campaign: dict[str, object], capsys: pytest.CaptureFixture[str]
) -> None:
    _users()
    store: Store = campaign["store"]  # type: ignore[assignment]
    db, scan_id = str(store.path), campaign["scan_id"]
    assert main(["training-set", "build", "--scans", str(scan_id), "--by", "sofia", "--db", db]) == 0
    assert "Training set 1" in capsys.readouterr().out

    # The manifest and the store agree; every decision used is listed, the unsure one is not, the override wins.
    folder = settings.training_sets_dir() / "0001"
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    items = store.read(lambda con: training_set_items(con, 1))
    assert [i["file"] for i in manifest["items"]] == items["file"].tolist()
    assert all((folder / f).is_file() for f in items["file"])
    listed = {int(r) for r in items["review_id"].dropna()}
    used = store.read(lambda con: con.execute(
        """SELECT max_by(id, (kind = 'override', decided_at, id)) FROM review GROUP BY site_id
           HAVING max_by(decision, (kind = 'override', decided_at, id)) <> 'unsure'""").fetchall())  # fmt: skip
    frozen = store.read(lambda con: con.execute("SELECT site_id, review_id FROM evaluation_site").fetchall())
    assert frozen and listed | {int(r) for _, r in frozen} == {int(r) for (r,) in used}
    # No evaluation place in the training set: none of its sites, no window within 2 km of one.
    assert not {int(s) for s, _ in frozen} & {int(s) for s in items["site_id"].dropna()}
    assert sorted(int(s) for s, _ in frozen) == manifest["held_out_for_evaluation"]
    frozen_xy = store.read(lambda con: con.execute(
        "SELECT s.lon, s.lat FROM evaluation_site e JOIN site s ON s.id = e.site_id").fetchall())  # fmt: skip
    fx, fy = from_wgs84("EPSG:32723", [p[0] for p in frozen_xy], [p[1] for p in frozen_xy])
    wx, wy = (np.array([item[k] for item in manifest["items"]])[:, None] for k in ("x", "y"))
    gaps = np.hypot(wx - np.asarray(fx)[None], wy - np.asarray(fy)[None])
    assert gaps.min() >= 2_000.0
    by_site = {int(s): lab for s, lab in zip(items["site_id"].dropna(), items.loc[items["site_id"].notna(), "label"])}
    on, off = campaign["on"], campaign["off"]
    assert campaign["on"][-2] not in by_site  # type: ignore[index]
    assert by_site[on[-1]] == "mine" and all(by_site.get(s, "not_mine") == "not_mine" for s in off)  # type: ignore[index, union-attr]
    background = items[items["reason"] == "background"]
    assert len(background) > 0 and background["site_id"].isna().all()
    assert manifest["counts"]["by_reason"]["urban_or_construction"] >= 1
    with capsys.disabled():
        print(f"\n[training set from the demo campaign] {manifest['counts']}")

    # Fine-tune demo_discovery@1 on it: a new version 2 with its parent, training set and fingerprint on the card.
    train = ["train", "--kind", "discovery", "--from-training-set", "1", "--fine-tune", "demo_discovery@1",
             "--epochs", "1", "--folds", "2", "--batch-size", "8", "--db", db]  # fmt: skip
    assert main(train) == 0, capsys.readouterr().err
    card = ModelCard.load(settings.user_models_dir() / "demo_discovery" / "2")
    assert card.ref == "demo_discovery@2" and card.training["parent"] == "demo_discovery@1"
    assert card.training["training_set"] == 1 and card.training["data_fingerprint"] == manifest["fingerprint"]
    assert card.metrics.cross_validation is not None and card.metrics.cross_validation.method == "group"
    assert (settings.user_models_dir() / "demo_discovery" / "2" / "report.md").is_file()

    # Before and after on the same frozen cases: a table and a picture beside version 2.
    assert main(["models", "compare", "demo_discovery@1", "demo_discovery@2", "--db", db]) == 0
    compared = json.loads((settings.user_models_dir() / "demo_discovery" / "2" / "compare.json").read_text())
    assert [v["model"] for v in compared["versions"]] == ["demo_discovery@1", "demo_discovery@2"]
    assert compared["cases"] == len(frozen)
    scored = [v["at_threshold"]["scored_km2"] for v in compared["versions"]]
    assert scored[0] == scored[1] > 0  # exactly the same cells
    assert (settings.user_models_dir() / "demo_discovery" / "2" / "compare_precision_recall.png").stat().st_size > 5_000
    with capsys.disabled():
        print(f"\n[before/after on {compared['cases']} frozen cases] "
              + "; ".join(f"{v['model']}: {v['at_threshold']}" for v in compared["versions"]))  # fmt: skip

    # A reviewer cannot promote; a version that does not exist cannot be promoted; a supervisor promotes.
    capsys.readouterr()
    assert main(["models", "promote", "demo_discovery@2", "--by", "ana", "--db", db]) == 2
    assert "supervisor" in capsys.readouterr().err
    assert main(["models", "promote", "demo_discovery@9", "--by", "sofia", "--db", db]) == 2
    assert "no model 'demo_discovery@9'" in capsys.readouterr().err
    assert main(["models", "promote", "demo_discovery@2", "--by", "sofia", "--note", "learned", "--db", db]) == 0
    assert main(["models", "list", "--db", db]) == 0
    listing = capsys.readouterr().out
    assert any("demo_discovery@2" in line and "promoted" in line for line in listing.splitlines())
    # A rollback goes back, never forward; promote and roll back are both kept in the history.
    assert main(["models", "rollback", "demo_discovery@2", "--by", "sofia", "--db", db]) == 2
    assert "before the promoted one" in capsys.readouterr().err

    # The next scan, asked for the model by name, uses the promoted version; its sites say so.
    demo: DemoPaths = campaign["demo"]  # type: ignore[assignment]
    out = Path(str(store.path)).parent / "rescan.geojson"
    capsys.readouterr()
    assert main(["scan", str(demo.scene), "--out", str(out), "--db", db]) == 0
    # ... and says which of the reviewers' decisions on that scene version 2 now agrees with.
    said = capsys.readouterr().out
    agreement = next(line for line in said.splitlines() if line.startswith("Against the reviewers' earlier"))
    n_scored = len(on) + len(off) - 1  # every decided site but the unsure one
    assert "earlier decisions: still finds" in agreement and f"of {n_scored} earlier decisions" in agreement
    assert "1 unsure not scored" in agreement
    with capsys.disabled():
        print(f"\n[re-scan with demo_discovery@2] {agreement}")
    last_scan = "SELECT DISTINCT discovery_version FROM site WHERE scan_id = (SELECT max(id) FROM scan)"
    versions = store.read(lambda con: con.execute(last_scan).fetchall())
    assert versions == [("2",)]
    assert json.loads(out.read_text())["metadata"]["discovery_model"].startswith("demo_discovery@2")


def test_bad_training_input_is_refused_clearly_and_changes_nothing(
    campaign: dict[str, object], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _users()
    store: Store = campaign["store"]  # type: ignore[assignment]
    db, scan_id = str(store.path), str(campaign["scan_id"])
    build = ["training-set", "build", "--scans", scan_id, "--by", "sofia", "--db", db]
    # A model whose bands do not fit the training set: an RGB set cannot fine-tune a 12-band model.
    assert main([*build, "--profile", "rgb", "--name", "rgb"]) == 0
    set_id = store.read(lambda con: con.execute("SELECT max(id) FROM training_set").fetchone()[0])
    capsys.readouterr()
    train = ["train", "--kind", "discovery", "--from-training-set", str(set_id), "--fine-tune", "demo_discovery@1",
             "--epochs", "1", "--db", db]  # fmt: skip
    assert main(train) == 2 and "bands B2, B3, B4" in capsys.readouterr().err
    # A reviewer may not build training sets; an unknown scan is named.
    assert main(["training-set", "build", "--scans", scan_id, "--by", "ana", "--db", db]) == 2
    assert "supervisor" in capsys.readouterr().err
    assert main(["training-set", "build", "--scans", "999", "--by", "sofia", "--db", db]) == 2
    assert "no scan 999" in capsys.readouterr().err
    # A scene that moved: the scan is left out, and with nothing else there is nothing to learn from.
    demo: DemoPaths = campaign["demo"]  # type: ignore[assignment]
    moved = tmp_path / "elsewhere.tif"
    shutil.move(demo.scene, moved)
    try:
        before = store.read(lambda con: con.execute("SELECT count(*) FROM training_set_item").fetchone()[0])
        assert main(build) == 2
        err = capsys.readouterr().err
        assert "nothing to learn from" in err and "moved" in err and "Traceback" not in err
        after = store.read(lambda con: con.execute("SELECT count(*) FROM training_set_item").fetchone()[0])
        status = store.read(lambda con: con.execute("SELECT status FROM training_set ORDER BY id DESC").fetchone())
        assert after == before and status == ("failed",)
    finally:
        shutil.move(moved, demo.scene)
    # No such training set.
    assert main(["train", "--kind", "discovery", "--from-training-set", "77", "--name", "x", "--db", db]) == 2
    assert "no training set 77" in capsys.readouterr().err


def test_a_set_of_one_class_is_refused(tmp_path: Path) -> None:
    """Only rejections and no confirmed site: every window would be not_mine (background follows mine windows)."""
    from core.errors import TrainingDataError
    from core.imagery.raster import open_scene
    from core.training.review_set_files import ScanInput, SiteInput, build_review_set

    demo = make_demo_scene(tmp_path / "demo", seed=3, size=1024)
    info = open_scene(demo.scene, S2_12_BANDS)
    x, y = info.transform @ (info.width / 2, info.height / 2)
    lon, lat = (float(v[0]) for v in to_wgs84(info.crs.to_wkt(), [x], [y]))
    site = SiteInput(1, 1, "rejected", "natural_lake", False, lon, lat, f"POINT ({lon} {lat})")
    with pytest.raises(TrainingDataError, match="every window is 'not_mine'"):
        build_review_set([ScanInput(1, demo.scene, [site])], S2_12_BANDS, tmp_path / "set", 1)
    assert not (tmp_path / "set").exists() or not any((tmp_path / "set").iterdir())


def _wait_for(store: Store, job_id: int, done: Callable[[Job], bool], timeout_s: float = 240.0) -> Job:
    deadline = time.monotonic() + timeout_s
    while True:
        job = store.read(lambda con: get_job(con, job_id))
        if done(job) or time.monotonic() > deadline:
            return job
        time.sleep(0.5)


def test_a_training_runs_as_a_background_job_one_per_model_and_can_be_cancelled(
    campaign: dict[str, object], capsys: pytest.CaptureFixture[str]
) -> None:
    """The runner is a real detached process: the command that started it returns at once; the store shows its
    progress per epoch; a second training of the same model is refused meanwhile; a cancel stops the next one."""
    _users()
    store: Store = campaign["store"]  # type: ignore[assignment]
    db = str(store.path)
    ready = "SELECT min(id) FROM training_set WHERE status = 'ready' AND bands LIKE '%B11%'"
    if store.read(lambda con: con.execute(ready).fetchone()[0]) is None:
        assert main(["training-set", "build", "--scans", str(campaign["scan_id"]), "--by", "sofia", "--db", db]) == 0
    set_id = store.read(lambda con: con.execute(ready).fetchone()[0])
    start = ["jobs", "train", "--model", "demo_discovery@1", "--training-set", str(set_id), "--epochs", "3",
             "--folds", "0", "--by", "sofia", "--db", db]  # fmt: skip
    assert main(start) == 0
    job_id = store.read(lambda con: con.execute("SELECT max(id) FROM job").fetchone()[0])
    assert f"Job {job_id} started" in capsys.readouterr().out
    assert main(start) == 2
    assert "is still queued on demo_discovery: one job at a time" in capsys.readouterr().err

    shares = set()
    job = _wait_for(store, job_id, lambda j: shares.add(round(j.progress, 2)) or j.state not in ("queued", "running"))
    assert job.state == "done", job.log[-2000:]
    assert job.progress == 1.0 and "final model epoch 3/3" in job.log
    assert shares - {0.0, 1.0}, f"no progress seen between start and end: {shares}"
    assert job.result is not None and job.result["model"].startswith("demo_discovery@")
    card = ModelCard.load(Path(job.result["folder"]))
    assert card.training["parent"] == "demo_discovery@1" and card.training["training_set"] == set_id

    # A long training, cancelled after its first epoch: it ends as cancelled and saves no version.
    versions = {c.version for c, _ in list_cards(model_roots()) if c.name == "demo_discovery"}
    assert main([*start[:6], "--epochs", "50", "--folds", "0", "--by", "sofia", "--db", db]) == 0
    job_id = store.read(lambda con: con.execute("SELECT max(id) FROM job").fetchone()[0])
    job = _wait_for(store, job_id, lambda j: j.progress > 0 or j.state not in ("queued", "running"))
    assert job.state == "running", job.log[-2000:]
    assert main(["jobs", "cancel", str(job_id), "--by", "ana", "--db", db]) == 2
    assert main(["jobs", "cancel", str(job_id), "--by", "sofia", "--db", db]) == 0
    job = _wait_for(store, job_id, lambda j: j.state not in ("queued", "running"), timeout_s=60)
    assert job.state == "cancelled" and job.progress < 0.5
    assert {c.version for c, _ in list_cards(model_roots()) if c.name == "demo_discovery"} == versions
    with capsys.disabled():
        print(f"\n[background training] job {job_id}: {job.message}; log lines {job.log.count(chr(10))}")
