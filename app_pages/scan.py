"""Scan page: choose a scene and the models, run the scan into the store, see what was found."""

import os
import tempfile
from pathlib import Path

import streamlit as st

from core import settings, wording
from core.errors import MineScanError
from core.imagery.raster import scene_provenance
from core.register.matching import MatchSettings
from core.review.rescan import compare_with_decisions
from core.scan.fit import impact_fits, model_fits, order_for_scene, read_scene_facts, scan_warnings
from core.scan.pipeline import ScanSettings
from core.wording.translate import N_, _, ngettext
from db.promotions import promoted_versions
from db.reviews import rescan_inputs
from db.scans import finished_scans, scan_imagery, scan_summary, unfinished_scans
from db.workflows import resume_scan, scan_into_store
from ui import auth, jobs, resources, state
from ui.model_info import REAL_DATA, SYNTHETIC_DATA, card_summary, model_cards, scene_choices
from ui.provenance import show_imagery
from ui.scan_period import period_input

#: The headers of the scans' tables (the store's columns -> words, translated where shown).
SCAN_COLUMNS = {
    "id": N_("id"),
    "scene_id": N_("scene"),
    "scene_path": N_("scene file"),
    "discovery_model": N_("discovery model"),
    "impact_model": N_("impact model"),
    "status": N_("status"),
    "tiles_done": N_("tiles done"),
    "tiles_total": N_("tiles in all"),
    "runner": N_("runner"),
    "started_at": N_("started"),
    "finished_at": N_("finished"),
    "message": N_("message"),
    "sites_found": N_("sites found"),
    "sites_new": N_("new sites"),
    "valid_area_km2": N_("valid area (km²)"),
    "imagery": N_("imagery"),
}
FROM_FOLDER, UPLOAD = N_("From the imagery folder"), N_("Upload a GeoTIFF")
NOT_MATCHED = N_("Not matched")


def _headers(columns: dict[str, str]) -> dict[str, str]:
    """A table's ``column_config``: each column's header in words (the data keeps the store's column names)."""
    return {code: _(words) for code, words in columns.items()}


def _status_word(code: object) -> str:
    """A scan summary's register status or impact class in words (the summary's own 'not ...' included)."""
    if code == "not matched":
        return _(NOT_MATCHED)
    if code == "not rated":
        return _(wording.NOT_RATED)
    return wording.label(code)


identity = auth.require_page("scan")
st.title(_("Scan a scene"))
choices = scene_choices(settings.demo_dir(), settings.scenes_dir())
source = st.radio(_("Scene"), [FROM_FOLDER, UPLOAD], format_func=_, horizontal=True)
scene: Path | None = None
if source == FROM_FOLDER:
    if choices:
        label = st.selectbox(_("Scene file"), list(choices))
        scene = choices[label] if label else None
    else:
        st.warning(
            _("No GeoTIFF in `{folder}` and no demo scene yet (`./run cli demo`).").format(folder=settings.scenes_dir())
        )
else:
    upload = st.file_uploader(_("GeoTIFF with the bands the model needs"), type=["tif", "tiff"])
    if upload is not None:
        folder = Path(tempfile.mkdtemp(prefix="minescan_upload_"))
        scene = folder / Path(upload.name).name
        scene.write_bytes(upload.getvalue())
imagery = scene_provenance(scene) if scene is not None else None
if imagery is not None:  # an unreadable file says nothing here; the scan explains why it cannot be read
    show_imagery(imagery, _("Imagery of this scene"))
typed_period, period_ok = period_input(scene)

cards = model_cards(settings.model_roots())
facts = read_scene_facts(scene) if scene is not None else None
by_name = {c.ref: c for c in cards}  # name@version
promoted = promoted_versions(resources.db())
# The models that read this scene's bands come first (the choice follows the scene); of each model the promoted
# version (else the newest) first.
discovery_names = [c.ref for c in order_for_scene([c for c in cards if c.kind == "discovery"], facts, promoted)]
impact_names = ["none"] + [c.ref for c in order_for_scene([c for c in cards if c.kind == "impact"], None, promoted)]


def _model_label(name: str) -> str:
    card = by_name.get(name)
    if card is None:
        return name
    marks = [_("promoted")] if promoted.get(card.name) == card.version else []
    if facts is not None and not model_fits(card, facts):
        marks.append(_("does not fit this scene's bands"))
    data = _(SYNTHETIC_DATA) if card.synthetic else _(REAL_DATA)
    text = _("{model} ({data}; {bands})").format(model=name, data=data, bands=", ".join(card.bands))
    return text + "".join(f" · {mark}" for mark in marks)


col1, col2, col3 = st.columns(3)
discovery_name = col1.selectbox(
    _("Discovery model"), discovery_names, format_func=_model_label, key=f"discovery_for_{facts.name if facts else ''}"
)
chosen = by_name.get(discovery_name) if discovery_name else None
# An impact model only fits a discovery model that reads its bands (the RGB model has none that fits).
fitting = [c.ref for c in cards if c.kind == "impact" and chosen and impact_fits(chosen, c)]
impact_name = col2.selectbox(
    _("Impact model"),
    impact_names,
    format_func=lambda n: _("none") if n == "none" else _model_label(n),
    index=impact_names.index(fitting[0]) if fitting else 0,
    key=f"impact_model_for_{discovery_name}",
)
threshold = col3.slider(
    _("P(mine) threshold"),
    0.05,
    0.95,
    float(chosen.threshold) if chosen else 0.6,
    0.05,
    key=f"threshold_{discovery_name}",
)
if impact_name == "none":
    st.caption(_("No impact model: the sites will say 'not rated' for impact, and 'no ore' cells are not filtered."))
with st.expander(_("Model cards")):
    st.dataframe([card_summary(c) for c in cards if c.ref in (discovery_name, impact_name)], hide_index=True)

unfinished = unfinished_scans(resources.db())
if not unfinished.empty:
    title = _("Interrupted or failed scans ({n})").format(n=wording.number(len(unfinished)))
    with st.expander(title, expanded=False):
        st.caption(
            _(
                "A scan keeps every tile it finished. Resuming computes only the missing tiles, with the scan's own "
                "scene, models and settings; its sites are stored when it completes."
            )
        )
        st.dataframe(unfinished, hide_index=True, column_config=_headers(SCAN_COLUMNS))
        resume_id = st.selectbox(_("Scan to resume"), unfinished["id"].astype(int).tolist())
        if st.button(_("Resume this scan")):
            bar = st.progress(0.0, text=_("Resuming…"))
            try:
                resources.release()  # the scan writes in short transactions of its own
                stored = resume_scan(
                    resources.store(),
                    int(resume_id),
                    resources.scan_model,
                    MatchSettings(),
                    progress=resources.tile_progress(bar),
                )
            except MineScanError as err:
                bar.empty()
                resources.show_error(err)
                st.stop()
            bar.empty()
            sites = wording.count(len(stored.result.sites), "candidate site", "candidate sites")
            st.success(_("Scan {scan_id} completed: {sites}.").format(scan_id=stored.scan_id, sites=sites))

for warning in scan_warnings(chosen, facts):
    st.warning(warning)
background = st.toggle(
    _("Run in the background"), key="scan_in_background",
    help=_("A job with a runner of its own: you can leave this page or sign out; the sidebar shows its progress."),
)  # fmt: skip
workers = 0
if background:
    workers = int(st.number_input(
        _("Local Dask workers (0: the job's own process)"), 0, max(1, os.cpu_count() or 1), 0, key="scan_workers",
        help=_("Each worker is a process that loads the models once and scans tiles; workers share the cores."),
    ))  # fmt: skip
run = st.button(
    _("Start the scan job") if background else _("Run the scan"),
    type="primary",
    disabled=scene is None or not discovery_name or not period_ok,
)
if run and background and scene is not None and discovery_name:
    try:
        job_id = jobs.start_scan(
            identity, [scene], discovery_name, impact_name, workers or None, threshold,
            typed_period.label if typed_period else None,
        )  # fmt: skip
    except MineScanError as err:
        resources.show_error(err)
        st.stop()
    st.success(_("Job {job_id} started: its progress is in the sidebar, on every page. Its sites are stored when it "
                 "completes.").format(job_id=job_id))  # fmt: skip
    st.rerun()
if run and not background:
    bar = st.progress(0.0, text=_("Starting…"))
    try:
        resources.release()  # the scan writes in short transactions of its own; the app must not hold the file
        stored = scan_into_store(
            resources.store(),
            scene,  # type: ignore[arg-type]
            resources.scan_model(discovery_name),
            None if impact_name == "none" else resources.scan_model(impact_name),
            ScanSettings(threshold=threshold),
            MatchSettings(),
            progress=resources.tile_progress(bar),
            period=typed_period,
        )
    except MineScanError as err:
        bar.empty()  # no "Starting…" left on screen after an error
        resources.show_error(err, hide=scene.parent if source == UPLOAD and scene else None)
        st.stop()
    bar.empty()
    st.session_state[state.LAST_SCAN] = stored.scan_id
    result = stored.result
    found = ngettext(
        "Scan {scan_id}: {sites} ({new} new) in {area} km², {seconds} s.",
        "Scan {scan_id}: {sites} ({new} new) in {area} km², {seconds} s.",
        stored.new_sites,
    )
    st.success(found.format(
        scan_id=stored.scan_id, sites=wording.count(len(result.sites), "candidate site", "candidate sites"),
        new=wording.number(stored.new_sites), area=wording.number(result.valid_area_km2),
        seconds=wording.number(result.seconds, 1),
    ))  # fmt: skip
    summary = scan_summary(resources.db(), stored.scan_id)
    if not summary.empty:
        summary = summary.assign(status=summary["status"].map(_status_word), impact=summary["impact"].map(_status_word))
        table = summary.pivot_table(index="status", columns="impact", values="sites", fill_value=0)
        st.dataframe(table.rename_axis(index=_("Register status"), columns=_("Impact")))
    past, outlines = rescan_inputs(resources.db(), stored.scan_id)
    if past:
        agreement = compare_with_decisions(past, outlines)
        st.info(
            _("Against the reviewers' earlier decisions on this scene, this model version {summary}.").format(
                summary=agreement.summary()
            )
        )
        rows = [
            {
                _("site"): r.site_id,
                _("decision"): wording.label(r.decision),
                _("reason"): wording.label(r.reason, missing="—"),
                _("model"): r.model,
                _("flagged now"): r.flagged_now,
                _("agrees"): r.agrees,
            }
            for r in agreement.rows
        ]
        st.dataframe(rows, hide_index=True)
    if result.scene.synthetic:
        st.caption(_("This is the synthetic demo scene, not real imagery."))
    st.text(_("Imagery scanned: {summary}").format(summary=result.scene.provenance.summary()))
    for note in result.notes:
        st.caption(note)
    st.page_link("app_pages/triage.py", label=_("Review these sites in the triage queue"), icon=":material/map:")

finished = finished_scans(resources.db())
if not finished.empty:
    st.subheader(_("Finished scans"))
    st.caption(_("The newest first; 'imagery' says where each scanned scene's pixels came from."))
    st.dataframe(finished, hide_index=True, column_config=_headers(SCAN_COLUMNS))
    shown_id = st.selectbox(_("Imagery recipe of scan"), finished["id"].astype(int).tolist(), key="imagery_of_scan")
    if shown_id is not None:
        show_imagery(
            scan_imagery(resources.db(), int(shown_id)), _("Scan {scan_id} imagery").format(scan_id=int(shown_id))
        )
