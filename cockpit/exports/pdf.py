"""HTML → PDF with the local Chromium, fully offline.

The page is self-contained (charts as inline SVG, the font as a data: URL) and says so in a
Content-Security-Policy, so nothing can be fetched while printing even if a label held a URL.
Chromium honours ``@page { size }``, so one HTML section per page gives slide-shaped pages.
"""

from __future__ import annotations

import html
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from cockpit.exports.fonts import FAMILY, font_face_css

CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:"
_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-extensions",
    "--disable-default-apps", "--hide-scrollbars", "--mute-audio",
)  # fmt: skip


class PdfError(RuntimeError):
    pass


def chrome_path() -> str:
    for candidate in (os.environ.get("BROWSER_PATH"), "chromium", "chromium-browser", "google-chrome"):
        if candidate and (found := shutil.which(candidate)):
            return found
    raise PdfError("未找到 Chromium 浏览器，无法生成 PDF（请安装 chromium）")


def document(title: str, body: str, css: str = "") -> str:
    """A complete page around ``body`` with the CJK font embedded; ``body`` is trusted markup
    built by the caller with every data value escaped."""
    text = title + body
    return (
        "<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'>"
        f"<meta http-equiv='Content-Security-Policy' content=\"{CSP}\">"
        f"<title>{html.escape(title)}</title><style>{font_face_css(text)}\n"
        f"html,body{{margin:0;padding:0;font-family:'{FAMILY}',sans-serif;}}\n{css}</style></head>"
        f"<body>{body}</body></html>"
    )


def html_to_pdf(page: str, out: Path, timeout_s: float = 120.0) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="cockpit-pdf-") as tmp:
        source = Path(tmp) / "page.html"
        source.write_text(page, encoding="utf-8")
        target = Path(tmp) / "out.pdf"
        cmd = [chrome_path(), *_FLAGS, f"--user-data-dir={tmp}/profile", f"--print-to-pdf={target}",
               source.as_uri()]  # fmt: skip
        try:
            done = subprocess.run(cmd, capture_output=True, timeout=timeout_s, check=False)
        except subprocess.TimeoutExpired as exc:
            raise PdfError("生成 PDF 超时") from exc
        if not target.exists() or target.stat().st_size == 0:
            raise PdfError(f"Chromium 未能生成 PDF：{done.stderr.decode(errors='replace')[-300:]}")
        shutil.move(str(target), out)
    return out
