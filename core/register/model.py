"""Plain records of one register import: entries, rejected rows and the import's report."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from core.wording.translate import N_, _, ngettext

#: Flags a row can carry; every one keeps the row (only missing or unreadable coordinates reject it).
#: English, marked for translation: show them as ``_(FLAG_DESCRIPTIONS[flag])``.
FLAG_DESCRIPTIONS: dict[str, str] = {
    "outside_brazil": N_("coordinates outside Brazil's bounding box"),
    "swapped_lat_lon": N_("latitude and longitude were swapped in the file (stored un-swapped)"),
    "hemisphere_conflict": N_("the coordinate's sign contradicts its hemisphere column (the hemisphere column won)"),
    "dms_overflow": N_(
        "minutes or seconds of 60 or more in the coordinate text, carried over (34'60\" read as 35'00\")"
    ),
    "negative_height": N_("negative dam height"),
    "zero_height": N_("dam height of zero"),
    "height_implausible": N_("dam height above 300 m"),
    "height_not_a_number": N_("dam height is not a number"),
    "negative_volume": N_("negative reservoir volume"),
    "volume_not_a_number": N_("reservoir volume is not a number"),
}


def flag_description(flag: str) -> str:
    """What a flag means, in the current language (an unknown flag is shown as its code)."""
    return _(FLAG_DESCRIPTIONS[flag]) if flag in FLAG_DESCRIPTIONS else flag


@dataclass(frozen=True)
class RegisterEntry:
    """One dam, mine or reference outline as read from a register or layer file (WGS84 degrees)."""

    kind: str
    register_id: str
    name: str | None
    owner: str | None
    state: str | None
    municipality: str | None
    main_ore: str | None
    height_m: float | None
    volume_m3: float | None
    construction_method: str | None
    risk_category: str | None
    potential_damage: str | None
    emergency_level: str | None
    lon: float | None
    lat: float | None
    geometry_wkt: str | None
    raw: dict[str, str]
    flags: tuple[str, ...]
    source_line: int


@dataclass(frozen=True)
class RejectedRow:
    """A row that was not imported, with the specific reason."""

    source_line: int
    reason: str


@dataclass(frozen=True)
class RegisterImport:
    """Everything one file yielded: entries, rejected rows, and how many data rows were read."""

    source_file: str
    file_format: str
    snapshot_date: str | None
    entries: tuple[RegisterEntry, ...]
    rejected: tuple[RejectedRow, ...]
    rows_read: int

    def report(self) -> dict[str, Any]:
        """Counts for the user: rows read, imported, flagged (total and per flag), rejected with reasons."""
        per_flag = Counter(flag for entry in self.entries for flag in entry.flags)
        return {
            "source_file": self.source_file,
            "file_format": self.file_format,
            "snapshot_date": self.snapshot_date,
            "rows_read": self.rows_read,
            "imported": len(self.entries),
            "flagged": {
                "count": sum(1 for entry in self.entries if entry.flags),
                "per_flag": dict(sorted(per_flag.items())),
            },
            "rejected": {
                "count": len(self.rejected),
                "rows": [{"line": row.source_line, "reason": row.reason} for row in self.rejected],
            },
        }

    def report_text(self, max_listed: int = 20) -> str:
        """A readable multi-line report; flagged and rejected rows are listed up to ``max_listed`` each."""
        report = self.report()
        snapshot = self.snapshot_date or _("date unknown")
        lines = [
            _("{file} ({file_format}, snapshot {snapshot})").format(
                file=self.source_file, file_format=self.file_format, snapshot=snapshot
            ),
            "  " + _("rows read: {n}").format(n=self.rows_read),
            "  " + _("imported:  {n}").format(n=report["imported"]),
            "  " + _("flagged:   {n}").format(n=report["flagged"]["count"]),
        ]
        for flag, count in report["flagged"]["per_flag"].items():
            lines.append(f"    {flag}: {count} ({flag_description(flag)})")
        # rarest flags first: 41 zero heights must not hide the one negative height
        per_flag = report["flagged"]["per_flag"]
        flagged = sorted((e for e in self.entries if e.flags), key=lambda e: min(per_flag[f] for f in e.flags))
        for entry in flagged[:max_listed]:
            label = (_("id {register_id} ({name})") if entry.name else _("id {register_id}")).format(
                register_id=entry.register_id, name=entry.name
            )
            line = _("line {line}: {entry} -> {flags}")
            lines.append("    " + line.format(line=entry.source_line, entry=label, flags=", ".join(entry.flags)))
        more = len(flagged) - max_listed
        if more > 0:
            lines.append(
                "    " + ngettext("... and {n} more flagged row", "... and {n} more flagged rows", more).format(n=more)
            )
        lines.append("  " + _("rejected:  {n}").format(n=len(self.rejected)))
        for row in self.rejected[:max_listed]:
            lines.append("    " + _("line {line}: {reason}").format(line=row.source_line, reason=row.reason))
        more = len(self.rejected) - max_listed
        if more > 0:
            lines.append(
                "    "
                + ngettext("... and {n} more rejected row", "... and {n} more rejected rows", more).format(n=more)
            )
        return "\n".join(lines)
