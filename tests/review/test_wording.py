"""One place turns codes into words, counts into phrases and stored UTC times into the reader's zone."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from core import wording


def test_codes_read_as_words_never_raw() -> None:
    assert wording.label("possibly_off_target") == "Possibly off-target register coordinates"
    assert wording.label("possibly_off_target", short=True) == "Possibly off target"
    assert wording.label("irrigation_dam") == "Irrigation or farm dam"
    assert wording.label("high_impact") == "High impact"
    assert wording.label("some_new_code") == "Some new code"  # an unknown code still reads as words
    assert wording.label(None) == wording.label(math.nan) == wording.label(" ") == "not given"
    assert wording.label(pd.NA, missing="Undecided") == "Undecided"


def test_register_fields_never_print_nan() -> None:
    for missing in (None, math.nan, "nan", "", pd.NA, pd.NaT):
        assert wording.text(missing) == "not given"
    assert wording.text(" Ferro ") == "Ferro"


def test_counts_take_the_right_plural() -> None:
    assert wording.count(1, "candidate site", "candidate sites") == "1 candidate site"
    assert wording.count(0, "candidate site", "candidate sites") == "0 candidate sites"
    assert wording.count(12_345, "site", "sites") == "12,345 sites"
    assert wording.count(2, "analysis", "analyses") == "2 analyses"


def test_numbers_and_distances() -> None:
    assert wording.number(1234.567, 1) == "1,234.6"
    assert wording.number(None) == wording.number(math.inf) == "—"
    assert wording.metres(887.4) == "887 m"
    assert wording.metres(12_400) == "12.4 km"
    assert wording.share(1, 3) == "33%" and wording.share(0, 0) == "—"


def test_times_are_shown_in_brasilia_time_with_the_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MINESCAN_TIMEZONE", raising=False)
    stored = pd.Timestamp("2026-12-06 14:03:05")  # the store keeps UTC, without a zone
    assert wording.when(stored) == "2026-12-06 11:03 (UTC−03:00)"
    monkeypatch.setenv("MINESCAN_TIMEZONE", "UTC")
    assert wording.when(stored) == "2026-12-06 14:03 (UTC)"
    monkeypatch.setenv("MINESCAN_TIMEZONE", "Mars/Olympus")
    with pytest.raises(ValueError, match="Mars/Olympus"):
        wording.when(stored)
    assert wording.when(None) == "—"


def test_the_audit_trail_names_who_when_role_reason_and_note(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MINESCAN_TIMEZONE", "America/Sao_Paulo")
    history = pd.DataFrame(
        {
            "decided_at": [pd.Timestamp("2026-12-06 14:00"), pd.Timestamp("2026-12-06 15:30")],
            "reviewer": ["ana", "sofia"],
            "role": ["reviewer", "supervisor"],
            "kind": ["decision", "override"],
            "decision": ["rejected", "confirmed"],
            "reason": ["irrigation_dam", None],
            "note": ["<b>açude</b> da fazenda", math.nan],
        }
    )
    rows = wording.history_rows(history)
    assert rows[0] == {
        "When": "2026-12-06 11:00 (UTC−03:00)", "Reviewer": "ana", "Role": "Reviewer", "Kind": "Decision",
        "Decision": "Rejected", "Reason": "Irrigation or farm dam", "Note": "<b>açude</b> da fazenda",
    }  # fmt: skip
    assert rows[1]["Kind"] == "Supervisor's final decision" and rows[1]["Reason"] == rows[1]["Note"] == "—"
