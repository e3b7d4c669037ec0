"""Building a training set from the store's decisions: read the decided sites, cut the windows (no connection
held meanwhile, so the app keeps working), record the set and every window."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import duckdb

from core.errors import MineScanError
from core.training.review_set_files import BuiltSet, build_review_set
from core.training.review_sets import SetSettings
from db.evaluation_sets import freeze_sites, frozen_points
from db.store import Store
from db.training_sets import decided_scans, fail_training_set, finish_training_set, start_training_set

#: The share of places held out as a model's frozen evaluation set when its first training set is built.
EVALUATION_SHARE = 0.2


def build_training_set(store: Store, scan_ids: list[int], bands: tuple[str, ...], name: str, created_by: str,
                       root: Path, model_name: str,
                       settings: SetSettings | None = None) -> tuple[int, BuiltSet]:  # fmt: skip
    """Build a training set for ``model_name`` of the decided sites of ``scan_ids`` into ``root/<id>/``; return its
    id and result.

    The model's frozen evaluation sites never enter it; the first set built for a model holds out about
    :data:`EVALUATION_SHARE` of its places as that frozen set.

    Raises:
        StoreError: an unknown scan.
        TrainingDataError: nothing usable (the set is recorded as failed with the reason).
    """
    scans = store.read(lambda con: decided_scans(con, scan_ids))
    frozen = store.read(lambda con: frozen_points(con, model_name))
    scans = [dataclasses.replace(s, frozen_lonlat=frozen) for s in scans]
    set_id = store.write(lambda con: start_training_set(con, name, "reviews", bands, created_by, model_name))
    folder = Path(root) / f"{set_id:04d}"
    try:
        built = build_review_set(scans, bands, folder, set_id, settings, 0.0 if frozen else EVALUATION_SHARE)
    except MineScanError as err:
        why = str(err)
        store.write(lambda con: fail_training_set(con, set_id, why))
        raise

    def finish(con: duckdb.DuckDBPyConnection) -> None:
        finish_training_set(con, set_id, folder, built.manifest)
        if built.held_out:
            freeze_sites(con, model_name, built.held_out, set_id)

    store.write(finish)
    return set_id, built
