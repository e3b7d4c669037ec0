"""Writing candidate sites to files: GeoJSON (outlines) or CSV (one row per site), chosen by extension."""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import mapping

from core.scan.sites import Site
from core.wording.translate import _

SITE_FORMATS = (".geojson", ".json", ".csv")


def sites_geojson(sites: Sequence[Site], metadata: dict[str, Any] | None = None) -> dict[str, Any]:
    """A GeoJSON FeatureCollection (WGS84) of site outlines with their properties."""
    features = []
    for number, site in enumerate(sites, start=1):
        props = {"site": number, **site.as_row()}
        features.append(
            {"type": "Feature", "properties": props, "geometry": mapping(shapely.from_wkt(site.outline_wkt))}
        )
    collection: dict[str, Any] = {"type": "FeatureCollection", "features": features}
    if metadata:
        collection["metadata"] = metadata
    return collection


def write_sites(path: Path, sites: Sequence[Site], metadata: dict[str, Any] | None = None) -> Path:
    """Write ``sites`` to ``path`` as GeoJSON or CSV, by its extension.

    Raises:
        ValueError: an extension other than .geojson, .json or .csv.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SITE_FORMATS:
        raise ValueError(_("cannot write {file}: use a .geojson or .csv file name").format(file=path.name))
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix in (".geojson", ".json"):
        path.write_text(json.dumps(sites_geojson(sites, metadata), ensure_ascii=False, indent=1), encoding="utf-8")
        return path
    rows = [{"site": n, **s.as_row(), "outline_wkt": s.outline_wkt} for n, s in enumerate(sites, start=1)]
    columns: list[str] = []
    for row in rows:
        columns += [k for k in row if k not in columns]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns or ["site"], extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path
