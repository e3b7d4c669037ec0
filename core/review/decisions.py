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
