"""The CJK face every export prints with: Noto Sans CJK SC, found by name through fontconfig.

WeasyPrint (PDF: ``cockpit.exports.pdf``) and kaleido's Chromium (PNG/SVG: ``cockpit.exports.charts``)
both resolve a family by name. The Simplified Chinese face is named explicitly: Debian's
fonts-noto-cjk puts every language's face in one collection, and a generic family (or the chart's
own family list ending in ``sans-serif``) lets fontconfig pick the Japanese face, whose 门, 关 and
骨 are drawn the Japanese way. WeasyPrint embeds the subset of the face it used as a named CID
font (``pdffonts`` lists it, the text can be searched and copied), not as Type 3 glyph procedures.
"""

from __future__ import annotations

import subprocess
from functools import lru_cache

FAMILY = "Noto Sans CJK SC"  # the face every export asks for by name


class FontMissing(RuntimeError):
    pass


@lru_cache(maxsize=1)
def require_cjk_font() -> None:
    """Raises FontMissing unless fontconfig knows the Simplified Chinese face (checked once per
    process: without it every Chinese character would print as a box or in another face)."""
    try:
        listed = subprocess.run(
            ["fc-list", FAMILY, "family"], capture_output=True, text=True, timeout=10, check=False
        ).stdout
    except (OSError, subprocess.SubprocessError):
        listed = ""
    if FAMILY not in listed:
        raise FontMissing("未找到中文字体 Noto Sans CJK SC（请安装 fonts-noto-cjk）")
