"""Synthetic Sentinel-2-like demo data: scenes with planted mines and tailings dams, truth, register, patches.

No real 12-band imagery can be shipped, so MineScan makes its own. Nothing here is real: every site is invented.
"""

from core.demo.demo import (
    DemoPaths,
    demo_is_complete,
    make_demo,
    make_demo_scene,
    training_origin,
    training_seed,
)
from core.demo.layout import SiteCounts, default_counts
from core.demo.planting import PlantedFeature
from core.demo.scene import DEMO_ORIGIN_XY, SYNTHETIC_EPSG, SyntheticScene, generate_scene

__all__ = [
    "DEMO_ORIGIN_XY",
    "SYNTHETIC_EPSG",
    "DemoPaths",
    "PlantedFeature",
    "SiteCounts",
    "SyntheticScene",
    "default_counts",
    "demo_is_complete",
    "generate_scene",
    "make_demo",
    "make_demo_scene",
    "training_origin",
    "training_seed",
]
