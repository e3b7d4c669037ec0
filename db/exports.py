"""Site rows as auditors receive them: each site with its register match, latest decision and imagery.

The rows are one SQL body over a relation ``picked`` that each query defines (all sites, or a list of ids), so
the export and the triage queue share the columns without rewriting each other's text. Parameters are named.
"""

from __future__ import annotations

from typing import Any

import duckdb
import pandas as pd

from core.imagery.provenance import IMAGERY_EXPORT_COLUMNS
from core.scan.sites import NOT_RATED_NO_DATA, NOT_RATED_NO_MODEL
from core.wording.translate import _
from db.places import place_rows
from db.scans import imagery_by_scan

#: One row per site of ``picked`` with its register match and latest decision.
#: Parameters: $no_impact_model, $no_valid_patch (the 'not rated' texts).
SITE_ROWS_SQL = """
SELECT s.id AS site_id, s.scan_id, s.scene_id, s.lon, s.lat, s.area_km2, s.p_max, s.p_mean, s.cell_count,
       s.impact_class,
       CASE WHEN s.impact_class IS NOT NULL THEN s.impact_class
            WHEN s.impact_model = '' THEN CAST($no_impact_model AS VARCHAR)
            ELSE CAST($no_valid_patch AS VARCHAR) END AS impact_rating,
       m.status AS match_status,
       d.register_id AS nearest_dam_id, d.name AS nearest_dam_name, d.owner AS nearest_dam_owner,
       m.nearest_dam_m, mi.register_id AS nearest_mine_id, m.nearest_mine_m,
       d.state AS nearest_dam_state, d.main_ore AS nearest_dam_ore, d.risk_category AS nearest_dam_risk,
       d.potential_damage AS nearest_dam_damage,
       coalesce(pr.register_id, pf.register_id) AS inside_polygon_id,
       r.decision, r.reason, r.note, r.reviewer, r.decided_at,
       s.discovery_model || '@' || s.discovery_version AS discovery_model,
       CASE WHEN s.impact_model = '' THEN '' ELSE s.impact_model || '@' || s.impact_version END AS impact_model,
       s.outline_wkt
FROM picked s
LEFT JOIN site_match m ON m.site_id = s.id
LEFT JOIN registered_site d ON d.id = m.nearest_dam
LEFT JOIN registered_site mi ON mi.id = m.nearest_mine
LEFT JOIN registered_site pr ON pr.id = m.inside_registered
LEFT JOIN registered_site pf ON pf.id = m.inside_reference
LEFT JOIN latest_review r ON r.site_id = s.id
"""
#: ``picked`` = the sites whose ids are $site_ids.
PICKED_BY_IDS_SQL = "picked AS (SELECT * FROM site WHERE id IN (SELECT unnest(CAST($site_ids AS BIGINT[]))))"

# Composed of the constant fragments above only; every value is a bound parameter.
#: The export's rows: :data:`SITE_ROWS_SQL` filtered, with each site's place and the period of its scan (ISO dates,
#: ``period_end`` exclusive; NULL for an undated scan).
EXPORT_SQL = f"""
WITH picked AS (SELECT * FROM site), base AS (
{SITE_ROWS_SQL}
WHERE ($scan_id IS NULL OR s.scan_id = $scan_id)
  AND (CAST($status AS VARCHAR) IS NULL OR m.status = $status)
  AND (CAST($decision AS VARCHAR) IS NULL OR coalesce(r.decision, 'undecided') = $decision)
)
SELECT base.*, ps.place_id, c.period_label AS period, CAST(c.period_start AS VARCHAR) AS period_start,
       CAST(c.period_end AS VARCHAR) AS period_end
FROM base JOIN scan c ON c.id = base.scan_id
LEFT JOIN place_site ps ON ps.site_id = base.site_id
ORDER BY base.site_id
"""  # noqa: S608
#: The columns of :func:`db.places.place_rows` every site carries from its place (and its ``area_ha_<period>``).
PLACE_COLUMNS = ("first_period", "last_period", "persistence", "growth_ha", "growth_pct")


def not_rated_params() -> dict[str, Any]:
    """The parameters of :data:`SITE_ROWS_SQL`: why a site has no impact class."""
    return {"no_impact_model": _(NOT_RATED_NO_MODEL), "no_valid_patch": _(NOT_RATED_NO_DATA)}


def export_rows(
    con: duckdb.DuckDBPyConnection,
    *,
    scan_id: int | None = None,
    status: str | None = None,
    decision: str | None = None,
) -> pd.DataFrame:
    """One row per site with its register match and latest decision; ``decision`` may be 'undecided'.

    ``impact_rating`` is the impact class, or says why a site has none (no impact model, or no valid patch).
    The ``imagery_*`` columns (:data:`core.imagery.provenance.IMAGERY_EXPORT_COLUMNS`) say where the pixels of the
    scan that found the site came from. Then the site's place over time: ``place_id``, ``period``,
    ``period_start``, ``period_end`` (its scan's; empty when undated), the place's ``first_period``,
    ``last_period``, ``persistence``, ``growth_ha``, ``growth_pct`` and ``area_ha_<period>`` per period.
    """
    params = {**not_rated_params(), "scan_id": scan_id, "status": status, "decision": decision}
    rows = con.execute(EXPORT_SQL, params).df()
    # One recipe per scan, not per site: a scan's imagery is parsed once however many sites it found.
    imagery = {k: v.export_fields() for k, v in imagery_by_scan(con, rows["scan_id"].unique().tolist()).items()}
    for column in IMAGERY_EXPORT_COLUMNS:
        values = [imagery[int(k)][column] if int(k) in imagery else None for k in rows["scan_id"]]
        rows[column] = pd.Series(values, index=rows.index, dtype=object)
    return _with_places(con, rows)


def _with_places(con: duckdb.DuckDBPyConnection, rows: pd.DataFrame) -> pd.DataFrame:
    """``rows`` with their place's first and last period, persistence, growth and area per period (empty for a site
    in no place yet)."""
    places = place_rows(con)
    areas = [c for c in places.columns if str(c).startswith("area_ha_")]
    carried = places[["place_id", *PLACE_COLUMNS, *areas]]
    return rows.merge(carried, on="place_id", how="left", validate="many_to_one")
