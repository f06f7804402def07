"""The cockpit's own plotly.js (tools/plotly_bundle → cockpit/vendor): the version the installed
plotly package expects, every trace type the product draws, and served instead of plotly's full bundle."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from plotly.offline import get_plotlyjs_version

from cockpit.charts import PLOTLY_JS
from cockpit.settings import PROJECT_ROOT

BUNDLE = PLOTLY_JS
ENTRY = PROJECT_ROOT / "tools" / "plotly_bundle" / "entry.js"
# go.Bar(...) / go.Scattergeo(...) and {"type": "choropleth", ...} in figure code.
_TRACE = re.compile(r"\bgo\.(Bar|Scatter|Scattergeo|Choropleth[a-z]*|[A-Z][a-z]+)\(|\"type\": \"([a-z]+)\"")
NOT_TRACES = {"Figure", "kpi", "tile", "mercator", "natural", "equirectangular"}


def _bundled() -> set[str]:
    traces = set(re.findall(r"require\('plotly\.js/lib/([a-z]+)'\)", ENTRY.read_text()))
    return (traces - {"core"}) | {"scatter"}  # the core carries scatter


def test_the_bundle_is_the_plotly_js_the_python_package_ships() -> None:
    banner = BUNDLE.read_text(encoding="utf-8")[:300]
    assert f"plotly.js {get_plotlyjs_version()} " in banner
    assert BUNDLE.stat().st_size < 2_000_000  # a third of the full bundle


def test_every_trace_the_product_draws_is_in_the_bundle() -> None:
    used: set[str] = set()
    for folder in ("cockpit", "layouts", "callbacks"):
        for path in Path(PROJECT_ROOT, folder).rglob("*.py"):
            for go_name, typed in _TRACE.findall(path.read_text(encoding="utf-8")):
                used.add((go_name or typed).lower() if (go_name or typed) not in NOT_TRACES else "")
    used.discard("")
    assert used and used <= _bundled(), used - _bundled()


def test_the_renderer_is_served_the_cockpits_bundle(demo_app: Any) -> None:
    client = demo_app.server.test_client()
    served = client.get("/_dash-component-suites/plotly/package_data/plotly.min.js")
    assert served.status_code == 200 and served.data == BUNDLE.read_bytes()
    assert served.mimetype == "text/javascript" and served.headers["ETag"]
    again = client.get("/_dash-component-suites/plotly/package_data/plotly.min.js",
                       headers={"If-None-Match": served.headers["ETag"]})  # fmt: skip
    assert again.status_code == 304 and not again.data


def test_the_chart_exporter_loads_the_cockpits_bundle(monkeypatch: Any) -> None:
    """kaleido's page runs the same plotly.js as the browser, not the full bundle (a briefing's
    first chart waited ~0.5 s longer for it)."""
    import kaleido

    from cockpit.exports import charts

    started: list[dict[str, Any]] = []
    monkeypatch.setattr(kaleido, "start_sync_server", lambda *a, **kw: started.append(kw))
    monkeypatch.setattr(charts, "_started", False)
    charts._ensure_server()
    assert started and started[0]["plotlyjs"] == BUNDLE.as_uri() and started[0]["mathjax"] is False


def test_the_template_says_what_plotlys_says_about_what_the_cockpit_draws() -> None:
    import json

    import plotly.io as pio

    from cockpit.charts.template import BASE, LAYOUT_KEYS, PLAIN_NUMBERS, TRACES, template

    full, slim = pio.templates[BASE].to_plotly_json(), template()
    assert set(TRACES) == _bundled()  # the template covers exactly the traces the bundle ships
    assert all(slim["data"][t] == full["data"][t] for t in TRACES)  # type: ignore[index]
    layout, base = slim["layout"], full["layout"]
    # plotly's own, but numbers written without SI suffixes (k, M) on axes and colour bars
    assert all(layout[a] == {**base[a], **PLAIN_NUMBERS} for a in ("xaxis", "yaxis"))  # type: ignore[index]
    assert layout["coloraxis"]["colorbar"] == {**base["coloraxis"]["colorbar"], **PLAIN_NUMBERS}  # type: ignore[index]
    others = [k for k in LAYOUT_KEYS if k in base and k not in ("xaxis", "yaxis", "coloraxis")]
    assert all(layout[k] == base[k] for k in others)  # type: ignore[index]
    assert len(json.dumps(slim)) < len(json.dumps(full)) / 2


def test_figures_built_after_the_app_carry_the_cockpit_template(demo_app: Any) -> None:
    import plotly.graph_objects as go

    from cockpit.charts.template import template

    assert go.Figure(go.Bar(x=[1], y=[2])).to_plotly_json()["layout"]["template"] == template()
