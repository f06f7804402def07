"""The phone view's routes (``/m``): the first screen, the switch to the desk, the search's jump and
its options. The view is the wall's (``region``, ``indicator``, ``period``, ``theme``), parsed and
scope-checked by the wall's own ``parse_view``: a link copied on the desk opens the same view here."""

from __future__ import annotations

from urllib.parse import urlencode

import flask
from markupsafe import Markup
from plotly.io.json import to_json_plotly
from werkzeug.wrappers import Response as BaseResponse

from cockpit import targets
from cockpit.access.scope import denied_response, home_region
from cockpit.auth.sessions import csrf_token, safe_next
from cockpit.briefing import facts as facts_mod
from cockpit.briefing.narrative import build as narrative
from cockpit.formatting import AXIS_MONTH
from cockpit.mobile import page, sections
from cockpit.nav import REGION_PROFILE_PATH
from cockpit.principal import AccessDenied, Principal, current_principal
from cockpit.screen import tiles
from cockpit.screen.render import trend_frame
from cockpit.screen.search import search_options, search_placeholder
from cockpit.screen.view import View, parse_view, search_params, search_target
from cockpit.services import current

bp = flask.Blueprint("mobile", __name__, url_prefix=sections.PHONE_PATH, static_folder="static")

# Which view a browser chose (桌面版 on the phone). Read by assets/phone_view.js on the desk pages,
# so not HttpOnly; it holds a preference, nothing that signs anyone in.
VIEW_COOKIE = "cockpit_view"
VIEW_COOKIE_DAYS = 180
STATIC_MAX_AGE = 7 * 86400  # the files are addressed with their fingerprint (page.static_version)


def _view() -> View:
    services = current()
    province = home_region(services.settings.province_adcode)
    params = {k: v for k, v in flask.request.args.items() if k in ("region", "indicator", "period", "theme")}
    return parse_view(services.warehouse, province, params)


def _desk_principal() -> Principal | None:
    """The signed-in leader, staff member or administrator; None for the wall's kiosk role."""
    principal = current_principal()
    return principal if principal is not None and principal.can("desk") else None


@bp.get("")
def phone() -> BaseResponse:
    principal = _desk_principal()
    if principal is None:  # a wall's account has no phone view: its own wall, and no redirect back
        return _remember_desk(flask.redirect("/?kiosk=1", 303))
    services = current()
    view = _view()
    wall = "/" + view.query()
    meta = services.warehouse.meta()
    region = sections.region_name(view, services)
    html = page.document(
        title=f"{region} · {meta.get('province_name', '')}领导驾驶舱",
        region=region,
        subtitle="一键政务通",
        theme=view.theme,
        theme_href=sections.phone_href(view, theme="light" if view.theme == "dark" else "dark"),
        desk_href=wall,
        desk_switch="/m/desk?" + _encoded_next(wall),
        placeholder=search_placeholder(),
        notices=list(view.notices),
        principal=principal,
        csrf=csrf_token(),
        crumbs=sections.crumbs(view, services),
        alarms=sections.alarm_list(view, services),
        headline=sections.headline(view, services),
        drill_map=sections.drill_map(view, services),
        ranking=sections.ranking(view, services),
    )
    response = flask.make_response(html)
    response.headers["Content-Type"] = "text/html; charset=utf-8"
    response.headers["Cache-Control"] = "no-store"  # government data stays out of every cache
    # Opening the phone view is choosing it: the desk no longer keeps this browser.
    response.delete_cookie(VIEW_COOKIE, path="/")
    return response


def _encoded_next(target: str) -> str:
    return urlencode({"next": target})


def _remember_desk(response: BaseResponse) -> BaseResponse:
    settings = current().settings
    response.set_cookie(VIEW_COOKIE, "desk", max_age=VIEW_COOKIE_DAYS * 86400, secure=settings.cookie_secure,
                        samesite="Lax", path="/")  # fmt: skip
    return response


# The chart writes a value at each point: the latest periods only, so the numbers stay apart.
CHART_POINTS = 12


@bp.get("/chart")
def chart() -> BaseResponse:
    """One chart, full screen: the region's trend of the view's indicator (plotly.js loads here only)."""
    if _desk_principal() is None:
        return _remember_desk(flask.redirect("/?kiosk=1", 303))
    view, services = _view(), current()
    _frame, ind = trend_frame(view, services)
    region = sections.region_name(view, services)
    html = page.chart_document(
        title=f"{region} · {ind['name']} 走势",
        region=region,
        subtitle=f"{ind['name']} · 近{CHART_POINTS}期走势",
        theme=view.theme,
        back=sections.phone_href(view),
        figure_url=f"{sections.PHONE_PATH}/chart.json{view.query()}",
    )
    response = flask.make_response(html)
    response.headers["Content-Type"] = "text/html; charset=utf-8"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/chart.json")
def chart_figure() -> flask.Response:
    """The wall's trend figure of the view, the latest periods, with every value written at its point."""
    view, services = _view(), current()
    frame, ind = trend_frame(view, services)
    figure = tiles.trend_figure(frame.tail(CHART_POINTS), str(ind["name"]), str(ind["unit"]), view.theme,
                                written_decimals=int(ind["decimals"]))  # fmt: skip
    xaxis = {**figure["layout"]["xaxis"], "nticks": 6}
    if ind.get("frequency") == "month" and view.indicator != targets.SCORE_CODE:
        xaxis |= {"tickformat": AXIS_MONTH, "dtick": "M4", "tickangle": 0}  # 2026年1月, as Chinese writes it
    figure["layout"] |= {"margin": {"l": 52, "r": 20, "t": 40, "b": 48}, "hovermode": False, "xaxis": xaxis}
    response = flask.Response(to_json_plotly(figure), mimetype="application/json")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/profile")
def profile() -> BaseResponse:
    """The region's profile: what the desk's profile computes in words, and its briefing as a PDF."""
    principal = _desk_principal()
    if principal is None:
        return _remember_desk(flask.redirect("/?kiosk=1", 303))
    view, services = _view(), current()
    region = sections.region_name(view, services)
    try:
        # The wall's composite score is not one indicator: the profile then leads with its own choice.
        chosen = [view.indicator] if view.indicator and view.indicator != targets.SCORE_CODE else None
        facts = facts_mod.compute(services, view.region, None, chosen)
        summary = sections.profile_summary(
            narrative(facts).paragraphs, view.region, facts.period, principal.can("briefing")
        )
    except facts_mod.FactsError as exc:
        summary = Markup(
            '<section class="m-profile" id="m-profile"><p class="muted">{}</p></section>'
        ).format(exc)
    html = page.profile_document(
        title=f"{region} · 地区画像",
        region=region,
        subtitle="地区画像 · 一键简报",
        theme=view.theme,
        back=sections.phone_href(view),
        desk=f"{REGION_PROFILE_PATH}/{view.region}" + view.query(region=None),
        crumbs=sections.crumbs(view, services),
        summary=summary,
        headline=sections.headline(view, services, profile_link=False),
    )
    response = flask.make_response(html)
    response.headers["Content-Type"] = "text/html; charset=utf-8"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/desk")
def to_desk() -> BaseResponse:
    """桌面版: the desk view of the same URL, remembered so a narrow screen is not sent back here."""
    return _remember_desk(flask.redirect(safe_next(flask.request.args.get("next")), 303))


@bp.get("/go")
def go() -> BaseResponse:
    """A search result (``to=region:<adcode>`` or ``indicator:<code>``), checked as the wall's box
    checks it; the new view is scope-checked again when it opens."""
    view, services = _view(), current()
    search = search_target(flask.request.args.get("to"), view, services.warehouse)
    if search is None:
        return flask.redirect(sections.PHONE_PATH + view.query(), 303)
    # Checked here as a page load of it would be: a region outside scope is refused (403), not opened.
    parse_view(services.warehouse, home_region(services.settings.province_adcode), search_params(search))
    return flask.redirect(sections.PHONE_PATH + search, 303)


@bp.get("/search-options")
def options() -> flask.Response:
    """The wall's search options (regions in the viewer's scope, indicators), fetched when the box
    is first used rather than with the first screen."""
    response = flask.jsonify(search_options())
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.after_request
def _static_cache(response: flask.Response) -> flask.Response:
    if flask.request.path.startswith(f"{sections.PHONE_PATH}/static/") and flask.request.args.get("v"):
        response.headers["Cache-Control"] = f"private, max-age={STATIC_MAX_AGE}"
    return response


@bp.errorhandler(AccessDenied)
def _refused(exc: AccessDenied) -> flask.Response:
    """A refusal on the phone is a page, not the API's JSON: audited once, as everywhere."""
    denied_response(exc)
    response = flask.make_response(page.refusal(exc.message, sections.PHONE_PATH), exc.status)
    response.headers["Content-Type"] = "text/html; charset=utf-8"
    response.headers["Cache-Control"] = "no-store"
    return response
