"""Export: sites with their register match and latest decision, as CSV, GeoJSON, KML or GeoPackage."""

import tempfile
from datetime import UTC, datetime
from pathlib import Path

import streamlit as st

from core import wording
from core.review.export_csv import CSV_DIALECTS, DEFAULT_TZ, EXCEL_BR, PLAIN, CsvOptions, time_zones
from core.review.exports import EXPORT_FORMATS, export_filename, write_export
from core.wording import translate
from core.wording.translate import N_, _, ngettext
from db.exports import export_rows
from db.scans import all_scans
from ui import auth, resources

MIME = {
    "csv": "text/csv",
    "geojson": "application/geo+json",
    "kml": "application/vnd.google-earth.kml+xml",
    "gpkg": "application/geopackage+sqlite3",
}
CSV_LAYOUTS = {PLAIN: N_("Plain CSV (, and UTC times)"), EXCEL_BR: N_("CSV for Excel (Brazil: ; and decimal comma)")}


def default_dialect() -> str:
    """The CSV layout offered first: the one Excel in Brazil reads for a person reading Portuguese, else the plain."""
    return EXCEL_BR if translate.current() == "pt_BR" else PLAIN


def any_or(words: str | None) -> str:
    """``Any`` for no filter, else the filter's words."""
    return _("Any") if words is None else words


auth.require_page("export")
st.title(_("Export decisions"))
resources.store_banner()
con = resources.db()
scans = all_scans(con)
c1, c2, c3 = st.columns(3)
scan = c1.selectbox(
    _("Scan"),
    [None, *scans["id"].tolist()],
    format_func=lambda s: _("All scans") if s is None else _("Scan {scan_id}").format(scan_id=s),
)
status = c2.selectbox(
    _("Register status"),
    [None, "unregistered", "possibly_off_target", "registered"],
    format_func=lambda s: any_or(None if s is None else wording.label(s)),
)
decision = c3.selectbox(
    _("Decision"),
    [None, "confirmed", "rejected", "unsure", "undecided"],
    format_func=lambda s: any_or(None if s is None else wording.label(s)),
)
rows = export_rows(con, scan_id=scan, status=status, decision=decision)
st.write(ngettext("{n} site matches.", "{n} sites match.", len(rows)).format(n=wording.number(len(rows))))
st.caption(
    _(
        "Each site also carries its place over time: `place_id`, the period of the scan that saw it (`period`, "
        "`period_start`, `period_end`, end exclusive; empty for undated imagery), the place's `first_period`, "
        "`last_period`, `persistence`, `growth_ha` and `growth_pct` (since its previous sighting) and its area in "
        "each period (`area_ha_<period>`). KML placemarks are dated with their scan's period for Google Earth's time "
        "slider."
    )
)
st.caption(
    _(
        "The GeoPackage opens in QGIS styled (fill by decision, outline by register status, labelled with the site); "
        "the KML opens in Google Earth in the same decision colours, with a legend under its name."
    )
)
c4, c5, c6 = st.columns(3)
dialect = c4.radio(
    _("CSV layout"), CSV_DIALECTS, index=CSV_DIALECTS.index(default_dialect()), format_func=lambda d: _(CSV_LAYOUTS[d])
)
zones = time_zones()
tz = c5.selectbox(
    _("Time zone of the Excel CSV"), zones, index=zones.index(DEFAULT_TZ), disabled=dialect != EXCEL_BR,
    help=_("The plain CSV keeps ISO UTC times (2026-11-21T09:30:15Z)."),
)  # fmt: skip
titles = c6.checkbox(
    _("Column titles instead of names"), help=_("'Register status' instead of 'match_status', and so on.")
)
csv_options = CsvOptions(dialect, tz if dialect == EXCEL_BR else None, titles)
stamp = datetime.now(UTC).strftime("%Y%m%dT%H%MZ")
folder = Path(tempfile.mkdtemp(prefix="minescan_export_"))
for column, fmt in zip(st.columns(len(EXPORT_FORMATS)), EXPORT_FORMATS, strict=True):
    name = export_filename(fmt, stamp)
    data = write_export(rows, folder / name, fmt, csv_options).read_bytes()
    label = _("Download {format}").format(format=fmt.upper())
    column.download_button(label, data, file_name=name, mime=MIME[fmt], key=f"dl_{fmt}")
st.dataframe(rows.drop(columns=["outline_wkt"]), hide_index=True)
