"""Structural checks for seeds/plan.yaml (山西省“十四五”政府治理能力现代化规划).

The verbatim check against the source text lives outside the test suite (tests must not read
/work/shared); here we check structure and the invariants the cockpit relies on.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest
import yaml

PLAN_PATH = Path(__file__).resolve().parents[1] / "seeds" / "plan.yaml"

PILLAR_CODES = ["fazhi", "lianjie", "fuwu", "xiaoneng", "shuzi"]
PILLAR_NAMES = ["法治政府", "廉洁政府", "服务政府", "效能政府", "数字政府"]
COCKPIT_SYSTEMS = {
    "13710",
    "hotline_12345",
    "online_service",
    "internet_regulation",
    "emergency",
    "credit",
    "law_enforcement",
    "open_government",
    "cloud_network",
    "none",
}
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def plan() -> dict:
    with PLAN_PATH.open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    assert isinstance(data, dict)
    return data


@pytest.fixture(scope="module")
def tasks(plan: dict) -> list[dict]:
    return plan["tasks"]


def _task(tasks: list[dict], no: int) -> dict:
    (match,) = [t for t in tasks if t["no"] == no]
    return match


def test_plan_header(plan: dict) -> None:
    meta = plan["plan"]
    assert meta["code"] == "shanxi-14th-governance"
    assert meta["title"] == "山西省“十四五”政府治理能力现代化规划"
    assert meta["document_no"] == "晋政发〔2021〕32号"
    assert meta["period"] == [2021, 2025]
    assert "中期评估" in meta["evaluation"] and "总结评估" in meta["evaluation"]


def test_five_pillars_in_order(plan: dict) -> None:
    pillars = plan["pillars"]
    assert [p["code"] for p in pillars] == PILLAR_CODES
    assert [p["name"] for p in pillars] == PILLAR_NAMES
    assert [p["ordinal"] for p in pillars] == [1, 2, 3, 4, 5]
    for p in pillars:
        assert p["heading"].endswith("建设" + p["name"])
        assert p["section"].startswith("三(")


def test_task_key_is_not_yaml_boolean(tasks: list[dict]) -> None:
    # an unquoted `no:` key is parsed by PyYAML as False
    for t in tasks:
        assert "no" in t and False not in t


def test_31_tasks_numbered_1_to_31(tasks: list[dict]) -> None:
    assert len(tasks) == 31
    assert [t["no"] for t in tasks] == list(range(1, 32))
    for t in tasks:
        assert t["pillar"] in PILLAR_CODES


def test_task_numbers_contiguous_per_pillar(tasks: list[dict]) -> None:
    seen_order: list[str] = []
    for t in tasks:
        if not seen_order or seen_order[-1] != t["pillar"]:
            seen_order.append(t["pillar"])
    # each pillar forms exactly one run, in pillar order
    assert seen_order == PILLAR_CODES
    for code in PILLAR_CODES:
        nos = [t["no"] for t in tasks if t["pillar"] == code]
        assert nos, code
        assert nos == list(range(nos[0], nos[-1] + 1)), code


def test_pillar_task_mapping(tasks: list[dict]) -> None:
    expected = {
        "fazhi": range(1, 7),
        "lianjie": range(7, 12),
        "fuwu": range(12, 19),
        "xiaoneng": range(19, 26),
        "shuzi": range(26, 32),
    }
    for code, nos in expected.items():
        assert [t["no"] for t in tasks if t["pillar"] == code] == list(nos)


def test_titles_are_chinese_without_trailing_punctuation(tasks: list[dict]) -> None:
    for t in tasks:
        title = t["title"]
        assert isinstance(title, str) and title.strip() == title and title
        assert CJK.search(title), t["no"]
        assert not re.match(r"^\d", title), f"task {t['no']} title keeps its number"
        last = title[-1]
        assert not unicodedata.category(last).startswith("P"), f"task {t['no']} ends with {last!r}"
        assert "。" not in title


def test_task_summaries(tasks: list[dict]) -> None:
    for t in tasks:
        assert isinstance(t["summary"], str) and CJK.search(t["summary"])
        assert 40 <= len(t["summary"]) <= 80, (t["no"], len(t["summary"]))


def test_task_lists_and_system_vocabulary(tasks: list[dict]) -> None:
    for t in tasks:
        assert isinstance(t["departments"], list)
        systems = t["cockpit_systems"]
        assert isinstance(systems, list) and systems, t["no"]
        assert all(isinstance(s, str) for s in systems), t["no"]
        assert set(systems) <= COCKPIT_SYSTEMS, t["no"]
        assert "none" not in systems or systems == ["none"], t["no"]


def test_known_system_links(tasks: list[dict]) -> None:
    assert "13710" in _task(tasks, 24)["cockpit_systems"]
    t31 = set(_task(tasks, 31)["cockpit_systems"])
    assert {"emergency", "internet_regulation"} <= t31


def test_baselines(plan: dict) -> None:
    baselines = plan["baselines"]
    assert baselines
    for b in baselines:
        assert set(b) >= {"metric", "value", "unit", "scope", "quote"}
        assert isinstance(b["value"], int | float) and not isinstance(b["value"], bool)
        assert CJK.search(b["metric"]) and b["quote"]
        # the number must appear in the quote unless it was spelled in Chinese (一半, 五级)
        if str(b["value"]) not in b["quote"]:
            assert any(w in b["quote"] for w in ("一半", "五级")), b
    by_value = {(b["value"], b["unit"]) for b in baselines}
    for expected in [(90, "%"), (80, "%"), (100, "%"), (98, "%"), (1276, "项"), (4324, "件"), (4492, "件")]:
        assert expected in by_value, expected


def test_departments(plan: dict) -> None:
    names = [d["name"] for d in plan["departments"]]
    assert "山西省政府治理专家咨询委员会" in names
    assert "省政府研究室" in names
    for d in plan["departments"]:
        assert d["role"] and d["section"].startswith("四(")
