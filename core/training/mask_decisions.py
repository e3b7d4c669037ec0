"""A review campaign decided from tailings masks: what a careful reviewer holding the mask would decide per site.

A site whose outline touches the mask is confirmed (tailings visible). A site within ``near_m`` of tailings but not
on them is part of the same mine (dam wall, plant, pit): the reviewer marks it unsure, so it teaches neither class.
Any other site is rejected: the mask shows no tailings near it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from affine import Affine
from rasterio.features import geometry_mask
from scipy.ndimage import distance_transform_edt

from core.wording.translate import _, localise_number

#: The distance the auditor's "far from tailings" measure uses (METHOD.md: 270 m, one output cell's stride x 10 m).
NEAR_TAILINGS_M = 270.0


@dataclass(frozen=True)
class MaskDecision:
    """One site's decision with its reason and the note a reviewer would write."""

    decision: str
    reason: str | None
    note: str
    distance_m: float


def distance_to_tailings(mask: np.ndarray, pixel_m: tuple[float, float]) -> np.ndarray:
    """Metres from each pixel to the nearest tailings pixel (inf when the mask is empty)."""
    if not mask.any():
        return np.full(mask.shape, np.inf)
    return np.asarray(distance_transform_edt(~mask, sampling=pixel_m))


def decide_from_mask(outline_wkt: str, transform: Affine, distance_m: np.ndarray,
                     near_m: float = NEAR_TAILINGS_M) -> MaskDecision:  # fmt: skip
    """The decision for a site outline (in the mask's CRS) given the mask's distance grid and its transform."""
    outline = shapely.from_wkt(outline_wkt)
    inside = ~geometry_mask([outline], distance_m.shape, transform, all_touched=True)
    if not inside.any():
        (col, row), = np.floor(~transform * (outline.centroid.x, outline.centroid.y)).reshape(1, 2)  # fmt: skip
        r = int(np.clip(row, 0, distance_m.shape[0] - 1))
        c = int(np.clip(col, 0, distance_m.shape[1] - 1))
        inside = np.zeros(distance_m.shape, bool)
        inside[r, c] = True
    nearest = float(distance_m[inside].min())
    if nearest == 0.0:
        return MaskDecision("confirmed", "tailings_visible", _("the mask shows tailings inside the outline"), 0.0)
    if nearest <= near_m:
        note = _("tailings {metres} m away: part of the same mine").format(metres=localise_number(f"{nearest:.0f}"))
        return MaskDecision("unsure", None, note, nearest)
    note = _("no tailings within {metres} m in the mask").format(metres=localise_number(f"{near_m:.0f}"))
    return MaskDecision("rejected", "other", note, nearest)
