"""Grid exports (CSV/XLSX) equal the grid's filtered rows; tampered models are refused; drill-through
presets count what the profile's figures count; charts export to PNG/SVG/PDF with Chinese fonts."""

from __future__ import annotations

import io
import json
import re
import subprocess
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import pandas as pd
import pytest
from openpyxl import load_workbook

from cockpit.exports.tables import read_csv_export
from cockpit.settings import Settings
from cockpit.warehouse.explorer_queries import ExplorerQueries, FilterError, Query, compile_query
from tests.conftest import signed_in_client

NOW = datetime(2026, 11, 28, 23, 59, 59)
FILTER = {"region_name": {"filterType": "text", "type": "contains", "filter": "县"},
          "value": {"filterType": "number", "operator": "OR", "conditions": [
              {"filterType": "number", "type": "greaterThan", "filter": 50},
              {"filterType": "number", "type": "blank"}]}}  # fmt: skip
SORT = [{"colId": "value", "sort": "desc"}]


@pytest.fixture(scope="module")
def app(demo_warehouse: tuple[Settings, dict[str, object]]) -> Iterator[Any]:
    from cockpit.app import create_app

    settings, _ = demo_warehouse
    app = create_app(settings)
    with app.server.app_context():
        yield app


@pytest.fixture(scope="module")
def client(app: Any) -> Any:
    return signed_in_client(app, "staff")


@pytest.fixture(scope="module")
def queries(app: Any) -> ExplorerQueries:
    from cockpit.services import current

    return ExplorerQueries(current().warehouse)


def _grid_rows(queries: ExplorerQueries, q: Query) -> pd.DataFrame:
    """What the grid shows, block by block, as the infinite row model asks for it."""
    compiled = compile_query(q, NOW)
    total, _ = queries.count(compiled)
    blocks = [queries.page(compiled, start, start + 100) for start in range(0, total, 100)]
    frame = pd.concat(blocks, ignore_index=True) if blocks else pd.DataFrame()
    assert len(frame) == total
    return frame


def _url(fmt: str, **params: Any) -> str:
    flat = {
        k: json.dumps(v, ensure_ascii=False) if isinstance(v, dict | list) else v for k, v in params.items()
    }
    return f"/exports/grid.{fmt}?{urlencode(flat)}"


def test_csv_has_bom_header_block_and_the_grids_rows(client: Any, queries: ExplorerQueries) -> None:
    q = Query("indicator_value", "141100", "all", "online_service_rate", None, None, (), FILTER, tuple(SORT))
    grid = _grid_rows(queries, q)
    assert 100 < len(grid) < 2000 and (grid["region_name"].str.contains("县")).all()
    response = client.get(
        _url("csv", region="141100", indicator="online_service_rate", filter=FILTER, sort=SORT)
    )
    assert response.status_code == 200 and response.mimetype == "text/csv"
    data = response.data
    assert data.startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 only with the BOM
    with pytest.raises(UnicodeDecodeError):
        data.decode("ascii")
    head, table = read_csv_export(data)
    header = {row[0].rstrip("："): row[1] for row in head[1:]}
    assert head[0][0].startswith("指标数据")
    assert header["地区"].startswith("吕梁市（141100）")
    assert "政务服务事项全程网办率" in header["指标"]
    assert "地区 包含“县”" in header["表格筛选"] and "数值" in header["表格筛选"]
    assert (
        header["排序"] == "数值 降序"
        and header["数据截至"][:4] == "2026"
        and header["行数"] == str(len(grid))
    )
    assert (
        list(table.columns[:2]) == ["地区", "地区代码"]
        and "来源数据源" in table.columns
        and "入库时间" in table.columns
    )
    # The exported rows are the grid's rows, in the grid's order.
    assert table["地区代码"].tolist() == grid["adcode"].tolist()
    assert table["统计期"].tolist() == grid["period"].tolist()
    assert [float(v) if v else None for v in table["数值"]] == [
        None if pd.isna(v) else float(v) for v in grid["value"]
    ]
    assert set(table["来源数据源"]) == {"indicator_monthly"}


def test_xlsx_carries_the_same_rows_and_header(client: Any, queries: ExplorerQueries) -> None:
    q = Query("indicator_value", "141100", "children", None, "2026-10")
    grid = _grid_rows(queries, q)
    response = client.get(_url("xlsx", region="141100", scope="children", period="2026-10"))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = [[c for c in row] for row in sheet.iter_rows(values_only=True)]
    assert values[0][0].startswith("指标数据")
    start = next(i for i, row in enumerate(values) if row and row[0] == "地区")
    labels = dict((r[0], r[1]) for r in values[1:start] if r and r[0])
    assert labels["统计期："] == "2026年10月" and "下级" in labels["地区："]
    rows = values[start + 1 :]
    assert len(rows) == len(grid)
    assert [r[1] for r in rows] == grid["adcode"].tolist()
    assert isinstance(rows[0][values[start].index("入库时间")], datetime)


def test_grouping_is_done_in_duckdb(queries: ExplorerQueries) -> None:
    q = Query("indicator_value", "141100", "all", "online_service_rate", "2026-10", group=("level",))
    frame = _grid_rows(queries, q)
    assert dict(zip(frame["level"], frame["row_count"], strict=True)) == {"市": 1, "县": 13}


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"filter": {"x; DROP TABLE region": {"filterType": "text", "type": "equals", "filter": "a"}}},
            "未知的列",
        ),
        ({"filter": {"value": {"filterType": "text", "type": "equals", "filter": "a"}}}, "不支持"),
        (
            {"filter": {"value": {"filterType": "number", "type": "equals", "filter": "1 OR 1=1"}}},
            "数值筛选值无效",
        ),
        (
            {"filter": {"loaded_at": {"filterType": "date", "type": "lessThan", "dateFrom": "now()"}}},
            "无法识别",
        ),
        ({"filter": {"region_name": {"filterType": "text", "type": "regexp", "filter": ".*"}}}, "不支持"),
        ({"filter": "not json"}, "无法解析"),
        ({"sort": [{"colId": "value; DROP", "sort": "asc"}]}, "未知的排序列"),
        ({"sort": [{"colId": "value", "sort": "sideways"}]}, "排序方向"),
        ({"group": "value"}, "不能分组"),
        ({"dataset": "region"}, "未知的数据集"),
        ({"region": "999999"}, "未知地区"),
        ({"region": "141100' OR '1'='1"}, "未知地区"),
        ({"preset": "everything"}, "未知的预设"),
        ({"scope": "world"}, "范围"),
    ],
)
def test_tampered_requests_get_a_clear_400(client: Any, params: dict[str, Any], message: str) -> None:
    response = client.get(_url("csv", **({"region": "141100"} | params)))
    assert response.status_code == 400
    assert message in response.get_json()["error"]


def test_injection_in_a_value_is_just_a_value(queries: ExplorerQueries) -> None:
    evil = {"region_name": {"filterType": "text", "type": "equals", "filter": "' OR 1=1 --"}}
    compiled = compile_query(Query("indicator_value", "141100", filter_model=evil), NOW)
    assert queries.count(compiled)[0] == 0
    with pytest.raises(FilterError):
        compile_query(Query("indicator_value", "141100", filter_model={"value": {"filterType": "number",
                      "conditions": [{"type": "equals", "filter": 1}] * 50}}), NOW)  # fmt: skip


def test_a_county_scope_never_shows_other_regions(queries: ExplorerQueries) -> None:
    for dataset in ("indicator_value", "hotline_ticket", "inspection"):
        frame = queries.rows(compile_query(Query(dataset, "141124"), NOW))
        assert not frame.empty and set(frame["adcode"]) == {"141124"}


def test_drill_through_presets_count_what_the_figures_count(app: Any, queries: ExplorerQueries) -> None:
    from cockpit.services import current
    from cockpit.warehouse.plan_queries import PlanQueries

    board = current().queries
    for region in ("140000", "141100"):
        hot, ins = board.hotline.hotline_pulse(region, NOW), board.regulation.inspection_pulse(region, NOW)
        sup = PlanQueries(current().warehouse).task_summary(region, NOW.date(), NOW.year)

        def count(dataset: str, preset: str, region: str = region) -> int:
            return queries.count(compile_query(Query(dataset, region, preset=preset), NOW))[0]

        assert count("emergency_incident", "active") == len(board.emergency.active_incidents(region, NOW))
        assert count("emergency_warning", "in_force") == len(board.emergency.warnings_in_force(region, NOW))
        assert count("hotline_ticket", "month") == hot["month"]
        assert count("hotline_ticket", "today") == hot["today"]
        assert count("inspection", "year") == ins["planned"]
        assert count("supervision_task", "open") == sup["open"]
        assert count("supervision_task", "overdue") == sup["overdue"]


def test_charts_export_to_png_svg_pdf_with_cjk_fonts(client: Any, tmp_path: Any) -> None:
    base = "region=141100&period=2026-10&indicator=online_service_rate"
    png = client.get(f"/exports/chart/trend.png?{base}")
    assert png.status_code == 200 and png.data[:8] == b"\x89PNG\r\n\x1a\n"
    from PIL import Image

    assert Image.open(io.BytesIO(png.data)).size == (3600, 2025)  # 1200×675 at 3x
    svg = client.get(f"/exports/chart/map.svg?{base}")
    assert svg.status_code == 200
    text = svg.data.decode("utf-8")
    assert "<svg" in text and "吕梁市" in text and "数据截至2026年10月" in text and "来源" in text
    pdf = client.get(f"/exports/chart/ranking.pdf?{base}")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    path = tmp_path / "chart.pdf"
    path.write_bytes(pdf.data)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"Noto-?Sans-?CJK-?SC", fonts, re.I) and "Type 3" not in fonts, fonts
    assert not re.search(r"CJK-?(JP|KR|TC|HK)", fonts, re.I), fonts  # chart text in the Simplified face
    words = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "吕梁市" in words and "数据截至2026年10月" in words
    assert client.get(f"/exports/chart/pie.png?{base}").status_code == 404
    assert client.get("/exports/chart/trend.gif?region=141100").status_code == 404
    bad = client.get("/exports/chart/trend.png?region=999999")
    assert bad.status_code == 400 and "未知地区" in bad.get_json()["error"]
