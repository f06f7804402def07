"""The screen's view state — region, indicator, period — parsed from URL parameters.

Everything a URL can say is validated against the warehouse; anything unknown falls back to
the default with a notice, so a mistyped link still opens a working screen. A region outside the
signed-in principal's scope is refused rather than replaced (see ``parse_view``).
"""

from __future__ import annotations

import logging
import re
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode

from cockpit.access.scope import home_region, require_region
from cockpit.periods import PeriodError, parse_period
from cockpit.targets import SCORE_CODE
from cockpit.warehouse.queries import Warehouse

log = logging.getLogger("callbacks.screen")  # the screen's log, where these refusals were always written
# The default map: the share of each region's targets that are met.
DEFAULT_INDICATOR = SCORE_CODE
_ADCODE = re.compile(r"^\d{6}$")


@dataclass(frozen=True)
class View:
    region: str
    indicator: str
    period: str | None  # None = latest available
    theme: str = "dark"
    notices: tuple[str, ...] = field(default=())

    def query(self, **changes: Any) -> str:
        """The URL search string for this view with some fields changed (drill, switch indicator)."""
        data = {k: v for k, v in asdict(self).items() if k != "notices"} | changes
        params = {k: v for k, v in data.items() if v is not None and not (k == "theme" and v == "dark")}
        return "?" + urlencode(params)

    def as_store(self) -> dict[str, Any]:
        return asdict(self) | {"notices": list(self.notices)}

    @classmethod
    def from_store(cls, data: dict[str, Any]) -> View:
        return cls(**{**data, "notices": tuple(data.get("notices") or ())})


def search_params(search: str | None) -> dict[str, Any]:
    """URL parameters from a search string, parsed as Dash's page router parses them, so a view
    navigated to in the page is exactly the view a full page load of that URL would show."""
    if not search or not search.startswith("?"):
        return {}
    parsed = parse_qs(search[1:], keep_blank_values=True)
    return {k: v[0] if len(v) == 1 else v for k, v in parsed.items()}


def parse_view(warehouse: Warehouse, province: str, params: dict[str, Any]) -> View:
    """``province`` is the fallback outside a signed-in request; a principal opens on their own
    scope. A known region outside that scope is refused (``ScopeDenied``, audited): it can only
    come from a tampered or foreign link, so it is not quietly swapped for another region."""
    notices: list[str] = []
    home = home_region(province)
    region = str(params.get("region") or home)
    if not _ADCODE.match(region) or warehouse.region(region) is None:
        notices.append(f"未知地区“{region[:12]}”，已显示{'全省' if home == province else '本辖区'}")
        region = home
    require_region(warehouse, region, action="view")
    catalogue = warehouse.indicators()
    codes = {*catalogue["code"], SCORE_CODE}
    indicator = str(params.get("indicator") or DEFAULT_INDICATOR)
    if indicator not in codes:
        notices.append(f"未知指标“{indicator[:24]}”，已显示默认指标")
        indicator = DEFAULT_INDICATOR if DEFAULT_INDICATOR in codes else sorted(codes)[0]
    period: str | None = None
    raw_period = params.get("period")
    if raw_period and indicator == SCORE_CODE:
        notices.append("综合达标率按各指标最新一期计算，忽略统计期参数")
    elif raw_period:
        frequency = catalogue.loc[catalogue["code"] == indicator, "frequency"].iloc[0]
        try:
            parsed = parse_period(str(raw_period)[:32])
        except PeriodError:
            parsed = None
        if parsed is None or parsed.kind != frequency:
            notices.append(f"统计期“{str(raw_period)[:12]}”无效，已显示最新一期")
        else:
            period = parsed.code
    theme = "light" if params.get("theme") == "light" else "dark"
    return View(region, indicator, period, theme, tuple(notices))


# --- where the screen's controls lead: the URL search of the view they ask for, or None ---------
# Everything here comes from the browser (click data, dropdown values), so it is checked against
# the warehouse (and, through its scoped queries, the principal's scope) before it names a region.
def search_target(value: str | None, view: View, warehouse: Warehouse) -> str | None:
    """The search box: ``region:<adcode>`` or ``indicator:<code>``."""
    if not value or ":" not in value:
        return None
    kind, code = value.split(":", 1)
    if kind == "region" and warehouse.region(code) is not None:
        return view.query(region=code)
    if kind == "indicator" and code in set(warehouse.indicators()["code"]):
        return view.query(indicator=code, period=None)
    return None


def drill_target(click: Any, view: View, warehouse: Warehouse) -> str | None:
    """A click on the map: a region (its adcode is the location) or an incident marker (customdata)."""
    try:
        point = click["points"][0]
        adcode = str(point.get("location") or point["customdata"][0])
    except (TypeError, KeyError, IndexError, AttributeError):
        return None
    row = warehouse.region(adcode) if adcode.isdigit() and len(adcode) == 6 else None
    if row is None:
        log.warning("drill to unknown region refused: %r", adcode[:20])
        return None
    return view.query(region=adcode)


def indicator_target(code: Any, view: View, warehouse: Warehouse) -> str | None:
    """The indicator picker: another known indicator, latest period."""
    known = {*warehouse.indicators()["code"], SCORE_CODE}
    if not code or code == view.indicator or code not in known:
        return None
    return view.query(indicator=code, period=None)
