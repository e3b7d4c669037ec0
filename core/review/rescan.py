"""A re-scan of reviewed scenes: which of the reviewers' past decisions the new model version now agrees with.

A confirmed site agrees when the new scan still flags it (a new site within ``near_m`` of its outline); a rejected
site agrees when the new scan no longer flags it. Unsure sites are counted, never scored.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import shapely
from shapely.geometry.base import BaseGeometry

from core.imagery.geo import reproject_geometry, utm_epsg_for
from core.wording import number
from core.wording.translate import N_, _, ngettext

WGS84 = "EPSG:4326"
#: The reason a rejected site without one is counted under in :attr:`RescanAgreement.by_reason`.
NO_REASON = N_("no reason")


@dataclass(frozen=True)
class PastDecision:
    """A decided site of an earlier scan of the scene: its final decision (a supervisor's override wins)."""

    site_id: int
    decision: str
    reason: str | None
    outline_wkt: str
    model: str


@dataclass(frozen=True)
class Agreement:
    """One past decision against the new scan."""

    site_id: int
    decision: str
    reason: str | None
    model: str
    flagged_now: bool
    agrees: bool


@dataclass(frozen=True)
class RescanAgreement:
    """Every past decision of the scene against the new scan, with the counts a reviewer reads first."""

    rows: tuple[Agreement, ...]
    unsure: int
    by_reason: dict[str, tuple[int, int]] = field(default_factory=dict)

    def count(self, decision: str) -> tuple[int, int]:
        """(agreeing, all) among the past decisions ``decision``."""
        rows = [r for r in self.rows if r.decision == decision]
        return sum(r.agrees for r in rows), len(rows)

    def summary(self) -> str:
        """One line: confirmed sites still found, rejected sites no longer flagged (by reason)."""
        if not self.rows:
            return _("no earlier decision on this scene to compare with")
        found, confirmed = self.count("confirmed")
        cleared, rejected = self.count("rejected")
        reasons = ", ".join(f"{_(reason) if reason == NO_REASON else reason} {ok}/{n}"
                            for reason, (ok, n) in sorted(self.by_reason.items()))  # fmt: skip
        agrees = ngettext("agrees with {agreeing} of {decided} earlier decision",
                          "agrees with {agreeing} of {decided} earlier decisions", confirmed + rejected)  # fmt: skip
        still = ngettext("still finds {found} of {confirmed} confirmed site",
                         "still finds {found} of {confirmed} confirmed sites", confirmed)  # fmt: skip
        gone = ngettext("no longer flags {cleared} of {rejected} rejected one",
                        "no longer flags {cleared} of {rejected} rejected ones", rejected)  # fmt: skip
        text = (
            agrees.format(agreeing=number(found + cleared), decided=number(confirmed + rejected))
            + ": " + still.format(found=number(found), confirmed=number(confirmed))
            + ", " + gone.format(cleared=number(cleared), rejected=number(rejected))
        )  # fmt: skip
        if reasons:
            text += _(" (by reason: {reasons})").format(reasons=reasons)
        if self.unsure:
            unsure = ngettext("; {unsure} unsure not scored", "; {unsure} unsure not scored", self.unsure)
            text += unsure.format(unsure=number(self.unsure))
        return text


def compare_with_decisions(past: Sequence[PastDecision], new_outlines_wkt: Sequence[str],
                           near_m: float = 0.0) -> RescanAgreement:  # fmt: skip
    """Score ``past`` decisions against the outlines (WGS84 WKT) of the new scan's sites, measured in metres in
    the UTM zone of the decided sites."""
    scored = [p for p in past if p.decision in ("confirmed", "rejected")]
    unsure = sum(p.decision == "unsure" for p in past)
    if not scored:
        return RescanAgreement((), unsure)
    first = shapely.from_wkt(scored[0].outline_wkt).centroid
    metric = f"EPSG:{utm_epsg_for(first.x, first.y)}"

    def to_m(wkt: str) -> BaseGeometry:
        return reproject_geometry(shapely.from_wkt(wkt), WGS84, metric)

    new = [to_m(w) for w in new_outlines_wkt]
    tree = shapely.STRtree(new) if new else None
    rows = []
    for p in scored:
        outline = to_m(p.outline_wkt)
        hits = tree.query(outline, predicate="dwithin", distance=near_m) if tree is not None else []
        flagged = len(hits) > 0
        agrees = flagged if p.decision == "confirmed" else not flagged
        rows.append(Agreement(p.site_id, p.decision, p.reason, p.model, flagged, agrees))
    reasons: Counter[str] = Counter()
    cleared: Counter[str] = Counter()
    for r in rows:
        if r.decision == "rejected":
            reasons[r.reason or NO_REASON] += 1
            cleared[r.reason or NO_REASON] += r.agrees
    return RescanAgreement(tuple(rows), unsure, {k: (cleared[k], n) for k, n in reasons.items()})
