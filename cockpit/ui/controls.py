"""Form controls in Chinese: every dropdown of every page comes from here.

Dash's dropdown writes its own words in English ("Search", "Select All", "No options found");
its ``labels`` prop replaces them, so a page that built ``dcc.Dropdown`` itself would show English
to a leader the moment a list is opened or a search finds nothing.
"""

from __future__ import annotations

from typing import Any

from dash import dcc

DROPDOWN_LABELS: dcc.Dropdown.Labels = {
    "select_all": "全选",
    "deselect_all": "全不选",
    "selected_count": "已选 {num_selected} 项",
    "search": "搜索",
    "clear_search": "清除搜索",
    "clear_selection": "清除所选",
    "no_options_found": "没有匹配的选项",
}


def dropdown(**props: Any) -> dcc.Dropdown:
    """``dcc.Dropdown`` with its own words in Chinese (and a Chinese placeholder unless one is given)."""
    props.setdefault("placeholder", "请选择")
    return dcc.Dropdown(labels=DROPDOWN_LABELS, **props)
