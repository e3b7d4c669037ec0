"""Plausibility flags for a register row. Flags keep the row; the caller decides what rejects it."""

from __future__ import annotations

from dataclasses import dataclass

#: Brazil's bounding box in WGS84 degrees (with a small margin for islands and border dams).
BRAZIL_LON_RANGE = (-74.0, -28.6)
BRAZIL_LAT_RANGE = (-33.8, 5.3)
MAX_PLAUSIBLE_HEIGHT_M = 300.0


@dataclass(frozen=True)
class CheckedPoint:
    """A point after the checks: lon/lat possibly un-swapped, and the flags raised."""

    lon: float
    lat: float
    flags: tuple[str, ...]


def _within(value: float, bounds: tuple[float, float]) -> bool:
    return bounds[0] <= value <= bounds[1]


def in_brazil(lon: float | None, lat: float | None) -> bool:
    """True when the point is inside Brazil's bounding box (False without coordinates)."""
    if lon is None or lat is None:
        return False
    return _within(lon, BRAZIL_LON_RANGE) and _within(lat, BRAZIL_LAT_RANGE)


def looks_swapped(lon: float, lat: float) -> bool:
    """True when the point only lands in Brazil with latitude and longitude exchanged."""
    return not in_brazil(lon, lat) and in_brazil(lat, lon)


def check_point(lon: float, lat: float) -> CheckedPoint:
    """Un-swap exchanged lat/lon ("swapped_lat_lon") and flag points outside Brazil ("outside_brazil")."""
    if looks_swapped(lon, lat):
        return CheckedPoint(lon=lat, lat=lon, flags=("swapped_lat_lon",))
    return CheckedPoint(lon=lon, lat=lat, flags=() if in_brazil(lon, lat) else ("outside_brazil",))


def measure_flags(height_m: float | None, volume_m3: float | None) -> tuple[str, ...]:
    """Flags for implausible dam heights and volumes (None means not given and is not flagged)."""
    flags: list[str] = []
    if height_m is not None:
        if height_m < 0:
            flags.append("negative_height")
        elif height_m == 0:
            flags.append("zero_height")
        elif height_m > MAX_PLAUSIBLE_HEIGHT_M:
            flags.append("height_implausible")
    if volume_m3 is not None and volume_m3 < 0:
        flags.append("negative_volume")
    return tuple(flags)
