"""The composite's recipe as plain data: collection, dates, cloud filter and mask, bands, scale."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, replace
from datetime import UTC, date, datetime

from core.errors import MineScanError
from core.imagery.bands import S2_12_BANDS
from core.imagery.periods import Period, make_period
from core.imagery.provenance import SOURCE_EARTH_ENGINE, ImageryProvenance
from core.wording.translate import N_, _

#: Sentinel-2 L1C, harmonised: scenes after 2022-01-25 (processing baseline 04.00) shifted back by the 1000 DN
#: offset, so they share the older scenes' radiometry.
S2_L1C_HARMONIZED = "COPERNICUS/S2_HARMONIZED"
#: Google's per-pixel Cloud Score+ for the harmonised Sentinel-2 collections.
CLOUD_SCORE_PLUS = "GOOGLE/CLOUD_SCORE_PLUS/V1/S2_HARMONIZED"
#: The scene-level cloud filter's property.
CLOUD_PROPERTY = "CLOUDY_PIXEL_PERCENTAGE"
#: QA60 bits: 10 = opaque clouds, 11 = cirrus (the paper's script tested bits 3 and 5, which are not cloud flags).
QA60_CLOUD_BIT = 10
QA60_CIRRUS_BIT = 11
#: Digital numbers per unit of reflectance.
DN_PER_REFLECTANCE = 10_000
#: Value written for pixels with no cloud-free observation (also the GeoTIFF's nodata).
NODATA = -9999.0
#: Sentinel-2A's first images.
FIRST_S2_DATE = date(2015, 6, 23)
MASKS = ("qa60", "cloud_score_plus")
#: How the composite reduces its scenes, as the scene's record keeps it (English; translated where shown).
PER_PIXEL_MEDIAN = N_("per-pixel median")


class ImageryRequestError(MineScanError, ValueError):
    """A composite that cannot be requested as asked (dates, cloud filter, bands...)."""

    title = N_("This imagery request can't be made")


@dataclass(frozen=True)
class CompositeRecipe:
    """What to composite. ``end`` is exclusive, as in Earth Engine's ``filterDate``."""

    start: date
    end: date
    collection: str = S2_L1C_HARMONIZED
    max_cloud_percent: float = 20.0
    mask: str = "qa60"
    cloud_score_threshold: float = 0.6
    bands: tuple[str, ...] = S2_12_BANDS
    scale_m: float = 10.0

    @property
    def fingerprint(self) -> str:
        """Ten hex digits that change with any of the recipe's settings (collection, dates, clouds, mask, bands,
        scale): files named with it are never reused for another recipe."""
        fields = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in asdict(self).items()}
        text = json.dumps(fields, sort_keys=True, separators=(",", ":"), default=list)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:10]

    @property
    def period(self) -> Period:
        """The acquisition period the composite covers (its dates, end exclusive), labelled as people write it."""
        return make_period(self.start, self.end)

    @property
    def mask_description(self) -> str:
        """The per-pixel mask in words, for people and for the scene's metadata (English: the record keeps it)."""
        if self.mask == "qa60":
            return f"QA60 bit {QA60_CLOUD_BIT} (opaque clouds) and bit {QA60_CIRRUS_BIT} (cirrus)"
        return f"Cloud Score+ cs_cdf < {self.cloud_score_threshold:g} ({CLOUD_SCORE_PLUS})"

    def provenance(self, *, crs: str, region: str, tile: str, created: datetime | None = None) -> ImageryProvenance:
        """The record a scene made with this recipe carries."""
        when = (created or datetime.now(UTC)).replace(microsecond=0)
        return ImageryProvenance(
            source=SOURCE_EARTH_ENGINE,
            collection=self.collection,
            start=self.start.isoformat(),
            end=self.end.isoformat(),
            max_cloud_percent=self.max_cloud_percent,
            cloud_mask=self.mask_description,
            composite=PER_PIXEL_MEDIAN,
            reflectance=f"DN / {DN_PER_REFLECTANCE}",
            scale_m=self.scale_m,
            crs=crs,
            bands=self.bands,
            region=region,
            tile=tile,
            created_at=when.isoformat(),
        )


def default_dates(today: date) -> tuple[date, date]:
    """Two years ending on the first day of ``today``'s month (end exclusive): recent, and whole months."""
    end = today.replace(day=1)
    return end.replace(year=end.year - 2), end


#: The paper's dates (Balaniuk et al. 2020): 2018-01-01 to 2020-01-01.
PAPER_DATES = (date(2018, 1, 1), date(2020, 1, 1))


def make_recipe(
    start: date,
    end: date,
    *,
    max_cloud_percent: float = 20.0,
    mask: str = "qa60",
    cloud_score_threshold: float = 0.6,
    today: date | None = None,
) -> CompositeRecipe:
    """A checked recipe for the paper's 12-band composite.

    Raises:
        ImageryRequestError: dates out of order or outside Sentinel-2's life, a cloud limit outside 0-100, an
            unknown mask, a Cloud Score+ threshold outside 0-1.
    """
    today = today or datetime.now(UTC).date()
    if not start < end:
        message = _("the start date ({start}) must be before the end date ({end})")
        raise ImageryRequestError(message.format(start=start, end=end))
    if end <= FIRST_S2_DATE or start > today:
        message = _("Sentinel-2 images exist from {first} to today; {start} to {end} holds none")
        raise ImageryRequestError(message.format(first=FIRST_S2_DATE, start=start, end=end))
    if not 0 <= max_cloud_percent <= 100:
        message = _("the scene cloud limit must be a percentage (0-100); got {percent}")
        raise ImageryRequestError(message.format(percent=max_cloud_percent))
    if mask not in MASKS:
        message = _("unknown cloud mask {mask!r}; use one of {masks}")
        raise ImageryRequestError(message.format(mask=mask, masks=", ".join(MASKS)))
    if not 0 < cloud_score_threshold < 1:
        message = _("the Cloud Score+ threshold must be between 0 and 1; got {threshold}")
        raise ImageryRequestError(message.format(threshold=cloud_score_threshold))
    recipe = CompositeRecipe(start=max(start, FIRST_S2_DATE), end=end, max_cloud_percent=max_cloud_percent, mask=mask)
    return replace(recipe, cloud_score_threshold=cloud_score_threshold)


def period_recipe(recipe: CompositeRecipe, period: Period) -> CompositeRecipe:
    """``recipe``'s collection, cloud and mask settings over ``period``'s dates (checked as :func:`make_recipe`
    checks them; a period that begins before Sentinel-2's first images starts on their first day).

    Raises:
        ImageryRequestError: a period outside Sentinel-2's life.
    """
    checked = make_recipe(period.start, period.end, max_cloud_percent=recipe.max_cloud_percent, mask=recipe.mask,
                          cloud_score_threshold=recipe.cloud_score_threshold)  # fmt: skip
    return replace(recipe, start=checked.start, end=checked.end)
