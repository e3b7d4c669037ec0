"""Which dams the demo's ANM register lists, and where: planted dams at offset positions, and dams elsewhere.

Real register coordinates are often hundreds of metres off; the demo register moves each listed dam 40-790 m
in a random direction and leaves about a third of the planted dams out (the unregistered ones to be found).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from pyproj import Transformer

from core.demo.register import RegisterDam

_COMPANIES = (
    ("DEMO Mineração Sintética Ltda.", "99418273000154"),
    ("DEMO Ferro do Quadrilátero Fictício S.A.", "99027615000120"),
    ("DEMO Extração Mineral Imaginária Ltda.", "99730482000199"),
)
_STREAMS = (
    "Córrego Fictício",
    "Ribeirão Sintético",
    "Córrego da Demonstração",
    "Ribeirão Imaginário",
    "Córrego do Exemplo",
    "Grota Simulada",
)
#: Municipalities around the demo scene (south of Belo Horizonte), spelled as the export does.
_LOCAL_MUNICIPALITIES = ("NOVA LIMA", "ITABIRITO", "RIO ACIMA", "SABARÁ", "CAETÉ", "RAPOSOS")
#: (municipality, lat, lon, main ore) of register dams placed elsewhere in Minas Gerais, outside the scene.
_ELSEWHERE = (
    ("CONGONHAS", -20.50, -43.86, "Minério de Ferro"),
    ("MARIANA", -20.25, -43.45, "Minério de Ferro"),
    ("BRUMADINHO", -20.12, -44.15, "Minério de Ferro"),
    ("ITATIAIUÇU", -20.20, -44.42, "Minério de Ferro"),
    ("SÃO GONÇALO DO RIO ABAIXO", -19.83, -43.38, "Minério de Ferro"),
    ("OURO PRETO", -20.42, -43.52, "Minério de Ouro Primário"),
    ("ARAXÁ", -19.63, -46.90, "Fosfato"),
)
_METHODS = (
    "Alteamento a jusante",
    "Etapa única",
    "Alteamento por linha de centro",
    "Alteamento a montante ou desconhecido",
)


@dataclass(frozen=True)
class PlantedDam:
    """A tailings dam planted in the scene: wall midpoint in the scene CRS and reservoir area."""

    site_id: str
    x: float
    y: float
    area_m2: float


def _offset_point(rng: np.random.Generator, dam: PlantedDam, others: Sequence[PlantedDam]) -> tuple[float, float]:
    """The dam position moved 40-790 m in a random direction, never towards within 1.1 km of another dam."""
    for _ in range(200):
        dist, angle = rng.uniform(40, 790), rng.uniform(0, 2 * np.pi)
        x, y = dam.x + dist * np.cos(angle), dam.y + dist * np.sin(angle)
        if all(np.hypot(x - o.x, y - o.y) >= 1100 for o in others if o.site_id != dam.site_id):
            return x, y
    return dam.x + 40.0, dam.y


def _facts(
    rng: np.random.Generator,
    register_id: int,
    municipality: str,
    lat: float,
    lon: float,
    ore: str,
    area_m2: float,
    site_id: str | None,
) -> RegisterDam:
    company, cnpj = _COMPANIES[int(rng.integers(len(_COMPANIES)))]
    name = f"DEMO Barragem {_STREAMS[int(rng.integers(len(_STREAMS)))]} {int(rng.integers(1, 9))}"
    return RegisterDam(
        register_id=str(register_id),
        name=name,
        company=company,
        cnpj=cnpj,
        municipality=municipality,
        lat=lat,
        lon=lon,
        ore=ore,
        area_m2=area_m2,
        height_m=float(rng.uniform(12, 80)),
        crest_m=float(rng.uniform(150, 1200)),
        method=_METHODS[int(rng.integers(len(_METHODS)))],
        cri=str(rng.choice(["Baixa", "Média", "Alta"], p=[0.6, 0.25, 0.15])),
        dpa=str(rng.choice(["Alta", "Média", "Baixa"], p=[0.6, 0.25, 0.15])),
        emergency=str(rng.choice(["Sem emergência", "Emergência Nivel 1"], p=[0.85, 0.15])),
        active=bool(rng.random() < 0.75),
        site_id=site_id,
    )


def plan_register(
    rng: np.random.Generator,
    dams: Sequence[PlantedDam],
    epsg: int,
    scene_bounds_xy: tuple[float, float, float, float],
    share: float = 0.65,
    n_elsewhere: int = 4,
) -> list[RegisterDam]:
    """Register about ``share`` of the planted dams at offset positions, plus dams outside the scene.

    Args:
        rng: random generator.
        dams: the planted tailings dams.
        epsg: CRS of the dam coordinates.
        scene_bounds_xy: (xmin, ymin, xmax, ymax) of the scene; the extra dams fall outside it.
        share: fraction of the planted dams to register.
        n_elsewhere: how many register dams to add outside the scene.
    """
    to_lonlat = Transformer.from_crs(epsg, 4326, always_xy=True).transform
    from_lonlat = Transformer.from_crs(4326, epsg, always_xy=True).transform
    next_id = int(rng.integers(90_000, 95_000))
    chosen = sorted(rng.choice(len(dams), size=int(round(share * len(dams))), replace=False).tolist())
    rows: list[RegisterDam] = []
    for index in chosen:
        dam = dams[index]
        lon, lat = to_lonlat(*_offset_point(rng, dam, dams))
        municipality = _LOCAL_MUNICIPALITIES[int(rng.integers(len(_LOCAL_MUNICIPALITIES)))]
        rows.append(_facts(rng, next_id, municipality, lat, lon, "Minério de Ferro", dam.area_m2, dam.site_id))
        next_id += int(rng.integers(1, 40))
    xmin, ymin, xmax, ymax = scene_bounds_xy
    for k in range(n_elsewhere):
        municipality, lat0, lon0, ore = _ELSEWHERE[k % len(_ELSEWHERE)]
        for _ in range(100):
            lat, lon = lat0 + rng.normal(0, 0.02), lon0 + rng.normal(0, 0.02)
            x, y = from_lonlat(lon, lat)
            if not (xmin - 2000 <= x <= xmax + 2000 and ymin - 2000 <= y <= ymax + 2000):
                break
        rows.append(_facts(rng, next_id, municipality, lat, lon, ore, float(rng.uniform(5e4, 1.5e6)), None))
        next_id += int(rng.integers(1, 40))
    return rows
