"""The triage map in time: which views a reviewer can choose, and what each place did between two periods.

Pure functions over plain data: the store gives one row per place and period it was seen in (its sighting), the
queue gives the page's places; these decide what the map draws and in which colour.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from core.review.queue import RequeueRule
from core.wording.translate import N_, _

#: What a place did between two periods, in the order the legend reads (English, translated where shown:
#: ``_(CHANGES[kind])``).
CHANGES: dict[str, str] = {
    "new": N_("new (not seen in the earlier period)"),
    "grown": N_("grew beyond the re-queue threshold"),
    "shrunk": N_("shrank beyond the re-queue threshold"),
    "stable": N_("about the same"),
    "gone": N_("gone (not seen in the later period)"),
}
LATEST = "latest"
PERIOD = "period"
CHANGE = "change"


@dataclass(frozen=True)
class MapView:
    """What the triage map shows: every place at its latest sighting, the places seen in one period, or the change
    of each place between two periods (``before`` earlier than ``after``)."""

    kind: str = LATEST
    period: str | None = None
    before: str | None = None
    after: str | None = None

    @property
    def label(self) -> str:
        """The view as a reviewer reads it in the chooser (in the current language)."""
        if self.kind == PERIOD:
            return _("Seen in {period}").format(period=self.period)
        if self.kind == CHANGE:
            return _("Change {before} → {after}").format(before=self.before, after=self.after)
        return _("Latest sighting of each place")

    @property
    def scene_period(self) -> str | None:
        """The period whose scene lies under the map (None: the scan of the place in focus)."""
        return self.period if self.kind == PERIOD else self.after if self.kind == CHANGE else None


def map_views(periods: Sequence[str]) -> list[MapView]:
    """The views for the store's dated periods (in time order): the latest, each period, the change between each
    pair of consecutive periods, and from the first to the last when there are more than two."""
    views = [MapView()]
    if len(periods) < 2:
        return views
    views += [MapView(PERIOD, period=p) for p in periods]
    views += [MapView(CHANGE, before=a, after=b) for a, b in zip(periods, periods[1:], strict=False)]
    if len(periods) > 2:
        views.append(MapView(CHANGE, before=periods[0], after=periods[-1]))
    return views


def change_of(before_km2: float | None, after_km2: float | None, rule: RequeueRule) -> str | None:
    """What a place did from ``before_km2`` to ``after_km2`` (None: not seen then), against the supervisor's re-queue
    thresholds (a change in hectares or in percent of the earlier area). None when it was seen in neither."""
    seen_before = before_km2 is not None and not pd.isna(before_km2)
    seen_after = after_km2 is not None and not pd.isna(after_km2)
    if not seen_before and not seen_after:
        return None
    if not seen_before:
        return "new"
    if not seen_after:
        return "gone"
    diff_ha = (float(after_km2) - float(before_km2)) * 100  # type: ignore[arg-type]
    pct = diff_ha / (float(before_km2) * 100) * 100 if float(before_km2) > 0 else float("inf")  # type: ignore[arg-type]
    if diff_ha > rule.growth_ha or pct > rule.growth_pct:
        return "grown"
    if -diff_ha > rule.growth_ha or -pct > rule.growth_pct:
        return "shrunk"
    return "stable"


def _sighting(sightings: pd.DataFrame, period: str | None) -> pd.DataFrame:
    rows = sightings[sightings["period_label"] == period]
    return rows.set_index("place_id")[["sighting_site_id", "lon", "lat", "area_km2", "outline_wkt", "scan_id"]]


def rows_for_view(page: pd.DataFrame, sightings: pd.DataFrame, view: MapView, rule: RequeueRule) -> pd.DataFrame:
    """The page's places as ``view`` draws them.

    Args:
        page: The queue page (one row per place: its latest site's ``site_id``, ``place_id``, position, outline,
            status and decision).
        sightings: One row per place and period seen (``place_id``, ``period_label``, ``sighting_site_id``,
            ``scan_id``, ``lon``, ``lat``, ``area_km2``, ``outline_wkt``).
        view: What to show.
        rule: The thresholds that say grown or shrunk.

    Returns:
        The page's rows (``site_id`` stays the place's latest site, the one the queue selects) with position,
        outline, area and scan of the sighting drawn, ``seen_as`` (that sighting's site) and, for a change view,
        ``change`` (:data:`CHANGES`), ``before_km2``, ``after_km2`` and ``before_wkt`` (the earlier outline, drawn
        under the later one). A period view leaves out places not seen in it.
    """
    out = page.copy()
    if view.kind == LATEST:
        out["seen_as"] = out["site_id"]
        return out
    if view.kind == PERIOD:
        seen = _sighting(sightings, view.period)
        out = out[out["place_id"].isin(seen.index)].copy()
        drawn = seen.loc[out["place_id"]]
        for column in ("lon", "lat", "area_km2", "outline_wkt", "scan_id"):
            out[column] = drawn[column].to_numpy()
        out["seen_as"] = drawn["sighting_site_id"].to_numpy()
        return out
    before = _sighting(sightings, view.before).reindex(out["place_id"])
    after = _sighting(sightings, view.after).reindex(out["place_id"])
    out["before_km2"] = before["area_km2"].to_numpy()
    out["after_km2"] = after["area_km2"].to_numpy()
    out["change"] = [change_of(b, a, rule) for b, a in zip(out["before_km2"], out["after_km2"], strict=True)]
    out = out[out["change"].notna()].copy()
    before, after = before.loc[out["place_id"]], after.loc[out["place_id"]]
    seen_after = after["area_km2"].notna().to_numpy()
    for column, source in (*((c, c) for c in ("lon", "lat", "area_km2", "outline_wkt", "scan_id")),
                           ("seen_as", "sighting_site_id")):  # fmt: skip
        out[column] = [a if keep else b for a, b, keep in zip(after[source], before[source], seen_after, strict=True)]
    out["before_wkt"] = [w if c in ("grown", "shrunk", "stable") else None
                         for w, c in zip(before["outline_wkt"], out["change"], strict=True)]  # fmt: skip
    return out


def change_counts(rows: pd.DataFrame) -> dict[str, int]:
    """How many of the drawn places did each thing (in the legend's order; kinds with none left out)."""
    counts = rows["change"].value_counts() if "change" in rows else pd.Series(dtype=int)
    return {kind: int(counts[kind]) for kind in CHANGES if kind in counts.index}
