"""Plan queries on the demo warehouse: rules from data, inherited targets, the believable mix of
statuses, roll-ups and evaluation, and the /targets and /evaluation pages' panels and bad input."""

from __future__ import annotations

from pathlib import Path

import dash
import pandas as pd
import pytest

from cockpit import targets
from cockpit.settings import Settings
from cockpit.warehouse.plan_queries import PlanQueries
from cockpit.warehouse.queries import Warehouse
from etl.runner import run_feed
from tests.conftest import component_text

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
PROVINCE, LVLIANG, LINXIAN = "140000", "141100", "141124"
LAGGING_COUNTIES = {"灵丘县", "右玉县", "五台县", "繁峙县"}
LAGGING_CITIES = {"长治市", "忻州市"}


@pytest.fixture(scope="module")
def demo(demo_warehouse: tuple[Settings, dict[str, object]]) -> tuple[Settings, PlanQueries]:
    settings, _ = demo_warehouse
    return settings, PlanQueries(Warehouse(settings))


def test_rules_in_the_warehouse_match_the_seed(demo: tuple[Settings, PlanQueries]) -> None:
    _, pq = demo
    assert pq.rules() == targets.Rules.from_csv(SEEDS / "status_rules.csv")
    assert "99.5%以上视同达标" in pq.rule_notes()["regulatory_claim_rate"]
    stages = pq.stages()
    assert stages["until_share"].tolist() == [0.1, 0.3, 0.7, 1.0]  # the 1:3:7:10 rhythm


def test_targets_inherit_for_rates_but_not_for_counts(settings: Settings, tmp_path: Path) -> None:
    """A county without a target of its own is held to its city's for a rate; a count never inherits."""
    src = tmp_path / "t.csv"
    src.write_text(
        "指标代码,行政区划代码,年度,目标值\n"
        "online_service_rate,141100,2026,96.0\nonline_service_rate,140000,2026,95.0\n"
        "online_service_rate,141124,2026,93.0\ngrassroots_documents,141100,2026,60\n",
        encoding="utf-8",
    )
    run_feed(settings, "indicator_targets", str(src))
    pq = PlanQueries(Warehouse(settings))
    got = pq.resolved_targets(["online_service_rate", "grassroots_documents"], LVLIANG)
    rate = got[got["indicator_code"] == "online_service_rate"].set_index("adcode")
    assert rate.loc[LINXIAN, "target_value"] == 93.0 and rate.loc[LINXIAN, "target_source"] == "own"
    assert rate.loc["141102", "target_value"] == 96.0 and rate.loc["141102", "target_source"] == "inherited"
    assert rate.loc[LVLIANG, "target_source"] == "own"
    docs = got[got["indicator_code"] == "grassroots_documents"]
    assert docs["adcode"].tolist() == [LVLIANG]  # no county inherits a city's total
    deep = pq.resolved_targets(["online_service_rate"], PROVINCE, deep=True)
    assert deep.set_index("adcode").loc["140105", "target_value"] == 95.0  # from the province, two levels up


def test_every_status_is_the_one_definition(demo: tuple[Settings, PlanQueries]) -> None:
    _, pq = demo
    rules = pq.rules()
    for code in (
        "online_service_rate",
        "admin_review_correction_rate",
        "business_setup_days",
        "hotline_satisfaction_rate",
    ):
        ind = pq.indicator(code)
        frame = pq.assess_indicator(code, PROVINCE, 2026)
        for r in frame.itertuples():
            assert r.status == targets.status(
                r.value, r.pace_target, ind["direction"], rules.for_indicator(code)
            )


def test_demo_shows_a_believable_mix(demo: tuple[Settings, PlanQueries]) -> None:
    _, pq = demo
    province = pq.assess_region(PROVINCE, 2026, with_projection=False)
    counts = targets.counts(province["status"])
    assert counts["green"] >= 18 and counts["green"] + counts["amber"] == len(province)  # most on track
    alarms = pq.alarms(PROVINCE, 2026)
    reds = alarms.groupby("name").size().sort_values(ascending=False)
    assert set(reds.index[:4]) == LAGGING_COUNTIES  # the lagging counties are red on most indicators
    assert (reds >= 10).sum() == 4 and len(reds) > 4  # and a few others red on one or two
    cities = pq._assess_all(PROVINCE, 2026, False, False)
    cities = cities[cities["adcode"] != PROVINCE]
    names = dict(
        zip(pq._regions_in(PROVINCE, False)["adcode"], pq._regions_in(PROVINCE, False)["name"], strict=True)
    )
    amber = cities[cities["status"] == targets.AMBER].groupby("adcode").size().sort_values(ascending=False)
    assert {names[a] for a in amber.index[:2]} == LAGGING_CITIES
    share_green = (cities["status"] == targets.GREEN).mean()
    assert 0.6 < share_green < 0.95


def test_assess_indicator_ranks_siblings_with_movement(demo: tuple[Settings, PlanQueries]) -> None:
    _, pq = demo
    frame = pq.assess_indicator("online_service_rate", PROVINCE, 2026)
    assert frame["adcode"].iloc[0] == PROVINCE and len(frame) == 12
    cities = frame.iloc[1:]
    assert sorted(cities["rank"].tolist()) == list(range(1, 12))
    assert cities["movement"].notna().all()
    assert cities["proj_value"].notna().all() and frame["pace_share"].iloc[0] == pytest.approx(304 / 365)
    deep = pq.assess_indicator("online_service_rate", PROVINCE, 2026, deep=True, with_projection=False)
    assert (deep["level"] == "county").sum() == 117
    county_ranks = deep[deep["parent_adcode"] == LVLIANG]["rank"]
    assert (
        len(county_ranks) == 13 and county_ranks.min() == 1 and county_ranks.max() <= 13
    )  # among their city's


def test_pillar_rollup_adds_up(demo: tuple[Settings, PlanQueries]) -> None:
    _, pq = demo
    rollup = pq.pillar_rollup(PROVINCE, 2026)
    assert rollup["pillar_name"].tolist() == ["法治政府", "廉洁政府", "服务政府", "效能政府", "数字政府"]
    assert int(rollup["total"].sum()) == 23
    assert all(r.status == targets.worst([targets.RED] * r.red + [targets.AMBER] * r.amber + [targets.GREEN] * r.green)
               for r in rollup.itertuples())  # fmt: skip
    county = pq.pillar_rollup("140224", 2026)  # 灵丘县 lags
    assert int(county["red"].sum()) >= 8


def test_evaluation_covers_each_year_without_fallback(demo: tuple[Settings, PlanQueries]) -> None:
    _, pq = demo
    frame = pq.evaluation(PROVINCE, [2021, 2022, 2023, 2024, 2025])
    own = frame[frame["adcode"] == PROVINCE]
    assert sorted(own["year"].unique()) == [2021, 2022, 2023, 2024, 2025]
    assert own.groupby("year").size().min() == 23  # every indicator reported each plan year
    assert (own["pace_share"] == 1.0).all()  # a closed year is judged against the annual target
    assert (frame["period"].str[:4].astype(int) == frame["year"]).all()
    partial = pq.evaluation(PROVINCE, [2026])
    assert "admin_litigation_loss_rate" not in set(partial["code"])  # annual data for 2026 not in yet


# --- the /targets and /evaluation pages --------------------------------------------------------
def test_targets_layout_validates_every_parameter(demo_app_context: dash.Dash) -> None:
    from cockpit.ui import plan_page
    from layouts import targets as page

    body = page.layout(region="999999", indicator="<script>", year="1999", filter="x", pillar="y", task="99")
    text = component_text(body)
    for notice in (
        "未知地区",
        "未知指标",
        "年度“1999”无数据",
        "筛选条件",
        "未知建设领域",
        "规划任务“99”不存在",
    ):
        assert notice in text
    view = plan_page.parse_plan_view(
        __import__("cockpit.services").services.current(), "targets", {"region": "1411241"}
    )
    assert view.region == PROVINCE and view.notices


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"region": LVLIANG, "indicator": "hotline_satisfaction_rate", "filter": "off"},
        {"region": LINXIAN, "indicator": "admin_review_correction_rate", "year": "2024"},
        {"region": "140224", "indicator": "grassroots_documents"},  # a county has no value nor target: none
        {"pillar": "fazhi", "task": "4"},
    ],
)
def test_target_panels_render(demo_app_context: dash.Dash, params: dict[str, str]) -> None:
    from callbacks import targets as cb
    from cockpit.services import current
    from cockpit.ui import plan_page

    view = plan_page.parse_plan_view(current(), "targets", params)
    view = (
        view
        if view.indicator
        else plan_page.PlanView(
            **{**view.as_store(), "notices": (), "indicator": plan_page.default_indicator(view, current())}
        )
    )
    assert not view.notices
    for name, (_output, renderer, _empty) in cb.PANELS.items():
        out = renderer(view, current())
        assert out is not None, name
    table = component_text(cb.render_table(view, current()))
    assert "排名" in table and "序时目标" in table


def test_province_table_and_lagging_counties(demo_app_context: dash.Dash) -> None:
    from callbacks import targets as cb
    from cockpit.services import current
    from cockpit.ui.plan_page import PlanView

    view = PlanView("targets", PROVINCE, 2026, indicator="online_service_rate")
    table = cb.render_table(view, current())
    rows = table[1].children[1].children
    assert len(rows) == 12 and "山西省" in component_text(rows[0])
    lagging = component_text(cb.render_lagging(view, current()))
    assert any(name in lagging for name in LAGGING_COUNTIES)
    off = cb.render_table(
        PlanView("targets", PROVINCE, 2026, indicator="online_service_rate", filter="off"), current()
    )
    assert all(
        "预警" in component_text(r) or "落后" in component_text(r) for r in off[1].children[1].children[1:]
    )


def test_tree_filters_to_off_track(demo_app_context: dash.Dash) -> None:
    from callbacks import targets as cb
    from cockpit.services import current
    from cockpit.ui.plan_page import PlanView

    full = component_text(
        cb.render_tree(PlanView("targets", "140224", 2026, indicator="online_service_rate"), current())
    )
    off = component_text(
        cb.render_tree(
            PlanView("targets", "140224", 2026, indicator="online_service_rate", filter="off"), current()
        )
    )
    assert "全程网办率" in full and len(off) < len(full)
    assert "无量化指标" in full and "13710督办" in full


def test_drill_refuses_tampered_clicks(demo_app_context: dash.Dash) -> None:
    from callbacks.targets import drill_search
    from cockpit.services import current
    from cockpit.ui.plan_page import PlanView

    store = PlanView("targets", PROVINCE, 2026, indicator="online_service_rate", filter="off").as_store()
    assert drill_search({"points": [{"location": LVLIANG}]}, store, current()) == (
        "?region=141100&year=2026&indicator=online_service_rate&filter=off"
    )
    for bad in (
        None,
        {},
        {"points": []},
        {"points": [{"location": "999999"}]},
        {"points": [{"location": "<b>"}]},
    ):
        assert drill_search(bad, store, current()) is None
    assert drill_search({"points": [{"location": LVLIANG}]}, {"bogus": 1}, current()) is None


def test_evaluation_page_and_panels(demo_app_context: dash.Dash) -> None:
    from callbacks import evaluation as cb
    from cockpit.services import current
    from cockpit.ui import plan_page
    from layouts import evaluation as page

    text = component_text(page.layout(scope="bogus", region="abc"))
    assert "评估范围“bogus”无效" in text and "未知地区" in text
    for scope in ("final", "mid", "2023", "2026"):
        view = page.parse_scope(plan_page.parse_plan_view(current(), "evaluation", {}), current(), scope)
        for element_id, renderer in cb.PANELS.items():
            assert renderer(view, current()) is not None, (scope, element_id)
    final = page.parse_scope(plan_page.parse_plan_view(current(), "evaluation", {}), current(), "final")
    narrative = component_text(cb.render_narrative(final, current()))
    assert (
        narrative.startswith("总结评估（2021–2025年）：山西省23项监测指标中")
        and "下辖11个地区中" in narrative
    )
    regions = component_text(cb.render_regions(final, current()))
    assert regions.index("忻州市") < regions.index("吕梁市")  # the lagging city first


def test_evaluation_scope_years() -> None:
    from layouts.evaluation import scope_label, scope_years

    assert scope_years("final", (2021, 2025)) == ([2021, 2022, 2023, 2024, 2025], 2025)
    assert scope_years("mid", (2021, 2025)) == ([2021, 2022, 2023], 2023)
    assert scope_years("2024", (2021, 2025)) == ([2024], 2024)
    assert scope_label("mid", (2021, 2025)) == "中期评估（2023年）"


def test_plan_tree_has_five_pillars_and_31_tasks(demo: tuple[Settings, PlanQueries]) -> None:
    _, pq = demo
    tree = pq.plan_tree()
    assert tree["pillar_code"].nunique() == 5 and tree["task_no"].nunique() == 31
    assert tree["code"].dropna().nunique() == 23
    assert isinstance(tree, pd.DataFrame)


def test_init_refuses_bad_rule_seeds(tmp_path: Path) -> None:
    from cockpit.warehouse.build import read_indicators, read_plan_rules

    codes = set(read_indicators(SEEDS)["code"])
    rules, stages = read_plan_rules(SEEDS, codes)
    assert len(rules) == len(targets.read_rule_rows(SEEDS / "status_rules.csv")) and len(stages) == 4
    (tmp_path / "status_rules.csv").write_text(
        "indicator_code,amber_from\n*,0.97\nno_such_indicator,0.9\n", encoding="utf-8"
    )
    with pytest.raises(targets.RuleError, match="未知指标"):
        read_plan_rules(tmp_path, codes)
    (tmp_path / "status_rules.csv").write_text("indicator_code,pace\n*,weekly\n", encoding="utf-8")
    with pytest.raises(targets.RuleError, match="pace"):
        read_plan_rules(tmp_path, codes)
    (tmp_path / "status_rules.csv").write_text("indicator_code,amber_from\n*,0.97\n", encoding="utf-8")
    (tmp_path / "supervision_stages.csv").write_text(
        "category,stage,label,until_share,status,note\n*,a,启动,0.5,green,\n*,b,办理,0.3,green,\n",
        encoding="utf-8",
    )
    with pytest.raises(targets.RuleError, match="until_share"):
        read_plan_rules(tmp_path, codes)
    (tmp_path / "supervision_stages.csv").unlink()
    rules, stages = read_plan_rules(tmp_path, codes)  # no stage file: no stages, defaults apply
    assert stages.empty and rules["indicator_code"].tolist() == ["*"]


@pytest.mark.parametrize("region", ["140000", "141100", "141124"])
def test_each_view_reads_the_whole_trees_assessment_as_if_assessed_alone(
    demo: tuple[Settings, PlanQueries], region: str
) -> None:
    """Assessed once for the whole province per snapshot and year, a region's rows are what assessing
    that region (and its children) directly gives: a standing depends on its own values and target."""
    _, queries = demo
    for year in (2023, 2026):
        for deep, only, fallback in (
            (False, False, True),
            (True, False, False),
            (False, True, False),
            (False, True, True),
        ):
            direct = queries._assess(region, year, deep, False, only, fallback)
            shared = queries._assess_all(region, year, deep, False, only, fallback)
            pd.testing.assert_frame_equal(direct, shared, check_dtype=False)
