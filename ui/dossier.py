"""The dossier downloads of a site's place (PDF and HTML), built only when the person asks for them."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from core import wording
from core.access.users import Identity, require
from core.errors import MineScanError
from core.review.dossier import dossier_stem, render_html, render_pdf
from core.wording.translate import N_, _
from db.dossiers import dossier_for_site
from ui import resources

#: Session-state key of the one dossier prepared in this session (a dossier of another site replaces it).
PREPARED_DOSSIER = "prepared_dossier"
_HELP = N_(
    "The place's periods, before and after pictures, register neighbours and decisions, as a PDF and a "
    "self-contained HTML page to attach to an inspection request. Prepare it again after new decisions."
)


@dataclass(frozen=True)
class PreparedDossier:
    """A rendered dossier kept for its download buttons."""

    site_id: int
    place_id: str
    stem: str
    html: bytes
    pdf: bytes
    generated_at: str


def prepare_dossier(site_id: int, identity: Identity) -> PreparedDossier:
    """Read and render the dossier of the site's place as ``identity`` may see it (blind double reviews hidden).

    Raises:
        PermissionDenied: the role may not export.
        StoreError: no such site, or its place is not built yet.
    """
    who = require(identity, "export")
    dossier = dossier_for_site(resources.db(), site_id, generated_by=who.username, blind_for=who.username)
    return PreparedDossier(
        site_id=site_id,
        place_id=dossier.place_id,
        stem=dossier_stem(dossier.place_id),
        html=render_html(dossier).encode("utf-8"),
        pdf=render_pdf(dossier),
        generated_at=dossier.generated_at,
    )


def dossier_downloads(site_id: int, identity: Identity) -> None:
    """A *Prepare the dossier* button for the site's place; once prepared, *Dossier (PDF)* and *Dossier (HTML)*.

    Only the latest prepared dossier is kept (one PDF per session, not one per site visited). Preparing it again
    picks up decisions taken since (the button stays).
    """
    ready = st.session_state.get(PREPARED_DOSSIER)
    if not isinstance(ready, PreparedDossier) or ready.site_id != site_id:
        ready = None
    if st.button(_("Prepare the dossier"), key=f"dossier_prepare_{site_id}", help=_(_HELP)):
        try:
            with st.spinner(_("Preparing the dossier…")):
                ready = prepare_dossier(site_id, identity)
        except MineScanError as err:
            resources.show_error(err)
            return
        st.session_state[PREPARED_DOSSIER] = ready
    if ready is None:
        return
    pdf_col, html_col = st.columns(2)
    pdf_col.download_button(_("Dossier (PDF)"), ready.pdf, file_name=f"{ready.stem}.pdf", mime="application/pdf",
                            key=f"dossier_pdf_{site_id}", on_click="ignore")  # fmt: skip
    html_col.download_button(_("Dossier (HTML)"), ready.html, file_name=f"{ready.stem}.html", mime="text/html",
                             key=f"dossier_html_{site_id}", on_click="ignore")  # fmt: skip
    st.caption(
        _("Dossier of place {place_id}, prepared {when}.").format(
            place_id=ready.place_id, when=wording.when(ready.generated_at)
        )
    )
