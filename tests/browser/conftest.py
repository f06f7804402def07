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


@pytest.fixture(scope="module")
def live_server(demo_warehouse: tuple[Settings, dict[str, object]]) -> Iterator[LiveServer]:
    """The cockpit on the demo warehouse, served on a loopback port for the module's tests."""
    from cockpit.app import create_app

    settings, _ = demo_warehouse
    app = create_app(settings.model_copy(update={"refresh_seconds": 3600}))
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


def external_requests(requests: list[str], origin: str) -> list[str]:
    return [u for u in requests if not u.startswith(origin) and not u.startswith(("data:", "blob:"))]


@pytest.fixture
def browser_page(request: pytest.FixtureRequest) -> Iterator[Browser]:
    _require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )  # fmt: skip
        size = getattr(request, "param", (1920, 1080))
        context = browser.new_context(viewport={"width": size[0], "height": size[1]}, locale="zh-CN")
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
