"""The AG Grid look of the desk pages' grids (region profile, explorer, audit) and its Chinese texts."""

from __future__ import annotations

import functools
import json
from pathlib import Path

# AG Grid's Theming API, in the dark desk colours; the font is named so that no web font is fetched.
GRID_THEME = {
    "function": "themeQuartz.withParams({backgroundColor: '#10233c', foregroundColor: '#e6eef8', "
    "headerBackgroundColor: '#142b4a', accentColor: '#4fb3ff', borderColor: '#1f3550', "
    "oddRowBackgroundColor: '#0f2037', browserColorScheme: 'dark', fontSize: 14, "
    "fontFamily: ['Noto Sans CJK SC', 'Microsoft YaHei', 'sans-serif']})"
}
LOCALE_FILE = Path(__file__).resolve().parents[1] / "vendor" / "ag-grid-locale-zh-cn.json"
# Where the house wording differs from AG Grid's own (its "of" in "1 至 20 的 200" reads as "of"
# does in English; 过滤 is 筛选 on every other page; a filter's conditions join with 且).
HOUSE_WORDING = {"noRowsToShow": "没有数据", "loadingOoo": "加载中…", "filterOoo": "筛选…", "of": "共",
                 "andCondition": "且", "blank": "为空", "notBlank": "不为空", "loadingError": "加载出错"}  # fmt: skip


@functools.cache
def ag_grid_locale() -> dict[str, str]:
    """AG Grid's own Simplified Chinese locale (vendored by tools/ag_grid_locale/fetch.sh for the AG
    Grid version dash-ag-grid ships) with the house wording on top: every text the grid draws."""
    vendored = json.loads(LOCALE_FILE.read_text(encoding="utf-8"))["locale"]
    return {**vendored, **HOUSE_WORDING}
