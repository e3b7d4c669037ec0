"""The triage queue: one reviewer's ranked, filtered view of the sites (blind on double-review sites).

Parameters are named; the SQL is composed of constant fragments only.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from core.review.queue import IMPACT_ORDER, STATUS_ORDER, QueueFilter, RequeueRule
from db.connection import count_of
from db.exports import SITE_ROWS_SQL, not_rated_params
from db.places import CHANGED_SQL, PLACE_DECISION_SQL, requeue_rule

#: Double-review sites fewer than two reviewers have decided ('blind'), and one reviewer's own latest decisions.
#: Parameter: $reviewer.
BLIND_OWN_SQL = """
blind AS (
    SELECT d.site_id FROM double_review d
    LEFT JOIN review r ON r.site_id = d.site_id AND r.kind = 'decision'
    GROUP BY d.site_id HAVING count(DISTINCT r.reviewer) < 2
), own AS (
    SELECT * FROM review WHERE reviewer = $reviewer
    QUALIFY row_number() OVER (PARTITION BY site_id ORDER BY decided_at DESC, id DESC) = 1
)"""
#: Each place's latest decision as one reviewer sees it (on blind sites only their own), with the place's area in
#: the period of the decided site and the register status the decision was taken under. Parameter: $reviewer.
_PLACE_DECISION_SQL = f"""
{BLIND_OWN_SQL}, site_decision AS (
    SELECT r.* FROM latest_review r ANTI JOIN blind b ON b.site_id = r.site_id
    UNION ALL BY NAME
    SELECT o.* FROM own o SEMI JOIN blind b ON b.site_id = o.site_id
), {PLACE_DECISION_SQL}"""  # noqa: S608
#: One row per place, as one reviewer sees it: the place's latest site, its register status and measures over time,
#: and its decision -- none when the place was confirmed or rejected and has since grown beyond the supervisor's
#: threshold ($regrowth_pct, $regrowth_ha) or changed register status ('changed'; the earlier decision is kept as
#: ``earlier_decision``). Parameters: $reviewer, $regrowth_pct, $regrowth_ha.
#: Narrow on purpose: ranking 100,000 sites must not drag their outlines along.
_SLIM_SQL = f"""
WITH {_PLACE_DECISION_SQL}, placed AS (
    SELECT p.site_id, p.place_id, s.scan_id, s.lon, s.lat, s.p_max, s.area_km2, s.impact_class,
           m.status AS match_status, d.state AS nearest_dam_state,
           abs(s.p_max - coalesce(TRY_CAST(json_extract_string(c.params_json, '$.threshold') AS DOUBLE), 0.6))
               AS margin,
           p.new_in_latest, coalesce(p.growth_km2, 0) AS growth_km2, pd.decision AS earlier_decision,
           {CHANGED_SQL} AS changed
    FROM place p
    JOIN site s ON s.id = p.site_id
    JOIN scan c ON c.id = s.scan_id
    LEFT JOIN site_match m ON m.site_id = s.id
    LEFT JOIN registered_site d ON d.id = m.nearest_dam
    LEFT JOIN place_decision pd ON pd.place_id = p.place_id
), slim AS (
    SELECT *, CASE WHEN changed THEN NULL ELSE earlier_decision END AS decision FROM placed
)
"""  # noqa: S608
#: The filter (:class:`core.review.queue.QueueFilter`). Parameters: see :func:`filter_params`.
_QUEUE_WHERE = """
WHERE (CAST($scan_id AS BIGINT) IS NULL
       OR place_id IN (SELECT ps.place_id FROM place_site ps JOIN site x ON x.id = ps.site_id
                       WHERE x.scan_id = $scan_id))
  AND (len(CAST($states AS VARCHAR[])) = 0 OR list_contains(CAST($states AS VARCHAR[]), nearest_dam_state))
  AND (len(CAST($statuses AS VARCHAR[])) = 0 OR list_contains(CAST($statuses AS VARCHAR[]), match_status))
  AND (len(CAST($impacts AS VARCHAR[])) = 0
       OR list_contains(CAST($impacts AS VARCHAR[]), coalesce(impact_class, 'not rated')))
  AND (CAST($decided AS BOOLEAN) IS NULL OR (decision IS NOT NULL) = CAST($decided AS BOOLEAN))
"""
#: The name under which a query sees the slim queue (:func:`queue_slim`, registered by :func:`_slim_registered`).
SLIM_VIEW = "queue_slim"
# Composed of the constant fragments above only; every value is a bound parameter.
QUEUE_RANK_SQL = f"""
SELECT site_id FROM {SLIM_VIEW} {_QUEUE_WHERE}
ORDER BY (decision IS NOT NULL),
         CASE WHEN $order = 'uncertain' THEN margin END,
         coalesce(list_position(CAST($status_order AS VARCHAR[]), match_status), 99),
         CASE WHEN $order = 'new' THEN NOT new_in_latest END,
         CASE WHEN $order = 'growth' THEN -growth_km2 END,
         coalesce(list_position(CAST($impact_order AS VARCHAR[]), impact_class), 99),
         p_max DESC, area_km2 DESC, site_id
LIMIT $limit OFFSET $offset"""  # noqa: S608 -- a top-N sort: numbering every row with a window function costs 3x
QUEUE_COUNT_SQL = f"SELECT count(*) FROM {SLIM_VIEW} {_QUEUE_WHERE}"  # noqa: S608
QUEUE_DENSITY_SQL = f"""
SELECT (floor(lon / $cell) + 0.5) * $cell AS lon, (floor(lat / $cell) + 0.5) * $cell AS lat, count(*) AS sites,
       count(*) FILTER (WHERE decision IS NULL) AS undecided
FROM {SLIM_VIEW} {_QUEUE_WHERE} GROUP BY ALL"""  # noqa: S608
#: Full rows of the given places' latest sites ($only_sites) as one reviewer sees them, with the place's history
#: and, when it changed since it was decided, the earlier decision. Parameters: those of :data:`_SLIM_SQL` and the
#: 'not rated' texts.
QUEUE_ROWS_SQL = f"""WITH {_PLACE_DECISION_SQL}, picked AS (
    SELECT * FROM site WHERE id IN (SELECT unnest(CAST($only_sites AS BIGINT[])))),
base AS ({SITE_ROWS_SQL})
SELECT base.* REPLACE (q.decision AS decision,
           CASE WHEN q.changed THEN NULL ELSE pd.reason END AS reason,
           CASE WHEN q.changed THEN NULL ELSE pd.note END AS note,
           CASE WHEN q.changed THEN NULL ELSE pd.reviewer END AS reviewer,
           CASE WHEN q.changed THEN NULL ELSE pd.decided_at END AS decided_at),
       b.site_id IS NOT NULL AS blind,
       p.place_id, p.sites AS place_sites, p.periods, p.first_period, p.last_period, p.persistence, p.new_in_latest,
       p.gone, p.first_area_km2, p.last_area_km2, p.growth_km2, p.growth_pct, q.changed,
       q.earlier_decision, pd.reason AS earlier_reason, pd.reviewer AS earlier_reviewer,
       pd.decided_at AS earlier_decided_at, pd.decided_period AS earlier_period,
       pd.decided_area_km2 AS earlier_area_km2,
       pd.decided_site_id AS earlier_site_id
FROM base JOIN {SLIM_VIEW} q ON q.site_id = base.site_id
JOIN place p ON p.place_id = q.place_id
LEFT JOIN place_decision pd ON pd.place_id = q.place_id
LEFT JOIN blind b ON b.site_id = base.site_id
"""  # noqa: S608


def filter_params(f: QueueFilter) -> dict[str, Any]:
    """The named parameters of the queue's filter (:data:`_QUEUE_WHERE`)."""
    return {"scan_id": f.scan_id, "states": list(f.states), "statuses": list(f.statuses), "impacts": list(f.impacts),
            "decided": f.decided}  # fmt: skip


def queue_slim(con: duckdb.DuckDBPyConnection, reviewer: str, rule: RequeueRule | None = None) -> pa.Table:
    """Every place's queue row as ``reviewer`` sees it under ``rule`` (default: the supervisor's), narrow (no
    outlines): what :func:`queue_page` and :func:`queue_density` filter and rank. The same until the store changes
    (:func:`queue_version`), so the app computes it once per version and reviewer and passes it in."""
    rule = rule or requeue_rule(con)
    params = {"reviewer": reviewer, "regrowth_pct": rule.growth_pct, "regrowth_ha": rule.growth_ha}
    return con.execute(f"{_SLIM_SQL} SELECT * FROM slim", params).to_arrow_table()  # noqa: S608


def slim_after_own_decision(slim: pa.Table, site_id: int, decision: str) -> pa.Table | None:
    """``slim`` as it is once its reviewer has decided the queue row of ``site_id`` (a place's latest site): that
    place's decision is the new one, and not 'changed' (decided on its latest area and register status). None when
    no row is that site's (recompute instead)."""
    ids = slim.column("site_id")
    hit = pc.equal(ids, pa.scalar(site_id, ids.type))
    if not pc.any(hit).as_py():
        return None
    out = slim
    for name, value in (("earlier_decision", decision), ("decision", decision), ("changed", False)):
        column = out.column(name)
        at = out.schema.get_field_index(name)
        out = out.set_column(at, name, pc.if_else(hit, pa.scalar(value, column.type), column))
    return out


@contextmanager
def _slim_registered(con: duckdb.DuckDBPyConnection, slim: pa.Table) -> Iterator[None]:
    con.register(SLIM_VIEW, slim)
    try:
        yield
    finally:
        con.unregister(SLIM_VIEW)


def queue_page(
    con: duckdb.DuckDBPyConnection, reviewer: str, queue: QueueFilter, *, limit: int, offset: int = 0,
    slim: pa.Table | None = None,
) -> tuple[pd.DataFrame, int]:  # fmt: skip
    """One page of the ranked triage queue as ``reviewer`` sees it, with a ``rank`` column, and the total count:
    one row per place (its latest site), with its history (``place_id``, first and last period, growth...).

    The order is the filter's: :data:`core.review.queue.ORDERS` (by risk: undecided first; register status; impact;
    P(mine); area. Least certain: undecided first; P(mine) nearest the scan's threshold; then by risk).
    On double-review sites fewer than two reviewers have decided (``blind``), only the reviewer's own decision.
    A place decided on an earlier date keeps its decision unless it grew beyond the supervisor's threshold or its
    register status changed (``changed``: back in the queue, with ``earlier_decision`` and who took it when).
    ``slim``: :func:`queue_slim` of this reviewer for the store as it is (computed here when not given).
    """
    slim = slim if slim is not None else queue_slim(con, reviewer)
    where = filter_params(queue)
    order = {"status_order": list(STATUS_ORDER), "impact_order": list(IMPACT_ORDER), "order": queue.order,
             "limit": limit, "offset": offset}  # fmt: skip
    with _slim_registered(con, slim):
        ranks = con.execute(QUEUE_RANK_SQL, {**where, **order}).fetchall()
        total = count_of(con, QUEUE_COUNT_SQL, where)
        ids = [int(r[0]) for r in ranks]
        rows = con.execute(QUEUE_ROWS_SQL, {"reviewer": reviewer, "only_sites": ids, **not_rated_params()}).df()
    rank = {site_id: offset + k for k, site_id in enumerate(ids, start=1)}
    page = rows.assign(rank=rows["site_id"].map(rank).astype("int64")).sort_values("rank", ignore_index=True)
    return page, total


def queue_density(
    con: duckdb.DuckDBPyConnection, reviewer: str, queue: QueueFilter, cell_deg: float = 0.25,
    slim: pa.Table | None = None,
) -> pd.DataFrame:  # fmt: skip
    """Every site the filter keeps, counted on a ``cell_deg`` grid (lon, lat of the cell centre, sites, undecided):
    the whole queue on the map at the cost of a few thousand points. ``slim`` as in :func:`queue_page`."""
    slim = slim if slim is not None else queue_slim(con, reviewer)
    where = filter_params(queue)
    with _slim_registered(con, slim):
        return con.execute(QUEUE_DENSITY_SQL, {**where, "cell": cell_deg}).df()


def queue_version(con: duckdb.DuckDBPyConnection) -> tuple[int, ...]:
    """A token that changes whenever the queue could: a decision, new sites, a register import, double review, the
    re-queue thresholds."""
    row = con.execute(
        """SELECT (SELECT coalesce(max(id), 0) FROM review), (SELECT coalesce(max(id), 0) FROM site),
                  (SELECT coalesce(max(id), 0) FROM register_snapshot), (SELECT count(*) FROM double_review),
                  (SELECT count(*) FROM site_match), (SELECT coalesce(max(id), 0) FROM place_rule)"""
    ).fetchone()
    return tuple(int(v) for v in row) if row else ()


def queue_choices(con: duckdb.DuckDBPyConnection) -> tuple[list[int], list[str]]:
    """The scans (newest first) and the states of nearest dams the queue can be filtered by."""
    scans = [int(r[0]) for r in con.execute("SELECT DISTINCT scan_id FROM site ORDER BY 1 DESC").fetchall()]
    states = [
        str(r[0])
        for r in con.execute(
            """SELECT DISTINCT d.state FROM site_match m JOIN registered_site d ON d.id = m.nearest_dam
               WHERE d.state IS NOT NULL ORDER BY 1"""
        ).fetchall()
    ]
    return scans, states
