"""Building a training set from the store's decisions: read the decided sites, cut the windows (no connection
held meanwhile, so the app keeps working), record the set and every window."""

from __future__ import annotations

from pathlib import Path

from core.errors import MineScanError
from core.training.review_set_files import BuiltSet, build_review_set
from core.training.review_sets import SetSettings
from db.store import Store
from db.training_sets import decided_scans, fail_training_set, finish_training_set, start_training_set


def build_training_set(store: Store, scan_ids: list[int], bands: tuple[str, ...], name: str, created_by: str,
                       root: Path, settings: SetSettings | None = None) -> tuple[int, BuiltSet]:  # fmt: skip
    """Build a training set of the decided sites of ``scan_ids`` into ``root/<id>/``; return its id and result.

    Raises:
        StoreError: an unknown scan.
        TrainingDataError: nothing usable (the set is recorded as failed with the reason).
    """
    scans = store.read(lambda con: decided_scans(con, scan_ids))
    set_id = store.write(lambda con: start_training_set(con, name, "reviews", bands, created_by))
    folder = Path(root) / f"{set_id:04d}"
    try:
        built = build_review_set(scans, bands, folder, set_id, settings)
    except MineScanError as err:
        why = str(err)
        store.write(lambda con: fail_training_set(con, set_id, why))
        raise
    store.write(lambda con: finish_training_set(con, set_id, folder, built.manifest))
    return set_id, built
