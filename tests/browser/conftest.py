"""A live cockpit server and a headless Chromium that records every request it makes."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from cockpit.settings import Settings

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"


def _require_chromium() -> None:
    if Path(CHROMIUM).exists():
        return
    if os.environ.get("CI"):
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: CI must run the browser tests (apt-get install chromium)"
        )
    pytest.skip("Chromium not installed (make test installs it)")


@dataclass
class LiveServer:
    url: str
    settings: Settings


@pytest.fixture
def live_server(settings: Settings, tmp_path: Path) -> Iterator[LiveServer]:
    from cockpit.app import create_app
    from etl.runner import run_feed

    src = tmp_path / "monthly.csv"
    rows = ["指标代码,地区名称,统计月份,指标值"]
    rows += [
        f"online_service_rate,{name},2026-10,{88 + i * 0.7:.1f}"
        for i, name in enumerate(
            [
                "山西省",
                "太原市",
                "大同市",
                "阳泉市",
                "长治市",
                "晋城市",
                "朔州市",
                "晋中市",
                "运城市",
                "忻州市",
                "临汾市",
                "吕梁市",
            ]
        )
    ]
    src.write_bytes(("\n".join(rows) + "\n").encode("gbk"))
    run_feed(settings, "indicator_monthly", str(src))
    app = create_app(settings)
    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveServer(f"http://127.0.0.1:{server.server_port}", settings)
    finally:
        server.shutdown()


@dataclass
class Browser:
    page: object
    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=False)  # type: ignore[attr-defined]
        return path


@pytest.fixture
def browser_page() -> Iterator[Browser]:
    _require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )  # fmt: skip
        context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
        page = context.new_page()
        recorder = Browser(page)
        page.on("request", lambda req: recorder.requests.append(req.url))
        page.on(
            "console", lambda msg: recorder.console_errors.append(msg.text) if msg.type == "error" else None
        )
        try:
            yield recorder
        finally:
            context.close()
            browser.close()
