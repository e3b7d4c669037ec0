"""Which language MineScan speaks and how its numbers read: the person's choice, the browser, the default."""

from __future__ import annotations

from pathlib import Path

import pytest

from core import wording
from core.wording import translate
from core.wording.catalogs import compile_catalog, read, write
from core.wording.translate import _, ngettext


@pytest.mark.parametrize(
    ("tag", "language"),
    [("pt-BR", "pt_BR"), ("pt_BR.UTF-8", "pt_BR"), ("pt", "pt_BR"), ("pt-PT", "pt_BR"), ("en-US", "en"),
     ("en_GB", "en"), ("EN", "en"), ("fr-FR", None), ("C", None), ("", None), (None, None)],
)  # fmt: skip
def test_language_tags_are_read_as_minescan_names_them(tag: str | None, language: str | None) -> None:
    assert translate.normalise(tag) == language


def test_an_unknown_language_is_refused_naming_the_ones_there_are() -> None:
    with pytest.raises(ValueError, match=r"unknown language 'fr'.*pt_BR, en"):
        translate.parse_language("fr")


def test_the_order_is_context_then_provider_then_server_default_then_portuguese(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(translate.LANGUAGE_ENV, raising=False)
    try:
        translate.set_provider(None)
        assert translate.current() == "pt_BR"  # nothing said: Brazilian Portuguese
        monkeypatch.setenv(translate.LANGUAGE_ENV, "en-US")
        assert translate.current() == "en"
        translate.set_provider(lambda: "pt-BR")  # the person's or the browser's language beats the server's
        assert translate.current() == "pt_BR"
        with translate.using("en"):  # an explicit choice (the CLI's --language) beats both
            assert translate.current() == "en"
        translate.set_provider(lambda: None)  # a session with no answer falls back to the server's default
        assert translate.current() == "en"

        def broken() -> str:
            raise RuntimeError("no session in this thread")

        translate.set_provider(broken)
        assert translate.current() == "en"
    finally:
        translate.set_provider(None)


def test_numbers_take_the_language_decimal_mark() -> None:
    with translate.using("pt_BR"):
        assert wording.number(1234567.891, 2) == "1.234.567,89"
        assert wording.metres(12_400) == "12,4 km" and wording.share(1, 3) == "33%"
    with translate.using("en"):
        assert wording.number(1234567.891, 2) == "1,234,567.89"
        assert wording.metres(12_400) == "12.4 km"


def test_a_catalog_never_compiled_is_read_from_its_po(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "pt_BR" / "LC_MESSAGES"
    catalog = read(folder / "minescan.po", "pt_BR")
    catalog.add("Sign out", "Sair")
    catalog.add(("{n} site", "{n} sites"), ("{n} local", "{n} locais"))
    write(catalog, folder / "minescan.po")
    monkeypatch.setattr(translate, "LOCALE_DIR", tmp_path)
    translate.reload()
    try:
        with translate.using("pt_BR"):
            assert _("Sign out") == "Sair"
            assert ngettext("{n} site", "{n} sites", 2).format(n=2) == "2 locais"
            assert _("Not in the catalog") == "Not in the catalog"  # untranslated text shows as written
        compile_catalog(read(folder / "minescan.po", "pt_BR"), folder / "minescan.mo")
        (folder / "minescan.po").unlink()  # now only the compiled catalog is there
        translate.reload()
        with translate.using("pt_BR"):
            assert _("Sign out") == "Sair"
    finally:
        monkeypatch.undo()
        translate.reload()


def test_every_impact_class_and_not_rated_reason_reads_in_portuguese() -> None:
    from core.model_card import IMPACT_CLASSES
    from core.scan.sites import NOT_RATED_NO_DATA, NOT_RATED_NO_MODEL

    with translate.using("pt_BR"):
        shown = {code: wording.label(code) for code in IMPACT_CLASSES}
        reasons = [_(NOT_RATED_NO_MODEL), _(NOT_RATED_NO_DATA)]
    assert shown == {"high_impact": "Alto impacto", "low_impact": "Baixo impacto", "no_ore": "Sem minério"}
    assert all(r.startswith("não avaliado") for r in reasons), reasons
