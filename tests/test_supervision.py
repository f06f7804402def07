"""13710 supervision: task states, 1-3-7-10 stages, overdue ages, on-time and 清零 rates, grouping by
department and region, and the /supervision page's panels and bad input."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import dash
import pytest

from cockpit.settings import Settings
from cockpit.warehouse.plan_queries import PlanQueries
from cockpit.warehouse.queries import Warehouse
from etl.runner import run_feed
from tests.conftest import component_text

TODAY = date(2026, 11, 28)
HEADER = "任务编号,任务名称,任务类别,责任单位,所属地区,规划任务序号,交办日期,办结时限,办结日期"
TASKS = [
    # id, category, department, adcode, assigned, deadline, completed — states as of 2026-11-28
    ("T1", "重点交办", "省司法厅", "141124", "2026-11-27", "2026-12-07", ""),  # day 1 of 10: 启动
    ("T2", "重点交办", "省司法厅", "141124", "2026-11-26", "2026-12-06", ""),  # day 2 of 10: 反馈
    ("T3", "重点任务", "吕梁市人民政府", "141100", "2026-11-01", "2026-12-31", ""),  # 45%: 办理
    ("T4", "重点任务", "吕梁市人民政府", "141100", "2026-10-01", "2026-12-01", ""),  # 95%: 临期
    ("T5", "重点交办", "太原市人民政府", "140100", "2026-11-08", "2026-11-18", ""),  # 10 days overdue
    ("T6", "重点工程", "太原市人民政府", "140100", "2026-05-01", "2026-08-20", ""),  # 100 days overdue
    ("T7", "重点交办", "临县人民政府", "141124", "2026-03-01", "2026-03-31", "2026-03-20"),  # on time
    ("T8", "重点交办", "临县人民政府", "141124", "2026-04-01", "2026-04-10", "2026-04-15"),  # late
    ("T11", "重点项目", "省大数据局", "140000", "2025-01-10", "2025-03-10", "2025-03-01"),
    ("T12", "重点改革", "省大数据局", "140000", "2025-06-01", "2025-12-31", ""),  # 332 days overdue
]


@pytest.fixture
def pq(settings: Settings, tmp_path: Path) -> PlanQueries:
    src = tmp_path / "tasks.csv"
    lines = [HEADER] + [f"{t[0]},任务{t[0]},{t[1]},{t[2]},{t[3]},24,{t[4]},{t[5]},{t[6]}" for t in TASKS]
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run_feed(settings, "supervision_tasks", str(src))
    assert result.counts.inserted == len(TASKS)
    return PlanQueries(Warehouse(settings))


def test_states_stages_and_overdue_ages(pq: PlanQueries) -> None:
    rows = pq.task_list("140000", TODAY).set_index("task_id")
    assert rows.index.tolist() == ["T12", "T6", "T5", "T4", "T2", "T1", "T3", "T8", "T7", "T11"]
    assert rows.loc[["T1", "T2", "T3", "T4"], "stage"].tolist() == ["启动", "反馈", "办理", "临期"]
    assert rows.loc["T4", "stage_status"] == "amber" and rows.loc["T1", "stage_status"] == "green"
    assert rows.loc[["T12", "T6", "T5"], "days_overdue"].tolist() == [332, 100, 10]
    assert set(rows.loc[["T12", "T6", "T5"], "state"]) == {"overdue"}
    assert rows.loc["T7", "state"] == "done_ontime" and rows.loc["T8", "state"] == "done_late"
    assert rows.loc["T1", "child_adcode"] == "141100"  # 临县's task counts for 吕梁市 at province level


def test_figures_rates_and_清零(pq: PlanQueries) -> None:
    f = pq.task_figures("140000", TODAY, 2026).iloc[0]
    assert (f["assigned"], f["due"], f["done_ontime"], f["done"]) == (8, 4, 1, 2)
    assert (f["open"], f["overdue"], f["max_days_overdue"]) == (4, 3, 332)
    assert f["ontime_rate"] == pytest.approx(25.0) and f["clear_rate"] == pytest.approx(50.0)
    by_child = pq.task_figures("140000", TODAY, 2026, "child").set_index("key")
    assert by_child.loc["141100", "assigned"] == 6 and by_child.loc["140100", "overdue"] == 2
    assert by_child.loc["140000", "overdue"] == 1  # the province's own (本级) tasks
    lvliang = pq.task_figures("141100", TODAY, 2026, "child").set_index("key")
    assert set(lvliang.index) == {"141100", "141124"} and lvliang.loc["141124", "assigned"] == 4
    by_dept = pq.task_figures("140000", TODAY, 2026, "department").set_index("key")
    assert (
        by_dept.loc["太原市人民政府", "overdue"] == 2 and by_dept.loc["临县人民政府", "ontime_rate"] == 50.0
    )


def test_department_filter(pq: PlanQueries) -> None:
    rows = pq.task_list("140000", TODAY, department="太原市人民政府")
    assert rows["task_id"].tolist() == ["T6", "T5"]
    assert pq.task_figures("140000", TODAY, 2026, department="太原市人民政府").iloc[0]["overdue"] == 2
    assert pq.departments("141100", TODAY)[0] in {"省司法厅", "吕梁市人民政府", "临县人民政府"}
    assert "太原市人民政府" not in pq.departments("141100", TODAY)


def test_profile_and_yearly_清零(pq: PlanQueries) -> None:
    profile = pq.task_profile("140000", TODAY)
    stages = profile[profile["kind"] == "stage"].set_index("label")["n"].to_dict()
    assert stages == {"启动": 1, "反馈": 1, "办理": 1, "临期": 1}
    overdue = profile[profile["kind"] == "overdue"].set_index("label")["n"].to_dict()
    assert overdue == {"逾期8–30天": 1, "逾期>90天": 2}
    years = pq.task_years("140000", TODAY).set_index("year")
    assert years.loc[2025].tolist() == [2, 1, 0, 0, 1] and years.loc[2026, "tasks"] == 8


def test_as_of_an_earlier_day(pq: PlanQueries) -> None:
    """States are as of the day asked: on 2026-04-12 T8 was open and overdue, T5/T6 not assigned yet."""
    rows = pq.task_list("140000", date(2026, 4, 12)).set_index("task_id")
    assert rows.loc["T8", "state"] == "overdue" and rows.loc["T8", "days_overdue"] == 2
    assert "T5" not in rows.index and "T1" not in rows.index


# --- the /supervision page --------------------------------------------------------------------
def test_layout_validates_parameters(demo_app_context: dash.Dash) -> None:
    from layouts import supervision as page

    text = component_text(page.layout(region="14", department="<script>", status="late"))
    assert "未知地区" in text and "责任单位“<script>”" in text and "任务状态“late”无效" in text


@pytest.mark.parametrize(
    "params",
    [{}, {"region": "141100", "status": "overdue"}, {"region": "141124", "status": "done"},
     {"department": "省司法厅", "status": "open"}],
)  # fmt: skip
def test_panels_render(demo_app_context: dash.Dash, params: dict[str, str]) -> None:
    from callbacks import supervision as cb
    from cockpit.services import current
    from layouts.supervision import parse_supervision_view

    view = parse_supervision_view(current(), params)
    assert not view.notices
    for name, (_output, renderer, _empty) in cb.PANELS.items():
        assert renderer(view, current()) is not None, name
    tasks = component_text(cb.render_tasks(view, current()))
    assert "督办任务" in tasks


def test_province_view_shows_overdue_with_age(demo_app_context: dash.Dash) -> None:
    from callbacks import supervision as cb
    from cockpit.services import current
    from layouts.supervision import parse_supervision_view

    view = parse_supervision_view(current(), {})
    # Counted here from the rows, independently of the page's queries.
    cur = current().warehouse.cursor()
    try:
        count, oldest = cur.execute(
            "SELECT count(*), max(date_diff('day', deadline, $today)) FROM supervision_task "
            "WHERE completed_at IS NULL AND deadline < $today",
            {"today": current().settings.today()},
        ).fetchone()
    finally:
        cur.close()
    assert count > 0
    overdue = component_text(cb.render_overdue(view, current()))
    assert f"逾期未办结 · {count}件（逾期最久的在前）" in overdue and f"{oldest}天" in overdue
    kpis = component_text(cb.render_kpis(view, current()))
    assert "按期办结率" in kpis and f"逾期未办结{count}件" in kpis
    by_region = component_text(cb.render_by_region(view, current()))
    assert "山西省（本级）" in by_region and "忻州市" in by_region


def test_department_choice_is_validated(demo_app_context: dash.Dash) -> None:
    from callbacks.supervision import department_search
    from cockpit.services import current
    from layouts.supervision import parse_supervision_view

    store = parse_supervision_view(current(), {"region": "140000"}).as_store()
    assert (
        department_search("省司法厅", store, current())
        == "?region=140000&department=%E7%9C%81%E5%8F%B8%E6%B3%95%E5%8E%85"
    )
    assert department_search("不存在的单位", store, current()) is None
    assert department_search(["省司法厅"], store, current()) is None
    assert department_search(None, store, current()) is None  # nothing to clear
    chosen = parse_supervision_view(current(), {"department": "省司法厅"}).as_store()
    assert department_search(None, chosen, current()) == "?region=140000"


def test_a_warehouse_built_before_the_rule_tables_still_works(pq: PlanQueries, settings: Settings) -> None:
    """Snapshots from before status_rule/supervision_stage existed: defaults, and no stages."""
    from cockpit.targets import Rules
    from cockpit.warehouse.snapshots import SnapshotStore, open_staging

    store = SnapshotStore(settings.warehouse_path)
    with store.writer_lock():
        staging = store.begin()
        with open_staging(staging) as con:
            con.execute("DROP TABLE supervision_stage")
            con.execute("DROP TABLE status_rule")
        store.publish(staging)
    old = PlanQueries(Warehouse(settings))
    assert old.rules() == Rules() and old.stages().empty
    rows = old.task_list("140000", TODAY).set_index("task_id")
    assert rows.loc["T1", "stage"] == "在办" and rows.loc["T5", "stage"] == "逾期"
    assert old.task_figures("140000", TODAY, 2026).iloc[0]["overdue"] == 3
