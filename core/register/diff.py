"""What changed between two snapshots of a register: dams added, removed, moved, or re-classified."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from core.imagery.geo import haversine_m
from core.register.model import RegisterEntry
from core.wording.translate import _


@dataclass(frozen=True)
class SnapshotDiff:
    """Entries matched by ``register_id``; ``moved`` holds (old, new, distance_m)."""

    added: tuple[RegisterEntry, ...]
    removed: tuple[RegisterEntry, ...]
    moved: tuple[tuple[RegisterEntry, RegisterEntry, float], ...]
    risk_changed: tuple[tuple[RegisterEntry, RegisterEntry], ...]
    unchanged_count: int

    def summary(self) -> str:
        """One readable line per kind of change, with counts."""
        moved = len(self.moved)
        return "\n".join(
            [
                _("added: {n}").format(n=len(self.added)),
                _("removed: {n}").format(n=len(self.removed)),
                _("moved: {n}").format(n=moved),
                _("risk category changed: {n}").format(n=len(self.risk_changed)),
                _("in both snapshots: {n} ({moved} of them moved)").format(n=self.unchanged_count + moved, moved=moved),
            ]
        )


def _distances_m(pairs: list[tuple[RegisterEntry, RegisterEntry]]) -> np.ndarray:
    coords = np.array([(o.lon, o.lat, n.lon, n.lat) for o, n in pairs], dtype=float).reshape(-1, 4)
    return np.asarray(haversine_m(coords[:, 0], coords[:, 1], coords[:, 2], coords[:, 3]), dtype=float)


def diff_snapshots(
    old: Sequence[RegisterEntry], new: Sequence[RegisterEntry], moved_threshold_m: float = 50.0
) -> SnapshotDiff:
    """Compare two snapshots by register id; a dam moved when its point shifted more than ``moved_threshold_m``.

    Raises:
        ValueError: a negative threshold.
    """
    if moved_threshold_m < 0:
        raise ValueError(_("moved_threshold_m must be >= 0; got {value}").format(value=moved_threshold_m))
    old_by_id = {entry.register_id: entry for entry in old}
    new_by_id = {entry.register_id: entry for entry in new}
    common = [(old_by_id[key], new_by_id[key]) for key in old_by_id if key in new_by_id]
    located = [(o, n) for o, n in common if None not in (o.lon, o.lat, n.lon, n.lat)]
    distances_m = _distances_m(located)
    moved = tuple((o, n, float(d)) for (o, n), d in zip(located, distances_m) if d > moved_threshold_m)
    return SnapshotDiff(
        added=tuple(entry for key, entry in new_by_id.items() if key not in old_by_id),
        removed=tuple(entry for key, entry in old_by_id.items() if key not in new_by_id),
        moved=moved,
        risk_changed=tuple((o, n) for o, n in common if o.risk_category != n.risk_category),
        unchanged_count=len(common) - len(moved),
    )
