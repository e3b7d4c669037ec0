"""argparse's own words (``usage:``, ``options``, its error lines) in the current language.

argparse looks its words up in Python's ``argparse`` gettext domain, which has no catalogs here: :func:`install`
points that lookup at MineScan's catalogs. The messages are argparse's own, with its ``%`` placeholders, and are
listed here so that extraction keeps them in the catalogs (a word argparse says that is not listed stays English).
"""

from __future__ import annotations

import argparse

from core.wording.translate import N_, catalog

#: The words of argparse (Python 3.11) a person of this command line can meet.
WORDS = (
    N_("usage: "),
    N_("positional arguments"),
    N_("options"),
    N_("show this help message and exit"),
    N_("%(prog)s: error: %(message)s\n"),
    N_("argument %(argument_name)s: %(message)s"),
    N_("the following arguments are required: %s"),
    N_("unrecognized arguments: %s"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("invalid %(type)s value: %(value)r"),
    N_("expected one argument"),
    N_("expected at most one argument"),
    N_("expected at least one argument"),
    N_("ambiguous option: %(option)s could match %(matches)s"),
    N_("not allowed with argument %s"),
    N_("ignored explicit argument %r"),
    N_("one of the arguments %s is required"),
)


def _gettext(message: str) -> str:
    """argparse's lookup: its word in the current language (None and the empty text pass through, as in gettext)."""
    if not isinstance(message, str) or not message:
        return message
    return catalog().gettext(message)


def install() -> None:
    """Have argparse say its words through MineScan's catalogs (idempotent; English reads as argparse writes it)."""
    argparse._ = _gettext  # type: ignore[attr-defined]
