"""The card's typeface: DejaVu Sans, the copy bundled inside the matplotlib wheel.

A bundled font, never a system lookup: the card must look the same on a laptop, in a
slim container and in CI, and DejaVu covers Latin, Greek and Cyrillic names (Güven,
Łukasz, Ødegaard). It has no CJK glyphs: such characters come out as boxes (Pillow draws
the font's missing-glyph shape; nothing raises), which still keeps the row readable.
"""
from __future__ import annotations

import functools
import importlib.util
from pathlib import Path

REGULAR, BOLD = "DejaVuSans.ttf", "DejaVuSans-Bold.ttf"


class FontMissing(RuntimeError):
    """The bundled font files cannot be found (matplotlib is not installed)."""


@functools.cache
def font_folder() -> Path:
    """Where matplotlib keeps its TTF files, found without importing matplotlib (that
    import alone costs about half a second)."""
    spec = importlib.util.find_spec("matplotlib")
    if spec is None or not spec.submodule_search_locations:
        raise FontMissing("The result card needs matplotlib's bundled DejaVu fonts: pip install matplotlib.")
    folder = Path(spec.submodule_search_locations[0]) / "mpl-data" / "fonts" / "ttf"
    if not (folder / REGULAR).is_file():
        raise FontMissing(f"DejaVu Sans is missing from {folder}; reinstall matplotlib.")
    return folder


@functools.cache
def font(size: int, bold: bool = False):
    """DejaVu Sans at `size` pixels, loaded once per size and weight."""
    from PIL import ImageFont  # only pictures pay for Pillow

    return ImageFont.truetype(str(font_folder() / (BOLD if bold else REGULAR)), size)
