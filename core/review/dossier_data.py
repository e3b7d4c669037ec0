"""A site's dossier as plain data, and its content as rows of text both renderers (HTML, PDF) lay out the same way.

The store's queries fill a :class:`Dossier`; :func:`facts`, :func:`period_rows`, :func:`neighbour_rows`,
:func:`decision_rows` and :func:`imagery_rows` turn it into the words and numbers an auditor reads, so the web page
and the printed page can never say different things.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import shapely

from core.register.dms import dms
from core.review.scale_bar import scale_bar_length, scale_label
from core.wording import label, metres, number, persistence, text, when
from core.wording.translate import N_, _, localise_number

SYNTHETIC_BANNER = N_("Synthetic demo data - not a real site")
#: The line under the dossier's title (HTML and PDF).
INTRO = N_("MineScan: a candidate mine or tailings dam found in Sentinel-2 imagery, for an inspection request.")
#: The two pictures' roles, as their captions name them.
BEFORE, AFTER = N_("Before"), N_("After")
DASH = "—"
#: Metres in a degree of latitude (and of longitude at the equator), enough for a drawing's scale bar.
_M_PER_DEGREE = 111_320.0

#: The tables' column headers (English, translated where shown: :func:`headers`).
PERIOD_HEADERS = (N_("Period"), N_("Dates"), N_("Area (ha)"), N_("P(mine)"), N_("Growth (ha)"), N_("Growth (%)"),
                  N_("Sites"))  # fmt: skip
NEIGHBOUR_HEADERS = (N_("Kind"), N_("Register ID"), N_("Name"), N_("Owner"), N_("Municipality / state"),
                     N_("Main ore"), N_("Risk category"), N_("Potential damage"), N_("Height"),
                     N_("Distance"))  # fmt: skip
DECISION_HEADERS = (N_("When"), N_("Reviewer"), N_("Role"), N_("Kind"), N_("Decision"), N_("Reason"), N_("Note"),
                    N_("Site"), N_("Period"))  # fmt: skip
#: The column of :data:`DECISION_HEADERS` that holds the reviewer's note (kept as written, line breaks and all).
NOTE_COLUMN = DECISION_HEADERS.index("Note")
#: Words for a register neighbour's kind.
NEIGHBOUR_KINDS = {"dam": N_("Dam"), "mine": N_("Mine")}


@dataclass(frozen=True)
class DossierPeriod:
    """The place in one acquisition period: its area, its highest P(mine) and the sites that make it up."""

    label: str
    start: str
    end: str
    area_ha: float
    p_max: float
    site_ids: tuple[int, ...]


@dataclass(frozen=True)
class DossierImage:
    """A chip picture (RGB PNG) of the place in one period, and how many metres of ground its width covers."""

    label: str
    png: bytes
    ground_width_m: float


@dataclass(frozen=True)
class RegisterNeighbour:
    """A registered dam or mine near the place (``kind`` is ``dam`` or ``mine``), with its register attributes."""

    kind: str
    register_id: str
    name: str | None
    owner: str | None
    state: str | None
    municipality: str | None
    main_ore: str | None
    risk_category: str | None
    potential_damage: str | None
    height_m: float | None
    distance_m: float


@dataclass(frozen=True)
class DossierDecision:
    """One entry of the audit trail: a reviewer's decision or a supervisor's override (``kind``)."""

    decided_at: str
    reviewer: str
    role: str | None
    decision: str
    reason: str | None
    note: str | None
    kind: str
    site_id: int
    period: str | None


@dataclass(frozen=True)
class Dossier:
    """Everything an inspection request attaches about one place seen over time.

    ``outline_wkt`` is a WGS84 polygon or multipolygon; ``imagery`` holds, per period label, the imagery recipe's
    details (label -> value); ``synthetic`` marks every page "Synthetic demo data - not a real site".
    """

    place_id: str
    site_ids: tuple[int, ...]
    lon: float
    lat: float
    outline_wkt: str
    first_seen: str
    last_seen: str
    persistence: str
    match_status: str
    periods: tuple[DossierPeriod, ...]
    before: DossierImage | None
    after: DossierImage | None
    neighbours: tuple[RegisterNeighbour, ...]
    decisions: tuple[DossierDecision, ...]
    models: tuple[str, ...]
    imagery: tuple[tuple[str, dict[str, str]], ...]
    generated_at: str
    generated_by: str
    synthetic: bool

    def __post_init__(self) -> None:
        if not (-90 <= self.lat <= 90 and -180 <= self.lon <= 180):
            message = _("a dossier's point must be lon, lat in degrees; got ({lon}, {lat})")
            raise ValueError(message.format(lon=self.lon, lat=self.lat))


def dossier_stem(place_id: str) -> str:
    """A safe file name stem for a place's dossier: ``dossier_<place_id>`` with only letters, digits, ``-``, ``_``."""
    safe = re.sub(r"[^A-Za-z0-9_-]+", "_", place_id).strip("_-")[:80]
    return f"dossier_{safe or 'place'}"


def headers(columns: tuple[str, ...]) -> tuple[str, ...]:
    """A table's column headers in the current language."""
    return tuple(_(c) for c in columns)


def sites_text(site_ids: tuple[int, ...]) -> str:
    """``#12, #15`` (or a dash)."""
    return ", ".join(f"#{i}" for i in site_ids) or DASH


def when_text(value: str, zone: ZoneInfo | None = None) -> str:
    """A stored time in the display zone with its offset; text that is no time is shown as it is."""
    try:
        return when(value, zone)
    except (ValueError, TypeError):
        return text(value, missing=DASH)


def decimal_text(lat: float, lon: float) -> str:
    """``-20.119778, -44.123778`` (latitude first, six decimals: about 0.1 m)."""
    return f"{lat:.6f}, {lon:.6f}"


def growth_text(before_ha: float, after_ha: float) -> tuple[str, str]:
    """The change between two areas: ``+2.30`` ha and ``+15.0%`` (a dash for the percentage from nothing)."""
    if not (math.isfinite(before_ha) and math.isfinite(after_ha)):
        return DASH, DASH
    delta = after_ha - before_ha
    share = localise_number(f"{delta / before_ha * 100:+.1f}%") if before_ha > 0 else DASH
    return localise_number(f"{delta:+,.2f}"), share


def period_rows(d: Dossier) -> list[tuple[str, ...]]:
    """One row per period (in the dossier's order): dates, area, P(mine), growth on the period before, sites."""
    rows: list[tuple[str, ...]] = []
    for i, p in enumerate(d.periods):
        grown = growth_text(d.periods[i - 1].area_ha, p.area_ha) if i else (DASH, DASH)
        dates = _("{start} to {end} (end exclusive)").format(start=p.start, end=p.end) if p.start and p.end else DASH
        rows.append((p.label, dates, number(p.area_ha, 2), number(p.p_max, 2), *grown, sites_text(p.site_ids)))
    return rows


def overall_growth(d: Dossier) -> str:
    """``from 12.00 ha (2023) to 15.40 ha (2025): +3.40 ha (+28.3%)``, or a dash with fewer than two periods."""
    if len(d.periods) < 2:
        return DASH
    first, last = d.periods[0], d.periods[-1]
    delta, share = growth_text(first.area_ha, last.area_ha)
    message = _("from {first_area} ha ({first_period}) to {last_area} ha ({last_period}): {change} ha ({share})")
    return message.format(
        first_area=number(first.area_ha, 2), first_period=first.label, last_area=number(last.area_ha, 2),
        last_period=last.label, change=delta, share=share,
    )  # fmt: skip


def facts(d: Dossier, zone: ZoneInfo | None = None) -> list[tuple[str, str]]:
    """The summary an auditor reads first: where the place is, since when it is seen, how it grew, its status."""
    who = text(d.generated_by, missing=DASH)
    generated = _("{when} by {who}").format(when=when_text(d.generated_at, zone), who=who)
    return [
        (_("Place"), d.place_id),
        (_("Sites"), sites_text(d.site_ids)),
        (_("Coordinates (decimal degrees, WGS84)"), decimal_text(d.lat, d.lon)),
        (_("Coordinates (degrees, minutes, seconds)"), dms(d.lat, d.lon)),
        (_("First seen"), text(d.first_seen, missing=DASH)),
        (_("Last seen"), text(d.last_seen, missing=DASH)),
        (_("Persistence"), persistence(d.persistence) if d.persistence else DASH),
        (_("Area growth"), overall_growth(d)),
        (_("Register match"), label(d.match_status, missing=DASH)),
        (_("Generated"), generated),
    ]


def image_caption(role: str, image: DossierImage) -> str:
    """``Before: 2023 (scale bar 500 m; width 3,000 m)`` (``role``: :data:`BEFORE` or :data:`AFTER`, translated)."""
    bar = scale_label(scale_bar_length(image.ground_width_m))
    return _("{role}: {label} (scale bar {bar}; width {width} m)").format(
        role=role, label=image.label, bar=bar, width=number(image.ground_width_m)
    )


def height_text(height_m: float | None) -> str:
    """``45.0 m`` or a dash."""
    if height_m is None or not math.isfinite(height_m):
        return DASH
    return localise_number(f"{height_m:,.1f} m")


def neighbour_rows(d: Dossier) -> list[tuple[str, ...]]:
    """The nearest registered dams and mines, nearest first, with their register attributes and distance."""
    rows: list[tuple[str, ...]] = []
    for n in sorted(d.neighbours, key=lambda n: n.distance_m):
        where = ", ".join(text(v) for v in (n.municipality, n.state) if v and v.strip()) or DASH
        rows.append(
            (
                _(NEIGHBOUR_KINDS[n.kind]) if n.kind in NEIGHBOUR_KINDS else label(n.kind),
                text(n.register_id, missing=DASH),
                text(n.name, missing=DASH),
                text(n.owner, missing=DASH),
                where,
                text(n.main_ore, missing=DASH),
                text(n.risk_category, missing=DASH),
                text(n.potential_damage, missing=DASH),
                height_text(n.height_m),
                metres(n.distance_m),
            )
        )
    return rows


def decision_rows(d: Dossier, zone: ZoneInfo | None = None) -> list[tuple[str, ...]]:
    """The audit trail in the order given: when, who, in which role, what kind, what, why, the note, where."""
    return [
        (
            when_text(x.decided_at, zone),
            text(x.reviewer, missing=DASH),
            label(x.role, missing=DASH),
            label(x.kind or "decision"),
            label(x.decision, missing=DASH),
            label(x.reason, missing=DASH),
            text(x.note, missing=DASH),
            f"#{x.site_id}",
            text(x.period, missing=DASH),
        )
        for x in d.decisions
    ]


def imagery_rows(d: Dossier) -> list[tuple[str, list[tuple[str, str]]]]:
    """Per period label, the imagery recipe's details as (label, value) rows."""
    return [(period, [(str(k), text(v, missing=DASH)) for k, v in details.items()]) for period, details in d.imagery]


@dataclass(frozen=True)
class OutlineDrawing:
    """An outline fitted into a box (units of the box, y downwards): its shells, its holes, and metres per unit."""

    shells: list[list[tuple[float, float]]]
    holes: list[list[tuple[float, float]]]
    metres_per_unit: float


def draw_outline(outline_wkt: str, width: float, height: float, pad: float = 10.0) -> OutlineDrawing:
    """The outline fitted into a ``width`` x ``height`` box, north up, centred.

    Longitudes are shrunk by cos(latitude), a local equirectangular projection, so the shape is not stretched.

    Raises:
        ValueError: the WKT is not a polygon or multipolygon.
    """
    geom = _outline(outline_wkt)
    minx, miny, maxx, maxy = geom.bounds
    k = math.cos(math.radians((miny + maxy) / 2))
    span_deg = max((maxx - minx) * k, maxy - miny) or 1e-9
    scale = min(width - 2 * pad, height - 2 * pad) / span_deg
    off_x = (width - (maxx - minx) * k * scale) / 2
    off_y = (height - (maxy - miny) * scale) / 2

    def fit(ring: shapely.Geometry) -> list[tuple[float, float]]:
        return [(off_x + (x - minx) * k * scale, off_y + (maxy - y) * scale) for x, y in shapely.get_coordinates(ring)]

    polygons = shapely.get_parts(geom)
    return OutlineDrawing(
        shells=[fit(p.exterior) for p in polygons],
        holes=[fit(ring) for p in polygons for ring in p.interiors],
        metres_per_unit=_M_PER_DEGREE / scale,
    )


def _outline(outline_wkt: str) -> shapely.Geometry:
    try:
        geom = shapely.from_wkt(outline_wkt)
    except shapely.errors.GEOSException as exc:
        raise ValueError(_("the outline is not valid WKT ({error})").format(error=exc)) from None
    if geom is None or geom.is_empty or geom.geom_type not in ("Polygon", "MultiPolygon"):
        message = _("the outline must be a polygon or multipolygon; got {outline!r}")
        raise ValueError(message.format(outline=outline_wkt[:60]))
    return geom
