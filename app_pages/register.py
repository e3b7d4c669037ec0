"""Register page: import a register or layer file, see the import report, the snapshots, the map and the diff."""

import tempfile
from pathlib import Path

import streamlit as st

from core import wording
from core.access.users import can, require
from core.errors import MineScanError
from core.register import RegisterImport, diff_snapshots
from core.register.matching import MatchSettings
from core.wording.translate import N_, _
from db.registers import current_register, snapshot_register_entries, snapshots
from db.workflows import import_register
from ui import auth, resources
from ui.maps import register_deck

#: What an imported file holds, in words (the values are the store's codes).
KIND_WORDS = {"dam": N_("dam"), "mine": N_("mine"), "reference": N_("reference")}
#: The snapshots table's columns, in words.
SNAPSHOT_WORDS = {
    "id": N_("Snapshot"),
    "kind": N_("Type"),
    "source_file": N_("File"),
    "file_format": N_("Format"),
    "snapshot_date": N_("Snapshot date"),
    "imported_at": N_("Imported at"),
    "rows_read": N_("Rows read"),
    "imported": N_("Rows imported"),
    "flagged": N_("Rows flagged"),
    "rejected": N_("Rows rejected"),
}
#: The current register's columns, in words (the values are shown as the register writes them).
REGISTER_WORDS = {
    "kind": N_("Type"),
    "register_id": N_("Register id"),
    "name": N_("Name"),
    "owner": N_("Owner"),
    "state": N_("State"),
    "municipality": N_("Municipality"),
    "main_ore": N_("Main ore"),
    "height_m": N_("Height (m)"),
    "risk_category": N_("Risk category"),
    "potential_damage": N_("Potential damage"),
    "emergency_level": N_("Emergency level"),
    "lon": N_("Longitude"),
    "lat": N_("Latitude"),
    "flags": N_("Flags"),
}


def titled(words: dict[str, str]) -> dict[str, str]:
    """``column_config`` labels in the current language."""
    return {name: _(title) for name, title in words.items()}


identity = auth.require_page("decide")
st.title(_("Registers"))
con = resources.db()
if not can(identity, "import_register"):
    st.caption(_("Only supervisors import register files."))
else:
    with st.form("import"):
        upload = st.file_uploader(
            _(
                "ANM/SIGBM export (.xlsx, detailed .csv, .tsv) or a layer (.geojson, .gpkg, .zip shapefile, "
                "lat/lon .csv)"
            ),
            type=["xlsx", "csv", "tsv", "txt", "geojson", "json", "gpkg", "zip"],
        )
        kind = st.radio(
            _("It holds"),
            list(KIND_WORDS),
            format_func=lambda k: _(KIND_WORDS[k]),
            horizontal=True,
            help=_("dams: SIGBM; mines: concessions"),
        )
        submitted = st.form_submit_button(_("Import"), type="primary")
    if submitted and upload is not None:
        with tempfile.TemporaryDirectory(prefix="minescan_register_") as folder:
            path = Path(folder) / Path(upload.name).name
            path.write_bytes(upload.getvalue())
            imported: RegisterImport | None = None
            try:
                require(identity, "import_register")
                snapshot_id, imported = import_register(con, path, kind, MatchSettings())
            except MineScanError as err:
                resources.show_error(err, hide=Path(folder))
        if imported is not None:
            st.success(
                _("Imported as snapshot {snapshot}; every site was compared with the register again.").format(
                    snapshot=snapshot_id
                )
            )
            st.code(imported.report_text(), language=None)

snaps = snapshots(con)
if snaps.empty:
    st.info(_("No register imported yet."))
    st.stop()
st.subheader(_("Snapshots"))
st.dataframe(snaps, hide_index=True, column_config=titled(SNAPSHOT_WORDS))
register = current_register(con)
st.subheader(_("Current register: {entries}").format(entries=wording.count(len(register), "entry", "entries")))
st.pydeck_chart(register_deck(register), height=420)
st.dataframe(register[list(REGISTER_WORDS)], hide_index=True, column_config=titled(REGISTER_WORDS))
dam_snaps = snaps[snaps["kind"] == "dam"]["id"].tolist()
if len(dam_snaps) >= 2:
    st.subheader(_("What changed between two dam snapshots"))
    c1, c2 = st.columns(2)
    old = c1.selectbox(_("Older"), dam_snaps, index=1)
    new = c2.selectbox(_("Newer"), dam_snaps, index=0)
    diff = diff_snapshots(snapshot_register_entries(con, old), snapshot_register_entries(con, new))
    st.code(diff.summary(), language=None)
