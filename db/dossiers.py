"""A place's dossier read from the store: its periods, pictures, register neighbours, audit trail and imagery.

:func:`dossier_for_site` fills a :class:`core.review.dossier.Dossier` for the place a site belongs to; rendering
(HTML, PDF) is :mod:`core.review.dossier`'s. Register distances are great-circle metres on the sphere of
:data:`core.imagery.geo.EARTH_RADIUS_M`, from the place's latest sighting, as :mod:`core.register.matching`
measures them for ``site_match`` (so the dossier and the triage page give the same metres). Parameters are named.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb

from core.errors import MineScanError
from core.imagery.chips import framing_half_size_m, site_picture
from core.imagery.geo import EARTH_RADIUS_M
from core.review.dossier import Dossier, DossierDecision, DossierImage, DossierPeriod, RegisterNeighbour
from core.wording.translate import _
from db.connection import StoreError, count_of
from db.places import UNDATED
from db.queue import BLIND_OWN_SQL
from db.registers import CURRENT_REGISTER_SQL
from db.scans import imagery_by_scan, scan_scene_path

#: The register entries a dossier lists: this many of each kind (dam, mine), nearest first, within this distance.
NEIGHBOURS_PER_KIND = 3
NEIGHBOUR_RADIUS_M = 10_000.0

_PLACE_SQL = """
SELECT p.place_id, p.site_id, p.lon, p.lat, p.first_period, p.last_period, p.persistence, s.outline_wkt,
       coalesce(m.status, 'not matched') AS match_status
FROM place_site ps JOIN place p ON p.place_id = ps.place_id JOIN site s ON s.id = p.site_id
LEFT JOIN site_match m ON m.site_id = p.site_id
WHERE ps.site_id = $site
"""

#: Per period of the place: dates, area (ha), P(mine), its sites, and the scan and outline of its biggest site.
_PERIODS_SQL = """
SELECT pp.period_label, pp.period_start, CAST(pp.period_start AS VARCHAR), CAST(pp.period_end AS VARCHAR),
       100 * pp.area_km2, pp.p_max, list(s.id ORDER BY s.id), any_value(b.scan_id), any_value(b.outline_wkt)
FROM place_period pp
JOIN site b ON b.id = pp.site_id
JOIN place_site ps ON ps.place_id = pp.place_id
JOIN site s ON s.id = ps.site_id
JOIN scan c ON c.id = s.scan_id AND coalesce(c.period_label, 'undated') = pp.period_label
WHERE pp.place_id = $place
GROUP BY ALL ORDER BY pp.period_start NULLS LAST, pp.period_label
"""

#: The finished dated scans whose scene holds the point, one per period (the newest scan of it).
_COVERING_SQL = """
SELECT period_label, period_start, id FROM scan
WHERE status = 'finished' AND period_start IS NOT NULL
  AND $lon BETWEEN west AND east AND $lat BETWEEN south AND north
QUALIFY row_number() OVER (PARTITION BY period_label ORDER BY id DESC) = 1
ORDER BY period_start
"""

#: The current register's dams (newest snapshot) and mines nearest the point: $per_kind of each within $radius_m.
_NEIGHBOURS_SQL = f"""
WITH measured AS (
    SELECT r.id, r.kind, r.register_id, r.name, r.owner, r.state, r.municipality, r.main_ore, r.risk_category,
           r.potential_damage, r.height_m,
           2 * $earth_m * asin(sqrt(least(1.0, pow(sin(radians(r.lat - $lat) / 2), 2)
               + cos(radians($lat)) * cos(radians(r.lat)) * pow(sin(radians(r.lon - $lon) / 2), 2)))) AS distance_m
    FROM registered_site r
    WHERE r.kind IN ('dam', 'mine') AND r.lon IS NOT NULL AND r.lat IS NOT NULL
      AND {CURRENT_REGISTER_SQL}
      AND r.lat BETWEEN $lat - $band_deg AND $lat + $band_deg
)
SELECT kind, register_id, name, owner, state, municipality, main_ore, risk_category, potential_damage, height_m,
       distance_m
FROM measured WHERE distance_m <= $radius_m
QUALIFY row_number() OVER (PARTITION BY kind ORDER BY distance_m, id) <= $per_kind
ORDER BY distance_m, id
"""  # noqa: S608

#: Every decision on the place's sites, oldest first; with $reviewer, on double-review sites still blind only that
#: reviewer's own (as the triage queue shows them).
_DECISIONS_SQL = f"""
WITH {BLIND_OWN_SQL}
SELECT r.decided_at, r.reviewer, r.role, r.decision, r.reason, r.note, coalesce(r.kind, 'decision'), r.site_id,
       coalesce(c.period_label, 'undated')
FROM review r JOIN place_site ps ON ps.site_id = r.site_id
JOIN site s ON s.id = r.site_id JOIN scan c ON c.id = s.scan_id
LEFT JOIN blind b ON b.site_id = r.site_id
WHERE ps.place_id = $place AND (CAST($reviewer AS VARCHAR) IS NULL OR b.site_id IS NULL OR r.reviewer = $reviewer)
ORDER BY r.decided_at, r.id
"""  # noqa: S608

#: The scans that found the place's sites: their models and whether they read synthetic imagery.
_SCANS_SQL = """
SELECT DISTINCT c.id, c.discovery_model || '@' || c.discovery_version,
       CASE WHEN c.impact_model = '' THEN NULL ELSE c.impact_model || '@' || c.impact_version END, c.synthetic
FROM place_site ps JOIN site s ON s.id = ps.site_id JOIN scan c ON c.id = s.scan_id
WHERE ps.place_id = $place ORDER BY c.id
"""


@dataclass(frozen=True)
class _Frame:
    """A scan to picture the place with: its period, the outline to draw, and whether the place was seen in it."""

    label: str
    start: date | None
    scan_id: int
    outline_wkt: str
    seen: bool


def dossier_for_site(
    con: duckdb.DuckDBPyConnection,
    site_id: int,
    *,
    generated_by: str,
    now: datetime | None = None,
    blind_for: str | None = None,
) -> Dossier:
    """The dossier of the place ``site_id`` belongs to, generated by ``generated_by`` at ``now`` (default: now, UTC).

    Pictures: *after* is the latest dated scan covering the place (one where it is no longer seen shows it gone),
    *before* its first sighting, or, for a place seen in that latest scan only, the scan before it (the ground
    before it appeared). A missing or unreadable scene file leaves that picture out. ``blind_for`` (a username)
    hides other people's decisions on double-review sites that are still blind, as the triage queue does.

    Raises:
        StoreError: there is no such site, or its place has not been built yet.
    """
    place = con.execute(_PLACE_SQL, {"site": site_id}).fetchone()
    if place is None:
        if count_of(con, "SELECT count(*) FROM site WHERE id = ?", [site_id]) == 0:
            message = _("there is no site {site_id}: pick a site id the triage queue or an export lists")
            raise StoreError(message.format(site_id=site_id))
        message = _("site {site_id} belongs to no place yet: rebuild the places first ('places build')")
        raise StoreError(message.format(site_id=site_id))
    place_id, _site, lon, lat, first_period, last_period, persistence, outline_wkt, match_status = place
    lon, lat = float(lon), float(lat)
    rows = con.execute(_PERIODS_SQL, {"place": place_id}).fetchall()
    periods = tuple(
        DossierPeriod(str(label), start or "", end or "", float(ha), float(p), tuple(int(i) for i in ids))
        for label, _start, start, end, ha, p, ids, _scan, _outline in rows
    )
    sightings = [_Frame(str(r[0]), r[1], int(r[7]), str(r[8]), True) for r in rows]
    covering = con.execute(_COVERING_SQL, {"lon": lon, "lat": lat}).fetchall()
    before, after = _before_after(_frames(sightings, covering))
    half_m = framing_half_size_m(lon, lat, [f.outline_wkt for f in sightings])
    scans = con.execute(_SCANS_SQL, {"place": place_id}).fetchall()
    pictured = [f for f in (before, after) if f is not None and not f.seen]
    return Dossier(
        place_id=str(place_id),
        site_ids=tuple(sorted({i for p in periods for i in p.site_ids})),
        lon=lon,
        lat=lat,
        outline_wkt=str(outline_wkt),
        first_seen=str(first_period or UNDATED),
        last_seen=str(last_period or UNDATED),
        persistence=str(persistence),
        match_status=str(match_status),
        periods=periods,
        before=_picture(con, before, lon, lat, half_m),
        after=_picture(con, after, lon, lat, half_m),
        neighbours=register_neighbours(con, lon, lat),
        decisions=_decisions(con, str(place_id), blind_for),
        models=tuple(dict.fromkeys([*(r[1] for r in scans), *(r[2] for r in scans if r[2])])),
        imagery=_imagery(con, [*sightings, *pictured]),
        generated_at=(now or datetime.now(UTC)).isoformat(timespec="seconds"),
        generated_by=generated_by,
        synthetic=any(bool(r[3]) for r in scans) or _any_synthetic(con, [f.scan_id for f in pictured]),
    )


def register_neighbours(
    con: duckdb.DuckDBPyConnection,
    lon: float,
    lat: float,
    *,
    per_kind: int = NEIGHBOURS_PER_KIND,
    radius_m: float = NEIGHBOUR_RADIUS_M,
) -> tuple[RegisterNeighbour, ...]:
    """The ``per_kind`` registered dams and mines nearest ``lon, lat`` within ``radius_m``, nearest first."""
    band_deg = math.degrees(radius_m / EARTH_RADIUS_M) * 1.001
    params = {"lon": lon, "lat": lat, "earth_m": EARTH_RADIUS_M, "band_deg": band_deg, "radius_m": radius_m,
              "per_kind": per_kind}  # fmt: skip
    return tuple(
        RegisterNeighbour(
            kind=str(kind),
            register_id=str(register_id),
            name=_text(name),
            owner=_text(owner),
            state=_text(state),
            municipality=_text(municipality),
            main_ore=_text(ore),
            risk_category=_text(risk),
            potential_damage=_text(damage),
            height_m=_height(height),
            distance_m=float(distance_m),
        )  # fmt: skip
        for kind, register_id, name, owner, state, municipality, ore, risk, damage, height, distance_m in (
            con.execute(_NEIGHBOURS_SQL, params).fetchall()
        )
    )


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _height(value: Any) -> float | None:
    return None if value is None or not math.isfinite(float(value)) else float(value)


def _decisions(con: duckdb.DuckDBPyConnection, place_id: str, blind_for: str | None) -> tuple[DossierDecision, ...]:
    rows = con.execute(_DECISIONS_SQL, {"place": place_id, "reviewer": blind_for}).fetchall()
    return tuple(
        DossierDecision(_iso(at), str(who), role, str(what), reason, note, str(kind), int(site), period)
        for at, who, role, what, reason, note, kind, site, period in rows
    )


def _iso(value: Any) -> str:
    return value.isoformat(timespec="seconds") if isinstance(value, datetime) else str(value)


def _frames(sightings: list[_Frame], covering: list[tuple[Any, ...]]) -> list[_Frame]:
    """The sightings and, for covering periods without one, that scan with the outline of the nearest sighting."""
    seen = {f.label for f in sightings}
    dated = [f for f in sightings if f.start is not None]
    extra = []
    for label, start, scan_id in covering:
        if str(label) in seen or not sightings:
            continue
        earlier = [f for f in dated if f.start is not None and f.start <= start]
        nearest = earlier[-1] if earlier else (dated or sightings)[0]
        extra.append(_Frame(str(label), start, int(scan_id), nearest.outline_wkt, False))
    return sorted([*sightings, *extra], key=lambda f: (f.start is None, f.start or date.min, f.label))


def _before_after(frames: list[_Frame]) -> tuple[_Frame | None, _Frame | None]:
    if not frames:
        return None, None
    dated = [f for f in frames if f.start is not None]
    after = dated[-1] if dated else frames[-1]
    first = next(f for f in frames if f.seen)
    if first is not after:
        return first, after
    earlier = [f for f in dated if after.start is not None and f.start is not None and f.start < after.start]
    return (earlier[-1] if earlier else None), after


def _picture(
    con: duckdb.DuckDBPyConnection, frame: _Frame | None, lon: float, lat: float, half_m: float
) -> DossierImage | None:
    """The scene of ``frame``'s scan around the place, or None when its file is gone or does not hold the place."""
    path = scan_scene_path(con, frame.scan_id) if frame is not None else None
    if frame is None or not path:
        return None
    try:
        picture = site_picture(Path(path), lon, lat, half_m, outline_wkt=frame.outline_wkt)
    except (MineScanError, ValueError, OSError):
        return None
    label = frame.label if frame.seen else _("{period} (not detected)").format(period=frame.label)
    return DossierImage(label, picture.png, picture.ground_width_m)


def _imagery(con: duckdb.DuckDBPyConnection, frames: list[_Frame]) -> tuple[tuple[str, dict[str, str]], ...]:
    """The imagery recipe of each frame's scan, by period label, in time order."""
    recipes = imagery_by_scan(con, [f.scan_id for f in frames])
    ordered = sorted(frames, key=lambda f: (f.start is None, f.start or date.min, f.label))
    return tuple((f.label, recipes[f.scan_id].details()) for f in ordered if f.scan_id in recipes)


def _any_synthetic(con: duckdb.DuckDBPyConnection, scan_ids: list[int]) -> bool:
    if not scan_ids:
        return False
    found = count_of(
        con, "SELECT count(*) FROM scan WHERE synthetic AND id IN (SELECT unnest(CAST($ids AS BIGINT[])))",
        {"ids": scan_ids},
    )  # fmt: skip
    return found > 0


def place_token(con: duckdb.DuckDBPyConnection, site_id: int) -> tuple[int, ...]:
    """A token that changes whenever the dossier of ``site_id``'s place could (a sighting added, a decision or a
    double-review selection on one of its sites, a register import), and not with decisions on other places: the
    key under which the panel keeps a place's history and pictures."""
    row = con.execute(
        """SELECT (SELECT count(*) FROM place_site q WHERE q.place_id = p.place_id),
                  (SELECT coalesce(max(r.id), 0) FROM review r JOIN place_site q ON q.site_id = r.site_id
                   WHERE q.place_id = p.place_id),
                  (SELECT count(*) FROM double_review d JOIN place_site q ON q.site_id = d.site_id
                   WHERE q.place_id = p.place_id),
                  (SELECT coalesce(max(id), 0) FROM register_snapshot),
                  (SELECT coalesce(max(id), 0) FROM site)
           FROM place_site p WHERE p.site_id = ?""",
        [site_id],
    ).fetchone()
    return tuple(int(v) for v in row) if row else (site_id,)
