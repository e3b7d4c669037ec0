"""``places build|list|rule``: the places seen over time (sites of different dates that are one place)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from cli.common import add_store_option, fmt, open_store
from core.errors import MineScanError
from core.wording.translate import _, ngettext

#: The columns ``places list`` prints on the terminal (the file has them all).
_SHOWN = ["place_id", "first_period", "last_period", "persistence", "last_area_ha", "growth_ha", "latest_decision"]


def cmd_build(args: argparse.Namespace) -> int:
    """Rebuild every place from the stored sites (decisions are not touched)."""
    from db.places import build_places

    built = open_store(args).write(build_places)
    periods = ", ".join(built.periods) or _("none")
    print(
        _("{places} place(s) from {sites} site(s); periods: {periods}; {seconds} s").format(
            places=fmt(built.places, ","), sites=fmt(built.sites, ","), periods=periods,
            seconds=fmt(built.seconds, ".1f"),
        )
    )  # fmt: skip
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    """Write (or print) every place: id, first and last seen, area per period, growth, latest decision."""
    from db.places import place_rows

    rows = open_store(args).read(place_rows)
    if args.out is None:
        print(rows[_SHOWN].to_string(index=False) if not rows.empty else _("No places: no sites are stored yet."))
        return 0
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if args.format == "csv":
        rows.to_csv(out, index=False, float_format="%.4f")
    else:
        out.write_text(json.dumps(_geojson(rows), ensure_ascii=False), encoding="utf-8")
    written = ngettext(
        "{places} place(s) written to {file} ({format})", "{places} place(s) written to {file} ({format})", len(rows)
    )
    print(written.format(places=fmt(len(rows), ","), file=out, format=args.format))
    return 0


def _geojson(rows: Any) -> dict[str, Any]:
    from shapely import wkt
    from shapely.geometry import mapping

    features = []
    for record in rows.to_dict("records"):
        outline = record.pop("outline_wkt")
        props = {k: (None if _missing(v) else _plain(v)) for k, v in record.items()}
        features.append({"type": "Feature", "geometry": mapping(wkt.loads(outline)), "properties": props})
    return {"type": "FeatureCollection", "features": features}


def _missing(value: Any) -> bool:
    try:
        return bool(value != value) or value is None  # NaN and NaT are not equal to themselves
    except (TypeError, ValueError):
        return False


def _plain(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value.item() if hasattr(value, "item") else value


def cmd_rule(args: argparse.Namespace) -> int:
    """Show, or (a supervisor) set, when a decided place comes back to the queue."""
    from cli.learning import operator
    from core.review.queue import RequeueRule
    from db.places import requeue_rule, set_requeue_rule

    store = open_store(args)
    if args.growth_pct is None and args.growth_ha is None:
        print(store.read(requeue_rule).describe())
        return 0
    if not args.by:
        raise MineScanError(_("setting the re-queue thresholds needs --by SUPERVISOR (an account of the app)"))
    who = operator(args.by)
    now = store.read(requeue_rule)
    try:
        rule = RequeueRule(
            args.growth_pct if args.growth_pct is not None else now.growth_pct,
            args.growth_ha if args.growth_ha is not None else now.growth_ha,
        )
    except ValueError as err:
        raise MineScanError(str(err)) from None
    store.write(lambda con: set_requeue_rule(con, who, rule))
    print(_("Set by {username}: {rule}").format(username=who.username, rule=rule.describe()))
    return 0


def add_parsers(sub: Any) -> None:
    """``places build``, ``places list`` and ``places rule``."""
    p = sub.add_parser("places", help=_("places seen over time: build, list, and when decided places come back"))
    places = p.add_subparsers(dest="places_command", required=True)
    b = places.add_parser("build", help=_("rebuild the places from the stored sites (done after every scan too)"))
    add_store_option(b)
    b.set_defaults(func=cmd_build)
    ls = places.add_parser("list", help=_("every place: first and last seen, area per period, growth, decision"))
    add_store_option(ls)
    ls.add_argument("--format", choices=["csv", "geojson"], default="csv")
    ls.add_argument("--out", help=_("output file (without it, a summary is printed)"))
    ls.set_defaults(func=cmd_list)
    r = places.add_parser("rule", help=_("show or set when a confirmed or rejected place is queued again"))
    add_store_option(r)
    r.add_argument("--growth-pct", type=float, help=_("re-queue when the area grew by more than this percent"))
    r.add_argument("--growth-ha", type=float, help=_("re-queue when the area grew by more than this many hectares"))
    r.add_argument("--by", help=_("the supervisor setting it"))
    r.set_defaults(func=cmd_rule)
