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
from db.promotions import change_promotion, promoted_versions, promotion_history
from db.training_sets import training_sets
from db.workflows import read
from ui import auth, jobs, resources
from ui.model_info import card_summary, version_rows

FLASH = "models_flash"
identity = auth.require_page("view_models")
st.title("Models")
if FLASH in st.session_state:
    st.success(st.session_state.pop(FLASH))
con = resources.db()
promoted = promoted_versions(con)
cards = list_cards(settings.model_roots())
st.caption(
    "Every version of every model. Scans use a model's **promoted** version unless someone picks another; a "
    "version made from reviewers' decisions names its parent and the training set it learned from."
)
st.dataframe(version_rows([c for c, _ in cards], promoted), hide_index=True)

refs = [c.ref for c, _ in cards]
chosen = st.selectbox("Version", refs, key="models_version")
card, folder = next((c, f) for c, f in cards if c.ref == chosen)
with st.expander("Card", expanded=True):
    st.dataframe([card_summary(card)], hide_index=True)
report, compared = folder / "report.md", folder / "compare.md"
if compared.is_file():
    st.subheader("Before / after on the frozen cases")
    st.markdown(compared.read_text(encoding="utf-8").split("![")[0])
    if (folder / "compare_precision_recall.png").is_file():
        st.image(str(folder / "compare_precision_recall.png"))
oof_compared = folder / "compare_out_of_fold.md"
if oof_compared.is_file():
    st.subheader("Before / after out of fold (the real patches, the same folds)")
    st.markdown(oof_compared.read_text(encoding="utf-8"))
    if (folder / "compare_out_of_fold.png").is_file():
        st.image(str(folder / "compare_out_of_fold.png"))
if report.is_file():
    with st.expander("Training report"):
        st.markdown(report.read_text(encoding="utf-8").replace("![precision / recall](precision_recall.png)", ""))
        if (folder / "precision_recall.png").is_file():
            st.image(str(folder / "precision_recall.png"))

st.subheader("Promotion")
current = promoted.get(card.name)
st.write(f"Promoted version of **{card.name}**: " + (f"`{card.name}@{current}`" if current else "none (the newest)"))
if can(identity, "promote_model"):
    with st.form("promote"):
        note = st.text_input("Why (kept with the promotion)", key="promote_note")
        c1, c2 = st.columns(2)
        promote = c1.form_submit_button(f"Promote {card.ref}", type="primary", disabled=current == card.version)
        earlier = current is not None and version_key(card.version) < version_key(current)
        rollback = c2.form_submit_button(f"Roll back to {card.ref}", disabled=not earlier)
    if promote or rollback:
        try:
            action = "promote" if promote else "rollback"
            change_promotion(resources.store(), identity, card.ref, action, note or None, settings.model_roots())
        except MineScanError as err:
            resources.show_error(err)
        else:
            st.session_state[FLASH] = f"{card.ref} is now the promoted version of {card.name}."
            st.rerun()
else:
    st.caption("Only a supervisor promotes or rolls back a version.")
history = promotion_history(con, card.name)
if not history.empty:
    st.dataframe(history, hide_index=True)

st.subheader(f"Train a new version of {card.name}")
st.caption(
    "The training runs as a job of its own: leaving this page or signing out does not stop it, and its progress "
    "shows here for everyone. One training per model at a time; the new version is never promoted by itself."
)
if can(identity, "train_model"):
    usable = read(con, training_sets)
    usable = usable[(usable["status"] == "ready") & (usable["model_name"].isna() | (usable["model_name"] == card.name))]
    if usable.empty:
        st.caption(f"No ready training set for {card.name} yet: build one from reviewed scans first.")
    else:
        set_names = {int(r.id): f"{r.id}: {r.name} ({r.source}, bands {r.bands})" for r in usable.itertuples()}
        with st.form("train_version"):
            set_ids: list[int] = list(set_names)
            set_id: int = st.selectbox("Training set", set_ids, key="train_set", format_func=lambda i: set_names[i])
            parent = f"{card.name}@{current}" if current else card.ref
            how = st.radio("How", [f"fine-tune {parent}", "from scratch"], key="train_how", horizontal=True)
            c1, c2 = st.columns(2)
            epochs = c1.number_input("Epochs", 1, 300, 10, key="train_epochs")
            folds = c2.selectbox("Cross-validation folds", [0, 2, 3, 5], key="train_folds",
                                 help="0: none (fastest); the frozen cases compare versions either way")  # fmt: skip
            start = st.form_submit_button("Start training", type="primary")
        if start and set_id is not None:
            bands = tuple(str(usable.set_index("id").loc[set_id, "bands"]).split(","))
            try:
                job_id = jobs.start_training(
                    identity, card.name, int(set_id), None if how == "from scratch" else parent,
                    profile_for_bands(bands).name, int(epochs), int(folds),
                )  # fmt: skip
            except MineScanError as err:
                resources.show_error(err)
            else:
                st.session_state[FLASH] = f"Training started as job {job_id}: follow it below."
                st.rerun()
else:
    st.caption("Only a supervisor starts a training.")
jobs.job_panel(identity, training_subject(card.name), key="models_jobs", empty="No trainings of this model yet.")

st.subheader("Training sets from reviews")
sets = read(con, training_sets)
if sets.empty:
    st.caption("None yet: `./run cli training-set build --scans IDS --by USER` cuts reviewed sites into one.")
else:
    sets = sets.assign(counts=[json.loads(c).get("by_class") if c else None for c in sets["counts_json"]])
    st.dataframe(sets.drop(columns=["counts_json", "folder"]), hide_index=True)
