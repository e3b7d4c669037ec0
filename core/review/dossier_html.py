"""A site's dossier as one self-contained HTML page: CSS inline, pictures inlined as PNG, no script, works offline.

Everything that comes from data is escaped with :func:`html.escape`, and the page's Content-Security-Policy allows no
script, no network and no frame: a note that holds markup shows as those characters.
"""

from __future__ import annotations

import base64
from html import escape
from zoneinfo import ZoneInfo

from core.review.dossier_data import (
    AFTER,
    BEFORE,
    DECISION_HEADERS,
    INTRO,
    NEIGHBOUR_HEADERS,
    NOTE_COLUMN,
    PERIOD_HEADERS,
    SYNTHETIC_BANNER,
    Dossier,
    DossierImage,
    decision_rows,
    draw_outline,
    facts,
    headers,
    image_caption,
    imagery_rows,
    neighbour_rows,
    period_rows,
)
from core.review.scale_bar import scale_bar_length, scale_label, with_scale_bar
from core.wording import translate
from core.wording.translate import _

_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; form-action 'none'; base-uri 'none'"
_SVG_SIZE = 320
_CSS = """
body { font-family: "DejaVu Sans", Arial, sans-serif; font-size: 14px; color: #1d1d1d; margin: 24px auto;
       max-width: 1100px; padding: 0 16px; }
h1 { font-size: 24px; margin-bottom: 4px; } h2 { font-size: 18px; border-bottom: 1px solid #ccc;
     padding-bottom: 3px; margin-top: 28px; } h3 { font-size: 15px; margin-bottom: 4px; }
table { border-collapse: collapse; margin: 6px 0; } th, td { border: 1px solid #bbb; padding: 4px 7px;
        text-align: left; vertical-align: top; } th { background: #f0f0f0; }
table.facts th { width: 290px; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.note { white-space: pre-wrap; max-width: 320px; overflow-wrap: anywhere; }
.pair { display: flex; gap: 16px; flex-wrap: wrap; } figure { margin: 0; flex: 1 1 0; min-width: 260px;
                                                                max-width: 520px; }
figure img { width: 100%; border: 1px solid #999; display: block; image-rendering: pixelated; }
figcaption { font-size: 13px; margin-top: 4px; } pre { white-space: pre-wrap; overflow-wrap: anywhere; }
.synthetic { background: #b00020; color: #fff; font-weight: bold; text-align: center; padding: 6px;
             letter-spacing: 0.5px; } .muted { color: #666; }
table.frame { width: 100%; margin: 0; } table.frame > * > tr > td { border: 0; padding: 0; }
@media print { body { margin: 0; max-width: none; } section { break-inside: avoid-page; }
               @page { size: A4; margin: 12mm; } }
"""


def render_html(d: Dossier, zone: ZoneInfo | None = None) -> str:
    """The dossier as a self-contained HTML page (times in ``zone``, else the app's display zone).

    Raises:
        ValueError: the outline is not a polygon, or a picture is not a readable PNG.
    """
    title = _("Site dossier {place_id} (synthetic demo data)") if d.synthetic else _("Site dossier {place_id}")
    title = title.format(place_id=d.place_id)
    heading = _("Site dossier: {place_id}").format(place_id=d.place_id)
    body = "\n".join(
        (
            f"<header><h1>{escape(heading)}</h1>{_muted(_(INTRO))}</header>",
            _section("summary", _("Summary"), _facts_table(d, zone)),
            _section("outline", _("Outline"), _outline(d)),
            _section("periods", _("Area and P(mine) per period"), _table("periods-table", headers(PERIOD_HEADERS),
                                                                         period_rows(d), numeric={2, 3, 4, 5})),
            _section("images", _("Before and after"), _images(d)),
            _section("register", _("Nearest registered dams and mines"), _neighbours(d)),
            _section("decisions", _("Decisions"), _decisions(d, zone)),
            _section("models", _("Model versions"), _list(d.models)),
            _section("imagery", _("Imagery recipe per period"), _imagery(d)),
        )
    )  # fmt: skip
    if d.synthetic:
        body = _synthetic_frame(body)
    return (
        f'<!DOCTYPE html>\n<html lang="{translate.current().replace("_", "-")}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n"
    )


def _synthetic_frame(body: str) -> str:
    """The page inside a table whose head and foot hold the banner: browsers repeat both on every printed page."""
    banner = f'<tr><td><div class="synthetic" role="note">{escape(_(SYNTHETIC_BANNER))}</div></td></tr>'
    return (
        f'<table class="frame" role="presentation"><thead>{banner}</thead><tfoot>{banner}</tfoot>'
        f"<tbody><tr><td>\n{body}\n</td></tr></tbody></table>"
    )


def _section(key: str, heading: str, content: str) -> str:
    return f'<section id="{key}"><h2>{escape(heading)}</h2>\n{content}\n</section>'


def _table(key: str, columns: tuple[str, ...], rows: list[tuple[str, ...]], numeric: set[int] | None = None,
           note: int | None = None) -> str:  # fmt: skip
    if not rows:
        return _muted(_("None."))
    head = "".join(f"<th>{escape(h)}</th>" for h in columns)
    lines = []
    for row in rows:
        cells = []
        for i, value in enumerate(row):
            kind = "num" if numeric and i in numeric else ("note" if i == note else "")
            cls = f' class="{kind}"' if kind else ""
            cells.append(f"<td{cls}>{escape(value)}</td>")
        lines.append(f"<tr>{''.join(cells)}</tr>")
    return f'<table id="{key}"><thead><tr>{head}</tr></thead><tbody>{"".join(lines)}</tbody></table>'


def _facts_table(d: Dossier, zone: ZoneInfo | None) -> str:
    rows = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in facts(d, zone))
    return f'<table class="facts" id="facts-table"><tbody>{rows}</tbody></table>'


def _outline(d: Dossier) -> str:
    drawing = draw_outline(d.outline_wkt, _SVG_SIZE, _SVG_SIZE, pad=24)
    path = " ".join(
        "M " + " L ".join(f"{x:.1f} {y:.1f}" for x, y in ring) + " Z" for ring in (*drawing.shells, *drawing.holes)
    )
    bar_m = scale_bar_length(_SVG_SIZE * drawing.metres_per_unit)
    bar_units = bar_m / drawing.metres_per_unit
    y = _SVG_SIZE - 10
    described = escape(_("Outline of the place, north up"))
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" id="outline-svg" width="{_SVG_SIZE}" height="{_SVG_SIZE}" '
        f'viewBox="0 0 {_SVG_SIZE} {_SVG_SIZE}" role="img" aria-label="{described}">'
        f'<rect width="{_SVG_SIZE}" height="{_SVG_SIZE}" fill="#fafafa" stroke="#999"/>'
        f'<path d="{path}" fill="#f4b400" fill-opacity="0.45" stroke="#b06000" stroke-width="2" '
        'fill-rule="evenodd"/>'
        f'<text x="{_SVG_SIZE - 18}" y="20" font-size="13" text-anchor="middle">N</text>'
        f'<path d="M {_SVG_SIZE - 18} 24 l -5 12 l 5 -4 l 5 4 Z" fill="#333"/>'
        f'<rect x="10" y="{y - 5}" width="{bar_units:.1f}" height="5" fill="#333"/>'
        f'<text x="{14 + bar_units:.1f}" y="{y}" font-size="12">{escape(scale_label(bar_m))}</text></svg>'
    )
    projection = _muted(_("North up, a local equirectangular projection of the WGS84 outline."))
    summary = escape(_("Outline as WKT (WGS84, longitude latitude)"))
    return (
        f"{svg}\n{projection}\n<details><summary>{summary}</summary>"
        f'<pre id="outline-wkt">{escape(d.outline_wkt)}</pre></details>'
    )


def _figure(key: str, role: str, image: DossierImage | None) -> str:
    """The picture of ``role`` (:data:`BEFORE` or :data:`AFTER`; ``key`` names it in the markup)."""
    if image is None:
        missing = _("{role}: no picture.").format(role=_(role))
        return f'<figure class="chip missing"><figcaption>{escape(missing)}</figcaption></figure>'
    png, _bar_m = with_scale_bar(image.png, image.ground_width_m)
    caption = image_caption(_(role), image)
    data = base64.b64encode(png).decode("ascii")
    return (
        f'<figure class="chip" data-role="{key}"><img alt="{escape(caption)}" '
        f'src="data:image/png;base64,{data}"><figcaption>{escape(caption)}</figcaption></figure>'
    )


def _images(d: Dossier) -> str:
    return f'<div class="pair">{_figure("before", BEFORE, d.before)}{_figure("after", AFTER, d.after)}</div>'


def _neighbours(d: Dossier) -> str:
    return _table("register-table", headers(NEIGHBOUR_HEADERS), neighbour_rows(d), numeric={8, 9})


def _decisions(d: Dossier, zone: ZoneInfo | None) -> str:
    return _table("decisions-table", headers(DECISION_HEADERS), decision_rows(d, zone), note=NOTE_COLUMN)


def _list(items: tuple[str, ...]) -> str:
    if not items:
        return _muted(_("None recorded."))
    return '<ul id="models-list">' + "".join(f"<li>{escape(i)}</li>" for i in items) + "</ul>"


def _imagery(d: Dossier) -> str:
    blocks = []
    for period, rows in imagery_rows(d):
        body = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in rows)
        blocks.append(f'<h3>{escape(period)}</h3><table class="facts recipe"><tbody>{body}</tbody></table>')
    return "\n".join(blocks) or _muted(_("Not recorded."))


def _muted(text: str) -> str:
    return f'<p class="muted">{escape(text)}</p>'
