"""``dossier``: the dossier of a site's place (periods, pictures, register neighbours, audit trail) as HTML and PDF."""

from __future__ import annotations

import argparse
import getpass
from pathlib import Path
from typing import Any

from cli.common import add_store_option, open_store
from core.wording.translate import _


def generated_by(by: str | None) -> str:
    """Who generates the dossier: the active account ``--by`` names (any role that may export), else the OS user.

    Raises:
        MineScanError: ``--by`` names no active account, or one whose role may not export.
    """
    if by:
        from cli.learning import operator
        from core.access.users import require

        return require(operator(by), "export").username
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name in the environment and no password entry (some containers)
        return "unknown"


def cmd_dossier(args: argparse.Namespace) -> int:
    """Write ``<dossier_stem>.html`` and ``.pdf`` of the site's place into ``--out``."""
    from core.review.dossier import dossier_stem, render_html, render_pdf
    from db.dossiers import dossier_for_site

    who = generated_by(args.by)
    dossier = open_store(args).read(lambda con: dossier_for_site(con, args.site, generated_by=who))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    stem = out / dossier_stem(dossier.place_id)
    html, pdf = stem.with_suffix(".html"), stem.with_suffix(".pdf")
    html.write_text(render_html(dossier), encoding="utf-8")
    pdf.write_bytes(render_pdf(dossier))
    print(_("Dossier of place {place} (site {site}):").format(place=dossier.place_id, site=args.site))
    print(html)
    print(pdf)
    return 0


def add_parsers(sub: Any) -> None:
    """``dossier``."""
    p = sub.add_parser(
        "dossier", help=_("write the dossier (HTML and PDF) of a site's place for an inspection request")
    )
    add_store_option(p)
    p.add_argument("--site", type=int, required=True, help=_("a site id; the dossier covers the place it belongs to"))
    p.add_argument("--out", required=True, help=_("folder to write dossier_<place>.html and .pdf into"))
    p.add_argument("--by", help=_("the account generating it (from the users file; default: the OS user name)"))
    p.set_defaults(func=cmd_dossier)
