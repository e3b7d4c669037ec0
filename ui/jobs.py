"""Jobs in the web app: start one (its runner is a process of its own) and follow it without clicking."""

from __future__ import annotations

from datetime import timedelta

import streamlit as st

from core import settings
from core.access.users import Identity
from core.errors import MineScanError
from core.jobs.training import training_argv, training_subject
from core.wording import when
from db.jobs import Job, create_job, launch_runner, list_jobs, request_cancel
from ui import resources

#: How often a panel with a running job refreshes itself.
REFRESH = timedelta(seconds=2)
STATE_WORDS = {
    "queued": "queued",
    "running": "running",
    "done": "done",
    "failed": "failed",
    "cancelled": "cancelled",
    "interrupted": "interrupted (its runner stopped)",
}


def start_training(identity: Identity, model_name: str, training_set_id: int, fine_tune: str | None, profile: str,
                   epochs: int, folds: int) -> int:  # fmt: skip
    """Queue a training of ``model_name`` and start its runner; return the job id.

    Raises:
        JobError: another training of this model is still running.
    """
    store = resources.store()
    argv = training_argv(model_name, training_set_id, fine_tune=fine_tune, profile=profile, epochs=epochs,
                         folds=folds, store=str(store.path))  # fmt: skip
    how = f"fine-tuning {fine_tune}" if fine_tune else "from scratch"
    title = f"train {model_name} ({how}) on training set {training_set_id}, {epochs} epochs"
    job_id = store.write(lambda con: create_job(con, identity, "train", training_subject(model_name), title, argv))
    launch_runner(job_id, store.path, settings.jobs_dir())
    return job_id


def _job_row(job: Job, identity: Identity, key: str) -> None:
    st.markdown(f"**Job {job.id}** · {job.title} · {job.owner} · {STATE_WORDS.get(job.state, job.state)}")
    if job.state in ("queued", "running"):
        st.progress(job.progress, text=f"{job.progress:.0%} · {job.message or 'starting'}")
        if identity.username == job.owner or identity.role == "supervisor":
            if st.button("Cancel", key=f"{key}_cancel_{job.id}", help="stops at the end of the current epoch"):
                try:
                    resources.store().write(lambda con: request_cancel(con, identity, job.id))
                except MineScanError as err:
                    resources.show_error(err)
    else:
        ended = when(job.finished_at) if job.finished_at is not None else ""
        text = f"{job.message or ''} {('· ' + ended) if ended else ''}".strip()
        (st.success if job.state == "done" else st.warning)(text or job.state)
    with st.expander("Log", expanded=False):
        st.code("\n".join(job.log.splitlines()[-40:]) or "(nothing yet)", language=None)


def job_panel(identity: Identity, subject: str, key: str, limit: int = 3) -> None:
    """The newest jobs on ``subject`` with their progress; refreshes itself every 2 s while one is active."""

    def jobs() -> list[Job]:
        return resources.store().read(lambda con: list_jobs(con, subject=subject, limit=limit))

    first = jobs()
    if not first:
        st.caption("No trainings of this model yet.")
        return

    @st.fragment(run_every=REFRESH if any(j.active for j in first) else None)
    def panel() -> None:
        current = jobs()
        for job in current:
            _job_row(job, identity, key)
        if not any(j.active for j in current) and any(j.active for j in first):
            st.rerun()  # the last one ended: a full run lists its new version and stops refreshing

    panel()
