"""The JSON API: shapes, lineage, and clear 4xx for bad parameters."""

from __future__ import annotations

from pathlib import Path

import pytest

from cockpit.settings import Settings
from etl.runner import run_feed


@pytest.fixture
def client(settings: Settings, tmp_path: Path):  # type: ignore[no-untyped-def]
    from cockpit.app import create_app

    src = tmp_path / "m.csv"
    src.write_bytes("指标代码,地区名称,统计月份,指标值\nonline_service_rate,吕梁市,2026-10,93.5\n"
                    "online_service_rate,临县,2026-10,88\n".encode("gbk"))  # fmt: skip
    run_feed(settings, "indicator_monthly", str(src))
    from tests.conftest import signed_in_client

    return signed_in_client(create_app(settings), "leader")


def test_region_with_children(client) -> None:  # type: ignore[no-untyped-def]
    body = client.get("/api/v1/regions/141100").get_json()
    assert body["region"]["name"] == "吕梁市"
    assert len(body["children"]) == 13 and {c["parent_adcode"] for c in body["children"]} == {"141100"}
    province = client.get("/api/v1/regions/140000").get_json()
    assert len(province["children"]) == 11


def test_values_carry_lineage(client) -> None:  # type: ignore[no-untyped-def]
    body = client.get("/api/v1/values?indicator=online_service_rate&region=141100&period=2026-10").get_json()
    by_code = {r["adcode"]: r for r in body["rows"]}
    assert by_code["141100"]["value"] == 93.5 and by_code["141124"]["value"] == 88.0
    assert by_code["141124"]["source_feed"] == "indicator_monthly" and by_code["141124"]["loaded_at"]
    assert body["period"] == "2026-10" and body["snapshot"]
    latest = client.get("/api/v1/values?indicator=online_service_rate&region=141100").get_json()
    assert latest["period"] == "2026-10"
    # No target was loaded in this fixture: no status rather than a guess.
    assert {r["status"] for r in latest["rows"]} == {None}


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/api/v1/regions/999999", 404),
        ("/api/v1/regions/14'; DROP TABLE region;--", 400),
        ("/api/v1/values?indicator=online_service_rate&region=abc", 400),
        ("/api/v1/values?indicator=nope&region=140000", 404),
        ("/api/v1/values?indicator=online_service_rate&period=2026-13", 400),
        ("/api/v1/values?indicator=online_service_rate&period=2026Q3", 400),
        ("/api/v1/values?indicator=Robert');--", 400),
        ("/api/v1/values", 400),
    ],
)
def test_bad_parameters_are_clear_4xx(client, url: str, status: int) -> None:  # type: ignore[no-untyped-def]
    response = client.get(url)
    assert response.status_code == status
    body = response.get_json()
    assert body["error"] and "Traceback" not in response.get_data(as_text=True)


def test_health(client) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/healthz").get_json()["ok"] is True


def test_values_carry_the_plans_status(demo_warehouse) -> None:  # type: ignore[no-untyped-def]
    from cockpit.app import create_app
    from cockpit.warehouse.plan_queries import PlanQueries
    from cockpit.warehouse.queries import Warehouse

    settings, _ = demo_warehouse
    from tests.conftest import signed_in_client

    client = signed_in_client(create_app(settings), "leader")
    body = client.get("/api/v1/values?indicator=hotline_satisfaction_rate&region=140900").get_json()
    expected = PlanQueries(Warehouse(settings)).assess_indicator(
        "hotline_satisfaction_rate", "140900", int(body["period"][:4]), with_projection=False
    )
    want = dict(zip(expected["adcode"], expected["status"], strict=True))
    got = {r["adcode"]: r["status"] for r in body["rows"]}
    assert got == want and "red" in got.values()  # the same judgement as /targets, lagging 五台县 included
