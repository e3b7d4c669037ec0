"""Plain records of one register import: entries, rejected rows and the import's report."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

#: Flags a row can carry; every one keeps the row (only missing or unreadable coordinates reject it).
FLAG_DESCRIPTIONS: dict[str, str] = {
    "outside_brazil": "coordinates outside Brazil's bounding box",
    "swapped_lat_lon": "latitude and longitude were swapped in the file (stored un-swapped)",
    "hemisphere_conflict": "the coordinate's sign contradicts its hemisphere column (the hemisphere column won)",
    "dms_overflow": "minutes or seconds of 60 or more in the coordinate text, carried over (34'60\" read as 35'00\")",
    "negative_height": "negative dam height",
    "zero_height": "dam height of zero",
    "height_implausible": "dam height above 300 m",
    "height_not_a_number": "dam height is not a number",
    "negative_volume": "negative reservoir volume",
    "volume_not_a_number": "reservoir volume is not a number",
}


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
        lines = [
            f"{self.source_file} ({self.file_format}, snapshot {self.snapshot_date or 'date unknown'})",
            f"  rows read: {self.rows_read}",
            f"  imported:  {report['imported']}",
            f"  flagged:   {report['flagged']['count']}",
        ]
        for flag, count in report["flagged"]["per_flag"].items():
            lines.append(f"    {flag}: {count} ({FLAG_DESCRIPTIONS.get(flag, flag)})")
        # rarest flags first: 41 zero heights must not hide the one negative height
        per_flag = report["flagged"]["per_flag"]
        flagged = sorted((e for e in self.entries if e.flags), key=lambda e: min(per_flag[f] for f in e.flags))
        for entry in flagged[:max_listed]:
            label = f"id {entry.register_id}" + (f" ({entry.name})" if entry.name else "")
            lines.append(f"    line {entry.source_line}: {label} -> {', '.join(entry.flags)}")
        if len(flagged) > max_listed:
            lines.append(f"    ... and {len(flagged) - max_listed} more flagged rows")
        lines.append(f"  rejected:  {len(self.rejected)}")
        for row in self.rejected[:max_listed]:
            lines.append(f"    line {row.source_line}: {row.reason}")
        if len(self.rejected) > max_listed:
            lines.append(f"    ... and {len(self.rejected) - max_listed} more rejected rows")
        return "\n".join(lines)
