"""The error a user sees when a register or layer file cannot be read."""

from __future__ import annotations

from core.errors import MineScanError
from core.wording.translate import N_


class RegisterImportError(MineScanError, ValueError):
    """A register or layer file that cannot be imported (unknown format, undecodable, key columns missing)."""

    title = N_("This register file can't be imported")
