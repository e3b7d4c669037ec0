"""Demo apart from real work: the demo store refuses real registers and scans, a working store refuses the demo."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.errors import StoreKindError
from core.register.matching import MatchSettings
from core.settings import DEMO_REGISTER_FILE
from db.connection import connect
from db.demo_setup import set_up_demo
from db.registers import snapshots
from db.scans import all_scans
from db.store_kind import demo_mixed_with_real, mark_store, store_kind
from db.workflows import import_register
from tests.app_harness import SUPERVISOR, filled_store, open_app

pytestmark = pytest.mark.usefixtures("clean_caches")
REAL_REGISTER = "ID;Nome;UF;Latitude;Longitude\n1;B1 Mina Real;MG;-20,1;-43,9\n"


def _demo_store(env: Path) -> None:
    """A store marked as the demo's (as set_up_demo leaves it), with three sites and the demo register's name."""
    filled_store(env)
    con = connect(env / "store.duckdb")
    con.execute("DELETE FROM store_info")
    mark_store(con, "demo")
    con.execute("UPDATE register_snapshot SET source_file = ?", [DEMO_REGISTER_FILE])
    con.close()


def test_a_real_register_is_refused_in_the_demo_store_and_nothing_is_stored(env: Path) -> None:
    _demo_store(env)
    real = env / "sigbm_2025.csv"
    real.write_text(REAL_REGISTER, encoding="utf-8")
    con = connect(env / "store.duckdb")
    before = len(snapshots(con))
    with pytest.raises(StoreKindError, match="demo store .*synthetic.*'./run work'"):
        import_register(con, real, "dam", MatchSettings())
    assert len(snapshots(con)) == before  # the refused file changed nothing
    assert store_kind(con) == "demo"
    con.close()


def test_the_demo_is_refused_in_a_working_store(env: Path) -> None:
    filled_store(env)  # a scan of a (non-demo) scene and a register: real work
    con = connect(env / "store.duckdb")
    assert store_kind(con) == "work"
    with pytest.raises(StoreKindError, match="holds real work"):
        set_up_demo(con, env / "demo", None, None)  # type: ignore[arg-type]  # refused before any model is used
    assert len(all_scans(con)) == 1
    con.close()


def test_the_overview_and_the_numbers_say_which_store_is_open(env: Path) -> None:
    _demo_store(env)
    overview = open_app("app_pages/overview.py", SUPERVISOR)
    assert any("demo store" in m.value and "synthetic demo data only" in m.value for m in overview.markdown)
    for page in ("app_pages/dashboard.py", "app_pages/export.py"):
        at = open_app(page, SUPERVISOR)
        assert any("synthetic demo scene" in i.value for i in at.info), page


def test_a_working_store_says_so_and_shows_no_demo_banner(env: Path) -> None:
    filled_store(env)
    overview = open_app("app_pages/overview.py", SUPERVISOR)
    assert any("working store" in m.value for m in overview.markdown)
    assert not any("synthetic demo scene" in i.value for i in open_app("app_pages/dashboard.py", SUPERVISOR).info)


def test_a_demo_store_mixed_before_the_split_is_flagged(env: Path) -> None:
    _demo_store(env)
    con = connect(env / "store.duckdb")
    con.execute("UPDATE register_snapshot SET source_file = 'sigbm_2025.csv'")
    con.execute("UPDATE scan SET synthetic = false")
    assert demo_mixed_with_real(con)
    con.close()
    dashboard = open_app("app_pages/dashboard.py", SUPERVISOR)
    assert any("mix synthetic and real sites" in w.value for w in dashboard.warning)
