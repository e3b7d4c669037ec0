"""The demo set-up: the synthetic demo scenes (made if missing), their register and their scans, into a demo store.

The one store module that imports the synthetic generator (``core.demo``); production paths never reach it.
"""

from __future__ import annotations

from pathlib import Path

from core.demo import DemoPaths, make_demo_scene
from core.register.matching import MatchSettings
from core.scan.pipeline import Progress, ScanModel, ScanSettings
from db.registers import snapshots
from db.workflows import StoredScan, Target, claim_for_demo, import_register, read, scan_into_store, write


def set_up_demo(
    target: Target,
    demo_root: Path,
    discovery: ScanModel,
    impact: ScanModel | None,
    progress: Progress | None = None,
    *,
    periods: int | None = None,
) -> tuple[StoredScan, ...]:
    """One click for a new user: make the synthetic demo scenes if missing, import their register once, and scan
    each period's scene (the first ``periods`` of them; None: all), in time order; return the scans."""
    paths = DemoPaths.under(demo_root)
    write(target, claim_for_demo)
    if not paths.scene_files_exist():
        make_demo_scene(demo_root)
    known = read(target, snapshots)
    if not (known["source_file"] == paths.register.name).any():
        import_register(target, paths.register, "dam", MatchSettings())
    scenes = paths.period_scenes[:periods]
    return tuple(
        scan_into_store(target, scene, discovery, impact, ScanSettings(), MatchSettings(), progress)
        for _, scene in scenes
    )
