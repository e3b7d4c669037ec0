"""Places: the sites of different scans (different dates, or models) that are one place on the ground.

Sites of two scans whose outlines overlap, or lie within one output cell of each other (``cell_m``, 270 m), are
the same place; places are the connected groups of that relation. Everything is computed in the store with
DuckDB spatial (a spatial join for the pairs, label propagation for the groups) and rebuilt from the sites, so
the same sites give the same places whatever order their scans arrived in. A place's id is made from its first
sighting (period and position), never from row ids.

Decisions stay on sites (nothing here touches ``review``): a place's decision is the latest decision on any of
its sites (:data:`PLACE_DECISION_SQL`).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import duckdb
import pandas as pd

from core.access.users import Identity, require
from core.review.queue import RequeueRule
from core.scan.grid import STRIDE_PX
from db.connection import count_of, transaction
from db.spatial import load_spatial

#: One output cell of the discovery network at 10 m pixels: sites this close are one place.
CELL_M = STRIDE_PX * 10.0
#: Metres per degree of latitude (and of longitude at the Equator).
_M_PER_DEG = 111_320.0
#: The persistence window (Amazon Mining Watch): seen in two periods whose starts are at most 2 years apart.
PERSISTENCE_DAYS = 731
#: The label of the period of scans whose imagery's date is not known.
UNDATED = "undated"
#: What a place's ``persistence`` says (core.wording has the words).
PERSISTENCE = ("confirmed", "provisional", "not_confirmed", "undated")


@dataclass(frozen=True)
class PlaceBuild:
    """What a rebuild of the places found."""

    sites: int
    places: int
    periods: tuple[str, ...]
    seconds: float


def _cell_degrees(con: duckdb.DuckDBPyConnection, cell_m: float) -> float:
    """``cell_m`` in degrees of longitude at the sites' mean latitude (an outline distance in degrees)."""
    row = con.execute("SELECT avg(abs(lat)) FROM site").fetchone()
    mean_lat = min(float(row[0]) if row and row[0] is not None else 0.0, 70.0)
    return cell_m / (_M_PER_DEG * math.cos(math.radians(mean_lat)))


def _group_sites(con: duckdb.DuckDBPyConnection, cell_deg: float) -> None:
    """``pl_label(site_id, comp)``: each site's group (the smallest site id reachable through overlapping pairs)."""
    # Within a cell = intersecting the other outline grown by a cell. (ST_Distance/ST_DWithin between polygons
    # return 0 for polygons that share a latitude band in spatial 1.5.5; ST_Intersects and ST_Buffer are right.)
    con.execute(
        """CREATE OR REPLACE TEMP TABLE pl_geom AS
           SELECT s.id AS site_id, s.scan_id, g AS geom, ST_Buffer(g, $d, 2) AS grown
           FROM (SELECT id, scan_id, ST_GeomFromText(outline_wkt) AS g FROM site) s""",
        {"d": cell_deg},
    )
    # The spatial join first, filtered after: with the filter in the same query DuckDB plans a nested-loop
    # (piecewise merge) join instead, hundreds of times slower at 100,000 sites.
    con.execute(
        """CREATE OR REPLACE TEMP TABLE pl_near AS
           SELECT a.site_id AS x, a.scan_id AS x_scan, b.site_id AS y, b.scan_id AS y_scan
           FROM pl_geom a JOIN pl_geom b ON ST_Intersects(a.geom, b.grown)"""
    )
    con.execute(
        """CREATE OR REPLACE TEMP TABLE pl_pair AS
           SELECT DISTINCT least(x, y) AS x, greatest(x, y) AS y FROM pl_near WHERE x_scan <> y_scan"""
    )
    con.execute("INSERT INTO pl_pair SELECT y, x FROM pl_pair")
    con.execute("CREATE OR REPLACE TEMP TABLE pl_label AS SELECT site_id, site_id AS comp FROM pl_geom")
    for _ in range(10_000):  # each round spreads the smallest label one step; places are a few sites across
        con.execute(
            """CREATE OR REPLACE TEMP TABLE pl_next AS
               SELECT l.site_id, least(l.comp, coalesce(min(m.comp), l.comp)) AS comp
               FROM pl_label l LEFT JOIN pl_pair p ON p.x = l.site_id LEFT JOIN pl_label m ON m.site_id = p.y
               GROUP BY l.site_id, l.comp"""
        )
        changed = count_of(con, "SELECT count(*) FROM pl_next n JOIN pl_label l USING (site_id) WHERE n.comp <> l.comp")
        con.execute("CREATE OR REPLACE TEMP TABLE pl_label AS SELECT * FROM pl_next")
        if changed == 0:
            return


#: Each site with its group, period and measures (temp table ``pl_site``), then the group's id (``pl_id``): 'P',
#: the period of its first sighting, '-', ten hex digits of a hash of that sighting's period and position.
_IDS_SQL = """
CREATE OR REPLACE TEMP TABLE pl_site AS
SELECT l.site_id, l.comp, s.scan_id, coalesce(c.period_label, 'undated') AS period_label, c.period_start,
       c.period_end, s.area_km2, s.p_max, s.lon, s.lat
FROM pl_label l JOIN site s ON s.id = l.site_id JOIN scan c ON c.id = s.scan_id;
CREATE OR REPLACE TEMP TABLE pl_id AS
WITH firsts AS (
    SELECT comp,
           first(period_label ORDER BY period_start NULLS LAST, round(lat, 6), round(lon, 6)) AS label,
           first(printf('%.6f|%.6f', lat, lon) ORDER BY period_start NULLS LAST, round(lat, 6), round(lon, 6))
               AS spot
    FROM pl_site GROUP BY comp
), named AS (
    SELECT comp, 'P' || CASE WHEN label = 'undated' THEN '' ELSE replace(label, '/', '_') END || '-'
           || upper(substr(md5(label || '|' || spot), 1, 10)) AS base, spot FROM firsts
)
SELECT comp, CASE WHEN row_number() OVER (PARTITION BY base ORDER BY spot) = 1 THEN base
                  ELSE base || '-' || row_number() OVER (PARTITION BY base ORDER BY spot) END AS place_id
FROM named;
"""

#: Area and P(mine) of each place per period: per scan, the sum of its sites; per period, the scan that saw most.
_PERIODS_SQL = """
INSERT INTO place_period
WITH per_scan AS (
    SELECT i.place_id, s.period_label, any_value(s.period_start) AS period_start,
           any_value(s.period_end) AS period_end, s.scan_id, sum(s.area_km2) AS area_km2, max(s.p_max) AS p_max,
           count(*) AS sites, arg_max(s.site_id, s.area_km2) AS site_id
    FROM pl_site s JOIN pl_id i USING (comp) GROUP BY i.place_id, s.period_label, s.scan_id
)
SELECT place_id, period_label, any_value(period_start), any_value(period_end), max(area_km2), max(p_max),
       sum(sites), arg_max(site_id, area_km2)
FROM per_scan GROUP BY place_id, period_label
"""

#: One row per place: its latest sighting's site, first and last seen, growth, persistence, what is new or gone.
_PLACES_SQL = """
INSERT INTO place
WITH ordered AS (
    SELECT *, row_number() OVER (PARTITION BY place_id ORDER BY period_start DESC NULLS LAST) AS back
    FROM place_period
), summary AS (
    SELECT place_id, count(period_start) AS periods,
           min(period_start) AS first_start, max(period_start) AS last_start,
           arg_min(period_label, period_start) AS first_period, arg_max(period_label, period_start) AS last_period,
           arg_min(area_km2, coalesce(period_start, DATE '9999-12-31')) AS first_area_km2,
           any_value(area_km2) FILTER (WHERE back = 1) AS last_area_km2,
           any_value(area_km2) FILTER (WHERE back = 2 AND period_start IS NOT NULL) AS prev_area_km2,
           any_value(site_id) FILTER (WHERE back = 1) AS site_id
    FROM ordered GROUP BY place_id
), confirmed AS (
    SELECT DISTINCT a.place_id FROM place_period a JOIN place_period b
    ON a.place_id = b.place_id AND a.period_start < b.period_start
       AND b.period_start - a.period_start <= $persistence_days
), located AS (
    SELECT m.*, s.lon, s.lat, n.sites
    FROM summary m JOIN site s ON s.id = m.site_id
    JOIN (SELECT place_id, count(*) AS sites FROM place_site GROUP BY place_id) n ON n.place_id = m.place_id
), covering AS (  -- the dated scans whose scene holds the place (one being stored has sites already)
    SELECT p.place_id, max(c.period_start) AS latest_start, arg_max(c.period_label, c.period_start) AS latest,
           min(c.period_start) AS earliest_start
    FROM located p JOIN scan c
         ON (c.status = 'finished' OR c.id IN (SELECT scan_id FROM site)) AND c.period_start IS NOT NULL
         AND p.lon BETWEEN c.west AND c.east AND p.lat BETWEEN c.south AND c.north
    GROUP BY p.place_id
)
SELECT p.place_id, p.site_id, p.sites, p.periods, p.first_period, p.first_start,
       p.last_period, p.last_start, v.latest,
       CASE WHEN p.periods = 0 THEN 'undated'
            WHEN k.place_id IS NOT NULL THEN 'confirmed'
            WHEN p.last_start >= v.latest_start THEN 'provisional'
            ELSE 'not_confirmed' END,
       p.first_area_km2, p.prev_area_km2, p.last_area_km2,
       p.last_area_km2 - p.prev_area_km2,
       CASE WHEN p.prev_area_km2 > 0 THEN 100 * (p.last_area_km2 - p.prev_area_km2) / p.prev_area_km2 END,
       coalesce(p.first_start = v.latest_start AND v.earliest_start < v.latest_start, false),
       coalesce(p.last_start < v.latest_start, false),
       p.lon, p.lat
FROM located p LEFT JOIN confirmed k ON k.place_id = p.place_id LEFT JOIN covering v ON v.place_id = p.place_id
"""


def build_places(con: duckdb.DuckDBPyConnection, cell_m: float = CELL_M) -> PlaceBuild:
    """Rebuild every place from the stored sites, in one transaction (reviews are not touched)."""
    t0 = time.perf_counter()
    load_spatial(con)
    with transaction(con):
        _group_sites(con, _cell_degrees(con, cell_m))
        con.execute(_IDS_SQL)
        con.execute("DELETE FROM place_site")
        con.execute("DELETE FROM place_period")
        con.execute("DELETE FROM place")
        con.execute("INSERT INTO place_site SELECT l.site_id, i.place_id FROM pl_label l JOIN pl_id i USING (comp)")
        con.execute(_PERIODS_SQL)
        con.execute(_PLACES_SQL, {"persistence_days": PERSISTENCE_DAYS})
        periods = con.execute(
            "SELECT DISTINCT period_label, period_start FROM place_period ORDER BY period_start NULLS LAST"
        ).fetchall()
        n_sites = count_of(con, "SELECT count(*) FROM place_site")
        n_places = count_of(con, "SELECT count(*) FROM place")
    for table in ("pl_geom", "pl_near", "pl_pair", "pl_label", "pl_next", "pl_site", "pl_id"):
        con.execute(f"DROP TABLE IF EXISTS {table}")
    return PlaceBuild(n_sites, n_places, tuple(str(p) for p, _ in periods), time.perf_counter() - t0)


def places_are_current(con: duckdb.DuckDBPyConnection) -> bool:
    """True when every stored site belongs to a place (the places were rebuilt since the last sites came)."""
    return (
        count_of(con, "SELECT count(*) FROM site s LEFT JOIN place_site p ON p.site_id = s.id WHERE p.site_id IS NULL")
        == 0
    )


def requeue_rule(con: duckdb.DuckDBPyConnection) -> RequeueRule:
    """The re-queue thresholds a supervisor set last (the defaults when none did)."""
    row = con.execute("SELECT regrowth_pct, regrowth_ha FROM place_rule ORDER BY id DESC LIMIT 1").fetchone()
    return RequeueRule(float(row[0]), float(row[1])) if row else RequeueRule()


def set_requeue_rule(con: duckdb.DuckDBPyConnection, who: Identity, rule: RequeueRule) -> None:
    """Record new re-queue thresholds (kept with every earlier setting, who set it and when).

    Raises:
        PermissionDenied: ``who`` is not a supervisor.
    """
    require(who, "supervise")
    con.execute(
        "INSERT INTO place_rule (regrowth_pct, regrowth_ha, set_by, role) VALUES (?, ?, ?, ?)",
        [rule.growth_pct, rule.growth_ha, who.username, who.role],
    )


#: Whether a place's decision is out of date: it was a confirmation or a rejection and the place (``p``) has since
#: grown by more than $regrowth_pct percent or $regrowth_ha hectares from its area in the decided period, or its
#: latest site's register status (``m``) differs from the one the decision (``pd``) was taken under.
CHANGED_SQL = """coalesce(pd.decision IN ('confirmed', 'rejected') AND (
    (p.last_area_km2 - pd.decided_area_km2) * 100 > $regrowth_ha
    OR (pd.decided_area_km2 > 0 AND p.last_area_km2 > pd.decided_area_km2 * (1 + $regrowth_pct / 100))
    OR coalesce(pd.decided_status, 'not matched') <> coalesce(m.status, 'not matched')), false)"""

#: Each place's latest decision (``place_decision``) over a relation ``site_decision`` (review rows) that the query
#: defines (all of them, or as one reviewer sees them), with the place's area in the period of the decided site and
#: the register status the decision was taken under ('not matched' before any register).
PLACE_DECISION_SQL = """place_decision AS (
    SELECT ps.place_id, r.site_id AS decided_site_id, r.decision, r.reason, r.note, r.reviewer, r.role,
           r.decided_at, coalesce(r.match_status, dm.status, 'not matched') AS decided_status,
           coalesce(pp.area_km2, ds.area_km2) AS decided_area_km2,
           coalesce(dc.period_label, 'undated') AS decided_period
    FROM site_decision r JOIN place_site ps ON ps.site_id = r.site_id
    JOIN site ds ON ds.id = r.site_id JOIN scan dc ON dc.id = ds.scan_id
    LEFT JOIN site_match dm ON dm.site_id = r.site_id
    LEFT JOIN place_period pp ON pp.place_id = ps.place_id AND pp.period_label = coalesce(dc.period_label, 'undated')
    QUALIFY row_number() OVER (PARTITION BY ps.place_id ORDER BY r.decided_at DESC, r.id DESC) = 1
)"""

#: One row per place with its latest sighting's register status and its latest decision on any of its sites (as
#: the store holds it, not one reviewer's blind view), whether that decision is out of date under $regrowth_pct
#: and $regrowth_ha, and its latest outline.
_PLACE_ROWS_SQL = f"""
WITH site_decision AS (SELECT * FROM latest_review), {PLACE_DECISION_SQL}
SELECT p.place_id, p.lon, p.lat, p.sites, p.periods, p.first_period, p.last_period, p.latest_covering,
       p.persistence, p.new_in_latest, p.gone, 100 * p.first_area_km2 AS first_area_ha,
       100 * p.last_area_km2 AS last_area_ha, 100 * p.growth_km2 AS growth_ha, p.growth_pct,
       coalesce(m.status, 'not matched') AS match_status, pd.decision AS latest_decision,
       pd.reason AS decision_reason, pd.reviewer AS decided_by, pd.decided_at, pd.decided_period,
       {CHANGED_SQL} AS changed_since_decision,
       p.site_id, s.outline_wkt
FROM place p JOIN site s ON s.id = p.site_id
LEFT JOIN site_match m ON m.site_id = p.site_id
LEFT JOIN place_decision pd ON pd.place_id = p.place_id
ORDER BY p.first_start NULLS LAST, p.place_id
"""  # noqa: S608


def place_rows(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every place with first and last seen, persistence, growth, register status, latest decision, and its area
    in hectares per period (a column ``area_ha_<period>`` per period, in time order; empty where not seen)."""
    rule = requeue_rule(con)
    rows = con.execute(_PLACE_ROWS_SQL, {"regrowth_pct": rule.growth_pct, "regrowth_ha": rule.growth_ha}).df()
    periods = con.execute(
        "SELECT place_id, period_label, period_start, 100 * area_km2 AS area_ha FROM place_period"
    ).df()
    order = periods.sort_values("period_start", na_position="last")["period_label"].drop_duplicates().tolist()
    wide = periods.pivot(index="place_id", columns="period_label", values="area_ha").reindex(columns=order)
    wide.columns = [f"area_ha_{label}" for label in wide.columns]
    out = rows.merge(wide, left_on="place_id", right_index=True, how="left")
    first = list(rows.columns[:-2])
    return out[[*first, *wide.columns, "site_id", "outline_wkt"]]
