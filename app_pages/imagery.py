"""Imagery page: pick a region, see the tiles and the exact Earth Engine request, download or export the paper's
Sentinel-2 composite, and follow export tasks. Planning works offline and without an account."""

import os
from datetime import date

import streamlit as st
from streamlit_folium import st_folium

from core import settings
from core.errors import MineScanError
from core.imagery.earth_engine.plan import make_plan
from core.imagery.earth_engine.recipe import PAPER_DATES, default_dates, make_recipe
from core.imagery.earth_engine.requests import DESTINATIONS
from core.imagery.earth_engine.transfer import download_scenes, existing_scene_path
from core.imagery.region_files import parse_geojson, parse_region_csv, regions_from_drawings
from core.imagery.regions import Region, brazil_warnings, parse_bounds
from db.imagery_workflows import recorded_tasks, refresh_tasks, start_exports, tag_exported
from ui import auth, jobs, resources
from ui.earth_engine import EarthEngineUnavailable, configuration, drawing_map, earth_engine
from ui.imagery_map import imagery_plan_deck
from ui.imagery_periods import periods_input, plan_table

identity = auth.require_page("scan")
st.title("Imagery from Google Earth Engine")
st.caption(
    "The paper's composite: Sentinel-2 L1C (harmonised collection), scenes under a cloud limit, clouds and cirrus "
    "masked per pixel, per-pixel median, 12 bands, reflectance = DN / 10000, 10 m, in tiles of at most 92 x 92 km."
)

try:
    config = configuration()
    st.success(f"Earth Engine is configured: project {config.project or 'of the service account'}, {config.method}.")
    ready = True
    if st.button("Test the connection", help="Signs in to Earth Engine now (the page does not, until you ask)"):
        try:
            earth_engine()
            st.success("Connected to Earth Engine.")
        except MineScanError as err:
            resources.show_error(err)
except EarthEngineUnavailable as err:
    st.warning(f"**{err.title}.** {err}")
    st.caption("You can still plan below: the tiles and the exact request need no account and no network.")
    ready = False

# --- 1. the region ------------------------------------------------------------------------------------------------
st.subheader("1. Region")
how = st.radio("Give the region", ["Type bounds", "Draw on a map", "GeoJSON file", "CSV file"], horizontal=True)
regions: list[Region] = []
try:
    if how == "Type bounds":
        label = st.text_input("Name", value="region")
        text = st.text_input("West, south, east, north (decimal degrees)", placeholder="-44.30, -20.30, -43.90, -20.00")
        if text.strip():
            regions = [parse_bounds(text, label=label)]
    elif how == "Draw on a map":
        st.caption(
            "Draw rectangles or polygons. This map loads its library and background from the internet, as Earth "
            "Engine itself does; offline it stays blank: type the bounds or upload a file instead."
        )
        drawn = st_folium(
            drawing_map(), height=420, use_container_width=True, returned_objects=["all_drawings"], key="imagery_draw"
        )
        if drawn and drawn.get("all_drawings"):
            regions = regions_from_drawings(drawn["all_drawings"])
    elif how == "GeoJSON file":
        upload = st.file_uploader("GeoJSON in WGS84 (one region per feature)", type=["geojson", "json"])
        if upload is not None:
            regions = parse_geojson(upload.getvalue())
    else:
        st.caption(
            "One region per row, as in the paper: lower-left lat, lon, upper-right lat, lon, label; or centre lat, "
            "lon, label and optionally the square's side in metres. ',' or ';' separated; decimal commas accepted."
        )
        side = st.number_input(
            "Side of the square for centre rows (metres)", min_value=100, max_value=92_000, value=20_000, step=1_000
        )
        upload = st.file_uploader("CSV of regions", type=["csv", "txt"])
        if upload is not None:
            regions = parse_region_csv(upload.getvalue(), side_m=float(side))
except MineScanError as err:
    resources.show_error(err)
    regions = []
for warning in brazil_warnings(regions):
    st.warning(warning)

# --- 2. the composite -------------------------------------------------------------------------------------------
st.subheader("2. Composite")
paper = st.checkbox("The paper's dates (2018-01-01 to 2020-01-01)", value=False)
start_default, end_default = PAPER_DATES if paper else default_dates(date.today())
plan, periods = None, None
try:
    periods = periods_input()
except MineScanError as err:
    resources.show_error(err)
    st.stop()
if periods:
    st.caption(f"{len(periods)} period(s), one composite each: {', '.join(p.label for p in periods)}. "
               "They replace the dates.")  # fmt: skip
c1, c2, c3, c4 = st.columns(4)
start = c1.date_input("First day", value=start_default, disabled=paper or bool(periods))
end = c2.date_input("Until (exclusive)", value=end_default, disabled=paper or bool(periods))
max_cloud = c3.slider("Scene cloud limit (%)", 0, 100, 20)
mask_label = c4.radio("Cloud mask", ["QA60 bits 10-11", "Cloud Score+"])
try:
    recipe = make_recipe(  # with periods, only its cloud and mask settings are used
        start_default if paper or periods else start,
        end_default if paper or periods else end,
        max_cloud_percent=float(max_cloud),
        mask="qa60" if mask_label.startswith("QA60") else "cloud_score_plus",
    )
    if regions:
        plan = make_plan(regions, recipe, periods)
except MineScanError as err:
    resources.show_error(err)

# --- 3. the plan --------------------------------------------------------------------------------------------------
st.subheader("3. Tiles and request")
if plan is None:
    st.info("Give a region to see its tiles.")
    st.stop()
st.write(f"{len(plan.regions)} region(s), **{plan.size_text}**, {plan.area_km2:,.0f} km².")
st.pydeck_chart(
    imagery_plan_deck(
        [{"label": r.label, "west": r.west, "south": r.south, "east": r.east, "north": r.north} for r in plan.regions],
        plan.tile_rows(),
    ),
    height=380,
)
st.dataframe(plan_table(plan), hide_index=True)
destination = st.radio(
    "Export to",
    DESTINATIONS,
    format_func=lambda d: "Google Drive" if d == "drive" else "Cloud Storage",
    horizontal=True,
)
target = st.text_input("Drive folder" if destination == "drive" else "Cloud Storage bucket", value="MineScan")
with st.expander("The exact request"):
    st.json(plan.request(destination, target), expanded=2)

# --- 4. getting the pixels -------------------------------------------------------------------------------------
st.subheader("4. Get the pixels")
folder = settings.scenes_dir() / "earth_engine"
small = all(plan.downloadable(t) for t in plan.tiles)
c1, c2 = st.columns(2)
download = c1.button(
    "Download now",
    disabled=not (ready and small),
    type="primary",
    help=None if small else "Tiles over about 40 x 40 km go through an export task.",
)
export = c2.button("Start export tasks", disabled=not ready)
if not ready:
    st.caption("Earth Engine is not configured (see above): downloading and exporting are off.")
if download:
    resources.release()  # downloading takes a while: the store is not held meanwhile
    try:
        bar = st.progress(0.0, text="Connecting to Earth Engine…")

        def report(tile_id: str, i: int, n: int, done: int, total: int) -> None:
            bar.progress((i + done / total) / n, text=f"Tile {i + 1}/{n} {tile_id}: {done}/{total} requests")

        results = download_scenes(earth_engine(), plan.scenes, folder, progress=report)
        new = [r.path.name for r in results if not r.already_there]
        kept = [r.path.name for r in results if r.already_there]
        st.success(
            f"Wrote {len(new)} scene(s) under `{folder}`"
            + (f"; {len(kept)} were already there" if kept else "")
            + ". Choose them on the Scan page."
        )
    except MineScanError as err:
        resources.show_error(err)
if export:
    resources.release()
    try:
        started = start_exports(resources.store(), earth_engine(), plan, destination, target, identity.username)
        st.success(f"Started {len(started)} export task(s): " + ", ".join(s.task_id for s in started))
    except MineScanError as err:
        resources.show_error(err)

st.markdown(
    "**Or the whole region as one job**: download what is missing, scan every tile of every period, store and match "
    "the sites. It runs in the background: the sidebar shows its progress on every page."
)
here = [existing_scene_path(folder, s.recipe, s.tile).exists() for s in plan.scenes]
missing = here.count(False)
st.caption(f"{len(here) - missing} of {len(here)} {plan.scene_word} already in `{folder}`"
           + (f"; {missing} to download." if missing else ": nothing to download."))  # fmt: skip
region_workers = int(st.number_input(
    "Local Dask workers for the scans (0: the job's own process)", 0, max(1, os.cpu_count() or 1),
    min(len(here), os.cpu_count() or 1) if len(here) > 1 else 0, key="region_workers",
))  # fmt: skip
runnable = ready or missing == 0
if not runnable:
    st.caption(
        f"{missing} {plan.scene_word} are not on this machine and Earth Engine is not configured: download them "
        f"where an account is ('imagery download' with the same region and dates or periods) and copy them into "
        f"`{folder}`."
    )
if st.button("Download, scan and match as a job", disabled=not runnable, key="region_job"):
    try:
        job_id = jobs.start_region(identity, plan, folder, region_workers or None)
        st.success(f"Job {job_id} started: its progress is in the sidebar, on every page.")
    except MineScanError as err:
        resources.show_error(err)

# --- 5. export tasks -------------------------------------------------------------------------------------------
st.subheader("5. Export tasks")
tasks = recorded_tasks(resources.store())
if tasks.empty:
    st.caption("No export task started yet.")
else:
    c1, c2 = st.columns(2)
    if c1.button("Refresh status", disabled=not ready):
        try:
            changed = refresh_tasks(resources.store(), earth_engine())
            st.success(f"{changed} task(s) changed state.")
            tasks = recorded_tasks(resources.store())
        except MineScanError as err:
            resources.show_error(err)
    if c2.button(
        "Ready copied files for scanning",
        help=f"Writes band names and the recipe into exported files copied under {settings.scenes_dir()}",
    ):
        try:
            tagged = tag_exported(resources.store(), settings.scenes_dir())
            if tagged:
                st.success("Ready to scan: " + ", ".join(p.name for p, _ in tagged))
            else:
                st.info(f"No file of these tasks under `{settings.scenes_dir()}` yet.")
        except MineScanError as err:
            resources.show_error(err)
    st.dataframe(tasks.drop(columns=["provenance_json"]), hide_index=True)
