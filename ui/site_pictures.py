"""The selected site's pictures and place history for the triage panel, kept per process, and the next site's
made ahead in a background thread while the reviewer looks at this one (about 0.4 s of scene reading and drawing
per site that a decision no longer waits for).

Plain memoisation (no Streamlit in here), so the background thread needs no script context; the store is opened
with short connections of its own. What holds words (a dossier's labels, a chip's title) is kept per language: a page
passes ``translate.current()`` (the background thread has no session to ask), and the work is done in that language.
Without a language (tests, a process with no person) it is made in the current language of the caller.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path

from core.errors import MineScanError
from core.imagery.chips import Chip, site_chips
from core.review.dossier import Dossier
from core.review.scale_bar import with_scale_bar
from core.wording import translate
from db.dossiers import dossier_for_site
from db.store import Store

_log = logging.getLogger(__name__)
#: One thread: the next site is all it makes, and it must not take both cores from the page's own run.
_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="minescan-prefetch")
_pending: Future[None] | None = None
_pending_lock = threading.Lock()


@lru_cache(maxsize=32)
def place_dossier(
    store: Store, site_id: int, reviewer: str, token: tuple[int, ...], language: str | None = None
) -> Dossier:
    """The place's history and pictures as ``reviewer`` may see them (``token``: :func:`db.dossiers.place_token`),
    in ``language``."""
    with translate.using(language or translate.current()):
        return store.read(lambda con: dossier_for_site(con, site_id, generated_by=reviewer, blind_for=reviewer))


@lru_cache(maxsize=64)
def barred(png: bytes, ground_width_m: float) -> tuple[bytes, float]:
    """:func:`core.review.scale_bar.with_scale_bar`, once per picture (the panel shows each twice: side by side and
    in the swipe)."""
    return with_scale_bar(png, ground_width_m)


def _warm_pictures(dossier: Dossier) -> None:
    for image in (dossier.before, dossier.after):
        if image is not None:
            barred(image.png, image.ground_width_m)


@lru_cache(maxsize=64)
def chips(scene: str, lon: float, lat: float, outline_wkt: str | None, language: str | None = None) -> tuple[Chip, ...]:
    """The site's true-colour and false-colour chips (about 100 KB each set), titled in ``language``."""
    with translate.using(language or translate.current()):
        return tuple(site_chips(Path(scene), lon, lat, outline_wkt=outline_wkt))


def _warm(store: Store, site_id: int, reviewer: str, token: tuple[int, ...], scene: str | None,
          lon: float, lat: float, outline_wkt: str | None, language: str | None) -> None:  # fmt: skip
    # The same arguments as the page's own calls (language only when given): the same cache entries.
    more = (language,) if language else ()
    try:
        if scene:
            chips(scene, lon, lat, outline_wkt, *more)
        _warm_pictures(place_dossier(store, site_id, reviewer, token, *more))
    except (MineScanError, ValueError, OSError) as err:  # the panel says it when it shows that site
        _log.info("prefetch of site %s skipped: %s", site_id, err)


def prefetch(store: Store, site_id: int, reviewer: str, token: tuple[int, ...], scene: str | None,
             lon: float, lat: float, outline_wkt: str | None, language: str | None = None) -> None:  # fmt: skip
    """Make the pictures and history of ``site_id`` in the background (the site a decision moves on to), in
    ``language`` (a page passes ``translate.current()``). Only the latest request waits: one that has not started
    when a newer one comes is dropped (a reviewer flicking through sites must not queue work for each)."""
    global _pending
    with _pending_lock:
        if _pending is not None:
            _pending.cancel()  # no effect once it runs
        _pending = _pool.submit(_warm, store, site_id, reviewer, token, scene, lon, lat, outline_wkt, language)


def clear() -> None:
    """Forget the kept pictures and histories (tests)."""
    place_dossier.cache_clear()
    chips.cache_clear()
    barred.cache_clear()
