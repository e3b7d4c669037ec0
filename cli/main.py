"""The parser of every command group, and the one place user errors become a message and exit code 2.

The language comes first: ``--language`` (anywhere on the line), else ``$MINESCAN_LANGUAGE``, else pt-BR. argparse
builds its help texts with the parser, so the parser is built once the language is chosen.
"""

from __future__ import annotations

import argparse
import contextvars
import os
import sys
from collections.abc import Sequence

from cli import (
    argparse_words,
    bench,
    campaign,
    demo,
    dossier,
    export,
    imagery,
    jobs,
    learning,
    places,
    region,
    registry,
    scan,
    store,
    training,
    users,
)
from core.errors import MineScanError
from core.wording import translate
from core.wording.translate import N_, _
from models.quiet_import import quiet_tensorflow_import

# TensorFlow's C++ start-up lines are for its developers, not an auditor's terminal (models/quiet_import.py).
quiet_tensorflow_import()

#: In the order ``--help`` lists them.
GROUPS = (
    demo,
    training,
    learning,
    jobs,
    campaign,
    users,
    store,
    scan,
    region,
    registry,
    imagery,
    places,
    export,
    dossier,
    bench,
)

#: What ``--help`` ends with: the commands a new user runs first, each with what it does (the commands are never
#: translated, their words are).
EXAMPLE_LINES: tuple[tuple[str, str], ...] = (
    ("python -m cli demo-store", N_("the synthetic demo, scanned into its own store")),
    ("python -m cli scan scene.tif --out sites.geojson --db data/minescan.duckdb",
     N_("scan a GeoTIFF and store its sites")),
    ("python -m cli scan scene.tif --model tailings_rgb --out sites.csv",
     N_("the real-data RGB model (impact model picked to fit)")),
    ("python -m cli registry import sigbm.csv --db data/minescan.duckdb",
     N_("import the ANM dam register and match the sites")),
    ("python -m cli export --db data/minescan.duckdb --format gpkg --out sites.gpkg",
     N_("every site with its decision, for QGIS")),
    ("python -m cli places list --db data/minescan.duckdb --format csv --out places.csv", ""),
    ("python -m cli dossier --site 12 --db data/minescan.duckdb --out dossiers/", ""),
    ("python -m cli COMMAND --help", N_("every option of one command")),
)  # fmt: skip
EXAMPLES_HEADING = N_("examples:")
#: The column the examples' words start at (a longer command has them on the next line).
_WORDS_COLUMN = 59


def examples_text(translated: bool = True) -> str:
    """The examples ``--help`` ends with, in the current language (``translated=False``: as written, English)."""

    def say(words: str) -> str:
        return _(words) if translated and words else words

    lines = [say(EXAMPLES_HEADING)]
    for command, words in EXAMPLE_LINES:
        line = f"  {command}"
        if not words:
            lines.append(line)
        elif len(line) + 2 <= _WORDS_COLUMN:
            lines.append(line.ljust(_WORDS_COLUMN) + say(words))
        else:
            lines += [line, " " * _WORDS_COLUMN + say(words)]
    return "\n".join(lines)


#: The examples as written (English): what the tests read commands from.
EXAMPLES = examples_text(translated=False)


def _language_option(text: str) -> str:
    """``--language``'s value as MineScan names it (``pt-BR`` -> ``pt_BR``), else argparse's one-line refusal."""
    try:
        return translate.parse_language(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every command, its help in the current language."""
    argparse_words.install()
    parser = argparse.ArgumentParser(
        prog="python -m cli",
        description=_("MineScan command line"),
        epilog=examples_text(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        allow_abbrev=False,  # --language is read before parsing, by its full name only
    )
    parser.add_argument(
        "--language", type=_language_option, choices=list(translate.LANGUAGES),
        help=_("the language of the messages and help: pt_BR (Brazilian Portuguese) or en (English); pt-BR, en-US "
               "and the like are read too (default: $MINESCAN_LANGUAGE, else pt_BR); may be given anywhere on the "
               "line"),
    )  # fmt: skip
    sub = parser.add_subparsers(dest="command", required=True)
    for group in GROUPS:
        group.add_parsers(sub)
    return parser


def split_language(argv: Sequence[str]) -> tuple[str | None, list[str]]:
    """The language ``--language X`` / ``--language=X`` names (None without it) and the rest of the command line.

    Raises:
        ValueError: a language MineScan does not speak, or ``--language`` without a value.
    """
    language, rest = None, []
    words = list(argv)
    i = 0
    while i < len(words):
        word = words[i]
        if word == "--":  # what follows is values only
            rest += words[i:]
            break
        if word == "--language" or word.startswith("--language="):
            if "=" in word:
                value, i = word.split("=", 1)[1], i + 1
            elif i + 1 < len(words):
                value, i = words[i + 1], i + 2
            else:
                raise ValueError(
                    _("--language needs a value: {languages}").format(languages=", ".join(translate.LANGUAGES))
                )
            language = translate.parse_language(value)
            continue
        rest.append(word)
        i += 1
    return language, rest


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI in the language ``--language`` names; user errors print a message and return 2.

    The language is chosen in a context of this call only (a test calling ``main`` leaves its own language as it was).
    """
    words = list(sys.argv[1:] if argv is None else argv)
    return contextvars.copy_context().run(_main, words)


def _main(words: list[str]) -> int:
    try:
        language, words = split_language(words)
    except ValueError as err:
        print(_("Error: {message}").format(message=err), file=sys.stderr)
        return 2
    if language is None:
        return _run(words)
    translate.choose(language)
    # Threads, and the processes a command starts (job runners, benchmark phases), read the language from here.
    before = os.environ.get(translate.LANGUAGE_ENV)
    os.environ[translate.LANGUAGE_ENV] = language
    try:
        return _run(words)
    finally:
        if before is None:
            os.environ.pop(translate.LANGUAGE_ENV, None)
        else:
            os.environ[translate.LANGUAGE_ENV] = before


def _run(words: list[str]) -> int:
    args = build_parser().parse_args(words)
    try:
        return int(args.func(args))
    except MineScanError as err:
        print(_("Error: {title}. {message}").format(title=_(err.title), message=err), file=sys.stderr)
        return 2
    except ValueError as err:
        print(_("Error: {message}").format(message=err), file=sys.stderr)
        return 2
