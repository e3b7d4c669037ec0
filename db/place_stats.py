"""The dashboard over time: mined area and places per period, new unregistered area, confirmed unregistered places.

Everything counts places (``place_period``: a place's area in a period is that of the scan that saw most of it).
A place's register status and state in a period are those of its site in that period (the largest of that scan):
the status from ``site_match``, the state of its nearest registered dam ('unknown' when none), as the triage queue
has them. A place's decision is the latest on any of its sites (:func:`db.places.place_rows`); places a reviewer
rejected are never counted. Only dated periods are counted; the latest is ``provisional`` (a place first seen in it
cannot be confirmed before a later period, :data:`db.places.PERSISTENCE_DAYS`).
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd

from core.wording.translate import _
from db.places import place_rows

#: Amazon Mining Watch drops differences of this many hectares or less (an option of :func:`new_unregistered_area`).
AMW_MIN_DIFF_HA = 11.0
#: What the mined area can be split by: the state of the nearest registered dam, or the register status.
SPLITS = ("state", "status")

#: One row per place and dated period it was seen in, with that period's site's register status and dam state, and
#: the place's area when it was seen before (NULL: first seen).
_SIGHTINGS_SQL = """
SELECT pp.place_id, pp.period_label, pp.period_start, 100 * pp.area_km2 AS area_ha,
       coalesce(m.status, 'not matched') AS status, coalesce(nullif(trim(d.state), ''), 'unknown') AS state,
       100 * lag(pp.area_km2) OVER (PARTITION BY pp.place_id ORDER BY pp.period_start) AS previous_ha
FROM place_period pp
LEFT JOIN site_match m ON m.site_id = pp.site_id
LEFT JOIN registered_site d ON d.id = m.nearest_dam
WHERE pp.period_start IS NOT NULL
ORDER BY pp.period_start, pp.place_id
"""
_PERIOD_COLUMNS = ["period_label", "period_start", "provisional"]
_CONFIRMED_COLUMNS = ["place_id", "first_period", "last_period", "persistence", "periods", "first_area_ha",
                      "last_area_ha", "growth_ha", "growth_pct", "lon", "lat", "site_id"]  # fmt: skip


@dataclass(frozen=True)
class OverTime:
    """The dashboard's three views over time, from one read of the store."""

    mined: pd.DataFrame
    new_area: pd.DataFrame
    confirmed_unregistered: pd.DataFrame
    latest_period: str | None
    undated_places: int


def sightings(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """One row per place and dated period: area (ha), status, state, ``previous_ha`` (its area when last seen before;
    NaN when first seen), the place's latest decision and whether the period is the latest (``provisional``)."""
    rows = con.execute(_SIGHTINGS_SQL).df()
    places = place_rows(con)
    return _with_decisions(rows, places)


def over_time(
    con: duckdb.DuckDBPyConnection,
    *,
    by: str = "state",
    confirmed_only: bool = False,
    min_diff_ha: float = 0.0,
) -> OverTime:
    """Everything the dashboard shows over time (see :func:`mined_by_period`, :func:`new_unregistered_area`,
    :func:`confirmed_unregistered_places`).

    Raises:
        ValueError: ``by`` is not one of :data:`SPLITS`, or ``min_diff_ha`` is negative.
    """
    places = place_rows(con)
    seen = _with_decisions(con.execute(_SIGHTINGS_SQL).df(), places)
    latest = seen.loc[seen["provisional"], "period_label"]
    return OverTime(
        mined=_mined(seen, by, confirmed_only),
        new_area=_new_area(seen, min_diff_ha, confirmed_only),
        confirmed_unregistered=_confirmed_unregistered(places, latest.iloc[0] if len(latest) else None),
        latest_period=str(latest.iloc[0]) if len(latest) else None,
        undated_places=int((places["periods"] == 0).sum()),
    )


def mined_by_period(con: duckdb.DuckDBPyConnection, by: str = "state", *, confirmed_only: bool = False) -> pd.DataFrame:
    """Places and their area (ha) per period and state (``by='state'``) or register status (``by='status'``):
    ``period_label, period_start, provisional, <by>, places, area_ha``, in time order. Rejected places are left out;
    ``confirmed_only`` keeps only places whose latest decision is 'confirmed'.

    Raises:
        ValueError: ``by`` is not one of :data:`SPLITS`.
    """
    return _mined(sightings(con), by, confirmed_only)


def new_unregistered_area(
    con: duckdb.DuckDBPyConnection, *, min_diff_ha: float = 0.0, confirmed_only: bool = False
) -> pd.DataFrame:
    """New unregistered area per period (:data:`core.wording.NEW_AREA_DEFINITION`): ``period_label, period_start,
    provisional, baseline`` (the first period), ``new_places, new_ha`` (unregistered places first seen, their area),
    ``grown_places, growth_ha`` (unregistered places seen before that grew, by how much) and ``total_ha``.

    Each difference (a new place's area, a place's growth) of ``min_diff_ha`` or less is dropped (Amazon Mining Watch
    drops :data:`AMW_MIN_DIFF_HA`). Rejected places are left out.

    Raises:
        ValueError: a negative ``min_diff_ha``.
    """
    return _new_area(sightings(con), min_diff_ha, confirmed_only)


def confirmed_unregistered_places(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Places whose latest decision is 'confirmed' and whose latest site no register explains ('unregistered'),
    first seen first: place id, first and last period, persistence, areas (ha), growth (ha, %), position, and
    ``first_provisional`` / ``last_provisional`` (first / last seen in the latest period)."""
    places = place_rows(con)
    dated = con.execute(
        "SELECT arg_max(period_label, period_start) FROM place_period WHERE period_start IS NOT NULL"
    ).fetchone()
    return _confirmed_unregistered(places, dated[0] if dated else None)


def _with_decisions(rows: pd.DataFrame, places: pd.DataFrame) -> pd.DataFrame:
    decisions = places[["place_id", "latest_decision"]]
    out = rows.merge(decisions, on="place_id", how="left")
    out["provisional"] = out["period_start"] == out["period_start"].max()
    return out


def _counted(seen: pd.DataFrame, confirmed_only: bool) -> pd.DataFrame:
    decision = seen["latest_decision"]
    return seen[decision == "confirmed"] if confirmed_only else seen[decision.fillna("") != "rejected"]


def _periods(seen: pd.DataFrame) -> pd.DataFrame:
    """Every dated period of the store (also those where nothing is counted), in time order."""
    return seen[_PERIOD_COLUMNS].drop_duplicates("period_label").sort_values("period_start", ignore_index=True)


def _mined(seen: pd.DataFrame, by: str, confirmed_only: bool) -> pd.DataFrame:
    if by not in SPLITS:
        raise ValueError(
            _("the mined area is split by one of {splits}; got {by!r}").format(splits=", ".join(SPLITS), by=by)
        )
    counted = _counted(seen, confirmed_only)
    sums = counted.groupby(["period_label", by], as_index=False).agg(
        places=("place_id", "nunique"), area_ha=("area_ha", "sum")
    )
    out = _periods(seen).merge(sums, on="period_label", how="inner")
    return out[[*_PERIOD_COLUMNS, by, "places", "area_ha"]].sort_values(["period_start", by], ignore_index=True)


def _new_area(seen: pd.DataFrame, min_diff_ha: float, confirmed_only: bool) -> pd.DataFrame:
    if min_diff_ha < 0:
        raise ValueError(_("min_diff_ha must be 0 or more; got {min_diff_ha}").format(min_diff_ha=min_diff_ha))
    rows = _counted(seen, confirmed_only)
    rows = rows[rows["status"] == "unregistered"]
    first = rows["previous_ha"].isna()
    diff = (rows["area_ha"] - rows["previous_ha"].fillna(0.0)).clip(lower=0.0)
    kept = diff.where(diff.round(6) > min_diff_ha, 0.0)  # to 0.01 m²: 4 + 4 ha summed is 8 ha, not "more than 8"
    parts = pd.DataFrame(
        {
            "period_label": rows["period_label"],
            "new_places": (first & (kept > 0)).astype(int),
            "new_ha": kept.where(first, 0.0),
            "grown_places": (~first & (kept > 0)).astype(int),
            "growth_ha": kept.where(~first, 0.0),
        }
    )
    sums = parts.groupby("period_label", as_index=False).sum()
    out = _periods(seen).merge(sums, on="period_label", how="left")
    for column in ("new_places", "grown_places"):
        out[column] = out[column].fillna(0).astype(int)
    for column in ("new_ha", "growth_ha"):
        out[column] = out[column].fillna(0.0).astype(float)
    out.insert(3, "baseline", out.index == 0)
    out["total_ha"] = out["new_ha"] + out["growth_ha"]
    return out


def _confirmed_unregistered(places: pd.DataFrame, latest: str | None) -> pd.DataFrame:
    chosen = places[(places["latest_decision"] == "confirmed") & (places["match_status"] == "unregistered")]
    out = chosen[_CONFIRMED_COLUMNS].reset_index(drop=True)
    for end in ("first", "last"):
        out[f"{end}_provisional"] = out[f"{end}_period"].eq(latest) if latest is not None else False
    return out
