"""Review vocabulary: decisions and reason codes (one definition for the store, the app and the exports)."""

from __future__ import annotations

DECISIONS: tuple[str, ...] = ("confirmed", "rejected", "unsure")

#: Reason codes with their labels. Rejections name what the site really is (the paper's known false positives first).
REASONS: dict[str, str] = {
    "irrigation_dam": "Irrigation or farm dam",
    "river_bank": "River bank or sand bar",
    "natural_lake": "Natural lake",
    "urban_or_construction": "Urban area or construction site",
    "agriculture": "Agriculture (bare or ploughed field)",
    "cloud_or_artefact": "Cloud, shadow or image artefact",
    "mine_visible": "Mine or pit visible",
    "tailings_visible": "Tailings pond or dam visible",
    "registered_elsewhere": "Registered, coordinates off target",
    "other": "Other (explain in the note)",
}

#: Keyboard keys of the triage panel (Streamlit reserves C and R): decide, move in the queue, pick a reason.
DECISION_KEYS: dict[str, str] = {"confirmed": "Y", "rejected": "N", "unsure": "U"}
NEXT_KEY = "J"
PREVIOUS_KEY = "K"
#: Reason codes by key, 1 to 9 then 0, in the order of :data:`REASONS`.
REASON_KEYS: dict[str, str] = {code: str((i + 1) % 10) for i, code in enumerate(REASONS)}
#: A reason in a word or two, for its key's button.
REASON_SHORT: dict[str, str] = {
    "irrigation_dam": "Farm dam",
    "river_bank": "River bank",
    "natural_lake": "Lake",
    "urban_or_construction": "Urban",
    "agriculture": "Field",
    "cloud_or_artefact": "Cloud/artefact",
    "mine_visible": "Mine",
    "tailings_visible": "Tailings",
    "registered_elsewhere": "Registered",
    "other": "Other",
}
