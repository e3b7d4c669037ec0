"""The triage queue: one reviewer's ranked, filtered view of the sites (blind on double-review sites).

Parameters are named; the SQL is composed of constant fragments only.
"""

from __future__ import annotations

from typing import Any

import duckdb
import pandas as pd

from core.review.queue import IMPACT_ORDER, STATUS_ORDER, QueueFilter
from db.connection import count_of
from db.exports import PICKED_BY_IDS_SQL, SITE_ROWS_SQL, not_rated_params

#: Double-review sites fewer than two reviewers have decided ('blind'), and one reviewer's own latest decisions.
#: Parameter: $reviewer.
_BLIND_OWN_SQL = """
blind AS (
    SELECT d.site_id FROM double_review d
    LEFT JOIN review r ON r.site_id = d.site_id AND r.kind = 'decision'
    GROUP BY d.site_id HAVING count(DISTINCT r.reviewer) < 2
), own AS (
    SELECT site_id, decision, reason, note, reviewer, decided_at FROM review WHERE reviewer = $reviewer
    QUALIFY row_number() OVER (PARTITION BY site_id ORDER BY decided_at DESC, id DESC) = 1
)"""
#: The columns the queue filters and sorts on, as one reviewer sees them (on blind sites only their own decision).
#: Parameter: $reviewer. Narrow on purpose: ranking 100,000 sites must not drag their outlines along.
_SLIM_SQL = f"""
WITH {_BLIND_OWN_SQL}, slim AS (
    SELECT s.id AS site_id, s.scan_id, s.lon, s.lat, s.p_max, s.area_km2, s.impact_class, m.status AS match_status,
           d.state AS nearest_dam_state,
           abs(s.p_max - coalesce(TRY_CAST(json_extract_string(c.params_json, '$.threshold') AS DOUBLE), 0.6))
               AS margin,
           CASE WHEN b.site_id IS NULL THEN r.decision ELSE o.decision END AS decision
    FROM site s
    JOIN scan c ON c.id = s.scan_id
    LEFT JOIN site_match m ON m.site_id = s.id
    LEFT JOIN registered_site d ON d.id = m.nearest_dam
    LEFT JOIN latest_review r ON r.site_id = s.id
    LEFT JOIN blind b ON b.site_id = s.id
    LEFT JOIN own o ON o.site_id = s.id
)
"""  # noqa: S608
#: The filter (:class:`core.review.queue.QueueFilter`). Parameters: see :func:`filter_params`.
_QUEUE_WHERE = """
WHERE (CAST($scan_id AS BIGINT) IS NULL OR scan_id = $scan_id)
  AND (len(CAST($states AS VARCHAR[])) = 0 OR list_contains(CAST($states AS VARCHAR[]), nearest_dam_state))
  AND (len(CAST($statuses AS VARCHAR[])) = 0 OR list_contains(CAST($statuses AS VARCHAR[]), match_status))
  AND (len(CAST($impacts AS VARCHAR[])) = 0
       OR list_contains(CAST($impacts AS VARCHAR[]), coalesce(impact_class, 'not rated')))
  AND (CAST($decided AS BOOLEAN) IS NULL OR (decision IS NOT NULL) = CAST($decided AS BOOLEAN))
"""
# Composed of the constant fragments above only; every value is a bound parameter.
QUEUE_RANK_SQL = f"""{_SLIM_SQL}
SELECT site_id FROM slim {_QUEUE_WHERE}
ORDER BY (decision IS NOT NULL),
         CASE WHEN $order = 'uncertain' THEN margin END,
         coalesce(list_position(CAST($status_order AS VARCHAR[]), match_status), 99),
         coalesce(list_position(CAST($impact_order AS VARCHAR[]), impact_class), 99),
         p_max DESC, area_km2 DESC, site_id
LIMIT $limit OFFSET $offset"""  # noqa: S608 -- a top-N sort: numbering every row with a window function costs 3x
QUEUE_COUNT_SQL = f"{_SLIM_SQL} SELECT count(*) FROM slim {_QUEUE_WHERE}"  # noqa: S608
QUEUE_DENSITY_SQL = f"""{_SLIM_SQL}
SELECT (floor(lon / $cell) + 0.5) * $cell AS lon, (floor(lat / $cell) + 0.5) * $cell AS lat, count(*) AS sites,
       count(*) FILTER (WHERE decision IS NULL) AS undecided
FROM slim {_QUEUE_WHERE} GROUP BY ALL"""  # noqa: S608
#: Full rows of the given sites as one reviewer sees them. Parameters: $reviewer, $site_ids, the 'not rated' texts.
QUEUE_ROWS_SQL = f"""
WITH {_BLIND_OWN_SQL}, {PICKED_BY_IDS_SQL}, base AS ({SITE_ROWS_SQL})
SELECT base.* REPLACE (
           CASE WHEN b.site_id IS NULL THEN base.decision ELSE o.decision END AS decision,
           CASE WHEN b.site_id IS NULL THEN base.reason ELSE o.reason END AS reason,
           CASE WHEN b.site_id IS NULL THEN base.note ELSE o.note END AS note,
           CASE WHEN b.site_id IS NULL THEN base.reviewer ELSE o.reviewer END AS reviewer,
           CASE WHEN b.site_id IS NULL THEN base.decided_at ELSE o.decided_at END AS decided_at),
       b.site_id IS NOT NULL AS blind
FROM base LEFT JOIN blind b ON b.site_id = base.site_id LEFT JOIN own o ON o.site_id = base.site_id
"""  # noqa: S608


def filter_params(reviewer: str, f: QueueFilter) -> dict[str, Any]:
    """The named parameters of the queue's filter, as ``reviewer`` sees the queue."""
    return {"reviewer": reviewer, "scan_id": f.scan_id, "states": list(f.states), "statuses": list(f.statuses),
            "impacts": list(f.impacts), "decided": f.decided}  # fmt: skip


def queue_page(
    con: duckdb.DuckDBPyConnection, reviewer: str, queue: QueueFilter, *, limit: int, offset: int = 0
) -> tuple[pd.DataFrame, int]:
    """One page of the ranked triage queue as ``reviewer`` sees it, with a ``rank`` column, and the total count.

    The order is the filter's: :data:`core.review.queue.ORDERS` (by risk: undecided first; register status; impact;
    P(mine); area. Least certain: undecided first; P(mine) nearest the scan's threshold; then by risk).
    On double-review sites fewer than two reviewers have decided (``blind``), only the reviewer's own decision.
    """
    where = filter_params(reviewer, queue)
    order = {"status_order": list(STATUS_ORDER), "impact_order": list(IMPACT_ORDER), "order": queue.order,
             "limit": limit, "offset": offset}  # fmt: skip
    ranks = con.execute(QUEUE_RANK_SQL, {**where, **order}).fetchall()
    total = count_of(con, QUEUE_COUNT_SQL, where)
    ids = [int(r[0]) for r in ranks]
    rows = con.execute(QUEUE_ROWS_SQL, {"reviewer": reviewer, "site_ids": ids, **not_rated_params()}).df()
    rank = {site_id: offset + k for k, site_id in enumerate(ids, start=1)}
    page = rows.assign(rank=rows["site_id"].map(rank).astype("int64")).sort_values("rank", ignore_index=True)
    return page, total


def queue_density(
    con: duckdb.DuckDBPyConnection, reviewer: str, queue: QueueFilter, cell_deg: float = 0.25
) -> pd.DataFrame:
    """Every site the filter keeps, counted on a ``cell_deg`` grid (lon, lat of the cell centre, sites, undecided):
    the whole queue on the map at the cost of a few thousand points."""
    return con.execute(QUEUE_DENSITY_SQL, {**filter_params(reviewer, queue), "cell": cell_deg}).df()


def queue_version(con: duckdb.DuckDBPyConnection) -> tuple[int, ...]:
    """A token that changes whenever the queue could: a decision, new sites, a register import, double review."""
    row = con.execute(
        """SELECT (SELECT coalesce(max(id), 0) FROM review), (SELECT coalesce(max(id), 0) FROM site),
                  (SELECT coalesce(max(id), 0) FROM register_snapshot), (SELECT count(*) FROM double_review),
                  (SELECT count(*) FROM site_match)"""
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
