"""Screenshots of a running cockpit in headless Chromium, with every request recorded.

    .venv/bin/python bench/screenshot.py http://127.0.0.1:8050/ out.png [--size 1920x1080] [--click-city]

Prints requests that left the app's origin (there must be none) and the time to a painted map.
"""

from __future__ import annotations

import argparse
import shutil
import time
from urllib.parse import urlparse

from playwright.sync_api import sync_playwright

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("out")
    parser.add_argument("--size", default="1920x1080")
    parser.add_argument("--wait", type=float, default=1.0)
    args = parser.parse_args()
    width, height = (int(x) for x in args.size.split("x"))
    origin = "{0.scheme}://{0.netloc}".format(urlparse(args.url))
    requests: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=shutil.which("chromium") or "/usr/bin/chromium", args=ARGS
        )
        page = browser.new_page(viewport={"width": width, "height": height}, locale="zh-CN")
        page.on("request", lambda r: requests.append(r.url))
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        started = time.perf_counter()
        page.goto(args.url, wait_until="networkidle")
        try:
            page.wait_for_selector(".choroplethlayer path", timeout=20000)
        except Exception as exc:  # still take the picture: it shows what went wrong
            print("map not painted:", type(exc).__name__)
        painted = time.perf_counter() - started
        time.sleep(args.wait)
        page.screenshot(path=args.out)
        external = [u for u in requests if not u.startswith(origin) and not u.startswith("data:")]
        print(
            f"map painted after {painted * 1000:.0f} ms; {len(requests)} requests; external: {external or 'none'}"
        )
        print("console errors:", errors or "none")
        browser.close()


if __name__ == "__main__":
    main()
