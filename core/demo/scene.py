"""Generate one synthetic Sentinel-2-like scene with planted mines, tailings dams and confusers (no I/O)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from affine import Affine
from rasterio.crs import CRS

from core.demo import layout as lay
from core.demo.fields import fine_texture, hillshade, smooth_noise, smooth_unit
from core.demo.landscape import make_terrain, natural_cover, paint_parcels, paint_rivers, paint_roads, plan_roads
from core.demo.linework import River, make_rivers
from core.demo.planting import PlantedFeature, build_site, paint_background, plant
from core.demo.render import Atmosphere, render_dn, surface_modulation
from core.demo.stamps import Canvas, Stamp
from core.imagery.bands import S2_12_BANDS

#: UTM zone 23 south (Minas Gerais), the CRS of every synthetic scene.
SYNTHETIC_EPSG = 32723
PIXEL_M = 10.0
#: Upper-left corner of the demo scene, near the Quadrilátero Ferrífero.
DEMO_ORIGIN_XY: tuple[float, float] = (610_000.0, 7_785_000.0)


@dataclass(frozen=True)
class SyntheticScene:
    """A generated scene: ``dn`` (12, rows, cols) uint16 in band order B1..B12, 0 = nodata.

    ``site_map`` holds ``i + 1`` on the footprint of ``features[i]``; ``target_mask`` is 1 on target footprints;
    ``cover`` holds :class:`~core.demo.spectra.Cover` codes.
    """

    dn: np.ndarray
    valid: np.ndarray
    transform: Affine
    crs: CRS
    features: tuple[PlantedFeature, ...]
    target_mask: np.ndarray
    site_map: np.ndarray
    cover: np.ndarray
    seed: int
    bands: tuple[str, ...] = S2_12_BANDS

    @property
    def size(self) -> int:
        """Side of the square scene in pixels."""
        return int(self.dn.shape[1])


def _plan_sites(
    rng: np.random.Generator, rules: lay.Rules, counts: lay.SiteCounts, rivers: list[River], farm: np.ndarray
) -> list[lay.Placement]:
    """Reserve a disc for every town, nodata blob, target, confuser and pivot, largest and most constrained first."""
    size, gap = rules.size, rules.gap_px
    placed: list[lay.Placement] = []

    def add(kind: str, propose: lay.Proposer) -> None:
        spot = lay.place(rng, rules, placed, rivers, kind, propose)
        if spot is not None:
            placed.append(spot)

    for _ in range(counts.town):
        add("town", lay.uniform_proposer("town", size))
    for _ in range(counts.nodata):
        add("nodata", lay.uniform_proposer("nodata", size))
    for _ in range(counts.open_pit_mine):
        add("open_pit_mine", lay.uniform_proposer("open_pit_mine", size))
    for k in range(counts.tailings_dam):
        mines = [(i, p) for i, p in enumerate(placed) if p.kind == "open_pit_mine"]
        anywhere = lay.uniform_proposer("tailings_dam", size)
        # Most tailings dams sit just beyond the gap from a mine (and are linked to it); every fourth stands alone.
        spot = None
        if mines and k % 4 != 3:
            spot = lay.place(rng, rules, placed, rivers, "tailings_dam", lay.near_proposer(mines, "tailings_dam", gap))
        if spot is None:
            spot = lay.place(rng, rules, placed, rivers, "tailings_dam", anywhere)
        if spot is not None:
            placed.append(spot)
    for _ in range(counts.sand_pit):
        add("sand_pit", lay.uniform_proposer("sand_pit", size))
    for _ in range(counts.natural_lake):
        add("natural_lake", lay.uniform_proposer("natural_lake", size))
    for _ in range(counts.irrigation_dam):
        add("irrigation_dam", lay.preferring(farm, "irrigation_dam"))
    if rivers:
        for _ in range(counts.river_bank):
            add("river_bank", lay.river_bank_proposer(rivers[0]))
    for _ in range(counts.pivot):
        add("pivot", lay.preferring(farm, "pivot"))
    return placed


def _plant_sites(canvas: Canvas, placements: list[lay.Placement], stamps: list[Stamp]) -> list[PlantedFeature]:
    """Paint every site; number targets T01.., confusers C01.., nodata N01.. in placement order."""
    features: list[PlantedFeature] = []
    ids: dict[int, str] = {}
    counters = {"T": 0, "C": 0, "N": 0}
    for index, (spot, stamp) in enumerate(zip(placements, stamps, strict=True)):
        if spot.kind in ("town", "pivot"):
            continue
        prefix = "T" if spot.kind in lay.TARGET_KINDS else "N" if spot.kind == "nodata" else "C"
        site_id = f"{prefix}{counters[prefix] + 1:02d}"
        linked = ids.get(spot.linked_to) if spot.linked_to is not None else None
        feature = plant(canvas, stamp, len(features) + 1, spot, site_id, linked)
        if feature is not None:
            counters[prefix] += 1
            ids[index] = site_id
            features.append(feature)
    return features


def _atmosphere(rng: np.random.Generator, size: int) -> Atmosphere:
    shape = (size, size)
    return Atmosphere(
        haze=smooth_unit(rng, shape, 900),
        moisture=2.0 * smooth_unit(rng, shape, 400) - 1.0,
        cirrus=smooth_unit(rng, shape, 600),
        illumination=1.0 + 0.035 * smooth_noise(rng, shape, 700),
    )


@dataclass(frozen=True)
class SceneLayers:
    """What a scene is rendered from: the painted canvas, its sites, and the light and texture over it.

    ``placements`` holds every reserved disc (towns and pivots too) and ``ground_m`` the elevation before the sites
    were dug or built, so a later period can grow a site or plant a new one on the same land.
    """

    canvas: Canvas
    features: tuple[PlantedFeature, ...]
    placements: tuple[lay.Placement, ...]
    rivers: tuple[River, ...]
    rules: lay.Rules
    ground_m: np.ndarray
    atmosphere: Atmosphere
    texture: np.ndarray
    transform: Affine
    seed: int


def build_layers(
    seed: int,
    size: int = 768,
    origin_xy: tuple[float, float] = DEMO_ORIGIN_XY,
    *,
    counts: lay.SiteCounts | None = None,
    gap_px: float | None = None,
    edge_margin_px: float = 100.0,
) -> SceneLayers:
    """The layers of the scene :func:`generate_scene` renders with the same arguments.

    Raises:
        ValueError: ``size`` below 512.
    """
    if size < 512:
        raise ValueError(f"size must be at least 512 pixels; got {size}")
    gap = gap_px if gap_px is not None else float(min(150.0, max(60.0, size / 10)))
    rules = lay.Rules(size=size, gap_px=gap, edge_margin_px=edge_margin_px)
    rng = np.random.default_rng([seed, 1])
    canvas, features, placements, rivers, ground = _build_canvas(rng, rules, counts or lay.default_counts(size))
    atmosphere = _atmosphere(rng, size)
    texture = fine_texture(rng, (size, size))
    return SceneLayers(
        canvas=canvas,
        features=tuple(features),
        placements=tuple(placements),
        rivers=tuple(rivers),
        rules=rules,
        ground_m=ground,
        atmosphere=atmosphere,
        texture=texture,
        transform=Affine(PIXEL_M, 0.0, origin_xy[0], 0.0, -PIXEL_M, origin_xy[1]),
        seed=seed,
    )


def render_layers(layers: SceneLayers) -> SyntheticScene:
    """Render ``layers`` into a scene (the sensor noise is drawn from the scene seed)."""
    canvas, features = layers.canvas, layers.features
    shade = hillshade(canvas.elev_m, PIXEL_M)
    modulation = surface_modulation(canvas.cover, canvas.bright, shade, layers.texture, layers.atmosphere.illumination)
    dn = render_dn(canvas.cover, canvas.mix, modulation, layers.atmosphere, canvas.valid, layers.seed)
    target_ids = [i + 1 for i, f in enumerate(features) if f.target]
    return SyntheticScene(
        dn=dn,
        valid=canvas.valid,
        transform=layers.transform,
        crs=CRS.from_epsg(SYNTHETIC_EPSG),
        features=features,
        target_mask=np.isin(canvas.site, target_ids).astype(np.uint8),
        site_map=canvas.site,
        cover=canvas.cover,
        seed=layers.seed,
    )


def generate_scene(
    seed: int,
    size: int = 768,
    origin_xy: tuple[float, float] = DEMO_ORIGIN_XY,
    *,
    counts: lay.SiteCounts | None = None,
    gap_px: float | None = None,
    edge_margin_px: float = 100.0,
) -> SyntheticScene:
    """Generate a square synthetic scene of ``size`` pixels whose upper-left corner is ``origin_xy`` (UTM 23S).

    Args:
        seed: the same seed gives the same scene, bit for bit.
        size: side in pixels (10 m each); at least 512.
        origin_xy: easting and northing of the upper-left corner in EPSG:32723.
        counts: sites to plant; default: the demo mix scaled to the scene area.
        gap_px: least distance between two sites; default 150 px (1.5 km), less in small scenes.
        edge_margin_px: least distance between a site and the scene edge.

    Raises:
        ValueError: ``size`` below 512.
    """
    layers = build_layers(seed, size, origin_xy, counts=counts, gap_px=gap_px, edge_margin_px=edge_margin_px)
    return render_layers(layers)


def _build_canvas(
    rng: np.random.Generator, rules: lay.Rules, counts: lay.SiteCounts
) -> tuple[Canvas, list[PlantedFeature], list[lay.Placement], list[River], np.ndarray]:
    """Lay out the landscape, then settlements, roads and rivers, then the planted sites on top.

    Returns the canvas, the planted features, every placement, the rivers and the elevation before the sites.
    """
    size = rules.size
    rivers = make_rivers(rng, size, n_tributaries=1 + size // 2048)
    canvas = Canvas.empty(size)
    canvas.elev_m[:] = make_terrain(rng, size, rivers)
    canvas.cover[:], canvas.mix[:] = natural_cover(rng, canvas.elev_m)
    farm = paint_parcels(rng, canvas)
    placements = _plan_sites(rng, rules, counts, rivers, farm)
    stamps = [build_site(rng, p, canvas.elev_m) for p in placements]
    for p, stamp in zip(placements, stamps, strict=True):
        if p.kind in ("town", "pivot"):
            paint_background(canvas, stamp)
    towns = [p.centre_rc for p in placements if p.kind == "town"]
    road_stops = [p.centre_rc for p in placements if p.kind in (*lay.TARGET_KINDS, "irrigation_dam")]
    paint_roads(canvas, *plan_roads(rng, size, towns, road_stops))
    paint_rivers(rng, canvas, rivers)
    ground = canvas.elev_m.copy()
    return canvas, _plant_sites(canvas, placements, stamps), placements, rivers, ground
