"""Jobs in the store: one per subject, claimed by one runner, cancelled by their owner or a supervisor, and shown
as interrupted when their runner stops beating."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from core.access.users import Identity
from core.jobs.states import STALE_AFTER_S, JobError
from core.jobs.training import TrainingProgress, training_fits
from db.jobs import beat, claim_job, create_job, finish_job, get_job, list_jobs, report, request_cancel, resume_job
from db.store import Store

SOFIA = Identity("sofia", "supervisor", "Sofia", "password")
ANA = Identity("ana", "reviewer", "Ana", "password")
CAIO = Identity("caio", "reviewer", "Caio", "password")
BRUNO = Identity("bruno", "supervisor", "Bruno", "password")


def _silence(store: Store, job_id: int, seconds: float) -> None:
    """Pretend the runner last beat ``seconds`` ago."""
    store.write(lambda con: con.execute(
        "UPDATE job SET heartbeat_at = current_timestamp::TIMESTAMP - to_seconds($s), "
        "created_at = current_timestamp::TIMESTAMP - to_seconds($s) WHERE id = $id",
        {"s": seconds, "id": job_id}))  # fmt: skip


def test_one_job_per_subject_and_its_life(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.duckdb")
    first = store.write(lambda con: create_job(con, SOFIA, "train", "train:m", "train m", ["train", "--name", "m"]))
    with pytest.raises(JobError, match=r"train m \(job 1, started by sofia\) is still queued on m: one job at a time"):
        store.write(lambda con: create_job(con, BRUNO, "train", "train:m", "train m again", ["train"]))
    other = store.write(lambda con: create_job(con, BRUNO, "train", "train:other", "train other", ["train"]))
    assert other == first + 1

    job = store.write(lambda con: claim_job(con, first, os.getpid()))
    assert (job.state, job.pid, job.argv) == ("running", os.getpid(), ("train", "--name", "m"))
    with pytest.raises(JobError, match="already running"):
        store.write(lambda con: claim_job(con, first, 1))
    assert store.write(lambda con: report(con, first, ["fold 1/2 epoch 1/3", "fold 1/2 epoch 2/3"], 0.25)) is False
    job = store.read(lambda con: get_job(con, first))
    assert job.progress == 0.25 and job.message == "fold 1/2 epoch 2/3" and job.log.count("\n") == 2

    # Someone else's job: a reviewer cannot cancel it, a supervisor can; the runner hears it at its next beat.
    with pytest.raises(JobError, match="belongs to sofia"):
        store.write(lambda con: request_cancel(con, ANA, first))
    assert store.write(lambda con: request_cancel(con, BRUNO, first)).state == "running"
    assert store.write(lambda con: beat(con, first)) is True
    store.write(lambda con: finish_job(con, first, "cancelled", "cancelled on request"))
    with pytest.raises(JobError, match="already ended"):
        store.write(lambda con: request_cancel(con, SOFIA, first))
    # The subject is free again.
    again = store.write(lambda con: create_job(con, SOFIA, "train", "train:m", "train m", ["train"]))
    assert [j.id for j in store.read(lambda con: list_jobs(con, owner="sofia"))] == [again, first]


def test_a_silent_runner_is_interrupted_frees_its_subject_and_can_be_resumed(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.duckdb")
    job_id = store.write(lambda con: create_job(con, SOFIA, "train", "train:m", "train m", ["train"]))
    store.write(lambda con: claim_job(con, job_id, os.getpid()))
    _silence(store, job_id, STALE_AFTER_S - 20)
    assert store.read(lambda con: get_job(con, job_id)).state == "running"
    _silence(store, job_id, STALE_AFTER_S + 5)
    job = store.read(lambda con: get_job(con, job_id))
    assert job.state == "interrupted" and job.stored_state == "running" and not job.active
    # A new runner may take it over; a second job on the subject is allowed too, since nothing holds it.
    assert store.write(lambda con: claim_job(con, job_id, os.getpid())).state == "running"
    _silence(store, job_id, STALE_AFTER_S + 5)
    assert store.write(lambda con: request_cancel(con, SOFIA, job_id)).state == "cancelled"


def test_a_runner_whose_process_is_gone_is_interrupted_at_once_and_resumed_by_its_owner(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.duckdb")
    job_id = store.write(lambda con: create_job(con, ANA, "scan", "scan:/a.tif|scan:/b.tif", "scan a, b", ["scan"]))
    gone = subprocess.Popen(["true"])
    gone.wait()
    store.write(lambda con: claim_job(con, job_id, gone.pid))
    job = store.read(lambda con: get_job(con, job_id))
    assert job.state == "interrupted" and job.silent_s < STALE_AFTER_S  # no minute of waiting: its process ended
    # Someone else cannot resume it; its owner can, and then it holds its scenes again.
    with pytest.raises(JobError, match="belongs to ana"):
        store.write(lambda con: resume_job(con, CAIO, job_id))
    resumed = store.write(lambda con: resume_job(con, ANA, job_id))
    assert resumed.state == "queued" and resumed.pid is None
    with pytest.raises(JobError, match=r"scan a, b \(job 1, started by ana\) is still queued on /b.tif"):
        store.write(lambda con: create_job(con, SOFIA, "scan", "scan:/b.tif|scan:/c.tif", "scan b, c", ["scan"]))
    with pytest.raises(JobError, match="only an interrupted job can be resumed"):
        store.write(lambda con: resume_job(con, ANA, job_id))


def test_training_progress_counts_every_fit() -> None:
    assert training_fits(0) == 1 and training_fits(5) == 6
    p = TrainingProgress(training_fits(2))
    assert p.epoch_done("fold 1/2", 1, 2) == pytest.approx(1 / 6)
    assert p.epoch_done("fold 1/2", 2, 2) == pytest.approx(2 / 6)
    assert p.epoch_done("fold 2/2", 2, 2) == pytest.approx(4 / 6)
    assert p.epoch_done("final model", 2, 2) == pytest.approx(1.0)
