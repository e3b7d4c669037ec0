"""How the app says things: codes as words, counts with the right plural, numbers, and times with their zone.

One place for every code a person reads (register statuses, impact classes, decisions, reasons, roles) and one for
numbers and times, so pages never show ``possibly_off_target``, ``ore nan``, ``1 candidate sites`` or a UTC time
without its zone. Every word goes through the current language (:mod:`core.wording.translate`): constants here are
marked with ``N_`` and translated where they are shown; numbers take the language's decimal mark.
"""

from __future__ import annotations

import math
import os
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd

from core.wording.translate import N_, _, localise_number, ngettext

#: Words for every code the store keeps (English, translated when shown). Reasons come from core.review.decisions.
LABELS: dict[str, str] = {
    # register match status
    "unregistered": N_("Unregistered"),
    "possibly_off_target": N_("Possibly off-target register coordinates"),
    "registered": N_("Registered"),
    # impact class
    "high_impact": N_("High impact"),
    "low_impact": N_("Low impact"),
    "no_ore": N_("No ore"),
    # decisions and review kinds
    "confirmed": N_("Confirmed"),
    "rejected": N_("Rejected"),
    "unsure": N_("Unsure"),
    "undecided": N_("Undecided"),
    "decision": N_("Decision"),
    "override": N_("Supervisor's final decision"),
    # roles
    "reviewer": N_("Reviewer"),
    "supervisor": N_("Supervisor"),
    "manager": N_("Manager"),
}
#: Shorter words where space is tight (metrics, selector labels, map legends).
SHORT_LABELS: dict[str, str] = {
    "possibly_off_target": N_("Possibly off target"),
    "high_impact": N_("High"),
    "low_impact": N_("Low"),
}
NOT_GIVEN = N_("not given")
NOT_RATED = N_("Not rated")


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
        return _(missing)
    text = str(code)
    if short and text in SHORT_LABELS:
        return _(SHORT_LABELS[text])
    if text in LABELS:
        return _(LABELS[text])
    from core.review.decisions import REASONS  # here: core.review's modules use this package's translations

    if text in REASONS:
        return _(REASONS[text])
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
    return _(missing) if is_missing(value) else str(value).strip()


def count(n: int, singular: str, plural: str) -> str:
    """``1 candidate site``, ``2 candidate sites``, ``1,204 candidate sites`` in the current language.

    Pass both English forms as literals (``count(n, "candidate site", "candidate sites")``): the catalogs' extraction
    reads them as one plural message.
    """
    n = int(n)
    return f"{number(n)} {ngettext(singular, plural, n)}"


def number(value: Any, decimals: int = 0, missing: str = "—") -> str:
    """A number with thousands separators and a fixed number of decimals, or ``missing``."""
    if is_missing(value):
        return missing
    x = float(value)
    if not math.isfinite(x):
        return missing
    return localise_number(f"{x:,.{decimals}f}")


def metres(value: Any, missing: str = "—") -> str:
    """A distance for people: ``850 m``, ``12.4 km``."""
    if is_missing(value):
        return missing
    x = float(value)
    return localise_number(f"{x:,.0f} m" if abs(x) < 10_000 else f"{x / 1000:,.1f} km")


def share(part: int, whole: int) -> str:
    """``37%`` of a whole, ``—`` when the whole is zero."""
    return "—" if not whole else localise_number(f"{part / whole:.0%}")


def display_zone(name: str | None = None) -> ZoneInfo:
    """The zone times are shown in: ``name``, else ``$MINESCAN_TIMEZONE``, else America/Sao_Paulo (Brasília time).

    Raises:
        ValueError: an unknown zone name (the message names it).
    """
    zone = name or os.environ.get("MINESCAN_TIMEZONE") or "America/Sao_Paulo"
    try:
        return ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        message = _("unknown time zone {zone!r} (MINESCAN_TIMEZONE); use a name like America/Sao_Paulo")
        raise ValueError(message.format(zone=zone)) from None


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
            _("When"): when(h.decided_at),
            _("Reviewer"): str(h.reviewer),
            _("Role"): label(getattr(h, "role", None)),
            _("Kind"): label(getattr(h, "kind", None) or "decision"),
            _("Decision"): label(h.decision),
            _("Reason"): label(h.reason, missing="—"),
            _("Note"): text(h.note, missing="—"),
        }
        for h in history.itertuples()
    ]


#: Words for a place's ``persistence`` (db.places: the Amazon Mining Watch rule, seen in two periods within 2 years).
PERSISTENCE_LABELS: dict[str, str] = {
    "confirmed": N_("Confirmed (seen in 2 periods within 2 years)"),
    "provisional": N_("Provisional (seen once, in the latest imagery: a later period can confirm it)"),
    "not_confirmed": N_("Not confirmed (not seen again within 2 years)"),
    "undated": N_("Undated (the imagery's date is not known)"),
}
#: The state of a place whose site has no registered dam to take one from.
UNKNOWN_STATE = N_("Unknown (no registered dam)")
#: How the latest period is marked on every chart and table over time.
PROVISIONAL = N_("provisional")
#: Why the latest period is provisional, for the captions of charts over time ({latest}: its label).
PROVISIONAL_NOTE = N_(
    "The latest period, {latest}, is provisional: a place first seen in it needs a later period to be confirmed "
    "(seen in two periods within two years), and its area may still be revised, as Amazon Mining Watch marks its "
    "latest year."
)
#: What the dashboard counts as new unregistered area.
NEW_AREA_DEFINITION = N_(
    "New unregistered area of a period = the area of the unregistered places first seen in it + the growth of "
    "unregistered places seen before (their area now minus their area when last seen; shrinking counts as 0). "
    "A place is unregistered when no register explains that period's site of it. In the first period everything "
    "is first seen: it is the baseline, not new mining."
)
#: Why an auditor may drop small differences ({ha}: the threshold).
SMALL_DIFF_REASON = N_(
    "Amazon Mining Watch drops differences of {ha:g} ha or less. An outline is made of 270 m output cells of "
    "7.3 ha each, so the same pit drawn from two images can differ by a cell with nothing changed on the ground; "
    "dropping differences up to about 1.5 cells keeps that noise out of the totals (and drops small real changes too)."
)


def persistence(code: Any) -> str:
    """Words for a place's persistence code (``not_confirmed`` -> ``Not confirmed (not seen again within 2 years)``)."""
    if is_missing(code):
        return _(NOT_GIVEN)
    return _(PERSISTENCE_LABELS[str(code)]) if str(code) in PERSISTENCE_LABELS else label(code)


def state(code: Any) -> str:
    """A state as the dashboard shows it: ``MG``, or :data:`UNKNOWN_STATE` for 'unknown' or a missing one."""
    return _(UNKNOWN_STATE) if is_missing(code) or str(code) == "unknown" else str(code).strip()


def period(period_label: Any, provisional: bool = False, baseline: bool = False) -> str:
    """A period as people read it: ``2024``, ``2025 (provisional)``, ``2023 (baseline)``; ``undated`` for none."""
    if is_missing(period_label) or str(period_label) == "undated":
        return _("undated")
    marks = [_(m) for m, on in ((N_("baseline"), baseline), (PROVISIONAL, provisional)) if on]
    return f"{period_label} ({', '.join(marks)})" if marks else str(period_label)


def label_periods(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` (``period_label``, and ``provisional`` / ``baseline`` flags when present) with a
    ``period`` column of words."""

    def flags(name: str) -> list[bool]:
        return [bool(v) for v in frame[name]] if name in frame.columns else [False] * len(frame)

    words = [
        period(p, v, b) for p, v, b in zip(frame["period_label"], flags("provisional"), flags("baseline"), strict=True)
    ]
    return frame.assign(period=words)
