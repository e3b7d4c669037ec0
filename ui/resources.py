"""Objects created once per server process (st.cache_resource) and read from settings at call time."""

from __future__ import annotations

import gc
import os
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pyarrow as pa
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from core import settings, wording
from core.errors import MineScanError
from core.review.queue import QueueFilter
from core.scan.pipeline import Progress, ScanModel
from core.wording.translate import _
from db import queue as queue_store
from db.connection import Connection
from db.store import Store, close
from db.store_kind import demo_mixed_with_real, store_kind

#: How long a page waits for the store while a command-line scan or import holds it between its short writes.
APP_STORE_WAIT_S = 20.0
_run = threading.local()


def store() -> Store:
    """The store as short-lived connections, for long work (a scan) that must not hold the file meanwhile."""
    return Store(settings.db_path(), wait_s=APP_STORE_WAIT_S)


def db() -> Connection:
    """This page run's connection: opened on first use, closed by :func:`page_run` when the run ends.

    The app never keeps the file open between runs, so a scan or import from the command line can write to it
    while reviewers work (see db/store.py).
    """
    con = getattr(_run, "con", None)
    if con is None:
        con = _run.con = store().open()
    return con


def release() -> None:
    """Close this run's connection now (before long work that opens its own)."""
    con = getattr(_run, "con", None)
    _run.con = None
    if con is not None:
        close(con)


@contextmanager
def page_run() -> Iterator[None]:
    """Wrap a page run: whatever it opened is closed when it ends, however it ends (st.stop, rerun, error)."""
    try:
        yield
    finally:
        release()


def scan_model(name_or_path: str) -> ScanModel:
    """A model loaded once per process (TensorFlow is imported here, lazily), with a spinner in the reader's language
    while it loads (st.spinner shows nothing when the cached model comes back at once)."""
    with st.spinner(_("Loading model…")):
        return _scan_model(name_or_path)


@st.cache_resource(show_spinner=False)
def _scan_model(name_or_path: str) -> ScanModel:
    from core.model_card import resolve_model
    from models.bundle import load_bundle

    loaded = load_bundle(resolve_model(name_or_path, settings.model_roots()))
    # TensorFlow leaves about a million long-lived objects; without this every full garbage collection walks them
    # all again, and a reviewer's every click in a server that has scanned pays for it.
    gc.freeze()
    return ScanModel(loaded.card, loaded.predict)


def tile_progress(bar: DeltaGenerator, text: str | None = None) -> Progress:
    """The scan's callback that moves the progress ``bar`` (``text``, translated already, may use {done} and {total};
    default: 'Tile {done} of {total}' in the current language)."""
    words = text or _("Tile {done} of {total}")

    def report(done: int, total: int) -> None:
        shown = words.format(done=wording.number(done), total=wording.number(total))
        bar.progress(done / max(total, 1), text=shown)

    return report


def show_error(err: MineScanError, hide: Path | None = None) -> None:
    """A user-facing error: headline and the specific message (without the server's folder ``hide``)."""
    message = str(err)
    if hide is not None:
        message = message.replace(f"{hide}{os.sep}", "").replace(str(hide), _("the uploaded file"))
    st.error(f"**{_(err.title)}.** {message}")


# --- the triage queue, cached per store version ------------------------------------------------------------------
# Selecting another site changes nothing in the store, so it must not rank 100,000 sites again. The cache key
# holds the store's queue_version, which changes with every decision, scan, import or double-review selection.


#: The slim queue per (store, version, reviewer), newest last: Arrow tables, never modified, shared by the sessions
#: of this process. A dict of its own (not st.cache_resource) so that a reviewer's own decision can seed the next
#: version's table without recomputing it (:func:`note_own_decision`).
_SLIMS: OrderedDict[tuple[str, tuple[int, ...], str], pa.Table] = OrderedDict()
_SLIMS_KEPT = 4
_slims_lock = threading.Lock()


def _keep_slim(key: tuple[str, tuple[int, ...], str], slim: pa.Table) -> None:
    with _slims_lock:
        _SLIMS[key] = slim
        _SLIMS.move_to_end(key)
        while len(_SLIMS) > _SLIMS_KEPT:
            _SLIMS.popitem(last=False)


def _slim(con: Connection, reviewer: str) -> pa.Table:
    key = (str(settings.db_path()), queue_store.queue_version(con), reviewer)
    with _slims_lock:
        slim = _SLIMS.get(key)
    if slim is None:
        slim = queue_store.queue_slim(con, reviewer)
        _keep_slim(key, slim)
    return slim


def note_own_decision(reviewer: str, site_id: int, decision: str, before: tuple[int, ...], review_id: int) -> None:
    """After ``reviewer`` decided ``site_id`` (review ``review_id``) on a store at version ``before``: when nothing
    else changed in between, the next version's slim queue is the previous one with that row decided (no 65 ms
    recomputation on 100,000 sites); otherwise it is computed when next needed."""
    con = db()
    after = queue_store.queue_version(con)
    store = str(settings.db_path())
    if not (after[1:] == before[1:] and after[0] == review_id and before[0] == review_id - 1):
        return  # someone else wrote too (or ids skipped): compute it afresh
    with _slims_lock:
        previous = _SLIMS.get((store, before, reviewer))
    patched = queue_store.slim_after_own_decision(previous, site_id, decision) if previous is not None else None
    if patched is not None:
        _keep_slim((store, after, reviewer), patched)


def clear_slims() -> None:
    """Forget every slim queue (tests; st.cache_resource.clear() does not reach them)."""
    with _slims_lock:
        _SLIMS.clear()


@st.cache_data(max_entries=64, show_spinner=False)
def _queue_page(
    _con: Connection, store: str, version: tuple[int, ...], reviewer: str, queue: QueueFilter,
    limit: int, offset: int,
) -> tuple[pd.DataFrame, int]:  # fmt: skip
    return queue_store.queue_page(_con, reviewer, queue, limit=limit, offset=offset, slim=_slim(_con, reviewer))


@st.cache_data(max_entries=64, show_spinner=False)
def _queue_density(
    _con: Connection, store: str, version: tuple[int, ...], reviewer: str, queue: QueueFilter,
    cell_deg: float,
) -> pd.DataFrame:  # fmt: skip
    return queue_store.queue_density(_con, reviewer, queue, cell_deg, slim=_slim(_con, reviewer))


def queue_page(reviewer: str, queue: QueueFilter, *, limit: int, offset: int = 0) -> tuple[pd.DataFrame, int]:
    """:func:`db.queue.queue_page`, computed once per store version (over one slim queue per version)."""
    con = db()
    version = queue_store.queue_version(con)
    return _queue_page(con, str(settings.db_path()), version, reviewer, queue, limit, offset)


def queue_density(reviewer: str, queue: QueueFilter, cell_deg: float) -> pd.DataFrame:
    """:func:`db.queue.queue_density`, computed once per store version."""
    con = db()
    version = queue_store.queue_version(con)
    return _queue_density(con, str(settings.db_path()), version, reviewer, queue, cell_deg)


def store_banner() -> None:
    """Say so when the open store is the demo (its numbers are synthetic), or a demo store mixed with real data."""
    con = db()
    if demo_mixed_with_real(con):
        st.warning(
            _(
                "This demo store also holds real data from before demo and real work were kept apart: these numbers "
                "mix synthetic and real sites."
            )
        )
    elif store_kind(con) == "demo":
        st.info(_("Demo store: every site here comes from MineScan's synthetic demo scene, none from real imagery."))


def queue_token() -> tuple[int, ...]:
    """A token that changes whenever the queue could (decisions, scans, imports): a cache key for what shows it."""
    return queue_store.queue_version(db())
