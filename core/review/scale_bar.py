"""Scale bars for pictures of the ground: a round length that fits, and the bar drawn under a PNG."""

from __future__ import annotations

import io
import math

from PIL import Image, ImageDraw, ImageFont, UnidentifiedImageError

from core.wording.translate import _, localise_number

#: The share of the picture's width a scale bar aims to fill (at most).
BAR_SHARE = 0.25
_STRIP_PX = 30
_MARGIN_PX = 10


def scale_bar_length(ground_width_m: float, share: float = BAR_SHARE) -> float:
    """The largest round length (1, 2 or 5 times a power of ten metres) no longer than ``share`` of the width.

    ``scale_bar_length(2000)`` is 500 m, ``scale_bar_length(3000)`` 500 m, ``scale_bar_length(5000)`` 1 km.

    Raises:
        ValueError: a width that is not a positive, finite number of metres.
    """
    if not (math.isfinite(ground_width_m) and ground_width_m > 0):
        raise ValueError(
            _("ground width must be a positive number of metres; got {width}").format(width=ground_width_m)
        )
    target = ground_width_m * share
    power = 10.0 ** math.floor(math.log10(target))
    for step in (5.0, 2.0, 1.0):
        if step * power <= target * (1 + 1e-9):
            return step * power
    return power  # pragma: no cover - 1 x power <= target always holds


def scale_label(length_m: float) -> str:
    """``500 m``, ``1 km``, ``2.5 km``, ``0.5 m``: the bar's length as a person reads it (``2,5 km`` in pt-BR)."""
    if length_m >= 1000:
        km = length_m / 1000
        return localise_number(f"{km:g} km")
    return localise_number(f"{length_m:g} m")


def with_scale_bar(png: bytes, ground_width_m: float) -> tuple[bytes, float]:
    """The picture (as RGB PNG) with a white strip below it holding a scale bar, and the bar's length in metres.

    The bar sits under the picture, not on it, so it hides no pixel (and no bar a chip already carries).

    Raises:
        ValueError: ``png`` is not a picture Pillow can read, or the width is not a positive number of metres.
    """
    length_m = scale_bar_length(ground_width_m)
    try:
        with Image.open(io.BytesIO(png)) as opened:
            picture = opened.convert("RGB")
    except (UnidentifiedImageError, OSError) as exc:
        raise ValueError(_("the image is not a readable PNG ({error})").format(error=exc)) from None
    width, height = picture.size
    canvas = Image.new("RGB", (width, height + _STRIP_PX), (255, 255, 255))
    canvas.paste(picture, (0, 0))
    draw = ImageDraw.Draw(canvas)
    bar_px = max(2, round(length_m / ground_width_m * width))
    x0, y0 = _MARGIN_PX, height + 8
    draw.rectangle((x0, y0, x0 + bar_px, y0 + 6), fill=(0, 0, 0))
    draw.rectangle((x0 + bar_px // 2, y0 + 1, x0 + bar_px - 1, y0 + 5), fill=(255, 255, 255))
    font = ImageFont.load_default(size=min(16, max(10, width // 30)))
    draw.text((x0 + bar_px + 8, y0 - 4), scale_label(length_m), fill=(0, 0, 0), font=font)
    out = io.BytesIO()
    canvas.save(out, format="PNG", compress_level=6)  # optimize=True took 250 ms a picture for a few % fewer bytes
    return out.getvalue(), length_m
