"""A training set from the register (a cold start, before any review): windows of the Earth Engine composite on
the current register's dams (``mine``) and on background away from every dam, mine and mining area (``not_mine``).

Two steps, so that a command can check everything offline before it connects: :func:`plan_register_set` reads the
register and picks the points (nothing is written); :func:`build_register_set` records the set, fetches and writes
the windows (no connection held meanwhile) and records every window, or records the set as failed with the reason.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb

from core.errors import MineScanError, TrainingDataError
from core.imagery.earth_engine.recipe import CompositeRecipe
from core.imagery.earth_engine.transfer import Fetch
from core.imagery.earth_engine.windows import GeoWindow, fetch_window, recipe_summary
from core.training.register_points import (
    Box,
    PointPlan,
    RegisteredDam,
    RegisterLayers,
    RegisterSetSettings,
    plan_points,
)
from core.training.register_set_files import WindowProgress, write_register_set
from core.training.review_set_files import BuiltSet
from core.wording.translate import _
from db.evaluation_sets import frozen_points
from db.registers import current_register
from db.store import Store
from db.store_kind import store_kind
from db.training_sets import fail_training_set, finish_training_set, start_training_set


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _text(value: Any) -> str | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)


def register_layers(con: duckdb.DuckDBPyConnection) -> RegisterLayers:
    """The current register (newest dam snapshot, every mine and reference layer) as the points and areas a set
    from the register needs."""
    rows = current_register(con).to_dict("records")
    dams = tuple(
        RegisteredDam(int(r["id"]), str(r["register_id"]), _text(r["name"]), _number(r["lon"]), _number(r["lat"]))
        for r in rows
        if r["kind"] == "dam"
    )
    others = [r for r in rows if r["kind"] != "dam"]
    points = tuple(
        (lon, lat) for r in others if (lon := _number(r["lon"])) is not None and (lat := _number(r["lat"])) is not None
    )
    areas = tuple(
        str(r["geometry_wkt"]) for r in others
        if isinstance(r["geometry_wkt"], str) and r["geometry_wkt"].startswith(("POLYGON", "MULTIPOLYGON"))
    )  # fmt: skip
    return RegisterLayers(dams, points, areas)


def plan_register_set(store: Store, settings: RegisterSetSettings, model_name: str,
                      boxes: Sequence[Box] = ()) -> PointPlan:  # fmt: skip
    """The windows a set from the register would hold (read only: nothing is recorded).

    Raises:
        TrainingDataError: a demo store (its dams are invented), no dam to use, or no room for background.
    """

    def read(con: duckdb.DuckDBPyConnection) -> tuple[str, RegisterLayers, list[tuple[float, float]]]:
        return store_kind(con), register_layers(con), frozen_points(con, model_name)

    kind, layers, frozen = store.read(read)
    if kind == "demo":
        raise TrainingDataError(
            _(
                "this is the demo store: its register's dams are invented, so real imagery around them teaches "
                "nothing. Import the ANM register into a store of its own (--db)"
            )
        )
    return plan_points(layers, settings, boxes, frozen)


def build_register_set(store: Store, ee: Any, recipe: CompositeRecipe, plan: PointPlan, name: str, created_by: str,
                       root: Path, model_name: str, settings: RegisterSetSettings, *, fetch: Fetch | None = None,
                       progress: WindowProgress | None = None) -> tuple[int, BuiltSet]:  # fmt: skip
    """Record a set (source ``register``) for ``model_name``, fetch its windows from the composite of ``recipe``
    into ``root/<id>/`` and record every window; return its id and result.

    Raises:
        EarthEngineUnavailable: Earth Engine refused or could not be reached (the set is recorded as failed).
        TrainingDataError: a class lost every window to clouds (recorded as failed).
    """
    bands = tuple(recipe.bands)

    def window(lon: float, lat: float) -> GeoWindow:
        return fetch_window(ee, recipe, lon, lat, settings.window_px, fetch=fetch)

    set_id = store.write(lambda con: start_training_set(con, name, "register", bands, created_by, model_name))
    folder = Path(root) / f"{set_id:04d}"
    try:
        built = write_register_set(plan, window, bands, folder, set_id, settings, recipe_summary(recipe), progress)
    except MineScanError as err:
        why = str(err)
        store.write(lambda con: fail_training_set(con, set_id, why))
        raise
    except BaseException:  # interrupted: say so rather than leave the set 'building' for ever
        store.write(lambda con: fail_training_set(con, set_id, "interrupted before the windows were all fetched"))
        raise
    store.write(lambda con: finish_training_set(con, set_id, folder, built.manifest))
    return set_id, built
