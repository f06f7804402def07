"""A live cockpit server and a headless Chromium that records every request it makes."""

from __future__ import annotations

import contextlib
import os
import shutil
import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import expect
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


@contextlib.contextmanager
def serve(settings: Settings) -> Iterator[LiveServer]:
    """The cockpit on ``settings``, served on a free loopback port until the block ends (tiles
    refresh hourly, so a test sees only the renders it causes)."""
    from cockpit.app import create_app

    app = create_app(settings.model_copy(update={"refresh_seconds": 3600}))
    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveServer(f"http://127.0.0.1:{server.server_port}", settings)
    finally:
        server.shutdown()


def warehouse_copy(settings: Settings, root: Path, **updates: object) -> Settings:
    """``settings`` on a private copy of its warehouse (for tests that load feeds or change
    settings), without the alarm acknowledgements of other tests."""
    shutil.copytree(
        settings.warehouse_path, root / "warehouse", ignore=shutil.ignore_patterns("*.lock", "alarm_ack*")
    )
    return settings.model_copy(update={"warehouse_dir": root / "warehouse", **updates})


@pytest.fixture(scope="module")
def live_server(demo_warehouse: tuple[Settings, dict[str, object]]) -> Iterator[LiveServer]:
    """The cockpit on the demo warehouse, served on a loopback port for the module's tests."""
    with serve(demo_warehouse[0]) as server:
        yield server


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


BROWSER_USER = "browser-admin"  # province-wide administrator: every page and export


def sign_in(browser: Browser, server: LiveServer, username: str = BROWSER_USER, role: str = "admin",
            scope: str | None = None, next_path: str = "/login") -> None:  # fmt: skip
    """Signs the browser in through the real sign-in form (the account is created if missing)."""
    from tests.conftest import DEFAULT_TEST_PASSWORD, add_user

    add_user(server.settings, username, role, scope or server.settings.province_adcode)
    page = browser.page
    page.goto(server.url + next_path, wait_until="domcontentloaded")  # type: ignore[attr-defined]
    page.fill("#username", username)  # type: ignore[attr-defined]
    page.fill("#password", DEFAULT_TEST_PASSWORD)  # type: ignore[attr-defined]
    with page.expect_navigation(wait_until="domcontentloaded"):  # type: ignore[attr-defined]
        page.click("#login-submit")  # type: ignore[attr-defined]


def external_requests(requests: list[str], origin: str) -> list[str]:
    return [u for u in requests if not u.startswith(origin) and not u.startswith(("data:", "blob:"))]


def assert_clean(browser: Browser, origin: str) -> None:
    """Not a single request left ``origin`` and the console logged no error."""
    assert external_requests(browser.requests, origin) == []
    assert browser.console_errors == []


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
        # A test's parameter: the window's (width, height), or the context's options (a phone's
        # viewport, device_scale_factor, is_mobile, has_touch).
        size = getattr(request, "param", (1920, 1080))
        options = (
            dict(size) if isinstance(size, dict) else {"viewport": {"width": size[0], "height": size[1]}}
        )
        # Playwright's wait_for_function compiles its predicate with eval, which the cockpit's
        # content security policy forbids; tests marked ``csp`` run with the policy enforced and
        # wait with locators only.
        enforce = request.node.get_closest_marker("csp") is not None
        # The browser runs in UTC, not Beijing: what the wall shows must not depend on the zone of
        # the browser that drives it (the clock is formatted in the cockpit's zone).
        context = browser.new_context(**options, locale="zh-CN", timezone_id="UTC",
                                      bypass_csp=not enforce)  # fmt: skip
        page = context.new_page()
        recorder = Browser(page)
        page.on("request", lambda req: recorder.requests.append(req.url))
        page.on(
            "console", lambda msg: recorder.console_errors.append(msg.text) if msg.type == "error" else None
        )
        # Every page needs a session: sign in first unless the test is about signing in.
        server = next((request.getfixturevalue(name) for name in request.fixturenames
                       if name.endswith("server") and name != "server"), None)  # fmt: skip
        if isinstance(server, LiveServer) and request.node.get_closest_marker("anonymous") is None:
            sign_in(recorder, server)
        try:
            yield recorder
        finally:
            context.close()
            browser.close()


def wait_url(page: object, pattern: object, timeout: float = 30_000) -> None:
    """Waits for the address bar only: pages navigate in-document (pushState), so waiting for a
    "load" event as ``wait_for_url`` does by default can time out when the push raced it."""
    page.wait_for_url(pattern, wait_until="commit", timeout=timeout)  # type: ignore[attr-defined]


# --- the event desk pages (/emergency, /hotline, /regulation): one way to wait for them -------------
EVENT_MAP = ".panel-map .js-plotly-plot"
EVENT_REGIONS = f"{EVENT_MAP} .choroplethlayer path.choroplethlocation"


def settle_events(browser: Browser, url: object = None, crumbs: int = 0) -> list[str]:
    """Every panel filled (or showing its own error) and the map drawn, after the callbacks a
    navigation starts have all answered: waiting for "no panel loading" alone could pass in the
    moment before a drill's callbacks marked the panels loading (the old flaky settle).

    After a click: first waits for the address to match ``url`` and, with ``crumbs``, for the
    breadcrumb to have that many parts, which it returns (else an empty list)."""
    page = browser.page
    if url is not None:
        wait_url(page, url)
    parts = event_crumbs(browser, crumbs) if crumbs else []
    page.wait_for_load_state("networkidle", timeout=30_000)  # type: ignore[attr-defined]
    expect(page.locator(".events-panel.loading")).to_have_count(0, timeout=20_000)  # type: ignore[attr-defined]
    page.wait_for_selector(EVENT_REGIONS, timeout=20_000)  # type: ignore[attr-defined]
    page.wait_for_load_state("networkidle", timeout=30_000)  # type: ignore[attr-defined]
    return parts


def open_events(browser: Browser, url: str, shows: Mapping[str, str | Iterable[str]] | None = None) -> object:
    """Opens an event desk page and waits until it has settled; with ``shows`` (selector → the text or
    texts it must contain), checks what the page shows. Returns the browser's page."""
    page = browser.page
    page.goto(url, wait_until="networkidle")  # type: ignore[attr-defined]
    settle_events(browser)
    for selector, texts in (shows or {}).items():
        shown = page.inner_text(selector)  # type: ignore[attr-defined]
        for text in [texts] if isinstance(texts, str) else texts:
            assert text in shown, (selector, text)
    return page


def open_bad_url(browser: Browser, url: str, notices: Iterable[str]) -> None:
    """A tampered link to an event desk page opens the province, with each of ``notices`` in the
    header and no panel that failed to load."""
    page = open_events(browser, url, shows={".events-header": notices})
    assert event_crumbs(browser, 1) == ["山西省"]
    assert "暂时无法加载" not in page.inner_text("body")  # type: ignore[attr-defined]


def event_crumbs(browser: Browser, parts: int) -> list[str]:
    """The breadcrumb's parts, once it has ``parts`` of them."""
    browser.page.wait_for_function(  # type: ignore[attr-defined]
        "n => document.querySelector('.events-breadcrumb')?.innerText.split('›').length === n", arg=parts
    )
    return [p.strip() for p in browser.page.inner_text(".events-breadcrumb").split("›")]  # type: ignore[attr-defined]


# --- maps drawn by plotly: a region's shape, found from the figure ----------------------------------
def click_map_region(browser: Browser, graph: str, adcode: str) -> None:
    """Clicks a region's shape on the map in ``graph`` (a selector of the graph or of what holds it):
    its trace and position come from the figure, since status maps draw one fill trace per status,
    and the outline trace of regions in alarm is passed over."""
    found = browser.page.evaluate(  # type: ignore[attr-defined]
        """([sel, code]) => { const gd = document.querySelector(sel + ' .js-plotly-plot') || document.querySelector(sel);
             for (let t = 0; t < gd.data.length; t++) {
               if (gd.data[t].type !== 'choropleth' || gd.data[t].name === 'alarm') continue;
               const i = Array.from(gd.data[t].locations || []).indexOf(code); if (i >= 0) return [t, i]; }
             return null; }""",
        [graph, adcode],
    )
    assert found is not None, adcode
    trace, index = found
    path = f"{graph} .choroplethlayer .trace:nth-child({trace + 1}) path.choroplethlocation"
    browser.page.locator(path).nth(index).click(force=True)  # type: ignore[attr-defined]
