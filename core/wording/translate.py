"""The language a person reads: gettext catalogs for Brazilian Portuguese and English, managed with Babel.

Messages are written in English in the code and marked for extraction: ``_("text")`` translates now,
``N_("text")`` only marks a constant that is translated where it is shown (``_(CONSTANT)``), and
``ngettext(singular, plural, n)`` picks the plural form. Catalogs live in ``core/wording/locale/<lang>/LC_MESSAGES``
(``./run i18n extract|update|compile``); a catalog that was never compiled is compiled in memory from its ``.po``.

Which language: the one set for this context (:func:`using`: the command line, a test), else what the web app's
provider says (the person's setting, else the browser's locale), else ``$MINESCAN_LANGUAGE``, else pt-BR.
"""

from __future__ import annotations

import gettext as _gettext
import io
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path

DOMAIN = "minescan"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
#: The languages MineScan speaks, each with its name in itself (what a language picker shows).
LANGUAGES: dict[str, str] = {"pt_BR": "Português (Brasil)", "en": "English"}
DEFAULT_LANGUAGE = "pt_BR"
LANGUAGE_ENV = "MINESCAN_LANGUAGE"

_SWAP_MARKS = str.maketrans(",.", ".,")
_chosen: ContextVar[str | None] = ContextVar("minescan_language", default=None)
_provider: list[Callable[[], str | None]] = []


def normalise(tag: object) -> str | None:
    """A language tag as MineScan names it: ``pt-BR``, ``pt_BR.UTF-8``, ``pt`` -> ``pt_BR``; ``en-US`` -> ``en``.

    Anything else (``fr-FR``, ``C``, empty, None) is None: MineScan does not speak it.
    """
    if not isinstance(tag, str) or not tag.strip():
        return None
    base = tag.strip().split(".")[0].split("@")[0].replace("-", "_").lower()
    primary = base.split("_")[0]
    if primary == "pt":
        return "pt_BR"
    if primary == "en":
        return "en"
    return None


def parse_language(tag: str) -> str:
    """A language a person asked for by name (``--language``, a setting), as MineScan names it.

    Raises:
        ValueError: a language MineScan does not speak (the message lists the ones it does).
    """
    language = normalise(tag)
    if language is None:
        raise ValueError(
            _("unknown language {tag!r}: MineScan speaks {languages}").format(tag=tag, languages=", ".join(LANGUAGES))
        )
    return language


def default_language() -> str:
    """The server's or the terminal's default: ``$MINESCAN_LANGUAGE`` when it names a language, else pt-BR."""
    return normalise(os.environ.get(LANGUAGE_ENV)) or DEFAULT_LANGUAGE


def current() -> str:
    """The language of what is being said now (see the module's docstring for the order)."""
    chosen = _chosen.get()
    if chosen:
        return chosen
    for provider in _provider:
        try:
            language = normalise(provider())
        except Exception:  # noqa: BLE001 - no session here (a background thread): fall back to the default
            language = None
        if language:
            return language
    return default_language()


def set_provider(provider: Callable[[], str | None] | None) -> None:
    """Install (or with None remove) the web app's answer to 'which language does this person read?'."""
    _provider.clear()
    if provider is not None:
        _provider.append(provider)


@contextmanager
def using(language: str) -> Iterator[str]:
    """Speak ``language`` (any tag :func:`parse_language` reads) inside the block, in this context only."""
    token = _chosen.set(parse_language(language))
    try:
        yield _chosen.get() or DEFAULT_LANGUAGE
    finally:
        _chosen.reset(token)


def choose(language: str | None) -> None:
    """Speak ``language`` from now on in this context (the command line's ``--language``); None: the default."""
    _chosen.set(parse_language(language) if language else None)


def catalog(language: str | None = None) -> _gettext.NullTranslations:
    """The translations of ``language`` (default: :func:`current`), loaded once per process (:func:`reload`).

    The compiled ``.mo`` is read when it is at least as new as the ``.po``; otherwise the ``.po`` is compiled in
    memory. English text passes through untranslated where a catalog has no entry.
    """
    return _load(language or current())


@lru_cache(maxsize=8)
def _load(language: str) -> _gettext.NullTranslations:
    folder = LOCALE_DIR / language / "LC_MESSAGES"
    mo, po = folder / f"{DOMAIN}.mo", folder / f"{DOMAIN}.po"
    po_mtime = po.stat().st_mtime if po.is_file() else 0.0
    if mo.is_file() and mo.stat().st_mtime >= po_mtime:
        with mo.open("rb") as handle:
            return _gettext.GNUTranslations(handle)
    if po_mtime:
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        with po.open("rb") as handle:
            messages = read_po(handle, locale=language)
        buffer = io.BytesIO()
        write_mo(buffer, messages)
        buffer.seek(0)
        return _gettext.GNUTranslations(buffer)
    return _gettext.NullTranslations()


def reload() -> None:
    """Forget the loaded catalogs (after ``./run i18n compile`` in a running process, or in a test)."""
    _load.cache_clear()


def _(message: str) -> str:
    """``message`` in the current language."""
    return catalog().gettext(message)


def N_(message: str) -> str:  # noqa: N802 - the gettext convention for 'mark, translate later'
    """Mark ``message`` for the catalogs without translating it (a constant translated where it is shown)."""
    return message


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form of a message for a count ``n`` in the current language."""
    return catalog().ngettext(singular, plural, int(n))


def decimal_mark() -> str:
    """The decimal separator of the current language (``,`` in pt-BR, ``.`` in English)."""
    return "," if current() == "pt_BR" else "."


def localise_number(text: str) -> str:
    """A number formatted the English way (``1,234.5``) written the current language's way (``1.234,5``)."""
    if current() != "pt_BR":
        return text
    return text.translate(_SWAP_MARKS)
