"""Double review: a share of sites goes to two reviewers blind to each other; kappa; supervisors sign off."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from core.access.users import Identity, PermissionDenied
from core.review.queue import QueueFilter
from core.scan.sites import Site
from db.connection import StoreError, connect
from db.exports import export_rows
from db.queue import queue_page
from db.reviews import disagreements, double_review_pairs, review_history
from db.scans import start_scan
from db.sites import insert_sites, site_points
from db.workflows import decide, override

ANA = Identity("ana", "reviewer", "", "password")
BIA = Identity("bia", "reviewer", "", "password")
SOFIA = Identity("sofia", "supervisor", "", "password")


def _store(tmp_path: Path, n_sites: int, share: float) -> tuple[duckdb.DuckDBPyConnection, list[int]]:
    con = connect(tmp_path / "store.duckdb")
    scan_id = start_scan(
        con, scene_id="s", scene_path="s.tif", scene_crs="EPSG:4326", bounds_lonlat=(-44, -21, -43, -20),
        synthetic=True, discovery=("m", "1"), impact=None, params={}, tiles_total=1,
    )  # fmt: skip
    sites = [
        Site(lon=-44 + k * 1e-3, lat=-20.5, outline_wkt="POINT (0 0)", area_km2=0.1, p_max=0.9, p_mean=0.8,
             cell_count=1, cells=((0, k),), scene_id="s", discovery_model="m", discovery_version="1")
        for k in range(n_sites)
    ]  # fmt: skip
    insert_sites(con, scan_id, sites, double_review_share=share)
    return con, site_points(con)["id"].tolist()


def _view(con: duckdb.DuckDBPyConnection, who: Identity):  # type: ignore[no-untyped-def]
    """The whole queue as ``who`` sees it in triage."""
    rows, _ = queue_page(con, who.username, QueueFilter(), limit=10_000)
    return rows.set_index("site_id")


def test_the_share_of_double_reviewed_sites_follows_the_setting(tmp_path: Path) -> None:
    con, ids = _store(tmp_path, 400, 0.1)
    chosen = con.execute("SELECT count(*) FROM double_review").fetchone()[0]
    assert 20 <= chosen <= 60  # about 10 % of 400, chosen by a hash of the id
    again, _ = _store(tmp_path / "other", 400, 0.0)
    assert again.execute("SELECT count(*) FROM double_review").fetchone()[0] == 0


def test_reviewers_are_blind_until_both_decided_then_a_supervisor_signs_off(tmp_path: Path) -> None:
    con, ids = _store(tmp_path, 3, 1.0)  # every site double-reviewed
    site = ids[0]
    decide(con, ANA, site, "confirmed", note="tailings, new")
    # Bia still has the site undecided, and sees neither Ana's decision nor her note.
    bia = _view(con, BIA)
    assert bia.loc[site, "blind"] and bia.loc[site, ["decision", "note", "reviewer"]].isna().all()
    ana = _view(con, ANA)
    assert (ana.loc[site, "decision"], ana.loc[site, "reviewer"]) == ("confirmed", "ana")
    decide(con, BIA, site, "rejected", reason="irrigation_dam")
    assert not _view(con, BIA).loc[site, "blind"]
    open_items = disagreements(con)
    assert open_items["site_id"].tolist() == [site]
    assert tuple(open_items.iloc[0][["reviewer_1", "decision_1", "reviewer_2", "decision_2"]]) == (
        "ana", "confirmed", "bia", "rejected",
    )  # fmt: skip
    with pytest.raises(PermissionDenied, match="'supervise' needs the role supervisor"):
        override(con, ANA, site, "confirmed", "I am sure")
    with pytest.raises(StoreError, match="needs a note"):
        override(con, SOFIA, site, "confirmed", "  ")
    override(con, SOFIA, site, "confirmed", "pond visible on 2021 imagery; SIGBM has no dam here")
    assert disagreements(con).empty
    final = export_rows(con).set_index("site_id").loc[site]
    assert (final["decision"], final["reviewer"]) == ("confirmed", "sofia")
    history = review_history(con, site)
    assert history["kind"].tolist() == ["decision", "decision", "override"]  # nothing lost or overwritten
    assert history["role"].tolist() == ["reviewer", "reviewer", "supervisor"]


def test_kappa_counts_each_reviewers_first_decision_only(tmp_path: Path) -> None:
    from core.review.agreement import cohen_kappa

    con, ids = _store(tmp_path, 4, 1.0)
    for site, (a, b) in zip(ids, [("confirmed", "confirmed"), ("rejected", "rejected"),
                                  ("confirmed", "rejected"), ("unsure", "unsure")], strict=True):  # fmt: skip
        decide(con, ANA, site, a, reason="irrigation_dam" if a == "rejected" else None)
        decide(con, BIA, site, b, reason="irrigation_dam" if b == "rejected" else None)
    decide(con, ANA, ids[2], "rejected", reason="irrigation_dam")  # a change of mind later does not count
    pairs = double_review_pairs(con)
    k = cohen_kappa(pairs["decision_1"].tolist(), pairs["decision_2"].tolist())
    assert (k.pairs, k.agreed) == (4, 3)
    # p_o = 0.75; p_e = (2/4*1/4) + (1/4*2/4) + (1/4*1/4) = 0.3125
    assert k.kappa == pytest.approx((0.75 - 0.3125) / (1 - 0.3125))
    # Sites not chosen for double review never show up as pairs, even when two people decided them.
    con2, ids2 = _store(tmp_path / "single", 2, 0.0)
    decide(con2, ANA, ids2[0], "confirmed")
    decide(con2, BIA, ids2[0], "unsure")
    assert double_review_pairs(con2).empty and not _view(con2, BIA)["blind"].any()
