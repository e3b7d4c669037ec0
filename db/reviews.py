"""Reviewers' decisions and overrides (append-only: nothing here updates or deletes one), double review,
disagreements, the history of a site, and the dashboard's counts.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from core.review.decisions import DECISIONS, REASONS
from core.review.rescan import PastDecision
from core.wording.translate import _
from db.connection import StoreError, count_of, returned_id, transaction


def add_review(
    con: duckdb.DuckDBPyConnection,
    site_id: int,
    reviewer: str,
    decision: str,
    reason: str | None = None,
    note: str | None = None,
    seconds_spent: float | None = None,
    role: str | None = None,
    kind: str = "decision",
) -> int:
    """Append a decision on a site (earlier decisions stay in the history); return the review id. The register
    status the site has now ('not matched' before any register) is kept with it (a place whose status changes
    later comes back to the queue).

    ``reviewer`` and ``role`` come from the signed-in identity (:func:`db.workflows.decide` checks the role).

    Raises:
        StoreError: unknown decision or reason code, empty reviewer, or a site that does not exist.
    """
    if decision not in DECISIONS:
        message = _("unknown decision {decision!r}; use one of {known}")
        raise StoreError(message.format(decision=decision, known=", ".join(DECISIONS)))
    if reason is not None and reason not in REASONS:
        message = _("unknown reason code {reason!r}; use one of {known}")
        raise StoreError(message.format(reason=reason, known=", ".join(REASONS)))
    if kind not in REVIEW_KINDS:
        message = _("unknown review kind {kind!r}; use one of {known}")
        raise StoreError(message.format(kind=kind, known=", ".join(REVIEW_KINDS)))
    if not reviewer or not reviewer.strip():
        raise StoreError(_("a decision needs the reviewer's name"))
    if count_of(con, "SELECT count(*) FROM site WHERE id = ?", [site_id]) == 0:
        raise StoreError(_("there is no site {site_id} to review").format(site_id=site_id))
    with transaction(con):
        row = con.execute(
            """INSERT INTO review (site_id, reviewer, decision, reason, note, seconds_spent, role, kind, match_status)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?,
                       coalesce((SELECT status FROM site_match WHERE site_id = ?), 'not matched'))
               RETURNING id""",
            [site_id, reviewer.strip(), decision, reason, note, seconds_spent, role, kind, site_id],
        ).fetchone()
    return returned_id(row)


#: 'decision': a reviewer's call; 'override': a supervisor's final word (signs off a disagreement or corrects).
REVIEW_KINDS = ("decision", "override")


PAIRS_SQL = """
WITH firsts AS (
    SELECT r.site_id, r.reviewer, r.decision, r.decided_at, r.id
    FROM review r JOIN double_review d ON d.site_id = r.site_id
    WHERE r.kind = 'decision'
    QUALIFY row_number() OVER (PARTITION BY r.site_id, r.reviewer ORDER BY r.decided_at, r.id) = 1
), ordered AS (
    SELECT *, row_number() OVER (PARTITION BY site_id ORDER BY decided_at, id) AS k FROM firsts
), overrides AS (
    SELECT site_id, decision, reviewer FROM review WHERE kind = 'override'
    QUALIFY row_number() OVER (PARTITION BY site_id ORDER BY decided_at DESC, id DESC) = 1
)
SELECT a.site_id, a.reviewer AS reviewer_1, a.decision AS decision_1, b.reviewer AS reviewer_2,
       b.decision AS decision_2, o.decision AS override_decision, o.reviewer AS override_by
FROM ordered a JOIN ordered b ON b.site_id = a.site_id AND b.k = 2
LEFT JOIN overrides o ON o.site_id = a.site_id
WHERE a.k = 1
ORDER BY a.site_id
"""


def double_review_pairs(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Double-reviewed sites decided by two reviewers: each one's first decision, and any supervisor override."""
    return con.execute(PAIRS_SQL).df()


def disagreements(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Double-reviewed sites whose two reviewers disagreed and that no supervisor has signed off yet."""
    pairs = double_review_pairs(con)
    return pairs[(pairs["decision_1"] != pairs["decision_2"]) & pairs["override_decision"].isna()]


def review_history(con: duckdb.DuckDBPyConnection, site_id: int) -> pd.DataFrame:
    """Every decision on a site, oldest first."""
    return con.execute("SELECT * FROM review WHERE site_id = ? ORDER BY decided_at, id", [site_id]).df()


def status_decision_counts(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Number of sites per register status and latest decision ('undecided' when none)."""
    return con.execute(
        """SELECT coalesce(m.status, 'not matched') AS status, coalesce(r.decision, 'undecided') AS decision,
                  count(*) AS sites
           FROM site s LEFT JOIN site_match m ON m.site_id = s.id LEFT JOIN latest_review r ON r.site_id = s.id
           GROUP BY ALL ORDER BY ALL"""
    ).df()


def reviewer_throughput(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Decisions per reviewer and day, with the median seconds spent."""
    return con.execute(
        """SELECT CAST(decided_at AS DATE) AS day, reviewer, count(*) AS decisions,
                  median(seconds_spent) AS median_seconds
           FROM review GROUP BY ALL ORDER BY day, reviewer"""
    ).df()


def rescan_inputs(con: duckdb.DuckDBPyConnection, scan_id: int) -> tuple[list[PastDecision], list[str]]:
    """What :func:`core.review.rescan.compare_with_decisions` needs for scan ``scan_id``: the final decision (a
    supervisor's override wins, else the latest) on every site that another model version found on the same scene,
    and the outlines of every site of the scan's own models on that scene (a re-found site keeps its first scan)."""
    rows = con.execute(
        """SELECT s.id, max_by(r.decision, (r.kind = 'override', r.decided_at, r.id)),
                   max_by(r.reason, (r.kind = 'override', r.decided_at, r.id)), any_value(s.outline_wkt),
                   any_value(s.discovery_model || '@' || s.discovery_version)
            FROM site s JOIN review r ON r.site_id = s.id JOIN scan c ON c.id = $scan
            WHERE s.scene_id = c.scene_id
              AND NOT (s.discovery_model = c.discovery_model AND s.discovery_version = c.discovery_version
                       AND s.impact_model = c.impact_model AND s.impact_version = c.impact_version)
            GROUP BY s.id ORDER BY s.id""",
        {"scan": scan_id},
    ).fetchall()
    outlines = con.execute(
        """SELECT s.outline_wkt FROM site s JOIN scan c ON c.id = $scan
           WHERE s.scene_id = c.scene_id AND s.discovery_model = c.discovery_model
             AND s.discovery_version = c.discovery_version AND s.impact_model = c.impact_model
             AND s.impact_version = c.impact_version ORDER BY s.id""",
        {"scan": scan_id},
    ).fetchall()
    past = [PastDecision(int(i), str(d), r, str(w), str(m)) for i, d, r, w, m in rows]
    return past, [str(w) for (w,) in outlines]
