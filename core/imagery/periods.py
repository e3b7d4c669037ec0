"""Acquisition periods: when a scene's pixels were seen (a year, a quarter, a month, a day, or any date range).

A scan records its scene's period, so sites of different dates can be joined into places seen over time. The period
comes from the imagery recipe (the Earth Engine composite's dates), else from the file's tags (``MINESCAN_PERIOD``,
or a common acquisition-date tag), else from what the user typed. Dates are ISO; ``end`` is exclusive, as Earth
Engine's.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from core.errors import MineScanError
from core.wording.translate import N_, _

#: The GeoTIFF dataset tag MineScan writes with a scene's period (a label or ``start/end``, see :func:`parse_period`).
PERIOD_TAG = "MINESCAN_PERIOD"
#: Tags other software writes with an acquisition date or time (the first that parses is used).
_DATE_TAGS = ("ACQUISITION_DATE", "DATE_ACQUIRED", "SENSING_TIME", "PRODUCT_START_TIME", "SENSING_START",
              "DATATAKE_1_DATATAKE_SENSING_START")  # fmt: skip
#: Where a scan's period came from.
PERIOD_SOURCES = ("recipe", "tags", "typed")

_ISO = r"(\d{4})-(\d{2})-(\d{2})"
#: "to" between the first and last of several periods: a hyphen or dash, "..", or the words "a", "até", "to".
_TO = r"(?:\s*(?:-|\u2013|\u2014|\.\.)\s*|\s+(?:a|até|to)\s+)"


class PeriodError(MineScanError, ValueError):
    """A period that cannot be read (a typo, dates out of order, an impossible date)."""

    title = N_("This period can't be used")


@dataclass(frozen=True, order=True)
class Period:
    """An acquisition period: ``start`` inclusive, ``end`` exclusive; ``label`` as people write it ("2024")."""

    start: date
    end: date
    label: str

    def __post_init__(self) -> None:
        if not self.start < self.end:
            message = _("a period's start ({start}) must be before its end ({end})")
            raise PeriodError(message.format(start=self.start, end=self.end))

    @property
    def slug(self) -> str:
        """The label as a file-name part (``2024``, ``2024-Q1``, ``2024-03-01_2024-06-01``)."""
        return self.label.replace("/", "_")

    @property
    def last_day(self) -> date:
        """The last day inside the period."""
        return self.end - timedelta(days=1)


def label_of(start: date, end: date) -> str:
    """How people write ``start`` to ``end`` (exclusive): ``2024``, ``2024-Q2``, ``2024-05``, ``2024-05-17``, or
    ``2024-03-01/2024-06-01`` for any other range."""
    if start.day == 1 and start.month == 1 and end == date(start.year + 1, 1, 1):
        return f"{start.year}"
    if start.day == 1 and start.month in (1, 4, 7, 10) and end == _add_months(start, 3):
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    if start.day == 1 and end == _add_months(start, 1):
        return f"{start.year}-{start.month:02d}"
    if end == start + timedelta(days=1):
        return start.isoformat()
    return f"{start.isoformat()}/{end.isoformat()}"


def make_period(start: date, end: date) -> Period:
    """The period ``start`` to ``end`` (exclusive) with its usual label."""
    return Period(start, end, label_of(start, end))


def _add_months(d: date, months: int) -> date:
    k = d.month - 1 + months
    return date(d.year + k // 12, k % 12 + 1, 1)


def _day(y: str, m: str, d: str, text: str) -> date:
    try:
        return date(int(y), int(m), int(d))
    except ValueError:
        raise PeriodError(_("{text!r} is not a calendar date").format(text=text)) from None


def parse_period(text: str) -> Period:
    """Read one period as a person types it.

    Accepted: a year ``2024``; a quarter ``2024-Q2``; a month ``2024-05``; a day ``2024-05-17``; a range
    ``2024-03-01/2024-06-01`` or ``2024-03-01..2024-05-31`` (``/`` end exclusive, as Earth Engine; ``..`` end
    inclusive, as people say "to").

    Raises:
        PeriodError: anything else, with what is accepted.
    """
    t = (text or "").strip()
    if m := re.fullmatch(r"(\d{4})", t):
        y = int(m[1])
        return Period(date(y, 1, 1), date(y + 1, 1, 1), t)
    if m := re.fullmatch(r"(\d{4})-[Qq]([1-4])", t):
        start = date(int(m[1]), 3 * int(m[2]) - 2, 1)
        return make_period(start, _add_months(start, 3))
    if m := re.fullmatch(r"(\d{4})-(\d{2})", t):
        if not 1 <= int(m[2]) <= 12:
            raise PeriodError(_("{text!r}: there is no month {month}").format(text=t, month=m[2]))
        start = date(int(m[1]), int(m[2]), 1)
        return make_period(start, _add_months(start, 1))
    if m := re.fullmatch(_ISO, t):
        day = _day(m[1], m[2], m[3], t)
        return make_period(day, day + timedelta(days=1))
    if m := re.fullmatch(rf"{_ISO}\s*(/|\.\.)\s*{_ISO}", t):
        start, end = _day(m[1], m[2], m[3], t), _day(m[5], m[6], m[7], t)
        if m[4] == "..":
            end += timedelta(days=1)
        if not start < end:
            raise PeriodError(_("{text!r}: the start must come before the end").format(text=t))
        return make_period(start, end)
    message = _(
        "{text!r} is not a period MineScan reads: write a year (2024), a quarter (2024-Q2), a month (2024-05), a day "
        "(2024-05-17) or a range (2024-03-01/2024-06-01, end exclusive; 2024-03-01..2024-05-31, end inclusive)"
    )
    raise PeriodError(message.format(text=t))


def parse_periods(text: str) -> list[Period]:
    """Several periods in one request, in time order: ``2019-2025`` or ``2019 a 2025`` (yearly),
    ``2024-Q1..2024-Q4`` or ``2024-Q1 até 2024-Q4`` (quarterly), or periods separated by commas (``2019, 2024-Q2``).

    Raises:
        PeriodError: an unreadable part, a period given twice, or periods that overlap.
    """
    t = (text or "").strip()
    if m := re.fullmatch(rf"(\d{{4}}){_TO}(\d{{4}})", t, flags=re.IGNORECASE):
        first, last = int(m[1]), int(m[2])
        if first > last:
            raise PeriodError(_("{text!r}: the first year must not come after the last").format(text=t))
        periods = [parse_period(str(y)) for y in range(first, last + 1)]
    elif m := re.fullmatch(rf"(\d{{4}})-[Qq]([1-4]){_TO}(\d{{4}})-[Qq]([1-4])", t, flags=re.IGNORECASE):
        a, b = parse_period(f"{m[1]}-Q{m[2]}"), parse_period(f"{m[3]}-Q{m[4]}")
        if a.start > b.start:
            raise PeriodError(_("{text!r}: the first quarter must not come after the last").format(text=t))
        periods, start = [], a.start
        while start <= b.start:
            periods.append(make_period(start, _add_months(start, 3)))
            start = _add_months(start, 3)
    else:
        periods = [parse_period(part) for part in t.split(",") if part.strip()]
    if not periods:
        raise PeriodError(_("no period given: write for example 2024, or 2019-2025 for one period per year"))
    return checked_periods(periods)


def checked_periods(periods: list[Period]) -> list[Period]:
    """``periods`` in time order.

    Raises:
        PeriodError: a period given twice, or two that overlap (their scenes would be one moment counted twice).
    """
    ordered = sorted(periods)
    for a, b in zip(ordered, ordered[1:], strict=False):
        if a.label == b.label:
            raise PeriodError(_("the period {period} is given twice").format(period=a.label))
        if b.start < a.end:
            message = _("the periods {first} and {second} overlap: give periods that do not")
            raise PeriodError(message.format(first=a.label, second=b.label))
    return ordered


def period_of_scene(tags: Mapping[str, str], recipe_start: str = "", recipe_end: str = "") -> tuple[Period, str] | None:
    """The period of a scene and where it came from (``recipe`` or ``tags``), or None when nothing says.

    The recipe's dates (ISO, end exclusive) win; then the ``MINESCAN_PERIOD`` tag; then a common acquisition date
    tag (the day of acquisition). A tag that does not parse is skipped, never guessed.
    """
    if recipe_start and recipe_end:
        try:
            return make_period(date.fromisoformat(recipe_start[:10]), date.fromisoformat(recipe_end[:10])), "recipe"
        except (ValueError, PeriodError):
            pass
    text = tags.get(PERIOD_TAG, "")
    if text:
        try:
            return parse_period(text), "tags"
        except PeriodError:
            pass
    for name in _DATE_TAGS:
        value = tags.get(name, "")
        if m := re.match(_ISO, value.strip()):
            try:
                day = date(int(m[1]), int(m[2]), int(m[3]))
            except ValueError:
                continue
            return make_period(day, day + timedelta(days=1)), "tags"
    return None


def period_tags(period: Period) -> dict[str, str]:
    """The GeoTIFF tags that record ``period`` (read back by :func:`period_of_scene`)."""
    return {PERIOD_TAG: period.label}


def within_years(a: Period, b: Period, years: float = 2.0) -> bool:
    """True when the starts of ``a`` and ``b`` are at most ``years`` apart (the persistence window)."""
    return abs((a.start - b.start).days) <= round(365.25 * years)


def scan_period(recorded: tuple[Period, str] | None, typed: Period | None) -> tuple[Period | None, str | None]:
    """The period a scan records and its source: what the scene records (:func:`period_of_scene`), else what the
    user typed (``typed``), else none (an undated scan).

    Raises:
        PeriodError: the user typed a period other than the one the scene records.
    """
    if recorded is not None:
        period, source = recorded
        if typed is not None and typed != period:
            where = _("its imagery recipe") if source == "recipe" else _("its tags")
            message = _(
                "the scene records its period as {period} ({where}); you gave {typed}. Leave the "
                "period empty to use the scene's, or scan the file that was acquired in {typed}"
            )
            raise PeriodError(message.format(period=period.label, where=where, typed=typed.label))
        return period, source
    if typed is not None:
        return typed, "typed"
    return None, None
