"""Where a scene's pixels came from: recorded in the GeoTIFF's tags, read back by the scan, shown to reviewers.

A scene MineScan downloaded (or exported) from Google Earth Engine carries one dataset tag, ``MINESCAN_IMAGERY``,
holding a JSON object with the composite's recipe (collection, dates, cloud filter and mask, bands, scale...).
Scenes without it are described by what is known (MineScan's synthetic demo, or a local file of unknown origin).
The scan stores the recipe with the scan (``scan.imagery_json``); exports carry it on every site.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from core.wording.translate import N_, _, localise_number

#: The GeoTIFF dataset tag holding the JSON recipe.
PROVENANCE_TAG = "MINESCAN_IMAGERY"

#: Sources as the record keeps them (English, stable); the two MineScan names are translated where shown.
SOURCE_EARTH_ENGINE = "Google Earth Engine"
SOURCE_SYNTHETIC = N_("MineScan synthetic demo")
SOURCE_UNKNOWN = N_("local file (origin not recorded)")

#: The export columns (CSV, GeoJSON, KML, GeoPackage) that carry the imagery of the scan that found a site.
IMAGERY_EXPORT_COLUMNS = ("imagery_source", "imagery_collection", "imagery_start", "imagery_end", "imagery_summary")

_TEXT_FIELDS = ("source", "collection", "start", "end", "cloud_mask", "composite", "reflectance", "crs", "region",
                "tile", "created_at")  # fmt: skip
_NUMBER_FIELDS = ("max_cloud_percent", "scale_m")


@dataclass(frozen=True)
class ImageryProvenance:
    """The recipe of a composite scene. Dates are ISO ``YYYY-MM-DD``; ``end`` is exclusive, as Earth Engine's."""

    source: str
    collection: str = ""
    start: str = ""
    end: str = ""
    max_cloud_percent: float | None = None
    cloud_mask: str = ""
    composite: str = ""
    reflectance: str = ""
    scale_m: float | None = None
    crs: str = ""
    bands: tuple[str, ...] = ()
    region: str = ""
    tile: str = ""
    created_at: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> str:
        """The recipe as a JSON object (keys sorted, empty fields left out)."""
        data = {k: v for k, v in asdict(self).items() if v not in ("", None, (), [], {})}
        if "bands" in data:
            data["bands"] = list(data["bands"])
        return json.dumps(data, sort_keys=True, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> ImageryProvenance:
        """Read a recipe written by :meth:`to_json`; unknown keys go to ``extra`` (newer MineScan versions).

        Raises:
            ValueError: not JSON, not an object with a text ``source``, or a field of the wrong type (a text
                field holding a number, a number field holding text, bands that are not a list).
        """
        raw = json.loads(text)
        if not isinstance(raw, dict) or not isinstance(raw.get("source"), str):
            raise ValueError(_("the imagery record is not a JSON object with a 'source'"))
        kwargs: dict[str, Any] = {}
        for name in _TEXT_FIELDS:
            if raw.get(name) is not None:
                kwargs[name] = _typed(raw[name], str, name)
        for name in _NUMBER_FIELDS:
            if raw.get(name) is not None:
                kwargs[name] = float(_typed(raw[name], (int, float), name))
        if raw.get("bands") is not None:
            kwargs["bands"] = tuple(str(b) for b in _typed(raw["bands"], list, "bands"))
        known = {f.name for f in fields(cls)}
        extra = {str(k): _as_text(v) for k, v in raw.items() if k not in known}
        nested = raw.get("extra")
        if nested is not None:
            extra.update({str(k): _as_text(v) for k, v in _typed(nested, dict, "extra").items()})
        return cls(**kwargs, extra=extra)

    @property
    def recorded(self) -> bool:
        """True when the scene carried a readable recipe (not the demo, not a file of unknown origin)."""
        return self.source not in (SOURCE_SYNTHETIC, SOURCE_UNKNOWN)

    def summary(self) -> str:
        """One line for a reviewer, in the current language: what, when, how it was composited."""
        source = _source_words(self.source)
        if self.source != SOURCE_EARTH_ENGINE and not (self.collection or self.start or self.end):
            return source
        parts = [f"Sentinel-2 {self.collection}" if self.collection else "Sentinel-2"]
        if self.composite:
            message = _("{composite} of {start} to {end} (end exclusive)")
            parts.append(message.format(composite=_(self.composite), start=self.start, end=self.end))
        elif self.start or self.end:
            parts.append(_("{start} to {end}").format(start=self.start, end=self.end))
        if self.max_cloud_percent is not None:
            parts.append(_("scenes ≤ {percent} cloud").format(percent=f"{_number(self.max_cloud_percent)} %"))
        if self.cloud_mask:
            parts.append(_("masked: {mask}").format(mask=self.cloud_mask))
        if self.scale_m is not None:
            metres = _number(self.scale_m)
            parts.append(_("{metres} m in {crs}").format(metres=metres, crs=self.crs) if self.crs else f"{metres} m")
        if self.tile:
            return _("{parts}; from {source} ({tile})").format(parts=", ".join(parts), source=source, tile=self.tile)
        return _("{parts}; from {source}").format(parts=", ".join(parts), source=source)

    def details(self) -> dict[str, str]:
        """The full recipe for a reader, label -> value, in reading order (labels in the current language); empty
        fields left out."""
        dates = ""
        if self.start or self.end:
            dates = _("{start} to {end} (end exclusive)").format(start=self.start, end=self.end)
        cloud = ""
        if self.max_cloud_percent is not None:
            cloud = _("scenes with ≤ {percent} cloud").format(percent=f"{_number(self.max_cloud_percent)} %")
        rows = {
            _("Source"): _source_words(self.source),
            _("Collection"): self.collection,
            _("Dates"): dates,
            _("Cloud filter"): cloud,
            _("Cloud mask"): self.cloud_mask,
            _("Composite"): _(self.composite) if self.composite else "",
            _("Reflectance"): self.reflectance,
            _("Bands"): ", ".join(self.bands),
            _("Scale"): f"{_number(self.scale_m)} m" if self.scale_m is not None else "",
            "CRS": self.crs,
            _("Region"): self.region,
            _("Tile"): self.tile,
            _("Created"): self.created_at,
        }
        rows.update({k: v for k, v in sorted(self.extra.items()) if k not in rows})
        return {k: v for k, v in rows.items() if v}

    def export_fields(self) -> dict[str, str | None]:
        """The values of :data:`IMAGERY_EXPORT_COLUMNS` (``None`` where the recipe does not say)."""
        values = (self.source, self.collection, self.start, self.end, self.summary())
        return {name: value or None for name, value in zip(IMAGERY_EXPORT_COLUMNS, values, strict=True)}


def _typed(value: Any, kind: type | tuple[type, ...], name: str) -> Any:
    # bool is an int to Python, never a valid number or text here.
    if isinstance(value, bool) or not isinstance(value, kind):
        message = _("the imagery record's {name!r} has the wrong type ({kind})")
        raise ValueError(message.format(name=name, kind=type(value).__name__))
    return value


def _source_words(source: str) -> str:
    """A source as a reader is shown it: MineScan's own two names translated, any recorded one as it is."""
    return _(source) if source in (SOURCE_SYNTHETIC, SOURCE_UNKNOWN) else source


def _number(value: float) -> str:
    """``20``, ``12.5`` (``12,5`` in pt-BR): a recipe's number as ``{:g}`` writes it, with the language's mark."""
    return localise_number(f"{value:g}")


def _as_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def provenance_tags(provenance: ImageryProvenance) -> dict[str, str]:
    """The GeoTIFF dataset tags that record ``provenance``."""
    return {PROVENANCE_TAG: provenance.to_json()}


def provenance_from_tags(tags: dict[str, str], *, synthetic: bool = False) -> ImageryProvenance:
    """The provenance a scene's tags record; a synthetic or unknown source when none (or an unreadable one) is."""
    text = tags.get(PROVENANCE_TAG)
    if text:
        try:
            return ImageryProvenance.from_json(text)
        except (ValueError, TypeError):
            return ImageryProvenance(source=SOURCE_UNKNOWN, extra={"unreadable_record": text[:500]})
    return ImageryProvenance(source=SOURCE_SYNTHETIC if synthetic else SOURCE_UNKNOWN)


def provenance_from_record(imagery_json: str | None, *, synthetic: bool = False) -> ImageryProvenance:
    """The provenance a stored scan recorded; scans from before MineScan recorded it (NULL) are synthetic or
    unknown, as their ``synthetic`` flag says."""
    return provenance_from_tags({PROVENANCE_TAG: imagery_json} if imagery_json else {}, synthetic=synthetic)
