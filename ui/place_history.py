"""A place over time on the triage page: where it stands, whether it changed since it was decided, its first and
latest pictures side by side and as a swipe, and its area per period."""

from __future__ import annotations

import base64
import html
from typing import Any

import pandas as pd
import streamlit as st

from core import wording
from core.review.dossier import Dossier, DossierImage
from core.wording.translate import N_, _, localise_number
from ui.site_pictures import barred

#: Height in pixels of the swipe view (the pictures are square).
SWIPE_PX = 360
#: The area table's columns (translated when the table is made; the chart names them the same way).
PERIOD_COLUMN, AREA_COLUMN, P_COLUMN = N_("Period"), N_("Area (ha)"), N_("P(mine)")


def place_summary(site: Any) -> str:
    """One line: the place, when it was seen, its persistence and its growth (Markdown, no user text)."""
    get = site.get
    if wording.is_missing(get("place_id")):
        return ""
    first, last = get("first_period"), get("last_period")
    if wording.is_missing(first):
        seen = _("undated")
    else:
        seen = f"{first}" if first == last else _("{first} to {last}").format(first=first, last=last)
    sightings = wording.count(int(get("place_sites")), "sighting", "sightings")
    parts = [_("Place **{place_id}**").format(place_id=get("place_id")),
             _("seen {seen} ({sightings})").format(seen=seen, sightings=sightings),
             wording.persistence(str(get("persistence")))]  # fmt: skip
    growth = get("growth_km2")
    if not wording.is_missing(growth):
        pct = get("growth_pct")
        area = localise_number(f"{100 * float(growth):+.1f}")
        if wording.is_missing(pct):
            parts.append(_("area {growth} ha since the period before").format(growth=area))
        else:
            parts.append(
                _("area {growth} ha ({percent} %) since the period before").format(
                    growth=area, percent=localise_number(f"{float(pct):+.0f}")
                )
            )
    if bool(get("new_in_latest")):
        parts.append(_("**new this period**"))
    if bool(get("gone")):
        parts.append(_("not seen in the latest imagery of its area"))
    return " · ".join(parts)


def changed_note(site: Any) -> str | None:
    """Why a decided place is back in the queue, with the earlier decision (plain text), or None."""
    get = site.get
    if not bool(get("changed")):
        return None
    then = wording.number(100 * float(get("earlier_area_km2")), 1)
    now = wording.number(100 * float(get("last_area_km2")), 1)
    who = wording.text(get("earlier_reviewer"))
    when = wording.when(get("earlier_decided_at"))
    decision = wording.label(str(get("earlier_decision"))).lower()
    return _(
        "Changed since your decision: {decision} by {reviewer} on {when}, on its {period} sighting ({then} ha). It is "
        "{now} ha in {last_period}, or its register status changed. Decide it again."
    ).format(
        decision=decision, reviewer=who, when=when, period=get("earlier_period"), then=then, now=now,
        last_period=get("last_period"),
    )  # fmt: skip


def _period(label: str, latest: bool) -> str:
    words = _("undated") if label == "undated" else label
    return f"{words} ({_(wording.PROVISIONAL)})" if latest else words


def area_table(dossier: Dossier) -> pd.DataFrame | None:
    """The place's area (ha) and P(mine) per period, in time order, the latest marked provisional (None with one).

    Its columns are :data:`PERIOD_COLUMN`, :data:`AREA_COLUMN` and :data:`P_COLUMN` in the current language.
    """
    if len(dossier.periods) < 2:
        return None
    last = dossier.periods[-1].label
    return pd.DataFrame(
        {
            _(PERIOD_COLUMN): [_period(p.label, p.label == last) for p in dossier.periods],
            _(AREA_COLUMN): [round(p.area_ha, 2) for p in dossier.periods],
            _(P_COLUMN): [round(p.p_max, 2) for p in dossier.periods],
        }
    )


def _data_uri(image: DossierImage) -> str:
    png, _bar_m = barred(image.png, image.ground_width_m)
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def swipe_html(before: DossierImage, after: DossierImage) -> str:
    """A self-contained swipe view: the latest picture over the first, cut where the slider stands (no network)."""
    a, b = html.escape(before.label), html.escape(after.label)
    swipe = html.escape(_("Swipe between {before} and {after}").format(before=before.label, after=after.label))
    return f"""<!doctype html><html><head><meta charset="utf-8"><style>
body{{margin:0;font:13px sans-serif}} .box{{position:relative;width:{SWIPE_PX}px;height:{SWIPE_PX}px}}
.box img{{position:absolute;top:0;left:0;width:{SWIPE_PX}px;height:{SWIPE_PX}px;object-fit:contain}}
#top{{clip-path:inset(0 0 0 50%)}} input{{width:{SWIPE_PX}px}}
.tag{{position:absolute;z-index:2;top:4px;background:#000a;color:#fff;padding:1px 5px;border-radius:3px}}
</style></head><body><div class="box"><img id="under" alt="{a}" src="{_data_uri(before)}">
<img id="top" alt="{b}" src="{_data_uri(after)}"><span class="tag" style="left:4px">{a}</span>
<span class="tag" style="right:4px">{b}</span></div>
<input id="swipe" type="range" min="0" max="100" value="50" aria-label="{swipe}">
<script>const s=document.getElementById('swipe'),t=document.getElementById('top');
s.addEventListener('input',()=>{{t.style.clipPath='inset(0 0 0 '+s.value+'%)';}});</script></body></html>"""


def show_in_time(dossier: Dossier) -> None:
    """The first and the latest picture side by side, a swipe between them, and the area per period."""
    before, after = dossier.before, dossier.after
    if before is not None and after is not None and before.label != after.label:
        st.markdown(_("**Before and after**"))
        left, right = st.columns(2)
        for column, image in ((left, before), (right, after)):
            png, bar_m = barred(image.png, image.ground_width_m)
            column.image(
                png, caption=_("{picture} · bar {length}").format(picture=image.label, length=wording.metres(bar_m))
            )
        with st.expander(_("Swipe between the two dates"), expanded=False):
            st.iframe(swipe_html(before, after), height=SWIPE_PX + 40)  # our own HTML: labels escaped, no input
    elif after is not None or before is not None:
        st.caption(_("Seen in one period only: no earlier picture to compare with."))
    areas = area_table(dossier)
    if areas is not None:
        st.markdown(_("**Area per period (ha)**"))
        st.bar_chart(
            areas, x=_(PERIOD_COLUMN), y=_(AREA_COLUMN), horizontal=True, height=60 + 40 * len(areas), sort=False
        )
