"""Register page: import a register or layer file, see the import report, the snapshots, the map and the diff."""

import tempfile
from pathlib import Path

import streamlit as st

from core.access.users import can, require
from core.errors import MineScanError
from core.register import RegisterImport, diff_snapshots
from core.register.matching import MatchSettings
from db.registers import current_register, snapshot_register_entries, snapshots
from db.workflows import import_register
from ui import auth, resources
from ui.maps import register_deck

identity = auth.require_page("decide")
st.title("Registers")
con = resources.db()
if not can(identity, "import_register"):
    st.caption("Only supervisors import register files.")
else:
    with st.form("import"):
        upload = st.file_uploader(
            "ANM/SIGBM export (.xlsx, detailed .csv, .tsv) or a layer (.geojson, .gpkg, .zip shapefile, lat/lon .csv)",
            type=["xlsx", "csv", "tsv", "txt", "geojson", "json", "gpkg", "zip"],
        )
        kind = st.radio(
            "It holds", ["dam", "mine", "reference"], horizontal=True, help="dams: SIGBM; mines: concessions"
        )
        submitted = st.form_submit_button("Import", type="primary")
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
            st.success(f"Imported as snapshot {snapshot_id}; every site was compared with the register again.")
            st.code(imported.report_text(), language=None)

snaps = snapshots(con)
if snaps.empty:
    st.info("No register imported yet.")
    st.stop()
st.subheader("Snapshots")
st.dataframe(snaps, hide_index=True)
register = current_register(con)
st.subheader(f"Current register: {len(register)} entries")
st.pydeck_chart(register_deck(register), height=420)
st.dataframe(
    register[
        [
            "kind",
            "register_id",
            "name",
            "owner",
            "state",
            "municipality",
            "main_ore",
            "height_m",
            "risk_category",
            "potential_damage",
            "emergency_level",
            "lon",
            "lat",
            "flags",
        ]
    ],
    hide_index=True,
)
dam_snaps = snaps[snaps["kind"] == "dam"]["id"].tolist()
if len(dam_snaps) >= 2:
    st.subheader("What changed between two dam snapshots")
    c1, c2 = st.columns(2)
    old = c1.selectbox("Older", dam_snaps, index=1)
    new = c2.selectbox("Newer", dam_snaps, index=0)
    diff = diff_snapshots(snapshot_register_entries(con, old), snapshot_register_entries(con, new))
    st.code(diff.summary(), language=None)
