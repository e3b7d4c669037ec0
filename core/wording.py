"""How the app says things: codes as words, counts with the right plural, numbers, and times with their zone.

One place for every code a person reads (register statuses, impact classes, decisions, reasons, roles) and one for
numbers and times, so pages never show ``possibly_off_target``, ``ore nan``, ``1 candidate sites`` or a UTC time
without its zone. Later a translation layer wraps these functions; pages keep calling them.
"""

from __future__ import annotations

import math
import os
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd

from core.review.decisions import REASONS

#: Words for every code the store keeps. Reasons come from core.review.decisions (their one definition).
LABELS: dict[str, str] = {
    # register match status
    "unregistered": "Unregistered",
    "possibly_off_target": "Possibly off-target register coordinates",
    "registered": "Registered",
    # impact class
    "high_impact": "High impact",
    "low_impact": "Low impact",
    # decisions and review kinds
    "confirmed": "Confirmed",
    "rejected": "Rejected",
    "unsure": "Unsure",
    "undecided": "Undecided",
    "decision": "Decision",
    "override": "Supervisor's final decision",
    # roles
    "reviewer": "Reviewer",
    "supervisor": "Supervisor",
    "manager": "Manager",
    **REASONS,
}
#: Shorter words where space is tight (metrics, selector labels, map legends).
SHORT_LABELS: dict[str, str] = {
    "possibly_off_target": "Possibly off target",
    "high_impact": "High",
    "low_impact": "Low",
}
NOT_GIVEN = "not given"
NOT_RATED = "Not rated"


def is_missing(value: Any) -> bool:
    """True for None, NaN, NaT, pandas' NA and empty or blank text."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip() or value.strip().lower() in {"nan", "none", "null"}
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def label(code: Any, *, short: bool = False, missing: str = NOT_GIVEN) -> str:
    """Words for a stored code (``possibly_off_target`` -> ``Possibly off-target register coordinates``).

    Unknown codes are shown with spaces for underscores and a capital (never as the raw code); a missing value reads
    ``missing``.
    """
    if is_missing(code):
        return missing
    text = str(code)
    if short and text in SHORT_LABELS:
        return SHORT_LABELS[text]
    if text in LABELS:
        return LABELS[text]
    spaced = text.replace("_", " ").strip()
    return spaced[:1].upper() + spaced[1:]


def label_columns(frame: pd.DataFrame, columns: tuple[str, ...], *, missing: str = NOT_GIVEN) -> pd.DataFrame:
    """A copy of ``frame`` with each of ``columns`` (those present) rendered by :func:`label`."""
    out = frame.copy()
    for column in columns:
        if column in out.columns:
            out[column] = [label(v, missing=missing) for v in out[column]]
    return out


def text(value: Any, missing: str = NOT_GIVEN) -> str:
    """A register field as text, or ``missing`` when the register gives nothing (no ``nan``, no ``None``)."""
    return missing if is_missing(value) else str(value).strip()


def count(n: int, singular: str, plural: str | None = None) -> str:
    """``1 candidate site``, ``2 candidate sites``, ``1,204 candidate sites`` (``plural`` for irregular words)."""
    n = int(n)
    word = singular if n == 1 else (plural or singular + "s")
    return f"{n:,} {word}"


def number(value: Any, decimals: int = 0, missing: str = "—") -> str:
    """A number with thousands separators and a fixed number of decimals, or ``missing``."""
    if is_missing(value):
        return missing
    x = float(value)
    if not math.isfinite(x):
        return missing
    return f"{x:,.{decimals}f}"


def metres(value: Any, missing: str = "—") -> str:
    """A distance for people: ``850 m``, ``12.4 km``."""
    if is_missing(value):
        return missing
    x = float(value)
    return f"{x:,.0f} m" if abs(x) < 10_000 else f"{x / 1000:,.1f} km"


def share(part: int, whole: int) -> str:
    """``37%`` of a whole, ``—`` when the whole is zero."""
    return "—" if not whole else f"{part / whole:.0%}"


def display_zone(name: str | None = None) -> ZoneInfo:
    """The zone times are shown in: ``name``, else ``$MINESCAN_TIMEZONE``, else America/Sao_Paulo (Brasília time).

    Raises:
        ValueError: an unknown zone name (the message names it).
    """
    zone = name or os.environ.get("MINESCAN_TIMEZONE") or "America/Sao_Paulo"
    try:
        return ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {zone!r} (MINESCAN_TIMEZONE); use a name like America/Sao_Paulo") from None


def when(value: Any, zone: ZoneInfo | None = None, missing: str = "—") -> str:
    """A stored time in the display zone with its offset: ``2026-12-06 14:03 (UTC−03:00)``.

    The store keeps times in UTC; a naive timestamp is read as UTC.
    """
    if is_missing(value):
        return missing
    stamp = pd.Timestamp(value)
    if stamp.tzinfo is None:
        stamp = stamp.tz_localize(UTC)
    local = stamp.tz_convert(zone or display_zone()).to_pydatetime()
    return f"{local:%Y-%m-%d %H:%M} ({utc_offset(local)})"


def utc_offset(moment: datetime) -> str:
    """``UTC−03:00`` for a zone-aware time (``UTC`` for UTC itself)."""
    offset = moment.utcoffset()
    if not offset:
        return "UTC"
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "−"
    hours, mins = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{mins:02d}"


def history_rows(history: pd.DataFrame) -> list[dict[str, str]]:
    """A site's decisions (db review rows) as the audit trail a person reads: when, who, in which role, what, why."""
    return [
        {
            "When": when(h.decided_at),
            "Reviewer": str(h.reviewer),
            "Role": label(getattr(h, "role", None)),
            "Kind": label(getattr(h, "kind", None) or "decision"),
            "Decision": label(h.decision),
            "Reason": label(h.reason, missing="—"),
            "Note": text(h.note, missing="—"),
        }
        for h in history.itertuples()
    ]
