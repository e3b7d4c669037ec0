"""The triage panel's next site is made ahead: after a prefetch, showing that site reads nothing again."""

from __future__ import annotations

from pathlib import Path

from db.connection import connect
from db.dossiers import place_token
from db.scans import scan_scene_path
from db.store import Store
from ui import site_pictures


def test_a_prefetched_site_is_shown_from_what_was_made_ahead(two_period_demo: Path) -> None:
    site_pictures.clear()
    con = connect(two_period_demo / "store.duckdb")
    site_id, scan_id, lon, lat, wkt = con.execute(
        "SELECT s.id, s.scan_id, s.lon, s.lat, s.outline_wkt FROM place p JOIN site s ON s.id = p.site_id "
        "WHERE p.periods = 2 ORDER BY s.id LIMIT 1"
    ).fetchone()
    token, scene = place_token(con, site_id), scan_scene_path(con, scan_id)
    con.close()
    store = Store(two_period_demo / "store.duckdb")
    site_pictures.prefetch(store, site_id, "ana", token, scene, lon, lat, wkt)
    assert site_pictures._pending is not None
    site_pictures._pending.result(timeout=120)
    made = (site_pictures.place_dossier.cache_info().misses, site_pictures.chips.cache_info().misses)
    dossier = site_pictures.place_dossier(store, site_id, "ana", token)
    chips = site_pictures.chips(scene, lon, lat, wkt)
    assert (site_pictures.place_dossier.cache_info().misses, site_pictures.chips.cache_info().misses) == made
    assert dossier.before is not None and dossier.after is not None and len(chips) == 2
    assert site_pictures.barred.cache_info().currsize == 2  # both pictures got their scale bar ahead too
    site_pictures.clear()
