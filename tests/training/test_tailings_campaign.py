"""The learning loop on real patches (a few of them, one epoch): scan, decide from the masks, training set, the
next version trained on the scenes plus the reviewed windows with its parent's folds, and the comparison."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from cli.main import main
from core import settings
from core.model_card import ModelCard
from db.store import Store

#: Eight real patches in seven overlap groups (img_19 and img_21 overlap).
PATCHES = (0, 10, 101, 15, 19, 21, 32, 37)


@pytest.fixture(scope="module")
def patches(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("patches")
    for sub, prefix in (("img", "img"), ("mask", "mask")):
        (root / sub).mkdir()
        for n in PATCHES:
            shutil.copy(shared_data / "tailings_seg" / sub / f"{prefix}_{n}.tif", root / sub)
    return root


def test_campaign_trains_the_next_version_on_reviewed_windows_with_the_parents_folds(
    patches: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from models.scene_layout import SceneLayout
    from models.trainer import TrainConfig

    parent = ["train-scenes", "--scenes", str(patches), "--name", "campaign_rgb", "--epochs", "1", "--folds", "2"]
    assert main(parent) == 0, capsys.readouterr().err
    work = tmp_path / "work"
    assert main(["campaign-tailings", "--data", str(patches), "--work", str(work), "--parent", "campaign_rgb@1"]) == 0
    out = capsys.readouterr().out
    assert "| tailings sites found" in out and "Verdict:" in out

    # Every site of every scan was decided from its mask, by the mask reviewer, with the note saying so.
    store = Store(work / "store.duckdb")
    n_sites, n_reviews, reviewers = store.read(lambda con: con.execute(
        "SELECT (SELECT count(*) FROM site), count(*), list(DISTINCT reviewer) FROM review").fetchone())  # fmt: skip
    assert n_sites == n_reviews > 0 and reviewers == ["mask_reviewer"]

    # Version 2: the parent's folds exactly, the training set and its reviewed windows on the card.
    before = ModelCard.load(settings.user_models_dir() / "campaign_rgb" / "1")
    after = ModelCard.load(work / "campaign_rgb" / "2")
    assert [f.val_items for f in after.metrics.cross_validation.folds] == [  # type: ignore[union-attr]
        f.val_items
        for f in before.metrics.cross_validation.folds  # type: ignore[union-attr]
    ]
    assert after.training["training_set"] == 1 and after.training["same_folds_as"] == "campaign_rgb@1"
    assert sum(after.training["review_windows"].values()) > 0
    compared = json.loads((work / "campaign_rgb" / "2" / "compare_out_of_fold.json").read_text(encoding="utf-8"))
    assert [v["model"] for v in compared["versions"]] == ["campaign_rgb@1", "campaign_rgb@2"]
    assert compared["scenes"] == len(PATCHES)
    assert (work / "campaign_rgb" / "2" / "compare_out_of_fold.png").stat().st_size > 10_000

    # `models compare` on the two versions shows the same out-of-fold table (no reviewed frozen cases in the
    # default store for this model: it says that the out-of-fold comparison is the only one).
    (work / "campaign_rgb" / "2" / "compare_out_of_fold.md").unlink()
    capsys.readouterr()
    folder_2 = str(work / "campaign_rgb" / "2")
    assert main(["models", "compare", "campaign_rgb@1", folder_2, "--db", str(tmp_path / "empty.duckdb")]) == 0
    said = capsys.readouterr().out
    assert "| tailings sites found" in said and "the out-of-fold comparison above is the only one" in said
    assert (work / "campaign_rgb" / "2" / "compare_out_of_fold.md").is_file()

    # No fold trains on a window cut from one of its validation scenes (and some windows are from each side).
    config = TrainConfig(kind="discovery", name="x", out_dir=tmp_path, bands=after.bands, data_dir=patches,
                         layout="scenes", review_sets=(work / "training_sets" / "0001",))  # fmt: skip
    layout = SceneLayout.load(config)
    assert layout.windows is not None
    for fold in after.metrics.cross_validation.folds:  # type: ignore[union-attr]
        val = np.flatnonzero(np.isin(layout.names, fold.val_items))
        train = np.setdiff1d(np.arange(len(layout.names)), val)
        used = layout.windows.scene[layout._windows_of(train)]
        assert used.size and not np.isin(used, val).any()
    # A window from a scene that is not trained on is refused: its fold would be unknown.
    (patches / "img" / "img_0.tif").rename(tmp_path / "img_0.tif")
    (patches / "mask" / "mask_0.tif").rename(tmp_path / "mask_0.tif")
    try:
        with pytest.raises(Exception, match="not among the scenes"):
            SceneLayout.load(config)
    finally:
        (tmp_path / "img_0.tif").rename(patches / "img" / "img_0.tif")
        (tmp_path / "mask_0.tif").rename(patches / "mask" / "mask_0.tif")
