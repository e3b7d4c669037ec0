"""The catalogs are complete: every message the code marks is translated in pt-BR and present in English, and no
literal text reaches a Streamlit widget unmarked (it would show in English to a Portuguese reader)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog

from core.settings import ROOT
from core.wording.catalogs import extract, po_path, problems, read, updated
from core.wording.translate import LANGUAGES


@pytest.fixture(scope="module")
def template() -> Catalog:
    return extract()


def test_the_code_marks_its_messages(template: Catalog) -> None:
    ids = {m.id if isinstance(m.id, str) else m.id[0] for m in template if m.id}
    # one from each layer: a page, a widget helper, the command line, a core error, a dossier, a label
    for message in ("Sign out", "Signed in as", "Irrigation or farm dam", "Not rated"):
        assert message in ids
    assert len(ids) > 300


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_every_message_is_in_the_catalog(template: Catalog, language: str) -> None:
    found = list(problems(template, read(po_path(language), language)))
    assert not found, f"{len(found)} problems in {language} (./run i18n update, then translate):\n" + "\n".join(
        found[:40]
    )


def test_the_check_finds_a_missing_an_untranslated_and_a_broken_message() -> None:
    template = Catalog(locale="en")
    for message in ("Sign out", "Decide site {site_id}", "Triage", "Scan"):
        template.add(message)
    catalog = Catalog(locale="pt_BR")
    catalog.add("Sign out", "Sair")
    catalog.add("Decide site {site_id}", "Decida o local {local}")  # a placeholder renamed: .format() would fail
    catalog.add("Triage", "")
    found = list(problems(template, catalog))
    assert [f.split(":")[0] for f in found] == ["placeholders differ", "untranslated", "missing"]


def test_updating_one_language_leaves_the_other_as_it_was() -> None:
    template = Catalog(locale="en")
    template.add("Sign out")
    portuguese = updated(template, Catalog(locale="pt_BR"), "pt_BR")
    portuguese.get("Sign out").string = "Sair"
    english = updated(template, Catalog(locale="en"), "en")
    assert english.get("Sign out").string == "Sign out" and portuguese.get("Sign out").string == "Sair"


#: Streamlit calls that show their first argument (or these keywords) to the person.
SHOWN = {
    "title", "header", "subheader", "caption", "markdown", "info", "warning", "error", "success", "toast", "button",
    "checkbox", "toggle", "selectbox", "multiselect", "radio", "slider", "select_slider", "text_input",
    "number_input", "text_area", "date_input", "file_uploader", "download_button", "form_submit_button", "metric",
    "expander", "popover", "spinner", "status", "page_link", "segmented_control", "pills", "link_button", "write",
}  # fmt: skip
SHOWN_KEYWORDS = {"label", "help", "placeholder", "caption", "text"}
#: Literal text that reads the same in both languages.
SAME_IN_BOTH = {"MineScan", "Idioma / Language", "Earth Engine", "KML", "CSV", "GeoPackage", "GeoJSON"}
_LETTERS = re.compile(r"[A-Za-zÀ-ÿ]{2,}")


def _unmarked(node: ast.expr) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value if _LETTERS.search(node.value) and node.value not in SAME_IN_BOTH else None
    if isinstance(node, ast.JoinedStr):
        text = "".join(v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str))
        return text if _LETTERS.search(text) else None
    return None


def _unmarked_texts(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in SHOWN):
            continue
        if isinstance(node.func.value, ast.Name) and "log" in node.func.value.id.lower():
            continue  # a logger: for the operator's log, not the person on the page
        first = [] if node.func.attr == "page_link" else node.args[:1]  # a page link's first argument is its file
        shown = first + [k.value for k in node.keywords if k.arg in SHOWN_KEYWORDS]
        for arg in shown:
            text = _unmarked(arg)
            if text is not None:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {text[:60]!r}")
    return found


def test_no_page_shows_unmarked_text() -> None:
    files = [ROOT / "app.py", *sorted((ROOT / "app_pages").glob("*.py")), *sorted((ROOT / "ui").glob("*.py"))]
    found = [line for path in files for line in _unmarked_texts(path)]
    assert not found, "text shown without _(...):\n" + "\n".join(found)


def test_the_unmarked_text_check_sees_literals_and_f_strings(tmp_path: Path) -> None:
    page = ROOT / "ui" / "_probe_for_test.py"
    page.write_text(
        'import streamlit as st\nfrom core.wording.translate import _\nst.button("Decide")\n'
        'st.caption(f"Site {1} decided")\nst.caption(_("Fine"))\nst.markdown("---")\n'
        'st.selectbox(_("Order"), [], help="Unmarked help")\n',
        encoding="utf-8",
    )
    try:
        found = _unmarked_texts(page)
    finally:
        page.unlink()
    assert [f.split(": ", 1)[1] for f in found] == ["'Decide'", "'Site  decided'", "'Unmarked help'"]
