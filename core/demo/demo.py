"""Make the whole synthetic demo: evaluation scene, truth, ANM register, training scenes, masks and patch sets."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from core.demo.geotiff import SCENE_DESCRIPTION, write_bands, write_mask
from core.demo.later_period import later_layers
from core.demo.layout import SiteCounts
from core.demo.patches import (
    DISCOVERY_PATCH_PX,
    IMPACT_PATCH_PX,
    SceneIndex,
    discovery_spots,
    impact_spots,
    write_spots,
)
from core.demo.register import write_register_csv
from core.demo.register_plan import PlantedDam, plan_register
from core.demo.scene import DEMO_ORIGIN_XY, SceneLayers, SyntheticScene, build_layers, generate_scene, render_layers
from core.demo.truth import later_truth_collection, truth_collection, write_truth
from core.imagery.periods import parse_period, period_tags
from core.model_card import DISCOVERY_CLASSES, IMPACT_CLASSES
from core.settings import DEMO_LATER_SCENE_FILE, DEMO_PERIODS, DEMO_REGISTER_FILE, DEMO_SCENE_FILE
from core.wording.translate import _

DONE_FILE = "DONE.json"
#: 2: the demo scene has two periods (``scene.tif`` and ``scene_2025.tif``, each tagged with its period).
FORMAT_VERSION = 2
LATER_TRUTH_FILE = f"truth_{DEMO_PERIODS[1]}.geojson"
#: Sites per 1536 px training scene: denser than the demo scene, so the patch sets are varied.
TRAINING_COUNTS = SiteCounts(
    open_pit_mine=3,
    tailings_dam=4,
    sand_pit=3,
    natural_lake=2,
    irrigation_dam=3,
    river_bank=2,
    nodata=1,
    town=1,
    pivot=2,
)
_TRAINING_GAP_PX = 130.0


@dataclass(frozen=True)
class DemoPaths:
    """Where :func:`make_demo` puts each output under ``root``.

    ``scene`` and ``truth`` are the first period's (:data:`~core.settings.DEMO_PERIODS`), ``later_scene`` and
    ``later_truth`` the second's.
    """

    root: Path
    scene: Path
    truth: Path
    register: Path
    train_img_dir: Path
    train_mask_dir: Path
    discovery_patches: Path
    impact_patches: Path
    later_scene: Path
    later_truth: Path

    @classmethod
    def under(cls, root: Path) -> DemoPaths:
        """The standard layout under ``root``."""
        root = Path(root)
        return cls(
            root=root,
            scene=root / DEMO_SCENE_FILE,
            truth=root / "truth.geojson",
            register=root / DEMO_REGISTER_FILE,
            train_img_dir=root / "train" / "img",
            train_mask_dir=root / "train" / "mask",
            discovery_patches=root / "patches" / "discovery",
            impact_patches=root / "patches" / "impact",
            later_scene=root / DEMO_LATER_SCENE_FILE,
            later_truth=root / LATER_TRUTH_FILE,
        )

    @property
    def period_scenes(self) -> tuple[tuple[str, Path], ...]:
        """(period label, scene) of every demo period, in time order."""
        return (DEMO_PERIODS[0], self.scene), (DEMO_PERIODS[1], self.later_scene)

    @property
    def period_truths(self) -> tuple[tuple[str, Path], ...]:
        """(period label, truth GeoJSON) of every demo period, in time order."""
        return (DEMO_PERIODS[0], self.truth), (DEMO_PERIODS[1], self.later_truth)

    def scene_files_exist(self) -> bool:
        """True when the scenes and truths of every period and the register are there (what a scan needs)."""
        files = [path for _period, path in (*self.period_scenes, *self.period_truths)]
        return all(path.is_file() for path in (*files, self.register))


def training_origin(k: int) -> tuple[float, float]:
    """Upper-left corner (UTM 23S) of training scene ``k``: west of the demo scene, never overlapping it."""
    return 420_000.0 + 40_000.0 * (k % 4), 7_900_000.0 - 40_000.0 * (k // 4)


def training_seed(seed: int, k: int) -> int:
    """Seed of training scene ``k``, derived from the demo seed."""
    return seed * 1000 + 101 + k


def _split(total: int, parts: int) -> list[int]:
    return [total // parts + (1 if k < total % parts else 0) for k in range(parts)]


def _check(size: int, n_train_scenes: int, train_size: int, n_discovery: int, n_impact: int) -> None:
    if size < 512 or train_size < 512:
        message = _("size and train_size must be at least 512 pixels; got {size} and {train_size}")
        raise ValueError(message.format(size=size, train_size=train_size))
    if n_train_scenes < 1:
        raise ValueError(_("n_train_scenes must be at least 1; got {n}").format(n=n_train_scenes))
    if n_discovery < 1 or n_impact < 1:
        message = _("patch counts must be at least 1; got {discovery} and {impact}")
        raise ValueError(message.format(discovery=n_discovery, impact=n_impact))


def _prepare(paths: DemoPaths) -> None:
    """Create the folders and remove what an earlier run left, so stale files never mix in."""
    (paths.root / DONE_FILE).unlink(missing_ok=True)
    folders = [paths.train_img_dir, paths.train_mask_dir]
    folders += [paths.discovery_patches / c for c in DISCOVERY_CLASSES]
    folders += [paths.impact_patches / c for c in IMPACT_CLASSES]
    for folder in folders:
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("*.tif"):
            old.unlink()


def _scene_tags(seed: int, period: str) -> dict[str, str]:
    return {"DESCRIPTION": SCENE_DESCRIPTION, "MINESCAN_SEED": str(seed), **period_tags(parse_period(period))}


def _write_demo_scenes(paths: DemoPaths, layers: SceneLayers, seed: int) -> dict[str, int]:
    """Both periods' scenes and truths, and the register (of the first period's dams)."""
    counts, register_ids = _write_demo_scene(paths, render_layers(layers), seed)
    later, changes = later_layers(layers)
    scene = render_layers(later)
    write_bands(paths.later_scene, scene.dn, scene.transform, scene.crs, _scene_tags(seed, DEMO_PERIODS[1]))
    collection = later_truth_collection(
        scene, changes, paths.later_scene.name, register_ids, DEMO_PERIODS, paths.truth.name
    )
    write_truth(paths.later_truth, collection)
    return {**counts, "grown_sites": len(changes.grown), "new_sites": len(changes.new), "gone_sites": len(changes.gone)}


def _write_demo_scene(paths: DemoPaths, scene: SyntheticScene, seed: int) -> tuple[dict[str, int], dict[str, str]]:
    write_bands(paths.scene, scene.dn, scene.transform, scene.crs, _scene_tags(seed, DEMO_PERIODS[0]))
    dams = []
    for feat in scene.features:
        if feat.kind == "tailings_dam" and feat.dam_rc is not None:
            x, y = scene.transform @ (feat.dam_rc[1], feat.dam_rc[0])
            dams.append(PlantedDam(feat.site_id, x, y, float(feat.polygon_xy(scene.transform).area)))
    rows, cols = scene.valid.shape
    left, top = scene.transform @ (0, 0)
    right, bottom = scene.transform @ (cols, rows)
    register = plan_register(
        np.random.default_rng([seed, 2]), dams, scene.crs.to_epsg() or 32723, (left, bottom, right, top)
    )
    write_register_csv(paths.register, register)
    ids = {row.site_id: row.register_id for row in register if row.site_id is not None}
    write_truth(paths.truth, truth_collection(scene, paths.scene.name, ids, DEMO_PERIODS[0]))
    counts = {
        "targets": sum(f.target for f in scene.features),
        "confusers": sum(not f.target and f.kind != "nodata" for f in scene.features),
        "nodata_areas": sum(f.kind == "nodata" for f in scene.features),
        "tailings_dams": len(dams),
        "registered_dams": len(ids),
        "register_rows": len(register),
    }
    return counts, ids


def _training_scene(paths: DemoPaths, k: int, seed: int, train_size: int) -> SyntheticScene:
    scale = (train_size / 1536) ** 2
    scene = generate_scene(
        training_seed(seed, k),
        train_size,
        training_origin(k),
        counts=TRAINING_COUNTS.scaled(scale),
        gap_px=_TRAINING_GAP_PX,
    )
    tags = {"DESCRIPTION": SCENE_DESCRIPTION, "MINESCAN_SEED": str(training_seed(seed, k))}
    write_bands(paths.train_img_dir / f"img_{k}.tif", scene.dn, scene.transform, scene.crs, tags)
    write_mask(paths.train_mask_dir / f"mask_{k}.tif", scene.target_mask, scene.transform, scene.crs)
    return scene


def _add(total: dict[str, int], more: dict[str, int]) -> None:
    for key, value in more.items():
        total[key] = total.get(key, 0) + value


def make_demo(
    out_dir: Path,
    *,
    seed: int = 7,
    size: int = 3072,
    n_train_scenes: int = 6,
    train_size: int = 1536,
    n_discovery_per_class: int = 400,
    n_impact_per_class: int = 300,
    progress: Callable[[str], None] | None = None,
) -> DemoPaths:
    """Generate the demo data under ``out_dir``; the same arguments give byte-identical files.

    Writes the evaluation scene of both periods (never used for training), their truths and the ANM register,
    ``n_train_scenes`` training scenes with masks, and patch sets cut from the training scenes only; ``DONE.json``
    comes last.

    Raises:
        ValueError: a size below 512 px, no training scene, or a patch count below 1.
        RuntimeError: the training scenes did not offer enough sites for the requested patch counts.
    """
    _check(size, n_train_scenes, train_size, n_discovery_per_class, n_impact_per_class)
    say = progress or (lambda message: None)
    paths = DemoPaths.under(out_dir)
    _prepare(paths)
    say(_("scene 1/{scenes}: demo scene {size} x {size} px (seed {seed})").format(
        scenes=n_train_scenes + 1, size=size, seed=seed))  # fmt: skip
    demo_counts = _write_demo_scenes(paths, build_layers(seed, size, DEMO_ORIGIN_XY), seed)
    params = {
        "seed": seed,
        "size": size,
        "n_train_scenes": n_train_scenes,
        "train_size": train_size,
        "n_discovery_per_class": n_discovery_per_class,
        "n_impact_per_class": n_impact_per_class,
    }
    written = _write_training_data(paths, params, say)
    done = {
        "generator": "core.demo.make_demo",
        "format_version": FORMAT_VERSION,
        "synthetic": True,
        "parameters": params,
        "counts": {**demo_counts, "patches": written},
    }
    (paths.root / DONE_FILE).write_text(json.dumps(done, indent=2) + "\n", encoding="utf-8")
    message = _("done: {targets} targets, {confusers} confusers in the demo scene")
    say(message.format(targets=demo_counts["targets"], confusers=demo_counts["confusers"]))
    return paths


def _write_training_data(paths: DemoPaths, params: dict[str, int], say: Callable[[str], None]) -> dict[str, Any]:
    """Training scenes, their masks and the patch sets cut from them; returns the patch counts per class."""
    seed, n_scenes, size = params["seed"], params["n_train_scenes"], params["train_size"]
    disc_quota = {c: _split(params["n_discovery_per_class"], n_scenes) for c in DISCOVERY_CLASSES}
    imp_quota = {c: _split(params["n_impact_per_class"], n_scenes) for c in IMPACT_CLASSES}
    written: dict[str, dict[str, int]] = {"discovery": {}, "impact": {}}
    for k in range(n_scenes):
        message = _("scene {k}/{scenes}: training scene {name} {size} x {size} px")
        say(message.format(k=k + 2, scenes=n_scenes + 1, name=f"img_{k}", size=size))
        scene = _training_scene(paths, k, seed, size)
        index = SceneIndex.build(scene)
        rng = np.random.default_rng([seed, 3, k])
        spots = discovery_spots(rng, index, *_due(disc_quota, written["discovery"], k, DISCOVERY_CLASSES[::-1]))
        _add(written["discovery"], write_spots(paths.discovery_patches, scene, k, spots, DISCOVERY_PATCH_PX))
        spots = impact_spots(rng, index, *_due(imp_quota, written["impact"], k, IMPACT_CLASSES))
        _add(written["impact"], write_spots(paths.impact_patches, scene, k, spots, IMPACT_PATCH_PX))
        message = _("patches from {name}: discovery {discovery}, impact {impact}")
        say(message.format(name=f"img_{k}", discovery=written["discovery"], impact=written["impact"]))
    _require(written, params["n_discovery_per_class"], params["n_impact_per_class"])
    return written


def _due(quota: dict[str, list[int]], written: dict[str, int], k: int, order: tuple[str, ...]) -> list[int]:
    """Patches still owed per class after scene ``k - 1``, spread over the remaining scenes (shortfalls carry)."""
    return [sum(quota[c][: k + 1]) - written.get(c, 0) for c in order]


def _require(written: dict[str, dict[str, int]], n_discovery: int, n_impact: int) -> None:
    short = [
        f"{c}: {written['discovery'].get(c, 0)}/{n_discovery}"
        for c in DISCOVERY_CLASSES
        if written["discovery"].get(c, 0) != n_discovery
    ]
    short += [
        f"{c}: {written['impact'].get(c, 0)}/{n_impact}"
        for c in IMPACT_CLASSES
        if written["impact"].get(c, 0) != n_impact
    ]
    if short:
        message = _("the training scenes gave too few patches ({short}); use more or larger training scenes")
        raise RuntimeError(message.format(short="; ".join(short)))


def demo_is_complete(out_dir: Path) -> bool:
    """True when ``out_dir`` holds a finished demo of this format: ``DONE.json`` and every file and patch it lists."""
    paths = DemoPaths.under(out_dir)
    try:
        done: dict[str, Any] = json.loads((paths.root / DONE_FILE).read_text(encoding="utf-8"))
        n_train = int(done["parameters"]["n_train_scenes"])
        patches = done["counts"]["patches"]
        current = done["format_version"] == FORMAT_VERSION
    except (OSError, ValueError, KeyError, TypeError):
        return False
    if not current or not paths.scene_files_exist():
        return False
    for k in range(n_train):
        if not (
            (paths.train_img_dir / f"img_{k}.tif").is_file() and (paths.train_mask_dir / f"mask_{k}.tif").is_file()
        ):
            return False
    for folder, classes, key in (
        (paths.discovery_patches, DISCOVERY_CLASSES, "discovery"),
        (paths.impact_patches, IMPACT_CLASSES, "impact"),
    ):
        for name in classes:
            if len(list((folder / name).glob("*.tif"))) != int(patches[key].get(name, -1)):
                return False
    return True


def make_demo_scene(out_dir: Path, *, seed: int = 7, size: int = 3072) -> DemoPaths:
    """Write only the evaluation scene of both periods, their truths and the register (no training data): what a
    scan needs.

    The files are identical to the ones :func:`make_demo` writes with the same seed and size.
    """
    _check(size, 1, 512, 1, 1)
    paths = DemoPaths.under(out_dir)
    paths.root.mkdir(parents=True, exist_ok=True)
    _write_demo_scenes(paths, build_layers(seed, size, DEMO_ORIGIN_XY), seed)
    return paths
