"""A dossier per site, as MapBiomas Alerta gives per alert: the page an auditor attaches to an inspection request.

Plain data in (:class:`Dossier`, filled by the store's queries), a self-contained HTML page (:func:`render_html`)
and an A4 PDF (:func:`render_pdf`) out. No file is written here: callers save the text and bytes, under
:func:`dossier_stem` plus ``.html`` / ``.pdf``.
"""

from __future__ import annotations

from core.review.dossier_data import (
    SYNTHETIC_BANNER,
    Dossier,
    DossierDecision,
    DossierImage,
    DossierPeriod,
    RegisterNeighbour,
    dossier_stem,
)
from core.review.dossier_html import render_html
from core.review.dossier_pdf import render_pdf
from core.review.scale_bar import scale_bar_length

__all__ = [
    "SYNTHETIC_BANNER",
    "Dossier",
    "DossierDecision",
    "DossierImage",
    "DossierPeriod",
    "RegisterNeighbour",
    "dossier_stem",
    "render_html",
    "render_pdf",
    "scale_bar_length",
]
