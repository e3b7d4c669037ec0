"""A site's dossier as a printable A4 PDF (fpdf2): the same content as the HTML page, numbered pages.

Text is set in DejaVu Sans, the TrueType font matplotlib ships, so Portuguese (ç, ã, é, º), ≥, ≤ and ° print as
written, with no font download. A synthetic dossier carries the banner at the top of every page.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import matplotlib
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace
from PIL import Image

from core.review.dossier_data import (
    AFTER,
    BEFORE,
    DECISION_HEADERS,
    INTRO,
    NEIGHBOUR_HEADERS,
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
from core.wording.translate import _

FONT = "DejaVu"
_FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
_MARGIN_MM = 15.0
_OUTLINE_MM = 70.0
_RED = (176, 0, 32)
_HEADINGS = FontFace(emphasis="BOLD", fill_color=(235, 235, 235))
# Characters a PDF string should not carry (control codes other than newline and tab).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


class _DossierPDF(FPDF):
    """An A4 page with the synthetic banner (when asked) on top and ``Page n of N`` at the foot."""

    def __init__(self, place_id: str, synthetic: bool) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.place_id = place_id
        self.synthetic = synthetic
        self.add_font(FONT, "", str(_FONT_DIR / "DejaVuSans.ttf"))
        self.add_font(FONT, "B", str(_FONT_DIR / "DejaVuSans-Bold.ttf"))
        self.set_margins(_MARGIN_MM, _MARGIN_MM + (8 if synthetic else 0), _MARGIN_MM)
        self.set_auto_page_break(True, margin=_MARGIN_MM + 2)

    def header(self) -> None:
        """The synthetic banner across the top of the page."""
        if not self.synthetic:
            return
        self.set_xy(0, 0)
        self.set_fill_color(*_RED)
        self.set_text_color(255, 255, 255)
        self.set_font(FONT, "B", 11)
        self.cell(self.w, 12, _(SYNTHETIC_BANNER), align="C", fill=True, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(0, 0, 0)
        self.set_y(self.t_margin)

    def footer(self) -> None:
        """``Site dossier <place> · Page n of N``."""
        self.set_y(-12)
        self.set_font(FONT, "", 8)
        self.set_text_color(90, 90, 90)
        # {nb}: fpdf2's alias, replaced by the number of pages when the document is output.
        foot = _("Site dossier {place_id}  ·  Page {page} of {pages}")
        self.cell(0, 6, _clean(foot.format(place_id=self.place_id, page=self.page_no(), pages="{nb}")), align="C")
        self.set_text_color(0, 0, 0)


def render_pdf(d: Dossier, zone: ZoneInfo | None = None) -> bytes:
    """The dossier as an A4 PDF (times in ``zone``, else the app's display zone).

    Raises:
        ValueError: the outline is not a polygon, or a picture is not a readable PNG.
    """
    pdf = _DossierPDF(d.place_id, d.synthetic)
    pdf.set_title(_clean(_("Site dossier {place_id}").format(place_id=d.place_id)))
    pdf.set_creator("MineScan")
    pdf.add_page()
    pdf.set_font(FONT, "B", 17)
    heading = _("Site dossier: {place_id}").format(place_id=d.place_id)
    pdf.multi_cell(0, 9, _clean(heading), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 9)
    pdf.multi_cell(0, 5, _(INTRO), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    _heading(pdf, _("Summary"))
    _key_values(pdf, facts(d, zone))
    _heading(pdf, _("Outline"))
    _outline(pdf, d)
    _heading(pdf, _("Area and P(mine) per period"))
    _table(pdf, headers(PERIOD_HEADERS), period_rows(d), (12, 27, 11, 10, 14, 14, 12), size=8)
    _images(pdf, d)
    _heading(pdf, _("Nearest registered dams and mines"))
    _table(pdf, headers(NEIGHBOUR_HEADERS), neighbour_rows(d), (10, 11, 17, 13, 13, 9, 11, 10, 8, 9), size=7)
    _heading(pdf, _("Decisions"))
    _table(pdf, headers(DECISION_HEADERS), decision_rows(d, zone), (16, 12, 10, 11, 10, 14, 24, 7, 8), size=7)
    _heading(pdf, _("Model versions"))
    _text(pdf, "\n".join(f"• {m}" for m in d.models) or _("None recorded."))
    _heading(pdf, _("Imagery recipe per period"))
    for period, rows in imagery_rows(d) or [(_("Not recorded."), [])]:
        if pdf.will_page_break(6 + 5 * min(len(rows), 6)):
            pdf.add_page()
        pdf.set_font(FONT, "B", 9)
        pdf.multi_cell(0, 6, _clean(period), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        if rows:
            _key_values(pdf, rows, size=8)
    return bytes(pdf.output())


def _clean(value: str) -> str:
    return _CONTROL.sub(" ", value)


def _heading(pdf: FPDF, title: str) -> None:
    if pdf.will_page_break(20):
        pdf.add_page()
    pdf.ln(3)
    pdf.set_font(FONT, "B", 12)
    pdf.cell(0, 8, title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_draw_color(180, 180, 180)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
    pdf.set_draw_color(0, 0, 0)
    pdf.ln(1.5)


def _text(pdf: FPDF, body: str, size: float = 9) -> None:
    pdf.set_font(FONT, "", size)
    pdf.multi_cell(0, 5, _clean(body), new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _key_values(pdf: FPDF, rows: list[tuple[str, str]], size: float = 9) -> None:
    pdf.set_font(FONT, "", size)
    with pdf.table(col_widths=(2, 5), first_row_as_headings=False, text_align="LEFT", line_height=size * 0.5,
                   padding=1) as table:  # fmt: skip
        for key, value in rows:
            row = table.row()
            row.cell(_clean(key))
            row.cell(_clean(value))
    pdf.ln(1)


def _table(pdf: FPDF, headers: tuple[str, ...], rows: list[tuple[str, ...]], widths: tuple[int, ...],
           size: float) -> None:  # fmt: skip
    if not rows:
        _text(pdf, _("None."))
        return
    pdf.set_font(FONT, "", size)
    with pdf.table(col_widths=widths, text_align="LEFT", line_height=size * 0.5, padding=0.8,
                   headings_style=_HEADINGS) as table:  # fmt: skip
        head = table.row()
        for h in headers:
            head.cell(h)
        for values in rows:
            row = table.row()
            for value in values:
                row.cell(_clean(value))
    pdf.ln(1)


def _outline(pdf: FPDF, d: Dossier) -> None:
    if pdf.will_page_break(_OUTLINE_MM + 4):
        pdf.add_page()
    x0, y0 = pdf.l_margin, pdf.get_y()
    drawing = draw_outline(d.outline_wkt, _OUTLINE_MM, _OUTLINE_MM, pad=5)
    pdf.set_draw_color(150, 150, 150)
    pdf.rect(x0, y0, _OUTLINE_MM, _OUTLINE_MM)
    pdf.set_draw_color(176, 96, 0)
    for rings, fill in ((drawing.shells, (244, 200, 90)), (drawing.holes, (255, 255, 255))):
        pdf.set_fill_color(*fill)
        for ring in rings:
            pdf.polygon([(x0 + x, y0 + y) for x, y in ring], style="DF")
    bar_m = scale_bar_length(_OUTLINE_MM * drawing.metres_per_unit)
    bar_mm = bar_m / drawing.metres_per_unit
    pdf.set_fill_color(40, 40, 40)
    pdf.rect(x0 + 3, y0 + _OUTLINE_MM - 5, bar_mm, 1.5, style="F")
    pdf.set_font(FONT, "", 7)
    pdf.text(x0 + 5 + bar_mm, y0 + _OUTLINE_MM - 3.5, scale_label(bar_m))
    pdf.text(x0 + _OUTLINE_MM - 5, y0 + 6, "N ↑")
    pdf.set_draw_color(0, 0, 0)
    pdf.set_fill_color(255, 255, 255)
    pdf.set_xy(x0 + _OUTLINE_MM + 5, y0)
    pdf.set_font(FONT, "", 7)
    note = _("North up, a local equirectangular projection. Outline as WKT (WGS84, longitude latitude):\n")
    pdf.multi_cell(pdf.w - pdf.r_margin - pdf.get_x(), 3.4, _clean(note + d.outline_wkt), align="L",
                   new_x=XPos.LMARGIN, new_y=YPos.NEXT)  # fmt: skip
    pdf.set_y(max(pdf.get_y(), y0 + _OUTLINE_MM) + 2)


def _images(pdf: FPDF, d: Dossier) -> None:
    pictures = [(_(role), img) for role, img in ((BEFORE, d.before), (AFTER, d.after))]
    width = (pdf.w - pdf.l_margin - pdf.r_margin - 6) / 2
    prepared = [(role, img, *_picture(img)) if img else (role, None, b"", 0.0, 0.0) for role, img in pictures]
    tallest = max((width * h / w for _role, img, _png, w, h in prepared if img), default=0.0)
    if pdf.will_page_break(tallest + 30):
        pdf.add_page()
    _heading(pdf, _("Before and after"))
    y0 = pdf.get_y()
    for i, (role, img, png, w_px, h_px) in enumerate(prepared):
        x = pdf.l_margin + i * (width + 6)
        if img is None:
            pdf.set_xy(x, y0)
            pdf.set_font(FONT, "", 8)
            pdf.multi_cell(width, 4, _("{role}: no picture.").format(role=role))
            continue
        pdf.image(io.BytesIO(png), x=x, y=y0, w=width, h=width * h_px / w_px, alt_text=f"{role}: {img.label}")
        pdf.set_xy(x, y0 + tallest + 1.5)
        pdf.set_font(FONT, "", 8)
        pdf.multi_cell(width, 4, _clean(image_caption(role, img)))
    pdf.set_xy(pdf.l_margin, y0 + tallest + 14)


def _picture(img: DossierImage) -> tuple[bytes, float, float]:
    png, _bar_m = with_scale_bar(img.png, img.ground_width_m)
    with Image.open(io.BytesIO(png)) as opened:
        w_px, h_px = opened.size
    return png, float(w_px), float(h_px)
