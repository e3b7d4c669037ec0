"""The Models page as a reviewer and a supervisor meet it: versions, promotion with a note, who may do it."""

from __future__ import annotations

from pathlib import Path

import pytest

from db.connection import connect
from db.promotions import promoted_versions, promotion_history
from tests.app_harness import REVIEWER, SUPERVISOR, open_app

pytestmark = pytest.mark.usefixtures("clean_caches")


def test_versions_are_listed_and_only_a_supervisor_promotes(env: Path) -> None:
    at = open_app("app_pages/models.py", REVIEWER)
    assert not at.exception
    table = at.dataframe[0].value
    assert {"demo_discovery@1 (synthetic demo)", "tailings_rgb@2"} <= set(table["model"])
    assert not at.button or all("Promote" not in b.label for b in at.button)
    assert any("Only a supervisor" in c.value for c in at.caption)

    at = open_app("app_pages/models.py", SUPERVISOR)
    at.selectbox(key="models_version").set_value("tailings_rgb@2").run()
    assert not any("Before / after" in s.value for s in at.subheader)  # no comparison made for v2 yet
    at.text_input(key="promote_note").input("<b>best</b> on the frozen cases")
    next(b for b in at.button if b.label == "Promote tailings_rgb@2").click().run()
    assert not at.exception, at.exception
    con = connect(env / "store.duckdb")
    assert promoted_versions(con) == {"tailings_rgb": "2"}
    history = promotion_history(con, "tailings_rgb")
    assert history["note"].tolist() == ["<b>best</b> on the frozen cases"] and history["by_user"].tolist() == ["sofia"]
    con.close()
    # Now it is marked promoted, and promoting it again is not offered.
    table = at.dataframe[0].value
    assert table.set_index("model").loc["tailings_rgb@2", "promoted"] == "yes"
    assert next(b for b in at.button if b.label == "Promote tailings_rgb@2").disabled
    assert next(b for b in at.button if b.label == "Roll back to tailings_rgb@2").disabled  # not an earlier one
