"""Read a CSV/TSV or xlsx file into rows of cells with their line numbers, and find its header row."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from core.register.errors import RegisterImportError
from core.wording.translate import _

Cell = str | int | float | None
_HEADER_SEARCH_ROWS = 30
_ZIP_MAGIC = b"PK\x03\x04"


@dataclass(frozen=True)
class Table:
    """A file's header, its data rows (1-based line or sheet row, cells) and the text above the header."""

    header: tuple[str, ...]
    rows: tuple[tuple[int, tuple[Cell, ...]], ...]
    preamble: str
    delimiter: str | None


def normalise_name(text: str) -> str:
    """Header name without accents, case, spaces or punctuation: ``"Volume Atual(m³)"`` -> ``"volumeatualm3"``."""
    decomposed = unicodedata.normalize("NFKD", str(text))
    return re.sub(r"[^a-z0-9]", "", "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower())


def cell_text(cell: Cell) -> str:
    """A cell as text, the way the file shows it (whole floats without ``.0``)."""
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell)


def is_empty(cells: tuple[Cell, ...]) -> bool:
    """True for a row without any non-blank cell."""
    return all(not cell_text(cell).strip() for cell in cells)


def is_spreadsheet(path: Path) -> bool:
    """True for an xlsx/xlsm workbook (a zip file), whatever its extension."""
    with path.open("rb") as handle:
        return handle.read(4) == _ZIP_MAGIC


def decode_text(path: Path) -> str:
    """The file's text: UTF-8 (with or without BOM), else Latin-1.

    Raises:
        RegisterImportError: the file is binary (holds NUL bytes), so neither CSV nor text.
    """
    data = path.read_bytes()
    if b"\x00" in data[:65536]:
        raise RegisterImportError(
            _(
                "{file} is a binary file, not a CSV/TSV text file or an xlsx workbook; export the register as "
                "CSV (';' or tab separated) or xlsx."
            ).format(file=path.name)
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def guess_delimiter(text: str) -> str:
    """The most frequent of ``;``, tab and ``,`` in the first non-empty lines."""
    lines = [line for line in text.splitlines()[:_HEADER_SEARCH_ROWS] if line.strip()][:5]
    counts = {delim: max((line.count(delim) for line in lines), default=0) for delim in (";", "\t", ",")}
    return max(counts, key=lambda delim: counts[delim])


def _text_rows(text: str, delimiter: str) -> list[tuple[int, tuple[Cell, ...]]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[tuple[int, tuple[Cell, ...]]] = []
    start = 1
    for cells in reader:
        rows.append((start, tuple(cells)))
        start = reader.line_num + 1
    return rows


def _sheet_rows(path: Path) -> list[tuple[int, tuple[Cell, ...]]]:
    import openpyxl  # openpyxl is slow to import; only workbooks need it

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged workbook
        message = _("{file} is not a readable xlsx workbook ({error}).")
        raise RegisterImportError(message.format(file=path.name, error=exc)) from exc
    try:
        sheet = workbook.worksheets[0]
        return [
            (number, tuple(c if isinstance(c, str | int | float) or c is None else str(c) for c in cells))
            for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1)
        ]
    finally:
        workbook.close()


def read_table(path: Path, is_header: Callable[[tuple[str, ...]], bool], wanted: str) -> Table:
    """Read the file and split it at the first row (among the first 30) that ``is_header`` accepts.

    Args:
        path: a CSV/TSV text file or an xlsx workbook.
        is_header: receives a row's normalised cell names; True marks the header row.
        wanted: what the header must hold, for the error message.

    Raises:
        RegisterImportError: unreadable file, or no header row found (the message lists the first row's columns).
    """
    delimiter: str | None = None
    if is_spreadsheet(path):
        raw = _sheet_rows(path)
    else:
        text = decode_text(path)
        delimiter = guess_delimiter(text)
        raw = _text_rows(text, delimiter)
    raw = [(line, cells) for line, cells in raw if not is_empty(cells)]
    for index, (_line, cells) in enumerate(raw[:_HEADER_SEARCH_ROWS]):
        names = tuple(normalise_name(cell_text(cell)) for cell in cells)
        if is_header(names):
            preamble = " ".join(cell_text(c) for _above, row in raw[:index] for c in row if cell_text(c).strip())
            header = tuple(cell_text(cell).strip() for cell in cells)
            return Table(header=header, rows=tuple(raw[index + 1 :]), preamble=preamble, delimiter=delimiter)
    found = [cell_text(c).strip() for c in raw[0][1] if cell_text(c).strip()][:12] if raw else []
    holds = ", ".join(found) if found else _("nothing (the file is empty)")
    message = _("{file} has no header row with {wanted}; the first row holds: {found}.")
    raise RegisterImportError(message.format(file=path.name, wanted=wanted, found=holds))
