"""Scoring a scan against ground truth the way an auditor would: sites found, and sites on nothing."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from core.imagery.geo import WGS84, reproject_geometry, utm_epsg_for
from core.scan.sites import Site
from core.wording.translate import _, localise_number

#: A site counts for a target when its outline comes within one FCN output cell (270 m) of the target.
MATCH_DISTANCE_M = 270.0


@dataclass(frozen=True)
class TruthFeature:
    """A planted or labelled feature: ``target`` ones should be found, others are confusers."""

    feature_id: str
    kind: str
    target: bool
    outline_wkt: str


@dataclass(frozen=True)
class Evaluation:
    """Recall over targets and false sites per area."""

    targets: int
    found: int
    sites: int
    false_sites: int
    scanned_km2: float
    missed: tuple[str, ...] = ()
    false_site_kinds: dict[str, int] = field(default_factory=dict)

    @property
    def recall(self) -> float:
        """Share of targets found (1.0 when there are none)."""
        return self.found / self.targets if self.targets else 1.0

    @property
    def false_sites_per_100km2(self) -> float:
        """False sites per 100 km² of scanned valid area."""
        return 100.0 * self.false_sites / self.scanned_km2 if self.scanned_km2 > 0 else float("nan")

    def as_dict(self) -> dict[str, Any]:
        """Plain numbers for cards and reports."""
        return {
            "targets": self.targets,
            "found": self.found,
            "recall": round(self.recall, 4),
            "sites": self.sites,
            "false_sites": self.false_sites,
            "scanned_km2": round(self.scanned_km2, 2),
            "false_sites_per_100km2": round(self.false_sites_per_100km2, 3),
            "missed": list(self.missed),
            "false_sites_on": dict(self.false_site_kinds),
            "match_distance_m": MATCH_DISTANCE_M,
        }

    def summary(self) -> str:
        """One line for humans."""
        return _(
            "recall {recall} ({found}/{targets} targets found), {false_sites} false site(s) of {sites} = "
            "{per_100km2} per 100 km² over {km2} km²"
        ).format(
            recall=localise_number(f"{self.recall:.1%}"),
            found=self.found,
            targets=self.targets,
            false_sites=self.false_sites,
            sites=self.sites,
            per_100km2=localise_number(f"{self.false_sites_per_100km2:.2f}"),
            km2=localise_number(f"{self.scanned_km2:.0f}"),
        )


def load_truth(path: Path) -> list[TruthFeature]:
    """Read a ground-truth GeoJSON (WGS84) with ``target`` and ``kind`` properties."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    features = []
    for number, feat in enumerate(data.get("features", [])):
        props = feat.get("properties") or {}
        features.append(
            TruthFeature(
                feature_id=str(props.get("site_id", number)),
                kind=str(props.get("kind", "target")),
                target=bool(props.get("target", True)),
                outline_wkt=shape(feat["geometry"]).wkt,
            )
        )
    return features


def _project(wkts: Sequence[str], epsg: int) -> list[BaseGeometry]:
    return [reproject_geometry(shapely.from_wkt(w), WGS84, f"EPSG:{epsg}") for w in wkts]


def evaluate_sites(sites: Sequence[Site], truth: Sequence[TruthFeature], scanned_km2: float) -> Evaluation:
    """Match sites to truth features within :data:`MATCH_DISTANCE_M`, in metres (local UTM)."""
    targets = [t for t in truth if t.target]
    others = [t for t in truth if not t.target and t.kind != "nodata"]
    if not sites:
        return Evaluation(len(targets), 0, 0, 0, scanned_km2, tuple(t.feature_id for t in targets))
    lon = float(np.mean([s.lon for s in sites]))
    lat = float(np.mean([s.lat for s in sites]))
    epsg = utm_epsg_for(lon, lat)
    site_geoms = _project([s.outline_wkt for s in sites], epsg)
    target_geoms = _project([t.outline_wkt for t in targets], epsg)
    other_geoms = _project([t.outline_wkt for t in others], epsg)
    near = [[sg.distance(tg) <= MATCH_DISTANCE_M for tg in target_geoms] for sg in site_geoms]
    found = [any(row[j] for row in near) for j in range(len(targets))]
    false_idx = [i for i, row in enumerate(near) if not any(row)]
    kinds: Counter[str] = Counter()
    for i in false_idx:
        hits = [o.kind for o, og in zip(others, other_geoms) if site_geoms[i].distance(og) <= MATCH_DISTANCE_M]
        kinds[hits[0] if hits else "background"] += 1
    return Evaluation(
        targets=len(targets),
        found=sum(found),
        sites=len(sites),
        false_sites=len(false_idx),
        scanned_km2=scanned_km2,
        missed=tuple(t.feature_id for t, f in zip(targets, found) if not f),
        false_site_kinds=dict(kinds),
    )
