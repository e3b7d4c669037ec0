"""Jobs in the web app: start one (its runner is a process of its own) and follow it without clicking.

The sidebar of every page shows the signed-in person's running and recent jobs (:func:`sidebar_jobs`); the pages
that start jobs show the jobs on their subject (:func:`job_panel`). Both read the store only: the runner writes it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import streamlit as st

from core import settings, wording
from core.access.users import Identity
from core.errors import MineScanError
from core.imagery.earth_engine.plan import ImageryPlan
from core.imagery.region_files import regions_geojson
from core.jobs.regions import region_argv
from core.jobs.scans import scan_argv, scan_subject, scan_title
from core.jobs.training import training_argv, training_subject
from core.wording import when
from core.wording.translate import N_, _, localise_number, ngettext
from db.jobs import Job, create_job, launch_runner, list_jobs, request_cancel, resume_job
from ui import resources, state

#: How often a panel with a running job refreshes itself.
REFRESH = timedelta(seconds=2)
#: A job's state (a code in the store) in words, translated where shown.
STATE_WORDS = {
    "queued": N_("queued"),
    "running": N_("running"),
    "done": N_("done"),
    "failed": N_("failed"),
    "cancelled": N_("cancelled"),
    "interrupted": N_("interrupted (its runner stopped)"),
}
#: How the sidebar marks each state.
STATE_ICONS = {"queued": "⏳", "running": "▶", "done": "✔", "failed": "✖", "cancelled": "■", "interrupted": "⚠"}


def _launch(job_id: int) -> int:
    launch_runner(job_id, resources.store().path, settings.jobs_dir())
    return job_id


def start_training(identity: Identity, model_name: str, training_set_id: int, fine_tune: str | None, profile: str,
                   epochs: int, folds: int) -> int:  # fmt: skip
    """Queue a training of ``model_name`` and start its runner; return the job id.

    Raises:
        JobError: another training of this model is still running.
    """
    store = resources.store()
    argv = training_argv(model_name, training_set_id, fine_tune=fine_tune, profile=profile, epochs=epochs,
                         folds=folds, store=str(store.path))  # fmt: skip
    how = _("fine-tuning {model}").format(model=fine_tune) if fine_tune else _("from scratch")
    title = ngettext("train {model} ({how}) on training set {set_id}, {epochs} epoch",
                     "train {model} ({how}) on training set {set_id}, {epochs} epochs", epochs).format(
        model=model_name, how=how, set_id=training_set_id, epochs=wording.number(epochs))  # fmt: skip
    return _launch(store.write(lambda con: create_job(con, identity, "train", training_subject(model_name), title,
                                                      argv)))  # fmt: skip


def start_scan(identity: Identity, scenes: Sequence[Path], model: str, impact_model: str, workers: int | None,
               threshold: float | None = None, period: str | None = None) -> int:  # fmt: skip
    """Queue a scan of ``scenes`` with these exact model versions and start its runner; return the job id.

    Raises:
        JobError: another job is still scanning one of these scenes.
    """
    store = resources.store()
    argv = scan_argv(scenes, settings.jobs_dir() / "sites", str(store.path), model=model, impact_model=impact_model,
                     workers=workers, threshold=threshold, period=period)  # fmt: skip
    title = scan_title(scenes, workers, None)
    return _launch(store.write(lambda con: create_job(con, identity, "scan", scan_subject(scenes), title, argv)))


def _pinned(ref: str) -> str:
    """``ref`` as the exact ``name@version`` it means now, so that a resumed job uses the same version."""
    from core.model_card import ModelCard, resolve_model
    from db.promotions import promoted_versions

    return ModelCard.load(resolve_model(ref, settings.model_roots(), promoted_versions(resources.db()))).ref


def start_region(identity: Identity, plan: ImageryPlan, folder: Path, workers: int | None) -> int:
    """Queue a region job over every period of ``plan`` (download what is missing, scan every file, store, match)
    and start its runner; return the job id.

    Raises:
        JobError: another job is still scanning one of the region's files.
    """
    from core.imagery.earth_engine.transfer import existing_scene_path

    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    region_file = settings.jobs_dir() / "regions" / f"region-{stamp}.geojson"
    region_file.parent.mkdir(parents=True, exist_ok=True)
    region_file.write_text(regions_geojson(list(plan.regions)), encoding="utf-8")
    store = resources.store()
    model, impact = _pinned(settings.DEFAULT_DISCOVERY_MODEL), _pinned(settings.DEFAULT_IMPACT_MODEL)
    argv = region_argv(str(region_file), plan.recipe, folder, str(store.path), model=model, impact_model=impact,
                       by=identity.username, workers=workers, periods=plan.periods)  # fmt: skip
    files = [existing_scene_path(folder, s.recipe, s.tile) for s in plan.scenes]
    title = _("region {regions}: {size}, {area} km²").format(
        regions=", ".join(r.label for r in plan.regions), size=plan.size_text, area=wording.number(plan.area_km2)
    )
    return _launch(store.write(lambda con: create_job(con, identity, "region", scan_subject(files), title, argv)))


def _act(action: Callable[[], object]) -> None:
    try:
        action()
    except MineScanError as err:
        resources.show_error(err)


def _controls(job: Job, identity: Identity, key: str) -> None:
    mine = identity.username == job.owner or identity.role == "supervisor"
    if not mine:
        return
    if job.state in ("queued", "running"):
        later = (
            _("stops at the end of the current epoch") if job.kind == "train" else _("stops at the tile in progress")
        )
        if st.button(_("Cancel"), key=f"{key}_cancel_{job.id}", help=later):
            _act(lambda: resources.store().write(lambda con: request_cancel(con, identity, job.id)))
    elif job.state == "interrupted":
        if st.button(_("Resume"), key=f"{key}_resume_{job.id}", help=_("runs it again: only the missing work is done")):
            _act(lambda: _launch(resources.store().write(lambda con: resume_job(con, identity, job.id)).id))
            st.rerun()


def _dashboard(job: Job) -> None:
    cluster = (job.result or {}).get("cluster")
    if isinstance(cluster, str) and "dashboard " in cluster:
        link = cluster.rsplit("dashboard ", 1)[1].strip()
        st.caption(cluster.rsplit("; dashboard", 1)[0])
        if job.state == "running" and link.startswith("http"):
            st.link_button(_("Dask dashboard"), link)


def state_word(code: str) -> str:
    """A job's state (``queued``, ``interrupted``...) in words."""
    return _(STATE_WORDS[code]) if code in STATE_WORDS else code


def _job_row(job: Job, identity: Identity, key: str, *, compact: bool = False) -> None:
    state = state_word(job.state)
    done = localise_number(f"{job.progress:.0%}")
    if compact:
        headline = _("**Job {job_id}** · {state}").format(job_id=job.id, state=state)
        st.markdown(f"{STATE_ICONS.get(job.state, '')} {headline}")
        st.caption(job.title)  # plain text: a scene's file name is never read as Markdown
    else:
        st.markdown(_("**Job {job_id}** · {state} · {owner}").format(job_id=job.id, state=state, owner=job.owner))
        st.caption(job.title)
    if job.state in ("queued", "running"):
        message = job.message or _("starting")
        st.progress(job.progress, text=f"{done} · {message}")
        _dashboard(job)
    elif job.state == "interrupted":
        st.warning(_("{done} done when its runner stopped. Resume does only what is missing.").format(done=done))
    else:
        ended = when(job.finished_at) if job.finished_at is not None else ""
        text = f"{job.message or ''} {('· ' + ended) if ended else ''}".strip()
        (st.success if job.state == "done" else st.warning)(text or state)
    _controls(job, identity, key)
    if not compact:
        with st.expander(_("Log"), expanded=False):
            st.code("\n".join(job.log.splitlines()[-40:]) or _("(nothing yet)"), language=None)


def _refreshing(read: Callable[[], list[Job]], draw: Callable[[list[Job]], None]) -> None:
    """Draw the jobs ``read`` gives; while one is active, a fragment redraws them every 2 s without a click.

    When a job this session saw running has ended, the fragment asks for a full run, which shows its result (a
    new version, new sites). Until a full run has completed (:func:`page_run_completed`), the job stays pending: a
    full run cut short (a fragment tick can interrupt one) is asked for again at the next tick.
    """
    first = read()
    pending: set[int] = st.session_state.setdefault(state.JOBS_TO_SHOW, set())
    pending.update(j.id for j in first if j.active)
    st.session_state.setdefault(state.JOBS_BEING_SHOWN, set()).update(j.id for j in first if not j.active)

    inline = [True]  # the first call is the full run's own; later ones are the fragment's ticks

    @st.fragment(run_every=REFRESH if pending else None)
    def panel() -> None:
        current = read()
        draw(current)
        seen: set[int] = st.session_state.setdefault(state.JOBS_TO_SHOW, set())
        seen.update(j.id for j in current if j.active)
        if not inline[0] and any(j.id in seen and not j.active for j in current):
            st.rerun()  # a job ended since the last complete full run: one shows its result

    panel()
    inline[0] = False


def page_run_completed() -> None:
    """A full page run has drawn everything: the jobs it showed as ended are shown (no more full runs for them)."""
    shown = st.session_state.pop(state.JOBS_BEING_SHOWN, set())
    pending: set[int] = st.session_state.get(state.JOBS_TO_SHOW, set())
    pending.difference_update(shown)


def job_panel(identity: Identity, subject: str, key: str, limit: int = 3, empty: str | None = None) -> None:
    """The newest jobs on ``subject`` with their progress and log; refreshes itself every 2 s while one is active.

    ``empty``: what the panel says when there is no job (translated text; default 'No jobs yet.').
    """

    def read() -> list[Job]:
        return resources.store().read(lambda con: list_jobs(con, subject=subject, limit=limit))

    if not read():
        st.caption(_("No jobs yet.") if empty is None else empty)
        return

    def draw(jobs: list[Job]) -> None:
        for job in jobs:
            _job_row(job, identity, key)

    _refreshing(read, draw)


def sidebar_jobs(identity: Identity, limit: int = 3) -> None:
    """The signed-in person's running and most recent jobs, in the sidebar of every page (kept across pages and
    sign-ins: they live in the store)."""

    def read() -> list[Job]:
        return resources.store().read(lambda con: list_jobs(con, owner=identity.username, limit=limit))

    if not read():
        return
    st.divider()
    st.caption(_("Your jobs"))

    def draw(jobs: list[Job]) -> None:
        for job in jobs:
            _job_row(job, identity, "sidebar", compact=True)

    _refreshing(read, draw)
