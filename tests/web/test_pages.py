"""The web app as a user meets it (AppTest): every page on an empty and a filled store, deciding, errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from app_pages.navigation import PAGES as NAVIGATION
from core.access.users import Identity, add_user
from core.settings import ROOT
from db.connection import connect
from db.exports import export_rows
from db.reviews import disagreements, review_history
from db.scans import all_scans
from tests.app_harness import MANAGER, REVIEWER, SUPERVISOR, filled_store, open_app
from ui.state import IDENTITY

#: Every screen, from the app's own navigation (a page added there is tested here without a copy to update).
PAGES = [path for path, *_ in NAVIGATION]


pytestmark = pytest.mark.usefixtures("clean_caches")


@pytest.mark.parametrize("page", PAGES)
def test_every_page_loads_on_an_empty_store(env: Path, page: str) -> None:
    at = open_app(page)
    assert not at.exception, at.exception


@pytest.mark.parametrize("page", PAGES)
def test_every_page_loads_on_a_filled_store(env: Path, page: str) -> None:
    filled_store(env)
    at = open_app(page)
    assert not at.exception, at.exception


def test_overview_offers_the_demo_on_an_empty_store(env: Path) -> None:
    at = open_app("app_pages/overview.py")
    assert any("store is empty" in i.value for i in at.info)
    assert at.button[0].label == "Set up the demo"
    table = at.dataframe[0].value.set_index("model")
    demo = table[table["trained on"] == "synthetic demo data"]
    assert set(demo["kind"]) == {"discovery", "impact"} and all(" ± " in v for v in demo["cross-validated accuracy"])
    real = table[table["trained on"] == "real data"]
    assert list(real["bands"]) == ["B2, B3, B4"] and real["real sites found (out of fold)"].iloc[0] == "93%"


def test_deciding_moves_the_queue_on_and_reaches_the_export(env: Path) -> None:
    ids = filled_store(env)
    at = open_app("app_pages/triage.py", REVIEWER)
    assert at.session_state["selected_site"] in ids
    assert "Imagery: MineScan synthetic demo" in [t.value for t in at.text]  # where the scanned pixels came from
    shown = at.session_state["selected_site"]
    at.text_area[0].input('Tailings, "new"; near road\nvisited')
    next(b for b in at.button if b.label == "Confirmed").click().run()
    assert not at.exception
    assert at.session_state["selected_site"] != shown
    con = connect(env / "store.duckdb")
    rows = export_rows(con).set_index("site_id")
    assert rows.loc[shown, "decision"] == "confirmed" and rows.loc[shown, "reviewer"] == "ana"
    assert review_history(con, shown)["role"].tolist() == ["reviewer"]
    assert rows.loc[shown, "note"] == 'Tailings, "new"; near road\nvisited'
    assert review_history(con, shown)["seconds_spent"].iloc[0] >= 0
    con.close()
    # The site's history on screen: who, in which role, what, why, when (in Brasília time, with its zone).
    at.radio(key="triage_show").set_value("All").run()
    at.selectbox(key="triage_site").set_value(shown).run()
    trail = at.table[0].value
    assert trail["Reviewer"].tolist() == ["ana"] and trail["Role"].tolist() == ["Reviewer"]
    assert trail["Decision"].tolist() == ["Confirmed"] and "(UTC" in trail["When"].iloc[0]
    assert trail["Note"].iloc[0] == 'Tailings, "new"; near road\nvisited'


def test_triage_offers_least_certain_first(env: Path) -> None:
    ids = filled_store(env)  # P(mine) 0.95, 0.85, 0.75 against the scan's default threshold 0.6
    at = open_app("app_pages/triage.py", REVIEWER)

    # By risk: unregistered first, then the highest P(mine); the site being looked at stays when the order changes.
    def order() -> list[int]:
        return [int(re.search(r"site (\d+)", o).group(1)) for o in at.selectbox(key="triage_site").options]  # type: ignore[union-attr]

    by_risk = order()
    at.radio(key="triage_order").set_value("uncertain").run()
    assert not at.exception
    uncertain = order()
    assert by_risk[0] == ids[1] and uncertain == [ids[2], ids[1], ids[0]]  # 0.75 is nearest the threshold
    assert any("Least certain first" in c.value for c in at.caption)


def test_a_bad_scene_shows_the_core_error_and_stores_nothing(env: Path) -> None:
    (env / "scenes").mkdir()
    (env / "scenes" / "broken.tif").write_bytes(b"not a tiff at all")
    at = open_app("app_pages/scan.py")
    at.selectbox[0].select("broken.tif").run()
    next(b for b in at.button if b.label == "Run the scan").click().run()
    assert not at.exception
    assert "can't be analysed" in at.error[0].value and "not a readable GeoTIFF" in at.error[0].value
    con = connect(env / "store.duckdb")
    assert all_scans(con).empty


def test_a_rejection_needs_a_reason(env: Path) -> None:
    filled_store(env)
    at = open_app("app_pages/triage.py", Identity("bruno", "supervisor", "", "password"))
    shown = at.session_state["selected_site"]
    next(b for b in at.button if b.label == "Rejected").click().run()  # the N key before a reason: said, not done
    assert not at.exception
    assert "Pick a reason first" in at.error[0].value and "Nothing was recorded" in at.error[0].value
    assert at.session_state["selected_site"] == shown
    con = connect(env / "store.duckdb")
    assert con.execute("SELECT count(*) FROM review WHERE site_id = ?", [shown]).fetchone() == (0,)
    at.selectbox(key=f"reason_{shown}").select("irrigation_dam").run()
    next(b for b in at.button if b.label == "Rejected").click().run()
    assert not at.exception
    con = connect(env / "store.duckdb")
    row = export_rows(con).set_index("site_id").loc[shown]
    assert (row["decision"], row["reason"], row["reviewer"]) == ("rejected", "irrigation_dam", "bruno")


def test_nobody_gets_in_without_signing_in(env: Path) -> None:
    filled_store(env)
    add_user(env / "data" / "users.json", "ana", "reviewer", password="correct horse battery")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90).run()
    assert at.title[0].value == "MineScan: sign in" and not at.dataframe
    at.text_input[0].input("ana")
    at.text_input[1].input("wrong password!")
    at.button[0].click().run()
    assert "Unknown username or wrong password" in at.error[0].value and IDENTITY not in at.session_state
    at.text_input[1].input("correct horse battery")
    at.button[0].click().run()
    assert at.session_state[IDENTITY] == Identity("ana", "reviewer", "", "password")
    assert at.title[0].value != "MineScan: sign in"


def test_an_empty_users_file_says_how_to_create_an_account(env: Path) -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90).run()
    assert any("users add NAME --role supervisor" in w.value for w in at.warning)


@pytest.mark.parametrize(("page", "allowed"), [("app_pages/triage.py", False), ("app_pages/scan.py", False),
                                               ("app_pages/register.py", False), ("app_pages/dashboard.py", True),
                                               ("app_pages/export.py", True)])  # fmt: skip
def test_a_manager_sees_the_dashboard_and_exports_only(env: Path, page: str, allowed: bool) -> None:
    filled_store(env)
    at = open_app(page, MANAGER)
    assert not at.exception and not any("Not allowed" in e.value for e in at.error)
    # The navigation does not offer a manager the other pages: asking for one lands on the overview.
    assert (at.title[0].value == "MineScan") != allowed
    if not allowed:
        assert not [b for b in at.button if b.label in ("Confirmed", "Run the scan", "Import")]


def test_a_page_checks_the_role_itself(env: Path) -> None:
    """Even run without the app's navigation (Streamlit's page-folder mode), a page refuses a role it does not
    serve."""
    filled_store(env)
    at = AppTest.from_file(str(ROOT / "app_pages" / "triage.py"), default_timeout=90)
    at.session_state[IDENTITY] = MANAGER
    at.run()
    assert any("Not allowed" in e.value for e in at.error) and not at.button


def test_a_manager_cannot_decide_even_by_calling_the_workflow(env: Path) -> None:
    from core.access.users import PermissionDenied
    from db.workflows import decide

    ids = filled_store(env)
    con = connect(env / "store.duckdb")
    with pytest.raises(PermissionDenied, match="mario is a manager; 'decide' needs the role reviewer, supervisor"):
        decide(con, MANAGER, ids[0], "confirmed")
    with pytest.raises(PermissionDenied, match="sign in first"):
        decide(con, None, ids[0], "confirmed")
    assert review_history(con, ids[0]).empty
    assert decide(con, REVIEWER, ids[0], "confirmed") > 0


def test_only_supervisors_get_the_register_import(env: Path) -> None:
    filled_store(env)
    reviewer = open_app("app_pages/register.py", REVIEWER)
    assert not reviewer.exception and any("Only supervisors" in c.value for c in reviewer.caption)
    supervisor = open_app("app_pages/register.py", SUPERVISOR)
    assert not any("Only supervisors" in c.value for c in supervisor.caption)


def test_double_review_is_blind_in_triage_and_signed_off_on_the_disagreements_page(env: Path) -> None:
    from db.workflows import decide

    ids = filled_store(env)
    con = connect(env / "store.duckdb")
    con.execute("INSERT INTO double_review (site_id) VALUES (?)", [ids[0]])
    decide(con, REVIEWER, ids[0], "confirmed", note="Ana's secret note")
    bia = Identity("bia", "reviewer", "", "password")
    at = open_app("app_pages/triage.py", bia)
    assert not at.exception
    site_box = next(b for b in at.selectbox if b.label == "Site")
    assert any(f"· site {ids[0]} ·" in option for option in site_box.options)
    site_box.set_value(ids[0]).run()  # still in Bia's undecided queue: Ana's call does not count for her
    assert any("Double review" in c.value for c in at.caption)
    assert not any("secret" in str(c.value) or "confirmed by ana" in str(c.value) for c in at.caption)
    at.selectbox(key=f"reason_{ids[0]}").select("irrigation_dam").run()
    next(b for b in at.button if b.label == "Rejected").click().run()
    assert not at.exception

    page = open_app("app_pages/disagreements.py", SUPERVISOR)
    assert not page.exception
    waiting = page.dataframe[0].value
    assert waiting["site_id"].tolist() == [ids[0]] and set(waiting[["decision_1", "decision_2"]].iloc[0]) == {
        "Confirmed", "Rejected",
    }  # fmt: skip
    assert page.radio[0].value is None  # the override form pre-selects nothing
    assert page.get("image")  # the site's image chips, beside the decisions
    page.button[0].click().run()  # no decision chosen: nothing is recorded, and the page says so
    assert any("Choose the final decision" in e.value for e in page.error)
    assert not disagreements(con).empty
    page.radio[0].set_value("confirmed")
    page.text_area[0].input("Pond visible; no SIGBM dam within 3 km")
    page.button[0].click().run()
    assert not page.exception
    assert any(f"Site {ids[0]}: final decision 'Confirmed' recorded" in m.value for m in page.success)
    trail = page.table[0].value
    assert trail["Reviewer"].tolist() == ["ana", "bia", "sofia"]
    assert trail["Kind"].tolist()[-1] == "Supervisor's final decision"
    assert "Pond visible; no SIGBM dam within 3 km" in trail["Note"].tolist()
    assert "Irrigation or farm dam" in trail["Reason"].tolist() and all("(UTC" in w for w in trail["When"])
    assert disagreements(con).empty
    history = review_history(con, ids[0])
    assert history["kind"].tolist() == ["decision", "decision", "override"]
    assert history["reviewer"].tolist() == ["ana", "bia", "sofia"]
