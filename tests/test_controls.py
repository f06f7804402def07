"""Every dropdown speaks Chinese: one constructor, and no page builds Dash's own."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from cockpit.ui.controls import DROPDOWN_LABELS, dropdown

ROOT = Path(__file__).resolve().parents[1]
CJK = re.compile(r"[\u4e00-\u9fff]")


def test_the_dropdown_has_every_word_of_dash_in_chinese() -> None:
    made = dropdown(id="x", options=[])
    assert made.labels == DROPDOWN_LABELS and made.placeholder == "请选择"
    assert set(DROPDOWN_LABELS) == {"select_all", "deselect_all", "selected_count", "search", "clear_search",
                                    "clear_selection", "no_options_found"}  # fmt: skip
    assert all(CJK.search(text) for text in DROPDOWN_LABELS.values())
    assert "{num_selected}" in DROPDOWN_LABELS["selected_count"]  # Dash fills the count in
    assert dropdown(id="y", placeholder="不分组").placeholder == "不分组"


def test_no_page_builds_dashs_dropdown_itself() -> None:
    found = []
    for folder in ("layouts", "callbacks", "cockpit"):
        for path in (ROOT / folder).rglob("*.py"):
            if path.name == "controls.py":
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "Dropdown"
                ):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert found == []  # use cockpit.ui.controls.dropdown


def test_grids_use_ag_grids_own_chinese_locale_for_the_version_shipped() -> None:
    import json

    import dash_ag_grid

    from cockpit.ui.grid import HOUSE_WORDING, LOCALE_FILE, ag_grid_locale

    vendored = json.loads(LOCALE_FILE.read_text(encoding="utf-8"))
    # Re-vendor with tools/ag_grid_locale/fetch.sh when dash-ag-grid moves to another AG Grid.
    assert f"locale {dash_ag_grid.__version__}," in vendored["source"]
    locale = ag_grid_locale()
    assert len(locale) > 700 and HOUSE_WORDING.items() <= locale.items()
    # Keys, date patterns and placeholders are not words: Ctrl+C, yyyy-mm-dd, DD MMMM YYYY, ${variable}.
    codes = re.compile(r"\$\{variable\}|\b(Ctrl|Shift)\b|\b[YMDymd]+\b")
    english = {
        k: v for k, v in locale.items() if re.search(r"[A-Za-z]{3,}", codes.sub("", v)) and not CJK.search(v)
    }
    assert english == {}


def test_every_grid_passes_the_locale() -> None:
    found = []
    for path in (ROOT / "layouts").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if "dag.AgGrid(" in text:
            found.append((path.name, "ag_grid_locale()" in text))
    assert found and all(ok for _name, ok in found), found
