"""The one search of regions and indicators: its options (the wall's box and the phone's search
read the same list) and a placeholder that names an example of this province's own."""

from __future__ import annotations

from typing import Any

from cockpit.services import current


def search_options() -> list[dict[str, Any]]:
    """One box for regions and indicators, by Chinese name, short name or pinyin, initials or full, in
    any reading of its characters (临县 / lx / linxian; 长治 / cz / changzhi; 全程网办率 / qcwbl).

    dcc.Dropdown (Dash 4, js-search) lower-cases what is typed, splits it at spaces and keeps the
    options where every word is a substring of a word of the value, label or ``search`` text: so
    ``chang zhi`` finds the key changzhi, and keys are lower case words without spaces."""
    frame = current().queries.screen.search_index()
    options = []
    for r in frame.itertuples():
        kind = "地区" if r.kind == "region" else "指标"
        search = " ".join(str(x) for x in (r.label, r.short_name, r.keys, r.value) if isinstance(x, str))
        options.append({"label": f"{r.label}（{kind}）", "value": f"{r.kind}:{r.value}", "search": search})
    return options


def search_placeholder() -> str:
    """An example taken from this province's own counties, so the hint fits whichever province is set."""
    counties = current().warehouse.regions("county")
    if counties.empty:
        return "一键搜索：地区或指标"
    example = counties.iloc[len(counties) // 2]
    return f"一键搜索：地区或指标（如 {example['short_name']} / {example['pinyin_initials']}）"
