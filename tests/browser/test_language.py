"""Chinese throughout (issue 22): every page, and every dropdown opened on it, shows no English word
but codes, units and names on a short list.

The words are read from what a person sees (``innerText``, placeholders, labels of the page's own
controls), after the page has settled, so a library's default text ("No options found", "Search",
"Select All", "Loading…") is caught as well as our own. Not read: what is marked as code
(``<code>``: a command, a file, a feed's code beside its name) and the data cells of a grid (the
rows as stored: an audit entry's action, a ticket's channel).
"""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import BROWSER_USER, Browser, LiveServer

pytestmark = pytest.mark.browser

PAGES = ("/", "/targets", "/evaluation", "/supervision", "/emergency", "/regulation", "/hotline", "/explorer",
         "/feeds", "/reconcile", "/admin/audit", "/region/141100")  # fmt: skip
# Words a Chinese government screen writes in Latin letters: file formats, encodings, units,
# product and standard names. Codes (snake_case feed and indicator codes) are matched by pattern.
ALLOWED = {"PPTX", "PDF", "CSV", "XLSX", "PNG", "SVG", "JSON", "TOML", "HTTP", "HTTPS", "URL", "API", "GBK",
           "UTF", "BOM", "Excel", "WPS", "KPI", "GDP", "CPI", "ID", "IP", "Q1", "Q2", "Q3", "Q4", "GB",
           "km", "kWh", "mm", "ms", "CNY", "GCJ", "APP"}  # fmt: skip
CODE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")  # online_service_rate, hotline_tickets
WORD = re.compile(r"[A-Za-z]{2,}")
SEEN = """() => {
  const hidden = [...document.querySelectorAll('code, .ag-cell')];
  hidden.forEach((el) => { el.dataset.langTest = el.style.visibility; el.style.visibility = 'hidden'; });
  const texts = [document.body.innerText];
  hidden.forEach((el) => { el.style.visibility = el.dataset.langTest; delete el.dataset.langTest; });
  for (const el of document.querySelectorAll('input[placeholder], textarea[placeholder]')) texts.push(el.placeholder);
  for (const el of document.querySelectorAll('[aria-label]')) texts.push(el.getAttribute('aria-label'));
  return texts.join('\\n');
}"""


def english_words(text: str, allowed: set[str]) -> set[str]:
    return {w for w in WORD.findall(CODE.sub(" ", text)) if w not in allowed}


def settle_page(browser: Browser) -> None:
    page = browser.page
    page.wait_for_load_state("networkidle", timeout=30_000)  # type: ignore[attr-defined]
    page.wait_for_timeout(300)  # type: ignore[attr-defined]  # the last callbacks' answers painted
    page.wait_for_load_state("networkidle", timeout=30_000)  # type: ignore[attr-defined]


def test_every_page_and_every_dropdown_speaks_chinese(live_server: LiveServer, browser_page: Browser) -> None:
    page = browser_page.page
    allowed = ALLOWED | set(WORD.findall(BROWSER_USER))  # the signed-in user's own name
    # The search box's example is what to type: pinyin initials (如 临县 / lx).
    page.goto(live_server.url + "/", wait_until="networkidle")  # type: ignore[attr-defined]
    example = page.inner_text("#screen-search")  # type: ignore[attr-defined]
    allowed |= set(re.findall(r"/ ([a-z]+)）", example))
    found: dict[str, set[str]] = {}
    opened = 0
    for path in PAGES:
        page.goto(live_server.url + path, wait_until="networkidle")  # type: ignore[attr-defined]
        settle_page(browser_page)
        if words := english_words(page.evaluate(SEEN), allowed):  # type: ignore[attr-defined]
            found[path] = words
        triggers = page.locator(".dash-dropdown-wrapper")  # type: ignore[attr-defined]
        for index in range(triggers.count()):
            trigger = triggers.nth(index)
            if not trigger.is_visible():
                continue
            trigger.click()
            content = page.locator(".dash-dropdown-content")  # type: ignore[attr-defined]
            content.first.wait_for(timeout=5_000)
            opened += 1
            if words := english_words(page.evaluate(SEEN), allowed):  # type: ignore[attr-defined]
                found[f"{path} dropdown {index + 1}"] = words
            page.keyboard.press("Escape")  # type: ignore[attr-defined]
            content.first.wait_for(state="hidden", timeout=5_000)
    assert opened >= 8  # the wall's search, the explorer's six, the event pages' filters …
    assert found == {}, "\n".join(f"{where}: {sorted(words)}" for where, words in found.items())
