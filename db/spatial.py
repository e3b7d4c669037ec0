"""DuckDB's spatial extension, loaded from the ``duckdb-extension-spatial`` wheel (``INSTALL spatial`` would
download it at run time, which fails offline)."""

from __future__ import annotations

from pathlib import Path

import duckdb

from core.wording.translate import _
from db.connection import StoreError


def extension_file() -> Path:
    """The spatial extension shipped by the ``duckdb-extension-spatial`` wheel for this DuckDB version."""
    import duckdb_extension_spatial  # only the place builder needs it

    path = Path(duckdb_extension_spatial.__file__).parent / "extensions" / f"v{duckdb.__version__}"
    return path / "spatial.duckdb_extension"


def load_spatial(con: duckdb.DuckDBPyConnection) -> None:
    """Load the spatial extension into ``con`` (once per connection).

    Raises:
        StoreError: the wheel is missing or was built for another DuckDB version (reinstall requirements.txt).
    """
    loaded = con.execute(
        "SELECT count(*) FROM duckdb_extensions() WHERE extension_name = 'spatial' AND loaded"
    ).fetchone()
    if loaded and loaded[0]:
        return
    path = extension_file()
    if not path.is_file():
        message = _(
            "DuckDB's spatial extension for DuckDB {version} is not installed ({path} is missing): install "
            "requirements.txt again (duckdb and duckdb-extension-spatial must have the same version)"
        )
        raise StoreError(message.format(version=duckdb.__version__, path=path))
    try:
        con.execute(f"LOAD '{path.as_posix()}'")
    except duckdb.Error as err:
        message = _("DuckDB's spatial extension cannot be loaded: {error}")
        raise StoreError(message.format(error=str(err).splitlines()[0][:200])) from None
