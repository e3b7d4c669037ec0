"""Whether an interrupted scan may be resumed: the same scene, models and settings, and no live runner."""

from __future__ import annotations

import json
import os
import socket
from typing import Any

from core.imagery.provenance import ImageryProvenance, provenance_from_record
from core.imagery.raster import SceneInfo
from core.scan.pipeline import ScanModel, ScanSettings
from core.wording.translate import N_, _
from db.connection import StoreError


def _runner_alive(runner: str | None) -> bool:
    if not runner or ":" not in runner:
        return False
    host, _sep, pid = runner.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False  # another machine: it cannot share this file anyway
    if int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def scan_params(settings: ScanSettings) -> dict[str, Any]:
    """The settings a scan records, and a resumed one must have."""
    return {
        "threshold": settings.threshold,
        "cells_per_tile": settings.cells_per_tile,
        "impact_offset_px": settings.impact_offset_px,
        "max_window_nodata": settings.max_window_nodata,
    }


def check_resumable(
    record: dict[str, Any], info: SceneInfo, discovery: ScanModel, impact: ScanModel | None, settings: ScanSettings
) -> None:
    """Refuse to resume a scan with another scene (path, or imagery recipe where the scan recorded one), other
    models or settings, or one that is finished or running."""
    sid = record["id"]
    if record["status"] == "finished":
        raise StoreError(_("scan {scan_id} has finished; there is nothing to resume").format(scan_id=sid))
    if _runner_alive(record.get("runner")):
        message = _("scan {scan_id} is still running in process {runner}; let it finish")
        raise StoreError(message.format(scan_id=sid, runner=record["runner"]))
    wanted = {
        "scene": str(info.path),
        "discovery model": discovery.card.ref,
        "impact model": impact.card.ref if impact else "none",
        "settings": scan_params(settings),
    }
    stored = {
        "scene": record["scene_path"],
        "discovery model": f"{record['discovery_model']}@{record['discovery_version']}",
        "impact model": f"{record['impact_model']}@{record['impact_version']}" if record["impact_model"] else "none",
        "settings": json.loads(record["params_json"]),
    }
    # The same file name may hold a newer download: its tiles would not fit the ones already scanned.
    then, now = record.get("imagery_json"), info.provenance.to_json()
    if isinstance(then, str) and then != now:
        labels = _imagery_label(provenance_from_record(then)), _imagery_label(info.provenance)
        stored["imagery"], wanted["imagery"] = labels if labels[0] != labels[1] else (then, now)
    differ = [k for k in wanted if wanted[k] != stored[k]]
    if differ:
        then_now = _("{what}: {then} then, {now} now")
        details = "; ".join(then_now.format(what=_(_PARTS[k]), then=stored[k], now=wanted[k]) for k in differ)
        message = _("scan {scan_id} cannot be resumed with a different {what} ({details})")
        raise StoreError(message.format(scan_id=sid, what=", ".join(_(_PARTS[k]) for k in differ), details=details))


#: What a resumed scan must share with the scan it resumes, as the refusal names it.
_PARTS = {"scene": N_("scene"), "discovery model": N_("discovery model"), "impact model": N_("impact model"),
          "settings": N_("settings"), "imagery": N_("imagery")}  # fmt: skip


def _imagery_label(imagery: ImageryProvenance) -> str:
    if not imagery.created_at:
        return imagery.summary()
    return _("{imagery}, created {created_at}").format(imagery=imagery.summary(), created_at=imagery.created_at)
