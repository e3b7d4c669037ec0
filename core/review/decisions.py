"""Review vocabulary: decisions and reason codes (one definition for the store, the app and the exports)."""

from __future__ import annotations

from core.wording.translate import N_

DECISIONS: tuple[str, ...] = ("confirmed", "rejected", "unsure")

#: Reason codes with their labels (English; shown through ``wording.label(code)``). Rejections name what the site
#: really is (the paper's known false positives first).
REASONS: dict[str, str] = {
    "irrigation_dam": N_("Irrigation or farm dam"),
    "river_bank": N_("River bank or sand bar"),
    "natural_lake": N_("Natural lake"),
    "urban_or_construction": N_("Urban area or construction site"),
    "agriculture": N_("Agriculture (bare or ploughed field)"),
    "cloud_or_artefact": N_("Cloud, shadow or image artefact"),
    "mine_visible": N_("Mine or pit visible"),
    "tailings_visible": N_("Tailings pond or dam visible"),
    "registered_elsewhere": N_("Registered, coordinates off target"),
    "other": N_("Other (explain in the note)"),
}

#: Keyboard keys of the triage panel (Streamlit reserves C and R): decide, move in the queue, pick a reason.
DECISION_KEYS: dict[str, str] = {"confirmed": "Y", "rejected": "N", "unsure": "U"}
NEXT_KEY = "J"
PREVIOUS_KEY = "K"
#: Reason codes by key, 1 to 9 then 0, in the order of :data:`REASONS`.
REASON_KEYS: dict[str, str] = {code: str((i + 1) % 10) for i, code in enumerate(REASONS)}
#: A reason in a word or two, for its key's button.
REASON_SHORT: dict[str, str] = {
    "irrigation_dam": N_("Farm dam"),
    "river_bank": N_("River bank"),
    "natural_lake": N_("Lake"),
    "urban_or_construction": N_("Urban"),
    "agriculture": N_("Field"),
    "cloud_or_artefact": N_("Cloud/artefact"),
    "mine_visible": N_("Mine"),
    "tailings_visible": N_("Tailings"),
    "registered_elsewhere": N_("Registered"),
    "other": N_("Other"),
}
