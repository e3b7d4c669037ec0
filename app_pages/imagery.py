"""Imagery page: pick a region, see the tiles and the exact Earth Engine request, download or export the paper's
Sentinel-2 composite, and follow export tasks. Planning works offline and without an account."""

import os
from collections.abc import Callable
from datetime import date
from typing import Any

import streamlit as st
from streamlit_folium import st_folium

from core import settings, wording
from core.errors import MineScanError
from core.imagery.earth_engine.plan import make_plan
from core.imagery.earth_engine.recipe import PAPER_DATES, default_dates, make_recipe
from core.imagery.earth_engine.requests import DESTINATIONS
from core.imagery.earth_engine.transfer import download_scenes, existing_scene_path
from core.imagery.region_files import parse_geojson, parse_region_csv, regions_from_drawings
from core.imagery.regions import Region, brazil_warnings, parse_bounds
from core.wording.translate import N_, _, ngettext
from db.imagery_workflows import recorded_tasks, refresh_tasks, start_exports, tag_exported
from ui import auth, jobs, resources
from ui.earth_engine import EarthEngineUnavailable, configuration, earth_engine
from ui.imagery_map import imagery_plan_deck
from ui.imagery_periods import periods_input, plan_table
from ui.online_maps import composite_preview, drawing_map, period_swipe

#: How a region is given (the options' values; translated where shown).
TYPE_BOUNDS, DRAW, GEOJSON, CSV = N_("Type bounds"), N_("Draw on a map"), N_("GeoJSON file"), N_("CSV file")
#: The cloud masks (the options' values; translated where shown).
QA60, CLOUD_SCORE_PLUS = N_("QA60 bits 10-11"), N_("Cloud Score+")
#: The headers of the export tasks' table (the store's columns -> words).
TASK_COLUMNS = {
    "task_id": N_("task"),
    "region": N_("region"),
    "tile_id": N_("tile"),
    "destination": N_("destination"),
    "target": N_("folder or bucket"),
    "file_prefix": N_("file prefix"),
    "state": N_("state"),
    "error": N_("error"),
    "destination_uris": N_("files"),
    "started_by": N_("started by"),
    "started_at": N_("started"),
    "updated_at": N_("updated"),
}

identity = auth.require_page("scan")
st.title(_("Imagery from Google Earth Engine"))
st.caption(
    _(
        "The paper's composite: Sentinel-2 L1C (harmonised collection), scenes under a cloud limit, clouds and cirrus "
        "masked per pixel, per-pixel median, 12 bands, reflectance = DN / 10000, 10 m, in tiles of at most 92 x 92 km."
    )
)

try:
    config = configuration()
    project = config.project or _("of the service account")
    st.success(
        _("Earth Engine is configured: project {project}, {method}.").format(project=project, method=config.method)
    )
    ready = True
    if st.button(_("Test the connection"), help=_("Signs in to Earth Engine now (the page does not, until you ask)")):
        try:
            earth_engine()
            st.success(_("Connected to Earth Engine."))
        except MineScanError as err:
            resources.show_error(err)
except EarthEngineUnavailable as err:
    st.warning(_("**{title}.** {message}").format(title=_(err.title), message=err))
    st.caption(_("You can still plan below: the tiles and the exact request need no account and no network."))
    ready = False

# --- 1. the region ------------------------------------------------------------------------------------------------
st.subheader(_("1. Region"))
how = st.radio(_("Give the region"), [TYPE_BOUNDS, DRAW, GEOJSON, CSV], format_func=_, horizontal=True)
regions: list[Region] = []
try:
    if how == TYPE_BOUNDS:
        label = st.text_input(_("Name"), value=_("region"))
        text = st.text_input(
            _("West, south, east, north (decimal degrees)"), placeholder="-44.30, -20.30, -43.90, -20.00"
        )
        if text.strip():
            regions = [parse_bounds(text, label=label)]
    elif how == DRAW:
        st.caption(
            _(
                "Draw rectangles or polygons. This map loads its library and background from the internet, as Earth "
                "Engine itself does; offline it stays blank: type the bounds or upload a file instead."
            )
        )
        drawn = st_folium(
            drawing_map(), height=420, use_container_width=True, returned_objects=["all_drawings"], key="imagery_draw"
        )
        if drawn and drawn.get("all_drawings"):
            regions = regions_from_drawings(drawn["all_drawings"])
    elif how == GEOJSON:
        upload = st.file_uploader(_("GeoJSON in WGS84 (one region per feature)"), type=["geojson", "json"])
        if upload is not None:
            regions = parse_geojson(upload.getvalue())
    else:
        st.caption(
            _(
                "One region per row, as in the paper: lower-left lat, lon, upper-right lat, lon, label; or centre lat, "
                "lon, label and optionally the square's side in metres. ',' or ';' separated; decimal commas accepted."
            )
        )
        side = st.number_input(
            _("Side of the square for centre rows (metres)"), min_value=100, max_value=92_000, value=20_000, step=1_000
        )
        upload = st.file_uploader(_("CSV of regions"), type=["csv", "txt"])
        if upload is not None:
            regions = parse_region_csv(upload.getvalue(), side_m=float(side))
except MineScanError as err:
    resources.show_error(err)
    regions = []
for warning in brazil_warnings(regions):
    st.warning(warning)

# --- 2. the composite -------------------------------------------------------------------------------------------
st.subheader(_("2. Composite"))
paper = st.checkbox(_("The paper's dates (2018-01-01 to 2020-01-01)"), value=False)
start_default, end_default = PAPER_DATES if paper else default_dates(date.today())
plan, periods = None, None
try:
    periods = periods_input()
except MineScanError as err:
    resources.show_error(err)
    st.stop()
if periods:
    each = ngettext("{n} period(s), one composite each: {periods}. They replace the dates.",
                    "{n} period(s), one composite each: {periods}. They replace the dates.", len(periods))  # fmt: skip
    st.caption(each.format(n=wording.number(len(periods)), periods=", ".join(p.label for p in periods)))
c1, c2, c3, c4 = st.columns(4)
start = c1.date_input(_("First day"), value=start_default, disabled=paper or bool(periods))
end = c2.date_input(_("Until (exclusive)"), value=end_default, disabled=paper or bool(periods))
max_cloud = c3.slider(_("Scene cloud limit (%)"), 0, 100, 20)
mask_label = c4.radio(_("Cloud mask"), [QA60, CLOUD_SCORE_PLUS], format_func=_)
try:
    recipe = make_recipe(  # with periods, only its cloud and mask settings are used
        start_default if paper or periods else start,
        end_default if paper or periods else end,
        max_cloud_percent=float(max_cloud),
        mask="qa60" if mask_label == QA60 else "cloud_score_plus",
    )
    if regions:
        plan = make_plan(regions, recipe, periods)
except MineScanError as err:
    resources.show_error(err)

# --- 3. the plan --------------------------------------------------------------------------------------------------
st.subheader(_("3. Tiles and request"))
if plan is None:
    st.info(_("Give a region to see its tiles."))
    st.stop()
size = ngettext("{n} region(s), **{size}**, {area} km².", "{n} region(s), **{size}**, {area} km².", len(plan.regions))
st.write(size.format(n=wording.number(len(plan.regions)), size=plan.size_text, area=wording.number(plan.area_km2)))
st.pydeck_chart(
    imagery_plan_deck(
        [{"label": r.label, "west": r.west, "south": r.south, "east": r.east, "north": r.north} for r in plan.regions],
        plan.tile_rows(),
    ),
    height=380,
)
st.dataframe(plan_table(plan), hide_index=True)


def _online_map(build: Callable[[Any, Any], Any], plan: Any, waiting: str, key: str) -> None:
    """Ask Earth Engine for a map (``build(ee, plan)``) and draw it; a refusal or no connection as a message."""
    try:
        with st.spinner(waiting):
            drawn = build(earth_engine(), plan)
        st_folium(drawn, height=460, use_container_width=True, returned_objects=[], key=key)
    except MineScanError as err:
        resources.show_error(err)


if ready:  # Earth Engine draws the composite (geemap) and the swipe between periods (leafmap): online only
    first, last = plan.periods[0].label, plan.periods[-1].label
    if st.toggle(_("Preview the composite {period} on a map").format(period=first), key="imagery_preview",
                 help=_("Earth Engine draws it as map tiles: nothing is downloaded. Needs the internet.")):  # fmt: skip
        waiting = _("Asking Earth Engine for the composite's map tiles…")
        _online_map(composite_preview, plan, waiting, "imagery_preview_map")
    if len(plan.periods) > 1 and st.toggle(
        _("Swipe between {first} and {last}").format(first=first, last=last), key="imagery_swipe",
        help=_("The first and the last period's composites of the first tile, side by side under a slider."),
    ):  # fmt: skip
        _online_map(period_swipe, plan, _("Asking Earth Engine for both periods' map tiles…"), "imagery_swipe_map")
destination = st.radio(
    _("Export to"),
    DESTINATIONS,
    format_func=lambda d: "Google Drive" if d == "drive" else "Cloud Storage",
    horizontal=True,
)
target = st.text_input(_("Drive folder") if destination == "drive" else _("Cloud Storage bucket"), value="MineScan")
with st.expander(_("The exact request")):
    st.json(plan.request(destination, target), expanded=2)

# --- 4. getting the pixels -------------------------------------------------------------------------------------
st.subheader(_("4. Get the pixels"))
folder = settings.scenes_dir() / "earth_engine"
small = all(plan.downloadable(t) for t in plan.tiles)
c1, c2 = st.columns(2)
download = c1.button(
    _("Download now"),
    disabled=not (ready and small),
    type="primary",
    help=None if small else _("Tiles over about 40 x 40 km go through an export task."),
)
export = c2.button(_("Start export tasks"), disabled=not ready)
if not ready:
    st.caption(_("Earth Engine is not configured (see above): downloading and exporting are off."))
if download:
    resources.release()  # downloading takes a while: the store is not held meanwhile
    try:
        bar = st.progress(0.0, text=_("Connecting to Earth Engine…"))

        def report(tile_id: str, i: int, n: int, done: int, total: int) -> None:
            words = _("Tile {i}/{n} {tile}: {done}/{total} requests")
            bar.progress((i + done / total) / n, text=words.format(i=i + 1, n=n, tile=tile_id, done=done, total=total))

        results = download_scenes(earth_engine(), plan.scenes, folder, progress=report)
        new = [r.path.name for r in results if not r.already_there]
        kept = [r.path.name for r in results if r.already_there]
        if kept:
            wrote = ngettext(
                "Wrote {n} scene(s) under `{folder}`; {kept} were already there. Choose them on the Scan page.",
                "Wrote {n} scene(s) under `{folder}`; {kept} were already there. Choose them on the Scan page.",
                len(new),
            )
        else:
            wrote = ngettext(
                "Wrote {n} scene(s) under `{folder}`. Choose them on the Scan page.",
                "Wrote {n} scene(s) under `{folder}`. Choose them on the Scan page.",
                len(new),
            )
        st.success(wrote.format(n=wording.number(len(new)), folder=folder, kept=wording.number(len(kept))))
    except MineScanError as err:
        resources.show_error(err)
if export:
    resources.release()
    try:
        started = start_exports(resources.store(), earth_engine(), plan, destination, target, identity.username)
        begun = ngettext("Started {n} export task(s): {tasks}", "Started {n} export task(s): {tasks}", len(started))
        st.success(begun.format(n=wording.number(len(started)), tasks=", ".join(s.task_id for s in started)))
    except MineScanError as err:
        resources.show_error(err)

st.markdown(
    _(
        "**Or the whole region as one job**: download what is missing, scan every tile of every period, store and "
        "match the sites. It runs in the background: the sidebar shows its progress on every page."
    )
)
here = [existing_scene_path(folder, s.recipe, s.tile).exists() for s in plan.scenes]
missing = here.count(False)
if missing:
    present = _("{present} of {total} {what} already in `{folder}`; {missing} to download.")
else:
    present = _("{present} of {total} {what} already in `{folder}`: nothing to download.")
st.caption(present.format(present=wording.number(len(here) - missing), total=wording.number(len(here)),
                          what=plan.scene_word, folder=folder, missing=wording.number(missing)))  # fmt: skip
region_workers = int(st.number_input(
    _("Local Dask workers for the scans (0: the job's own process)"), 0, max(1, os.cpu_count() or 1),
    min(len(here), os.cpu_count() or 1) if len(here) > 1 else 0, key="region_workers",
))  # fmt: skip
runnable = ready or missing == 0
if not runnable:
    absent = _(
        "{missing} {what} are not on this machine and Earth Engine is not configured: download them where an account "
        "is ('imagery download' with the same region and dates or periods) and copy them into `{folder}`."
    )
    st.caption(absent.format(missing=wording.number(missing), what=plan.scene_word, folder=folder))
if st.button(_("Download, scan and match as a job"), disabled=not runnable, key="region_job"):
    try:
        job_id = jobs.start_region(identity, plan, folder, region_workers or None)
        st.success(_("Job {job_id} started: its progress is in the sidebar, on every page.").format(job_id=job_id))
    except MineScanError as err:
        resources.show_error(err)

# --- 5. export tasks -------------------------------------------------------------------------------------------
st.subheader(_("5. Export tasks"))
tasks = recorded_tasks(resources.store())
if tasks.empty:
    st.caption(_("No export task started yet."))
else:
    c1, c2 = st.columns(2)
    if c1.button(_("Refresh status"), disabled=not ready):
        try:
            changed = refresh_tasks(resources.store(), earth_engine())
            moved = ngettext("{n} task(s) changed state.", "{n} task(s) changed state.", changed)
            st.success(moved.format(n=wording.number(changed)))
            tasks = recorded_tasks(resources.store())
        except MineScanError as err:
            resources.show_error(err)
    if c2.button(
        _("Ready copied files for scanning"),
        help=_("Writes band names and the recipe into exported files copied under {folder}").format(
            folder=settings.scenes_dir()
        ),
    ):
        try:
            tagged = tag_exported(resources.store(), settings.scenes_dir())
            if tagged:
                st.success(_("Ready to scan: {files}").format(files=", ".join(p.name for p, _task in tagged)))
            else:
                st.info(_("No file of these tasks under `{folder}` yet.").format(folder=settings.scenes_dir()))
        except MineScanError as err:
            resources.show_error(err)
    headers = {column: _(words) for column, words in TASK_COLUMNS.items()}
    st.dataframe(tasks.drop(columns=["provenance_json"]), hide_index=True, column_config=headers)
