"""The screen's view state — region, indicator, period — parsed from URL parameters.

Everything a URL can say is validated against the warehouse; anything unknown falls back to
the default with a notice, so a mistyped link still opens a working screen. A region outside the
signed-in principal's scope is refused rather than replaced (see ``parse_view``).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import urlencode

from cockpit.access.scope import home_region, require_region
from cockpit.periods import PeriodError, parse_period
from cockpit.targets import SCORE_CODE
from cockpit.warehouse.queries import Warehouse

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
