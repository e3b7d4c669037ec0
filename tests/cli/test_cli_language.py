"""``--language`` (or ``$MINESCAN_LANGUAGE``) picks the language of the command line: its help, argparse's own words,
its messages and errors; a language MineScan does not speak is refused in one clear line, and the choice stays
inside the call (the suite keeps reading English)."""

from __future__ import annotations

import os

import pytest

from cli.main import build_parser, main, split_language
from core.wording import translate

PT_BR_CATALOG = translate.LOCALE_DIR / "pt_BR" / "LC_MESSAGES" / f"{translate.DOMAIN}.po"
needs_catalog = pytest.mark.skipif(
    not PT_BR_CATALOG.is_file(),
    reason=f"the pt-BR catalog {PT_BR_CATALOG} does not exist yet (the lead assembles it from i18n_parts/*.po)",
)


def _help(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as done:
        main(argv)
    assert done.value.code == 0
    return capsys.readouterr().out


@needs_catalog
def test_language_pt_br_prints_portuguese_help(capsys: pytest.CaptureFixture[str]) -> None:
    shown = _help(["--language", "pt_BR", "--help"], capsys)
    assert shown.startswith("uso: python -m cli")
    for words in ("Linha de comando do MineScan", "exemplos:", "varre um GeoTIFF e guarda os locais dele",
                  "o idioma das mensagens e da ajuda", "opções:", "mostra esta ajuda e sai"):  # fmt: skip
        assert words in shown, words
    # The examples' commands stay exactly as typed.
    assert "python -m cli scan scene.tif --out sites.geojson --db data/minescan.duckdb" in shown
    assert "Linha de comando" not in _help(["--help"], capsys)  # the suite's language is back


@needs_catalog
def test_minescan_language_gives_portuguese_without_the_option(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(translate.LANGUAGE_ENV, "pt_BR")
    shown = _help(["scan", "--help"], capsys)
    assert "modelo de descoberta: nome, nome@versão ou pasta" in shown
    assert "arquivo de saída (.geojson ou .csv)" in shown


@needs_catalog
def test_an_error_from_a_bad_input_is_in_portuguese(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--language", "pt-BR", "scan", "scene.tif", "--out", "sites.xlsx"])  # a tag like pt-BR is read too
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("Erro: ") and "Traceback" not in err
    assert "--out sites.xlsx: use um nome de arquivo .geojson ou .csv" in err
    with pytest.raises(SystemExit) as done:  # argparse's own refusal, in its words translated
        main(["export", "--format", "xlsx", "--out", "x", "--language", "pt_BR"])
    assert done.value.code == 2
    assert "erro: argumento --format: opção inválida: 'xlsx'" in capsys.readouterr().err


def test_an_unknown_language_is_refused_in_one_clear_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--language", "fr", "--help"]) == 2
    err = capsys.readouterr().err
    assert err == "Error: unknown language 'fr': MineScan speaks pt_BR, en\n"
    assert main(["scan", "--language"]) == 2
    assert "--language needs a value: pt_BR, en" in capsys.readouterr().err
    with pytest.raises(SystemExit):  # the parser itself refuses it too (a job's stored command line, say)
        build_parser().parse_args(["--language", "fr", "users", "list"])
    assert "unknown language 'fr'" in capsys.readouterr().err


def test_the_language_is_read_anywhere_and_stays_inside_the_call(capsys: pytest.CaptureFixture[str]) -> None:
    assert split_language(["scan", "a.tif", "--language", "en-US", "--out", "x.csv"]) == (
        "en", ["scan", "a.tif", "--out", "x.csv"]
    )  # fmt: skip
    assert split_language(["--language=pt-br", "users", "list"]) == ("pt_BR", ["users", "list"])
    assert split_language(["users", "--", "--language"]) == (None, ["users", "--", "--language"])
    assert main(["--language", "pt_BR", "scan", "s.tif", "--out", "s.xlsx"]) == 2
    capsys.readouterr()
    assert translate.current() == "en" and os.environ[translate.LANGUAGE_ENV] == "en"
    assert main(["--language", "en", "scan", "s.tif", "--out", "s.xlsx"]) == 2
    assert "Error: Something went wrong. --out s.xlsx: use a .geojson or .csv file name" in capsys.readouterr().err
