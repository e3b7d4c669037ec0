"""The demo set-up: the synthetic demo scene (made if missing), its register and its scan, into a demo store.

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
) -> StoredScan:
    """One click for a new user: make the synthetic demo scene if missing, import its register once, scan it."""
    paths = DemoPaths.under(demo_root)
    write(target, claim_for_demo)
    if not paths.truth.is_file():
        make_demo_scene(demo_root)
    known = read(target, snapshots)
    if not (known["source_file"] == paths.register.name).any():
        import_register(target, paths.register, "dam", MatchSettings())
    return scan_into_store(target, paths.scene, discovery, impact, ScanSettings(), MatchSettings(), progress)
