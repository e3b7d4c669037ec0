"""The Models page as a reviewer and a supervisor meet it: versions, promotion with a note, who may do it."""

from __future__ import annotations

from pathlib import Path

import pytest

from db.connection import connect
from db.promotions import promoted_versions, promotion_history
from tests.app_harness import REVIEWER, SUPERVISOR, open_app

pytestmark = pytest.mark.usefixtures("clean_caches")


def test_versions_are_listed_and_only_a_supervisor_promotes(env: Path) -> None:
    at = open_app("app_pages/models.py", REVIEWER)
    assert not at.exception
    table = at.dataframe[0].value
    assert {"demo_discovery@1 (synthetic demo)", "tailings_rgb@2"} <= set(table["model"])
    assert not at.button or all("Promote" not in b.label for b in at.button)
    assert any("Only a supervisor" in c.value for c in at.caption)

    at = open_app("app_pages/models.py", SUPERVISOR)
    at.selectbox(key="models_version").set_value("tailings_rgb@2").run()
    assert not any("Before / after" in s.value for s in at.subheader)  # no comparison made for v2 yet
    at.text_input(key="promote_note").input("<b>best</b> on the frozen cases")
    next(b for b in at.button if b.label == "Promote tailings_rgb@2").click().run()
    assert not at.exception, at.exception
    con = connect(env / "store.duckdb")
    assert promoted_versions(con) == {"tailings_rgb": "2"}
    history = promotion_history(con, "tailings_rgb")
    assert history["note"].tolist() == ["<b>best</b> on the frozen cases"] and history["by_user"].tolist() == ["sofia"]
    con.close()
    # Now it is marked promoted, and promoting it again is not offered.
    table = at.dataframe[0].value
    assert table.set_index("model").loc["tailings_rgb@2", "promoted"] == "yes"
    assert next(b for b in at.button if b.label == "Promote tailings_rgb@2").disabled
    assert next(b for b in at.button if b.label == "Roll back to tailings_rgb@2").disabled  # not an earlier one


def _ready_set(env: Path, model: str, bands: tuple[str, ...]) -> int:
    """A training set recorded as ready for ``model`` (its windows are not needed: the runner is not started)."""
    from db.training_sets import finish_training_set, start_training_set

    con = connect(env / "store.duckdb")
    set_id = start_training_set(con, "campaign 1", "reviews", bands, "sofia", model)
    item = {"file": "mine/w1.tif", "label": "mine", "reason": "tailings_visible", "scan_id": None, "site_id": None,
            "review_id": None, "place": "p1", "row": 0, "col": 0, "sha256": "0" * 64}  # fmt: skip
    manifest = {"items": [item], "fingerprint": "f" * 16, "counts": {"windows": 1}, "skipped_scans": []}
    finish_training_set(con, set_id, env / "set", manifest)
    con.close()
    return set_id


def test_a_supervisor_starts_a_training_job_and_follows_and_cancels_it(
    env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The page queues the job with the exact command it runs, starts its runner, shows its progress as the runner
    reports it, refuses a second training of the model, and cancels it; a reviewer only watches."""
    from db.jobs import get_job, report
    from db.promotions import record_promotion

    launched: list[int] = []
    monkeypatch.setattr("ui.jobs.launch_runner", lambda job_id, store, logs: launched.append(job_id) or 4242)
    set_id = _ready_set(env, "tailings_rgb", ("B2", "B3", "B4"))
    con = connect(env / "store.duckdb")
    record_promotion(con, SUPERVISOR, "tailings_rgb", "2", "promote", "shipped")
    con.close()

    at = open_app("app_pages/models.py", SUPERVISOR)
    at.selectbox(key="models_version").set_value("tailings_rgb@2").run()
    assert any("No trainings of this model yet" in c.value for c in at.caption)
    assert at.radio(key="train_how").options == ["fine-tune tailings_rgb@2", "from scratch"]
    at.number_input(key="train_epochs").set_value(4)
    at.selectbox(key="train_folds").set_value(2)
    next(b for b in at.button if b.label == "Start training").click().run()
    assert not at.exception, at.exception
    assert launched == [1] and any("Training started as job 1" in s.value for s in at.success)
    con = connect(env / "store.duckdb")
    job = get_job(con, 1)
    assert job.argv == ("train", "--kind", "discovery", "--from-training-set", str(set_id), "--name", "tailings_rgb",
                        "--fine-tune", "tailings_rgb@2", "--epochs", "4", "--folds", "2",
                        "--db", str(env / "store.duckdb"))  # fmt: skip
    assert job.owner == "sofia" and job.state == "queued"
    # The runner reports: the page shows the share done and the last line.
    con.execute("UPDATE job SET state = 'running', started_at = current_timestamp WHERE id = 1")
    report(con, 1, ["fold 1/2 epoch 2/4: loss 0.3"], 0.25)
    con.close()
    at.run()
    bars = [p for p in at.get("progress")]
    assert bars and bars[0].proto.value == 25 and "fold 1/2 epoch 2/4" in bars[0].proto.text

    # One training per model: a second start is refused with who holds it.
    next(b for b in at.button if b.label == "Start training").click().run()
    assert any("still running on tailings_rgb: one job at a time" in e.value for e in at.error) and launched == [1]

    # A reviewer sees the job but cannot start or cancel.
    rv = open_app("app_pages/models.py", REVIEWER)
    rv.selectbox(key="models_version").set_value("tailings_rgb@2").run()
    assert any("Only a supervisor starts a training" in c.value for c in rv.caption)
    assert not any(b.label in ("Start training", "Cancel") for b in rv.button)

    next(b for b in at.button if b.label == "Cancel").click().run()
    con = connect(env / "store.duckdb")
    assert get_job(con, 1).cancel_requested
    con.close()
