"""A CJK font that survives into PDFs: Noto Sans CJK SC, subset to the text used, as TrueType.

Chromium's PDF backend embeds TrueType-outline fonts as named CID fonts but turns CFF-outline
fonts (every face of Debian's fonts-noto-cjk) into anonymous Type 3 glyph procedures: the text
then can't be searched, copied or checked with ``pdffonts``. Subsetting to the characters of one
document and converting the outlines to quadratic curves takes well under a second, so every
PDF carries its own small named font.
"""

from __future__ import annotations

import base64
import io
import subprocess
from functools import lru_cache
from pathlib import Path

from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTCollection, TTFont, newTable

FAMILY = "Cockpit CJK"  # the @font-face name the PDF pages ask for
_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-{weight}.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-{weight}.ttc",
)
# Always kept, so numbers and punctuation typed later (page numbers) have glyphs.
_BASE = "".join(chr(c) for c in range(0x20, 0x7F)) + "，。、；：？！（）《》“”‘’…—·％年月日第页共万亿个百分点"


class FontMissing(RuntimeError):
    pass


@lru_cache(maxsize=2)
def noto_cjk(weight: str = "Regular") -> tuple[Path, int]:
    """The Noto Sans CJK collection file and the index of its Simplified Chinese face."""
    paths = [Path(c.format(weight=weight)) for c in _CANDIDATES]
    try:
        found = subprocess.run(
            ["fc-match", "-f", "%{file}", f"Noto Sans CJK SC:{weight.lower()}"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        ).stdout.strip()
        if found.endswith(".ttc"):
            paths.insert(0, Path(found))
    except (OSError, subprocess.SubprocessError):
        pass
    for path in paths:
        if path.exists():
            fonts = TTCollection(str(path), lazy=True).fonts
            for index, font in enumerate(fonts):
                if font["name"].getDebugName(6) == f"NotoSansCJKsc-{weight}":
                    return path, index
    raise FontMissing("未找到中文字体 Noto Sans CJK SC（请安装 fonts-noto-cjk）")


def subset_truetype(text: str, weight: str = "Regular") -> bytes:
    """The SC face subset to ``text`` (plus ASCII), with TrueType outlines."""
    path, index = noto_cjk(weight)
    font = TTFont(str(path), fontNumber=index)
    options = subset.Options()
    options.desubroutinize = True
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.layout_features = ["*"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes={ord(c) for c in set(text + _BASE)})
    subsetter.subset(font)
    _cff_to_glyf(font)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def font_face_css(text: str) -> str:
    """@font-face rules (regular and bold) with the subset fonts inlined as data: URLs."""
    rules = []
    for weight, css_weight in (("Regular", 400), ("Bold", 700)):
        try:
            data = base64.b64encode(subset_truetype(text, weight)).decode("ascii")
        except FontMissing:
            if weight == "Regular":
                raise
            continue  # without a bold face Chromium synthesises bold from the regular one
        rules.append(
            f"@font-face{{font-family:'{FAMILY}';font-weight:{css_weight};"
            f"src:url(data:font/ttf;base64,{data}) format('truetype');}}"
        )
    return "\n".join(rules)


def _cff_to_glyf(font: TTFont) -> None:
    """CFF → glyf, after fontTools' otf2ttf snippet: cubic curves approximated by quadratics."""
    order = font.getGlyphOrder()
    glyph_set = font.getGlyphSet()
    glyf = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = {}
    for name in order:
        pen = TTGlyphPen(glyph_set)
        glyph_set[name].draw(Cu2QuPen(pen, 1.0, reverse_direction=True))
        glyf.glyphs[name] = pen.glyph()
    font["loca"] = newTable("loca")
    font["glyf"] = glyf
    del font["CFF "]
    if "VORG" in font:
        del font["VORG"]
    glyf.compile(font)
    hmtx = font["hmtx"]
    for name, glyph in glyf.glyphs.items():
        if hasattr(glyph, "xMin"):
            hmtx[name] = (hmtx[name][0], glyph.xMin)
    maxp = newTable("maxp")
    maxp.tableVersion = 0x00010000
    for attr in ("maxZones",):
        setattr(maxp, attr, 1)
    for attr in ("maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs",
                 "maxStackElements", "maxSizeOfInstructions", "maxComponentElements"):  # fmt: skip
        setattr(maxp, attr, 0)
    font["maxp"] = maxp
    maxp.compile(font)
    post = font["post"]
    post.formatType = 3.0  # no glyph names: CID-keyed glyphs have none worth keeping
    font.sfntVersion = "\x00\x01\x00\x00"
