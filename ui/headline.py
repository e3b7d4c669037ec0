"""The headline numbers as metrics, on the Overview (for a manager who opens nothing else) and the Dashboard."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core import wording
from core.review.agreement import cohen_kappa
from core.review.headline import Headline, headline
from core.wording.translate import _, localise_number, ngettext
from db.connection import Connection
from db.reviews import double_review_pairs, status_decision_counts


def store_headline(con: Connection, counts: pd.DataFrame | None = None) -> Headline:
    """The store's headline: sites by status and decision (``counts``, when the page has read them already), and
    the agreement on double-reviewed sites."""
    pairs = double_review_pairs(con)
    agreement = cohen_kappa(pairs["decision_1"].tolist(), pairs["decision_2"].tolist())
    return headline(status_decision_counts(con) if counts is None else counts, agreement)


def show_headline(numbers: Headline) -> None:
    """Four metrics: candidate sites, decided (share), confirmed unregistered, agreement between reviewers."""
    m1, m2, m3, m4 = st.columns(4)
    m1.metric(_("Candidate sites"), wording.number(numbers.sites))
    share = localise_number(f"{numbers.decided_share:.0%}")
    m2.metric(
        _("Decided"),
        wording.number(numbers.decided),
        _("{share} of the queue").format(share=share),
        delta_color="off",
    )
    waiting = numbers.unregistered_undecided
    m3.metric(
        _("Confirmed unregistered"),
        wording.number(numbers.confirmed_unregistered),
        ngettext("{n} unregistered undecided", "{n} unregistered undecided", waiting).format(n=wording.number(waiting)),
        delta_color="off",
        help=_("Sites a reviewer confirmed that no register explains: the ones to inspect."),
    )
    m4.metric(
        _("Reviewers agree (Cohen's kappa)"),
        numbers.kappa_text,
        help=numbers.agreement.summary(),
    )
