"""Models: every version with its lineage and measures, its report and before/after comparison, the training
sets learned from reviews, and promotion (supervisors only)."""

import json

import streamlit as st

from core import settings
from core.access.users import can
from core.errors import MineScanError
from core.imagery.bands import profile_for_bands
from core.jobs.training import training_subject
from core.model_card import list_cards, version_key
from core.wording import label
from core.wording.translate import N_, _
from db.promotions import change_promotion, promoted_versions, promotion_history
from db.training_sets import training_sets
from db.workflows import read
from ui import auth, jobs, resources
from ui.model_info import card_summary, version_rows

FLASH = "models_flash"
#: The headers of the promotions' table (the store's columns -> words).
HISTORY_COLUMNS = {
    "model_name": N_("model"),
    "version": N_("version"),
    "action": N_("action"),
    "by_user": N_("by"),
    "role": N_("role"),
    "note": N_("note"),
    "promoted_at": N_("when"),
}
#: A promotion's action (a code in the store) in words.
ACTIONS = {"promote": N_("promoted"), "rollback": N_("rolled back")}
#: The headers of the training sets' table (the store's columns -> words).
SET_COLUMNS = {
    "id": N_("id"),
    "name": N_("name"),
    "source": N_("source"),
    "bands": N_("bands"),
    "fingerprint": N_("fingerprint"),
    "status": N_("status"),
    "message": N_("message"),
    "created_by": N_("created by"),
    "created_at": N_("created"),
    "model_name": N_("model"),
    "counts": N_("windows by class"),
}


def _headers(columns: dict[str, str]) -> dict[str, str]:
    """A table's ``column_config``: each column's header in words (the data keeps the store's column names)."""
    return {code: _(words) for code, words in columns.items()}


identity = auth.require_page("view_models")
st.title(_("Models"))
if FLASH in st.session_state:
    st.success(st.session_state.pop(FLASH))
con = resources.db()
promoted = promoted_versions(con)
cards = list_cards(settings.model_roots())
st.caption(
    _(
        "Every version of every model. Scans use a model's **promoted** version unless someone picks another; a "
        "version made from reviewers' decisions names its parent and the training set it learned from."
    )
)
st.dataframe(version_rows([c for c, _folder in cards], promoted), hide_index=True)

refs = [c.ref for c, _folder in cards]
chosen = st.selectbox(_("Version"), refs, key="models_version")
card, folder = next((c, f) for c, f in cards if c.ref == chosen)
with st.expander(_("Card"), expanded=True):
    st.dataframe([card_summary(card)], hide_index=True)
report, compared = folder / "report.md", folder / "compare.md"
if compared.is_file():
    st.subheader(_("Before / after on the frozen cases"))
    st.markdown(compared.read_text(encoding="utf-8").split("![")[0])
    if (folder / "compare_precision_recall.png").is_file():
        st.image(str(folder / "compare_precision_recall.png"))
oof_compared = folder / "compare_out_of_fold.md"
if oof_compared.is_file():
    st.subheader(_("Before / after out of fold (the real patches, the same folds)"))
    st.markdown(oof_compared.read_text(encoding="utf-8"))
    if (folder / "compare_out_of_fold.png").is_file():
        st.image(str(folder / "compare_out_of_fold.png"))
if report.is_file():
    with st.expander(_("Training report")):
        st.markdown(report.read_text(encoding="utf-8").replace("![precision / recall](precision_recall.png)", ""))
        if (folder / "precision_recall.png").is_file():
            st.image(str(folder / "precision_recall.png"))

st.subheader(_("Promotion"))
current = promoted.get(card.name)
if current:
    st.write(_("Promoted version of **{model}**: `{ref}`").format(model=card.name, ref=f"{card.name}@{current}"))
else:
    st.write(_("Promoted version of **{model}**: none (the newest)").format(model=card.name))
if can(identity, "promote_model"):
    with st.form("promote"):
        note = st.text_input(_("Why (kept with the promotion)"), key="promote_note")
        c1, c2 = st.columns(2)
        promote = c1.form_submit_button(
            _("Promote {ref}").format(ref=card.ref), type="primary", disabled=current == card.version
        )
        earlier = current is not None and version_key(card.version) < version_key(current)
        rollback = c2.form_submit_button(_("Roll back to {ref}").format(ref=card.ref), disabled=not earlier)
    if promote or rollback:
        try:
            action = "promote" if promote else "rollback"
            change_promotion(resources.store(), identity, card.ref, action, note or None, settings.model_roots())
        except MineScanError as err:
            resources.show_error(err)
        else:
            done = _("{ref} is now the promoted version of {model}.")
            st.session_state[FLASH] = done.format(ref=card.ref, model=card.name)
            st.rerun()
else:
    st.caption(_("Only a supervisor promotes or rolls back a version."))
history = promotion_history(con, card.name)
if not history.empty:
    history = history.assign(
        action=[_(ACTIONS[a]) if a in ACTIONS else a for a in history["action"]],
        role=[label(r) for r in history["role"]],
    )
    st.dataframe(history, hide_index=True, column_config=_headers(HISTORY_COLUMNS))

st.subheader(_("Train a new version of {model}").format(model=card.name))
st.caption(
    _(
        "The training runs as a job of its own: leaving this page or signing out does not stop it, and its progress "
        "shows here for everyone. One training per model at a time; the new version is never promoted by itself."
    )
)
if can(identity, "train_model"):
    usable = read(con, training_sets)
    usable = usable[(usable["status"] == "ready") & (usable["model_name"].isna() | (usable["model_name"] == card.name))]
    if usable.empty:
        st.caption(
            _("No ready training set for {model} yet: build one from reviewed scans first.").format(model=card.name)
        )
    else:
        set_words = _("{id}: {name} ({source}, bands {bands})")
        set_names = {int(r.id): set_words.format(id=r.id, name=r.name, source=r.source, bands=r.bands)
                     for r in usable.itertuples()}  # fmt: skip
        with st.form("train_version"):
            set_ids: list[int] = list(set_names)
            set_id: int = st.selectbox(_("Training set"), set_ids, key="train_set", format_func=lambda i: set_names[i])
            parent = f"{card.name}@{current}" if current else card.ref
            hows = {"fine_tune": _("fine-tune {parent}").format(parent=parent), "scratch": _("from scratch")}
            how = st.radio(_("How"), list(hows), key="train_how", format_func=hows.__getitem__, horizontal=True)
            c1, c2 = st.columns(2)
            epochs = c1.number_input(_("Epochs"), 1, 300, 10, key="train_epochs")
            folds = c2.selectbox(_("Cross-validation folds"), [0, 2, 3, 5], key="train_folds",
                                 help=_("0: none (fastest); the frozen cases compare versions either way"))  # fmt: skip
            start = st.form_submit_button(_("Start training"), type="primary")
        if start and set_id is not None:
            bands = tuple(str(usable.set_index("id").loc[set_id, "bands"]).split(","))
            try:
                job_id = jobs.start_training(
                    identity, card.name, int(set_id), None if how == "scratch" else parent,
                    profile_for_bands(bands).name, int(epochs), int(folds),
                )  # fmt: skip
            except MineScanError as err:
                resources.show_error(err)
            else:
                started = _("Training started as job {job_id}: follow it below.")
                st.session_state[FLASH] = started.format(job_id=job_id)
                st.rerun()
else:
    st.caption(_("Only a supervisor starts a training."))
jobs.job_panel(identity, training_subject(card.name), key="models_jobs", empty=_("No trainings of this model yet."))

st.subheader(_("Training sets from reviews"))
sets = read(con, training_sets)
if sets.empty:
    st.caption(_("None yet: `./run cli training-set build --scans IDS --by USER` cuts reviewed sites into one."))
else:
    sets = sets.assign(counts=[json.loads(c).get("by_class") if c else None for c in sets["counts_json"]])
    st.dataframe(sets.drop(columns=["counts_json", "folder"]), hide_index=True, column_config=_headers(SET_COLUMNS))
