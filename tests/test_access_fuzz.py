"""Property test of the API, callback and export parameters under region scope: random adcodes
(in and out of scope, garbage), periods, indicator codes and injection strings never give a 500
and never a row of a region outside the caller's scope."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cockpit.settings import Settings
from tests.access_helpers import UserClient, adcodes_in, drill_payload, figure_locations, map_payload

SCOPE = "140100"  # 太原市: its counties are in scope, every other city and the province are not
KNOWN = ["140000", "140100", "140105", "140106", "140200", "140212", "141100", "141124"]
INJECTIONS = ["'", "\"", "' OR '1'='1", "140105' OR 1=1--", "1; DROP TABLE region;--", "${r}", "$r", "{{7*7}}",
              "../../etc/passwd", "%00", "\x00", "小店区", "🙂", "１４０１０５", "140105\n", " 140105", "1" * 5000,
              "<script>alert(1)</script>", "NaN", "-1", "999999", "000000"]  # fmt: skip
adcodes = st.one_of(st.sampled_from(KNOWN), st.from_regex(r"\A14[0-9]{4}\Z"), st.from_regex(r"\A[0-9]{6}\Z"),
                    st.sampled_from(INJECTIONS), st.text(max_size=40))  # fmt: skip
periods = st.one_of(st.none(), st.sampled_from(["2026-10", "2026Q3", "2026", "2025-12", "2026-13", "20261", "Q3"]),
                    st.sampled_from(INJECTIONS), st.text(max_size=20))  # fmt: skip
indicators = st.one_of(st.sampled_from(["online_service_rate", "target_score", "hotline_close_rate"]),
                       st.sampled_from(INJECTIONS), st.text(max_size=30))  # fmt: skip
FUZZ = settings(max_examples=35, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def user(demo_warehouse: tuple[Settings, dict[str, object]]) -> UserClient:
    from cockpit.app import create_app

    app_settings, _ = demo_warehouse
    return UserClient(create_app(app_settings), app_settings, "fuzz_taiyuan", "staff", SCOPE)


def _in_scope(code: str) -> bool:
    return code.startswith("1401")


def _check(response: Any) -> Any:
    assert response.status_code != 500, response.get_data(as_text=True)[:300]
    assert response.status_code in (200, 204, 400, 403, 404, 405), response.status_code
    payload = response.get_json(silent=True) if response.is_json else None
    if response.status_code == 200 and payload is not None:
        leaked = {c for c in adcodes_in(payload) if c.isdigit() and not _in_scope(c)}
        assert not leaked, leaked
    return payload


@FUZZ
@given(region=adcodes, indicator=indicators, period=periods)
def test_api_parameters(user: UserClient, region: str, indicator: str, period: str | None) -> None:
    _check(user.get("/api/v1/regions/" + quote(region, safe="")))
    params = {"indicator": indicator, "region": region} | ({"period": period} if period is not None else {})
    _check(user.get("/api/v1/values?" + urlencode(params)))


@FUZZ
@given(region=adcodes, indicator=indicators)
def test_callback_parameters(user: UserClient, region: str, indicator: str) -> None:
    payload = _check(user.callback(map_payload(region, indicator)))
    if payload is not None and "response" in payload:
        assert all(_in_scope(code) for code in figure_locations(payload))
    drill = _check(user.callback(drill_payload(user.app, region, SCOPE)))
    # A drill answers with a new URL search; it may only ever name an in-scope region.
    assert all(_in_scope(code) for code in re.findall(r"region=(\d{6})", json.dumps(drill)))


@FUZZ
@given(region=adcodes, period=periods)
def test_export_parameters(user: UserClient, region: str, period: str | None) -> None:
    params = {"dataset": "indicator_value", "region": region} | (
        {"period": period} if period is not None else {}
    )
    got = user.get("/exports/grid.csv?" + urlencode(params))
    _check(got)
    if got.status_code == 200:
        assert _in_scope(region or SCOPE)  # no region: the export opens on the caller's own scope
        body = got.get_data().decode("utf-8-sig")
        assert "140212" not in body and "大同" not in body


def test_the_list_endpoint_holds_only_the_scope(user: UserClient) -> None:
    listed = _check(user.get("/api/v1/regions"))
    assert listed and all(_in_scope(r["adcode"]) for r in listed["regions"])
