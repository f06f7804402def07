"""Read-only JSON API under ``/api/v1/``: what the screen shows, for other systems and tests.

Every parameter is validated before it reaches the query layer; a bad one is a 4xx with a
Chinese message, never a stack trace. Every region asked for must lie in the signed-in
principal's scope (403 and an audit row otherwise); ``/regions`` lists only in-scope regions.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from typing import Any

import flask
import pandas as pd

from cockpit.access.scope import denied_response, home_region, require_permission, require_region
from cockpit.periods import PeriodError, parse_period
from cockpit.principal import AccessDenied
from cockpit.records import records
from cockpit.services import current

api = flask.Blueprint("api_v1", __name__, url_prefix="/api/v1")
_ADCODE = re.compile(r"^\d{6}$")
_INDICATOR = re.compile(r"^[a-z0-9_]{1,64}$")


class ApiError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _jsonable(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    if value is pd.NaT or value is None:
        return None
    if isinstance(value, datetime | date | pd.Timestamp):
        return value.isoformat()
    if hasattr(value, "tolist"):
        return value.tolist()
    return value


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{k: _jsonable(v) for k, v in row.items()} for row in records(frame)]


def _region_param(raw: str | None) -> dict[str, Any]:
    """A known region inside the caller's scope (default: the scope itself); outside it: 403, audited."""
    services = current()
    adcode = raw or home_region(services.settings.province_adcode)
    if not _ADCODE.match(adcode):
        raise ApiError(400, f"region 应为6位行政区划代码，收到 {adcode[:20]!r}")
    region = services.warehouse.region(adcode)
    if region is None:
        raise ApiError(404, f"未知地区 {adcode}")
    require_region(services.warehouse, adcode, action="api")
    return region


def _indicator_param(raw: str | None) -> dict[str, Any]:
    if not raw or not _INDICATOR.match(raw):
        raise ApiError(400, "indicator 参数缺失或格式不对（指标代码，如 online_service_rate）")
    catalogue = current().warehouse.indicators()
    match = catalogue[catalogue["code"] == raw]
    if match.empty:
        raise ApiError(404, f"未知指标 {raw}")
    return {str(k): _jsonable(v) for k, v in match.iloc[0].to_dict().items()}


def _period_param(raw: str | None, indicator: dict[str, Any]) -> str:
    if raw is None:
        latest = current().warehouse.latest_period(indicator["code"])
        if latest is None:
            raise ApiError(404, f"指标 {indicator['code']} 暂无数据")
        return latest
    try:
        period = parse_period(raw[:32])
    except PeriodError as exc:
        raise ApiError(400, str(exc)) from exc
    if period.kind != indicator["frequency"]:
        raise ApiError(400, f"指标 {indicator['code']} 按 {indicator['frequency']} 统计，period={raw} 不符")
    return period.code


@api.errorhandler(ApiError)
def _api_error(exc: ApiError) -> tuple[flask.Response, int]:
    return flask.jsonify(error=exc.message, status=exc.status), exc.status


api.register_error_handler(AccessDenied, denied_response)


@api.errorhandler(Exception)
def _unexpected(exc: Exception) -> tuple[flask.Response, int]:
    flask.current_app.logger.exception("api error")
    return flask.jsonify(error="服务器内部错误", status=500), 500


@api.before_request
def _desk_only() -> None:
    """The API serves desks and integrations, not the wall (refused and audited)."""
    require_permission("desk", message="当前角色无权调用数据接口")


@api.get("/regions")
def regions() -> flask.Response:
    """Every region the caller may see (the query layer keeps only in-scope rows)."""
    frame = current().warehouse.regions()
    return flask.jsonify(regions=_records(frame), snapshot=_snapshot())


@api.get("/regions/<adcode>")
def region(adcode: str) -> flask.Response:
    found = _region_param(adcode)
    children = current().warehouse.children(found["adcode"])
    return flask.jsonify(
        region={k: _jsonable(v) for k, v in found.items()}, children=_records(children), snapshot=_snapshot()
    )


@api.get("/indicators")
def indicators() -> flask.Response:
    return flask.jsonify(indicators=_records(current().warehouse.indicators()), snapshot=_snapshot())


@api.get("/values")
def values() -> flask.Response:
    indicator = _indicator_param(flask.request.args.get("indicator"))
    found = _region_param(flask.request.args.get("region"))
    period = _period_param(flask.request.args.get("period"), indicator)
    frame = current().warehouse.values_for_children(indicator["code"], period, found["adcode"])
    # Status from the plan's one assessment (rules from data, 序时进度), as /targets and the wall show it.
    assessed = current().queries.plan.assess_indicator(
        indicator["code"], found["adcode"], int(period[:4]), with_projection=False
    )
    if period == current().warehouse.latest_period(indicator["code"]):
        frame = frame.merge(assessed[["adcode", "pace_target", "status"]], on="adcode", how="left")
    else:
        frame = frame.assign(pace_target=None, status=None)  # a past month: values only, no in-year judgement
    return flask.jsonify(
        indicator=indicator, region=found["adcode"], period=period, rows=_records(frame), snapshot=_snapshot()
    )


@api.get("/figures")
def figure_values() -> flask.Response:
    """The registry's figures for a region now (Beijing time): the numbers the wall's pulse, the
    emergency tile and the region profile show, each with its code, period, label and unit."""
    found = _region_param(flask.request.args.get("region"))
    now = current().settings.data_now()
    rows = current().queries.figures.current(found["adcode"], now)
    return flask.jsonify(
        region=found["adcode"], now=now.isoformat(), figures=[r.as_dict() for r in rows], snapshot=_snapshot()
    )


@api.get("/feeds")
def feeds() -> flask.Response:
    state = current().warehouse.feed_state()
    return flask.jsonify(
        feeds={k: {f: _jsonable(v) for f, v in row.items()} for k, row in state.items()}, snapshot=_snapshot()
    )


def _snapshot() -> str:
    return current().warehouse.snapshot_id


def init_app(server: flask.Flask) -> None:
    server.register_blueprint(api)
