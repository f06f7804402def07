"""一键政务通 (issue 23): the phone view at /m, server-rendered from the wall's own render functions.

The same figures with the same marks as the wall, no plotly.js, the viewer's scope (a county user
never sees a sibling's data), the wall's URL parameters both ways, and the switches between views."""

from __future__ import annotations

import re
from typing import Any

import dash
import pytest
from markupsafe import escape

from cockpit.principal import Principal, acting_as
from cockpit.screen.view import View
from cockpit.settings import Settings
from tests.conftest import signed_in_client

PROVINCE, TAIYUAN, LVLIANG = "140000", "140100", "141100"
XIAODIAN, YINGZE = "140105", "140106"  # two counties of 太原市
_MARK = re.compile(r'<[^>]*data-figure="([^"]+)"[^>]*>')
_ATTR = re.compile(r'(data-[a-z]+)="([^"]*)"')


def _marks(html: str) -> set[tuple[str, ...]]:
    """(figure, region, period, value) of every marked number in an HTML page."""
    out = set()
    for tag in _MARK.finditer(html):
        attrs = dict(_ATTR.findall(tag.group(0)))
        out.add((attrs["data-figure"], attrs["data-region"], attrs["data-period"], attrs["data-value"]))
    return out


def _wall_marks(component: Any) -> set[tuple[str, ...]]:
    """The same, from the wall's Dash components."""
    out = set()
    stack = [component]
    while stack:
        node = stack.pop()
        if isinstance(node, list | tuple):
            stack.extend(node)
            continue
        props = node.to_plotly_json()["props"] if hasattr(node, "to_plotly_json") else {}
        if "data-figure" in props:
            out.add(tuple(str(props[k]) for k in ("data-figure", "data-region", "data-period", "data-value")))
        if props.get("children") is not None:
            stack.append(props["children"])
    return out


def test_the_first_screen_shows_the_walls_headline_figures_without_plotly(demo_app: dash.Dash) -> None:
    from callbacks.screen import render_tiles
    from cockpit import ids

    client = signed_in_client(demo_app, "leader", username="phone-leader")
    answer = client.get(f"/m?region={LVLIANG}")
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    html = answer.get_data(as_text=True)
    services = demo_app.server.extensions["cockpit"]
    with demo_app.server.test_request_context("/"), acting_as(Principal("phone-leader", "leader", PROVINCE)):
        shown = render_tiles(View(LVLIANG, "target_score", None).as_store(), None)
    wall = _wall_marks(shown[list(ids.TILES).index("kpis")])
    kpis = html[html.index('id="m-kpis"') : html.index('id="m-map"')]
    assert wall and _marks(kpis) == wall
    # Alarms first, then the figures, the map (13 counties of 吕梁) and the ranking; nothing else to load.
    assert (
        html.index('id="m-alarms"')
        < html.index('id="m-kpis"')
        < html.index('id="m-map"')
        < html.index('id="m-ranking"')
    )
    assert html.count('class="m-region') == len(services.warehouse.children(LVLIANG)) == 13
    assert html.count('class="m-rank-row"') == 13
    assert "plotly" not in html.lower() and "_dash" not in html
    assert re.findall(r'(?:src|href)="(?!/)[^"]*"', html) == []  # every address on the origin
    assert "吕梁市" in html and "山西省" in html  # the breadcrumb up to the province


def test_a_deep_link_from_the_desk_opens_the_same_view(demo_app: dash.Dash) -> None:
    client = signed_in_client(demo_app, "staff", username="phone-staff")
    html = client.get(f"/m?region={LVLIANG}&indicator=online_service_rate&period=2026-10").get_data(
        as_text=True
    )
    ranked = _marks(html[html.index('id="m-ranking"') :])
    assert ranked and {m[0] for m in ranked} == {"indicator:online_service_rate"}
    assert {m[2] for m in ranked} == {"2026-10"}
    assert "2026年10月" in html and '<h1 id="m-region-name">吕梁市</h1>' in html
    # …and the desk switch leads to the wall's URL of the same view.
    assert "next=%2F%3Fregion%3D141100%26indicator%3Donline_service_rate%26period%3D2026-10" in html


def test_a_county_user_never_sees_a_sibling(demo_app: dash.Dash) -> None:
    xiaodian = signed_in_client(demo_app, "staff", scope=XIAODIAN, username="phone-xiaodian")
    yingze = signed_in_client(demo_app, "leader", scope=YINGZE, username="phone-yingze")
    for client, own, sibling, name, sibling_name in (
        (xiaodian, XIAODIAN, YINGZE, "小店", "迎泽"),
        (yingze, YINGZE, XIAODIAN, "迎泽", "小店"),
    ):
        html = client.get("/m").get_data(as_text=True)
        assert name in html and sibling not in html and sibling_name not in html
        assert html.count('class="m-region') == 1 and html.count('class="m-rank-row"') == 1
        refused = client.get(f"/m?region={sibling}")
        assert refused.status_code == 403 and "返回本辖区" in refused.get_data(as_text=True)
        assert sibling_name not in refused.get_data(as_text=True)
        assert (
            client.get(f"/m?region={TAIYUAN}").status_code == 403
        )  # an ancestor's roll-up mixes in siblings
        options = client.get("/m/search-options").get_json()
        regions = {o["value"] for o in options if o["value"].startswith("region:")}
        assert regions == {f"region:{own}"}
        # A tampered search result naming the sibling is refused, not opened.
        assert client.get(f"/m/go?to=region:{sibling}").status_code == 403


def test_the_walls_kiosk_role_keeps_its_wall(demo_app: dash.Dash) -> None:
    kiosk = signed_in_client(demo_app, "kiosk", username="phone-kiosk")
    answer = kiosk.get("/m")
    assert answer.status_code == 303 and answer.headers["Location"] == "/?kiosk=1"
    assert "cockpit_view=desk" in answer.headers["Set-Cookie"]


def test_switching_between_phone_and_desk(demo_app: dash.Dash) -> None:
    client = signed_in_client(demo_app, "leader", username="phone-switch")
    answer = client.get("/m/desk?next=%2F%3Fregion%3D141100")
    assert answer.status_code == 303 and answer.headers["Location"] == "/?region=141100"
    assert (
        "cockpit_view=desk" in answer.headers["Set-Cookie"] and "HttpOnly" not in answer.headers["Set-Cookie"]
    )
    assert client.get("/m/desk?next=//elsewhere.example/").headers["Location"] == "/"
    # Opening the phone view again is choosing it: the preference is dropped.
    assert "cockpit_view=;" in client.get("/m").headers["Set-Cookie"]
    # The desk's pages carry the switch first in their head, once, before Dash's own scripts.
    desk = client.get("/").get_data(as_text=True)
    assert desk.count("/assets/phone_view.js") == 1
    assert desk.index("/assets/phone_view.js") < desk.index(
        "<script", desk.index("/assets/phone_view.js") + 10
    )


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("region:140400", "/m?region=140400&indicator=online_service_rate"),
        ("indicator:hotline_close_rate", f"/m?region={LVLIANG}&indicator=hotline_close_rate"),
        ("region:999999", f"/m?region={LVLIANG}&indicator=online_service_rate"),
        ("nonsense", f"/m?region={LVLIANG}&indicator=online_service_rate"),
    ],
)
def test_a_search_result_opens_its_view(demo_app: dash.Dash, target: str, expected: str) -> None:
    client = signed_in_client(demo_app, "leader", username="phone-search")
    answer = client.get(f"/m/go?to={target}&region={LVLIANG}&indicator=online_service_rate")
    assert answer.status_code == 303 and answer.headers["Location"] == expected


def test_the_search_offers_the_walls_options_with_their_pinyin(demo_app: dash.Dash) -> None:
    from cockpit.screen.search import search_options
    from tests.test_place_pinyin import dropdown_finds

    client = signed_in_client(demo_app, "leader", username="phone-options")
    options = client.get("/m/search-options").get_json()
    with demo_app.server.test_request_context("/"), acting_as(Principal("phone-options", "leader", PROVINCE)):
        assert options == search_options()
    assert "临县（地区）" in dropdown_finds(options, "linxian")
    assert "长治市（地区）" in dropdown_finds(options, "cz")


def test_the_drill_map_is_projected_once_per_snapshot_and_viewer(demo_app: dash.Dash) -> None:
    from cockpit.mobile.svg_map import drawn_map

    services = demo_app.server.extensions["cockpit"]
    with demo_app.server.test_request_context("/"), acting_as(Principal("phone-map", "leader", PROVINCE)):
        first = drawn_map(services, "city", PROVINCE)
        assert drawn_map(services, "city", PROVINCE) is first
    assert len(first.shapes) == 11 and all(s.path.startswith("M") for s in first.shapes)
    # A province is taller than wide; every label sits inside the drawing.
    assert first.height > first.width
    assert all(0 <= s.label_x <= first.width and 0 <= s.label_y <= first.height for s in first.shapes)


def test_signed_out_the_phone_view_asks_for_sign_in_and_comes_back(
    demo_warehouse: tuple[Settings, Any],
) -> None:
    from cockpit.app import create_app

    client = create_app(demo_warehouse[0]).server.test_client()
    answer = client.get(f"/m?region={LVLIANG}")
    assert answer.status_code == 302 and answer.headers["Location"] == "/login?next=/m%3Fregion%3D141100"


def test_incidents_and_red_warnings_lead_the_alarms_with_their_age(settings: Settings) -> None:
    """Level I/II incidents not closed, with how long they have gone on, before the regions off track."""
    from cockpit.app import create_app
    from tests.test_events_queries import fixture_tables, publish_rows

    publish_rows(settings, fixture_tables())
    client = signed_in_client(create_app(settings), "leader", username="phone-alarms")
    html = client.get("/m").get_data(as_text=True)
    alarms = html[html.index('id="m-alarms"') : html.index('id="m-kpis"')]
    # As of 2026-11-28 (the end of the day): D (level I since 2025-12-31 23:00), B (level II since 08:00).
    assert re.findall(
        r'<li class="m-alarm (\w+)"><a href="/emergency\?region=\d+&amp;incident=(\w)"', alarms
    ) == [
        ("red", "D"),
        ("orange", "B"),
    ]
    assert alarms.index("332天前") < alarms.index("15小时前")


def test_the_full_screen_chart_writes_the_walls_values_at_their_points(demo_app: dash.Dash) -> None:
    from cockpit.formatting import number
    from cockpit.screen.render import trend_frame

    client = signed_in_client(demo_app, "leader", username="phone-chart")
    query = f"?region={LVLIANG}&indicator=online_service_rate"
    page = client.get("/m/chart" + query).get_data(as_text=True)
    assert "/_dash-component-suites/plotly/package_data/plotly.min.js" in page
    assert "/m/chart.json?region=141100&amp;indicator=online_service_rate" in page
    figure = client.get("/m/chart.json" + query).get_json()
    services = demo_app.server.extensions["cockpit"]
    with demo_app.server.test_request_context("/"), acting_as(Principal("phone-chart", "leader", PROVINCE)):
        frame, _ind = trend_frame(View(LVLIANG, "online_service_rate", None), services)
    last = frame.tail(12)
    actual = figure["data"][0]
    assert actual["x"] == list(last["period"]) and actual["mode"] == "lines+markers+text"
    assert actual["text"] == [number(v, "%", 1) for v in last["value"]]
    # The first screen links to it and still loads no plotly.js.
    first = client.get("/m" + query).get_data(as_text=True)
    assert (
        'href="/m/chart?region=141100&amp;indicator=online_service_rate"' in first and "plotly" not in first
    )


def test_the_region_profile_says_what_the_desk_computes_and_briefs_as_an_inline_pdf(
    demo_app: dash.Dash,
) -> None:
    """The phone's profile: the desk profile's narrative, word for word, and the one-click briefing
    (the job the desk starts, its PDF served to open in the phone's viewer rather than be saved)."""
    from cockpit import background
    from cockpit.briefing import facts as facts_mod
    from cockpit.briefing.narrative import build as narrative
    from cockpit.services import current

    client = signed_in_client(demo_app, "leader", username="phone-leader")
    first = client.get(f"/m?region={LVLIANG}").get_data(as_text=True)
    assert f'id="m-profile-link" href="/m/profile?region={LVLIANG}' in first  # the way there
    html = client.get(f"/m/profile?region={LVLIANG}").get_data(as_text=True)
    with demo_app.server.test_request_context("/"), acting_as(Principal("phone-leader", "leader", PROVINCE)):
        paragraphs = narrative(facts_mod.compute(current(), LVLIANG, None, None)).paragraphs
    assert paragraphs and all(str(escape(p)) in html for p in paragraphs)
    assert 'id="m-brief"' in html and f'data-region="{LVLIANG}"' in html and "plotly" not in html
    assert 'id="m-profile-link"' not in html  # no link to itself
    assert f'data-desk="/region/{LVLIANG}' in html  # a wide screen gets the desk's profile
    assert _marks(html) == _marks(first)  # the same headline figures as the first screen
    # A county user's profile of a sibling is refused like the first screen.
    county = signed_in_client(demo_app, "staff", scope=XIAODIAN, username="phone-xiaodian")
    assert county.get(f"/m/profile?region={YINGZE}").status_code == 403

    started = client.post("/exports/briefing", json={"region": LVLIANG, "formats": "pdf"})
    assert started.status_code == 200, started.get_data(as_text=True)
    job = started.get_json()["job"]
    with demo_app.server.app_context():
        done = background.wait(current(), job, timeout_s=180)
    assert done is not None and done["state"] == "done", done
    inline = client.get(f"/exports/jobs/{job}/pdf?inline=1")
    assert inline.status_code == 200 and inline.data.startswith(b"%PDF")
    assert inline.headers["Content-Disposition"].startswith("inline;")
    saved = client.get(f"/exports/jobs/{job}/pdf")
    assert saved.headers["Content-Disposition"].startswith("attachment;")
