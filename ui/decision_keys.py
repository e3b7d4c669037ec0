"""Keyboard-first triage: the panel's keys (core.review.decisions), as buttons that carry them.

Streamlit listens for a button's ``shortcut`` on the whole page, so a key works wherever the focus is (except while
typing in a text box), also right after a decision has redrawn the panel.
"""

from __future__ import annotations

import streamlit as st

from core import wording
from core.review.decisions import DECISION_KEYS, NEXT_KEY, PREVIOUS_KEY, REASON_KEYS, REASON_SHORT
from core.wording.translate import N_, _


def keys_help() -> str:
    """The line under the decision buttons that teaches the keys (the key letters stay as they are)."""
    return _(
        "Keys: **{confirm}** confirm · **{reject}** reject (after a reason: **1**-**9**, **0**) · **{unsure}** "
        "unsure · **{next}** next · **{previous}** previous"
    ).format(
        confirm=DECISION_KEYS["confirmed"], reject=DECISION_KEYS["rejected"], unsure=DECISION_KEYS["unsure"],
        next=NEXT_KEY, previous=PREVIOUS_KEY,
    )  # fmt: skip


def _set_reason(site_id: int, code: str) -> None:
    st.session_state[f"reason_{site_id}"] = code


def reason_buttons(site_id: int) -> None:
    """One small button per reason with its key (1 to 9, then 0): picks the reason for ``site_id``."""
    columns = st.columns(5)
    for k, (code, key) in enumerate(REASON_KEYS.items()):
        columns[k % 5].button(
            _(REASON_SHORT[code]), key=f"reason_key_{code}_{site_id}", shortcut=key, type="tertiary",
            help=wording.label(code), on_click=_set_reason, args=(site_id, code),
        )  # fmt: skip


def _go(site_key: str, selected_key: str, site_id: int) -> None:
    st.session_state[site_key] = site_id
    st.session_state[selected_key] = site_id


def step_buttons(ids: list[int], current: int, site_key: str, selected_key: str) -> None:
    """Previous and next site of the page (keys K and J)."""
    at = ids.index(current)
    left, right = st.columns(2)
    for column, label, key, target in (
        (left, N_("Previous"), PREVIOUS_KEY, ids[at - 1] if at > 0 else None),
        (right, N_("Next"), NEXT_KEY, ids[at + 1] if at + 1 < len(ids) else None),
    ):
        column.button(  # the key keeps the English word: a code, the same in every language
            _(label), key=f"step_{label}", shortcut=key, disabled=target is None, use_container_width=True,
            on_click=_go, args=(site_key, selected_key, target),
        )  # fmt: skip
