"""The translation catalogs' upkeep with Babel: extract the messages, update each language's ``.po``, compile, check.

``./run i18n extract|update|compile|check`` (``python -m core.wording.catalogs``). English is the source language:
its catalog holds each message as written (so a wording fix needs no code change); pt-BR holds the translations.
:func:`problems` is what the completeness test asserts: no message missing, empty or fuzzy in either catalog, and
the same ``{placeholders}`` in every translation.
"""

from __future__ import annotations

import copy
import string
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from core.wording.translate import DOMAIN, LANGUAGES, LOCALE_DIR

ROOT = LOCALE_DIR.parents[2]
TEMPLATE = LOCALE_DIR / f"{DOMAIN}.pot"
#: What marks a message: gettext's names, and ``wording.count(n, "singular", "plural")``.
KEYWORDS: dict[str, tuple[int, ...] | None] = {"_": None, "N_": None, "ngettext": (1, 2), "count": (2, 3)}
#: gettext's usual plural rules (two forms), not CLDR's three for Portuguese ("de milhões"): one translation for 1
#: (and 0, as Brazilian Portuguese says it), one for more.
PLURAL_FORMS = {"pt_BR": "nplurals=2; plural=(n > 1);", "en": "nplurals=2; plural=(n != 1);"}
_SKIPPED_DIRS = {".venv", "tests", "data", "docs", "__pycache__", ".git", "i18n_parts"}


def po_path(language: str) -> Path:
    """Where ``language``'s catalog is kept."""
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def extract(root: Path = ROOT) -> Catalog:
    """Every marked message in the code under ``root`` (the files ``babel.cfg`` names), as a template catalog."""
    with (root / "babel.cfg").open(encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    template = Catalog(project="MineScan", domain=DOMAIN, charset="utf-8")
    found = extract_from_dir(
        root, method_map, options_map, keywords=KEYWORDS,
        directory_filter=lambda path: Path(path).name not in _SKIPPED_DIRS,
    )  # fmt: skip
    for filename, lineno, message, comments, context in found:
        if _blank(message):
            continue
        template.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return template


def _blank(message: str | tuple[str, ...]) -> bool:
    parts = (message,) if isinstance(message, str) else message
    return not all(isinstance(p, str) and p.strip() for p in parts)


def read(path: Path, language: str) -> Catalog:
    """A ``.po`` file (an empty catalog of ``language`` when there is none yet)."""
    if path.is_file():
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=language, domain=DOMAIN)
    else:
        catalog = Catalog(locale=language, domain=DOMAIN, project="MineScan", charset="utf-8")
    headers = [(k, v) for k, v in catalog.mime_headers if k.lower() != "plural-forms"]
    catalog.mime_headers = [*headers, ("Plural-Forms", PLURAL_FORMS.get(language, PLURAL_FORMS["en"]))]
    return catalog


def write(catalog: Catalog, path: Path) -> None:
    """Save ``catalog`` as a ``.po`` (sorted by message, without obsolete entries, so diffs stay small)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, catalog, sort_output=True, ignore_obsolete=True, width=120)


def updated(template: Catalog, catalog: Catalog, language: str) -> Catalog:
    """``catalog`` brought in line with ``template``: new messages added (English: filled with themselves)."""
    catalog.update(copy.deepcopy(template), no_fuzzy_matching=True)  # update() shares the template's messages
    if language == "en":
        for message in catalog:
            if message.id and not _translated(message):
                message.string = message.id
                message.flags.discard("fuzzy")
    return catalog


def fill_from(catalog: Catalog, sources: Iterable[Catalog]) -> int:
    """Fill ``catalog``'s untranslated messages from other catalogs of the same language; how many were filled."""
    known: dict[object, str | tuple[str, ...] | list[str] | None] = {}
    for source in sources:
        for message in source:
            if isinstance(message.string, tuple | list):  # a file without a header reads with CLDR's plural count
                message.string = tuple(message.string)[: catalog.num_plurals]
            if message.id and _translated(message):
                known[message.id] = message.string
    filled = 0
    for message in catalog:
        if message.id and not _translated(message) and message.id in known:
            message.string = known[message.id]
            filled += 1
    return filled


def compile_catalog(catalog: Catalog, path: Path) -> None:
    """Write ``catalog`` as the ``.mo`` gettext reads."""
    with path.open("wb") as handle:
        write_mo(handle, catalog)


def _translated(message: Message) -> bool:
    strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
    return bool(strings) and all(isinstance(s, str) and s.strip() for s in strings)


def _fields(text: str) -> set[str]:
    try:
        return {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name is not None}
    except ValueError:  # not a format string (a lone brace): compare nothing
        return set()


def problems(template: Catalog, catalog: Catalog) -> Iterator[str]:
    """What is wrong with ``catalog`` against ``template``: missing, untranslated, fuzzy, placeholders changed."""
    for message in template:
        if not message.id:
            continue
        key = message.id if isinstance(message.id, str) else message.id[0]
        where = ", ".join(f"{f}:{n}" for f, n in message.locations[:2])
        entry = catalog.get(message.id)
        if entry is None:
            yield f"missing: {key!r} ({where})"
        elif not _translated(entry):
            yield f"untranslated: {key!r} ({where})"
        elif entry.fuzzy:
            yield f"fuzzy: {key!r} ({where})"
        else:
            ids = message.id if isinstance(message.id, tuple | list) else (message.id,)
            strings = entry.string if isinstance(entry.string, tuple | list) else (entry.string,)
            wanted = set().union(*(_fields(i) for i in ids))
            for text in strings:
                if isinstance(text, str) and _fields(text) - wanted:
                    yield f"placeholders differ: {key!r} -> {text!r} ({where})"


def main(argv: list[str]) -> int:
    """``extract``: write the template; ``update``: bring every catalog in line; ``compile``: write the ``.mo``
    files; ``check``: list what is missing (exit 1 when anything is)."""
    action = argv[0] if argv else ""
    if action not in {"extract", "update", "compile", "check"}:
        print("usage: python -m core.wording.catalogs extract|update|compile|check", file=sys.stderr)
        return 2
    if action == "compile":
        for language in LANGUAGES:
            if po_path(language).is_file():
                compile_catalog(read(po_path(language), language), po_path(language).with_suffix(".mo"))
        return 0
    template = extract()
    if action == "extract":
        write(template, TEMPLATE)
        print(f"{len(template)} messages -> {TEMPLATE.relative_to(ROOT)}")
        return 0
    if action == "update":
        write(template, TEMPLATE)
        for language in LANGUAGES:
            write(updated(template, read(po_path(language), language), language), po_path(language))
        return main(["check"])
    found = 0
    for language in LANGUAGES:
        for problem in problems(template, read(po_path(language), language)):
            found += 1
            print(f"{language}: {problem}")
    print(f"{len(template)} messages; {found} problems")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
