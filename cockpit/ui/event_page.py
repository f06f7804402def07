"""The scaffolding of the event desk pages (/emergency, /regulation, /hotline): the URL → view
parsing with notices, the header with breadcrumb and period picker, registry-marked KPI cards, and
the callback wiring (one callback per panel, one for all filters, one for graph clicks). Each page's
layout is a skeleton; its panels fill through their own callbacks, so a slow panel never blocks
the others."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import dash
from dash import ALL, Input, Output, State, ctx, dcc, html

from cockpit import figures, ids
from cockpit.access.scope import home_region, require_region
from cockpit.charts.incident_markers import GROUP
from cockpit.memo import Memo
from cockpit.nav import breadcrumb_items, nav_bar, parent_in_scope
from cockpit.services import Services, current
from cockpit.ui.controls import dropdown
from cockpit.ui.panels import error_block, kpi, panel, panel_slot, safe_render
from cockpit.warehouse.windows import Window, resolve_window

WINDOW_KEYS = ("period", "from", "to")


@dataclass(frozen=True)
class EventView:
    """What an event page shows, from its URL: region, time window (as the URL wrote it), filters."""

    page: str
    region: str
    window: dict[str, str]  # period, or from/to: re-resolved against "now" on every render
    filters: dict[str, str] = field(default_factory=dict)
    notices: tuple[str, ...] = ()

    def query(self, **changes: str | None) -> str:
        window = dict(self.window)
        if any(k in changes for k in WINDOW_KEYS):
            window = {k: v for k in WINDOW_KEYS if (v := changes.get(k))}
        merged: dict[str, str | None] = {"region": self.region, **window, **self.filters}
        merged.update({k: v for k, v in changes.items() if k not in WINDOW_KEYS})
        return "?" + urlencode({k: v for k, v in merged.items() if v})

    def href(self, **changes: str | None) -> str:
        return self.page + self.query(**changes)

    def resolve(self, now: datetime, default_kind: str) -> Window:
        return resolve_window(self.window, now, default_kind)[0]

    def params(self) -> dict[str, str]:
        """The URL parameters this view came from, to validate again what a browser sends back."""
        return {"region": self.region, **self.window, **self.filters}

    def as_store(self) -> dict[str, Any]:
        return {
            "page": self.page,
            "region": self.region,
            "window": self.window,
            "filters": self.filters,
            "notices": list(self.notices),
        }

    @classmethod
    def from_store(cls, data: dict[str, Any]) -> EventView:
        return cls(
            page=str(data["page"]),
            region=str(data["region"]),
            window={str(k): str(v) for k, v in (data.get("window") or {}).items() if k in WINDOW_KEYS},
            filters={str(k): str(v) for k, v in (data.get("filters") or {}).items()},
            notices=tuple(data.get("notices") or ()),
        )


EventRenderer = Callable[[EventView, Services, datetime], Any]


@dataclass(frozen=True)
class EventPage:
    """An event desk page, declared once (``layouts/<page>.PAGE``) and read by its layout and its
    callbacks: its path and title, the window it opens on, and its component ids."""

    path: str
    title: str
    default_kind: str
    view_id: str
    panel_type: str
    filter_type: str
    graph_type: str

    @property
    def name(self) -> str:
        return self.path.strip("/")

    def slot(self, name: str, extra: str = "") -> html.Div:
        """Where panel ``name`` appears, filled by its callback."""
        return panel_slot(self.panel_type, name, extra)

    def panel_callbacks(
        self,
        renderers: dict[str, EventRenderer],
        titles: dict[str, str],
        parse: Callable[[Services, dict[str, Any]], EventView],
        *,
        live: Collection[str] = (),
    ) -> dict[str, Callable[..., Any]]:
        """One guarded callback per panel; ``live`` panels are rendered afresh every time."""
        return {
            name: guarded_panel(self.name, name, titles[name], parse, render, memoize=name not in live)
            for name, render in renderers.items()
        }


def now_of(services: Services) -> datetime:
    """ "Now" for event queries: the one data clock (to the minute, so renders share cached results)."""
    return services.settings.data_now()


def parse_event_view(
    services: Services,
    page: str,
    params: dict[str, Any],
    *,
    default_kind: str,
    allowed: dict[str, tuple[str, Collection[str] | Callable[[], Collection[str]]]],
) -> EventView:
    """Validate every URL parameter against the warehouse; unknown values become notices.

    ``allowed``: filter name → (Chinese label, allowed values, or a function giving them, called only
    when the parameter is present: a vocabulary can cost a scan of the tickets on a new snapshot)."""
    notices: list[str] = []
    province = home_region(services.settings.province_adcode)
    region = str(params.get("region") or province)[:12]
    if not (region.isdigit() and len(region) == 6) or services.warehouse.region(region) is None:
        notices.append(f"未知地区“{region}”，已显示默认地区")
        region = province
    require_region(services.warehouse, region, action="view")  # out of scope: refused, not replaced
    now = now_of(services)
    raw = {k: str(params[k]) for k in WINDOW_KEYS if params.get(k)}
    _, problems = resolve_window(raw, now, default_kind)
    notices += problems
    kept = {} if problems else raw
    filters: dict[str, str] = {}
    for name, (label, values) in allowed.items():
        value = params.get(name)
        if not value:
            continue
        if str(value) in (values() if callable(values) else values):
            filters[name] = str(value)
        else:
            notices.append(f"未知{label}“{str(value)[:16]}”，已显示全部")
    return EventView(page, region, kept, filters, tuple(notices))


def period_options(now: datetime, current_code: str, current_label: str) -> list[dict[str, str]]:
    months = [(now.year, now.month - k) for k in range(3)]
    months = [(y - 1, m + 12) if m < 1 else (y, m) for y, m in months]
    quarter = (now.month - 1) // 3 + 1
    prev_q = (now.year, quarter - 1) if quarter > 1 else (now.year - 1, 4)
    opts = [{"label": f"{y}年{m}月", "value": f"{y}-{m:02d}"} for y, m in months]
    opts += [
        {"label": f"{now.year}年第{quarter}季度", "value": f"{now.year}Q{quarter}"},
        {"label": f"{prev_q[0]}年第{prev_q[1]}季度", "value": f"{prev_q[0]}Q{prev_q[1]}"},
    ]
    opts += [{"label": f"{y}年", "value": str(y)} for y in range(now.year, 2020, -1)]
    if current_code not in {o["value"] for o in opts}:
        opts.insert(0, {"label": current_label, "value": current_code})
    return opts


def page_header(
    view: EventView,
    services: Services,
    *,
    title: str,
    filter_type: str,
    default_kind: str,
    dropdowns: Sequence[tuple[str, str, list[dict[str, str]]]] = (),
) -> html.Div:
    """Title, breadcrumb, 返回上级, period picker, the page's filters and any notices."""
    now = now_of(services)
    window = view.resolve(now, default_kind)
    chain = services.warehouse.lineage(view.region)
    crumbs = breadcrumb_items(chain, lambda code: view.href(region=code, incident=None))
    parent = parent_in_scope(chain)
    controls = [
        dropdown(
            id={"type": filter_type, "name": "period"},
            options=period_options(now, window.code, window.label),  # type: ignore[arg-type]
            value=window.code,
            clearable=False,
            searchable=False,
            className="events-dropdown dd-period",
        )
    ]
    for name, placeholder, options in dropdowns:
        controls.append(
            dropdown(
                id={"type": filter_type, "name": name},
                options=options,  # type: ignore[arg-type]
                value=view.filters.get(name),
                placeholder=placeholder,
                clearable=True,
                searchable=False,
                className=f"events-dropdown dd-{name}",
            )
        )
    return html.Div(
        [
            html.Div(
                [
                    html.H1(title),
                    html.Div(crumbs, className="breadcrumb events-breadcrumb"),
                    dcc.Link("↑ 返回上级", href=view.href(region=parent, incident=None), className="back")
                    if parent
                    else html.Span(),
                    html.Div(window.label, className="events-window"),
                ],
                className="events-title-row",
            ),
            html.Div(controls, className="events-controls"),
            *[html.Div(n, className="notice events-notice") for n in view.notices],
        ],
        className="events-header",
    )


def event_layout(
    page: EventPage,
    view: EventView,
    services: Services,
    *,
    dropdowns: Sequence[tuple[str, str, list[dict[str, str]]]],
    body: Sequence[Any],
) -> html.Div:
    """An event desk page: its view store, the navigation bar, the header, then ``body`` (its
    panel slots, filled by the page's callbacks)."""
    return html.Div(
        [
            dcc.Store(id=page.view_id, data=view.as_store()),
            nav_bar(page.path, f"?region={view.region}"),
            page_header(
                view,
                services,
                title=page.title,
                filter_type=page.filter_type,
                default_kind=page.default_kind,
                dropdowns=dropdowns,
            ),
            *body,
        ],
        className=f"desk-page theme-dark events-page page-{page.name}",
    )


def figure_mark(view: EventView, now: datetime, code: str, kind: str, value: Any, window: Window | None = None,
                filters: str = "", **label_values: Any) -> tuple[str, dict[str, Any]]:  # fmt: skip
    """A registry figure's label on this page and the marks of its number. A page filter (a category,
    a department) narrows a figure into another one: its code and label then say so."""
    code_of_window = window.code if window is not None and kind == "window" else ""
    text, marks = figures.marked(code, kind, view.region, now, value, code_of_window, **label_values)
    if filters:
        text = f"{text}{filters}"
        marks |= {"data-figure": f"{code}|{filters}", "data-label": text}
    return text, marks


def figure_kpi(view: EventView, now: datetime, code: str, kind: str, value: Any, shown: Any, sub: str = "",
               cls: str = "", window: Window | None = None, filters: str = "", **label_values: Any) -> html.Div:  # fmt: skip
    """A KPI card for a figure of the registry (cockpit.figures), labelled and marked from it."""
    text, marks = figure_mark(view, now, code, kind, value, window, filters, **label_values)
    return kpi(text, shown, sub, cls, marks)


def filter_query(
    view: EventView, name: str, value: Any, allowed: dict[str, Collection[str]], shown_period: str = ""
) -> str | None:
    """The URL search after a filter changed, or None for a value the page does not offer or already
    shows (re-rendering a page re-creates its dropdowns, which must not navigate anywhere)."""
    if name == "period":
        if not isinstance(value, str) or not value or len(value) > 32 or value == shown_period:
            return None
        if "~" in value:
            first, _, last = value.partition("~")
            return view.query(**{"from": first, "to": last}, incident=None)
        return view.query(period=value, incident=None)
    if name not in allowed or (value is not None and value not in allowed[name]):
        return None
    if value == view.filters.get(name):
        return None
    return view.query(**{name: value}, incident=None)


def clicked_point(click: Any) -> dict[str, Any] | None:
    try:
        point = click["points"][0]
    except (TypeError, KeyError, IndexError):
        return None
    return point if isinstance(point, dict) else None


def clicked_region(point: dict[str, Any] | None, services: Services) -> str | None:
    """The adcode of a clicked map region (or of a region's incident badge, its customdata), if it
    is one the warehouse knows."""
    data = (point or {}).get("customdata")
    badge = data[0] if isinstance(data, list) and len(data) == 3 and data[1] == GROUP else None
    location = str((point or {}).get("location") or badge or "")[:12]
    if location.isdigit() and len(location) == 6 and services.warehouse.region(location) is not None:
        return location
    return None


NextUrl = Callable[[EventView, str, Any, Services], str | None]


def register_url_input(app: dash.Dash, component_type: str, prop: str, view_id: str, target: NextUrl) -> None:
    """One callback for every ``component_type`` component of a page (pattern-matching): a change
    of its ``prop`` rewrites the URL to where ``target`` leads, or leaves it."""

    @app.callback(
        Output(ids.URL, "search", allow_duplicate=True),
        Input({"type": component_type, "name": ALL}, prop),
        State(view_id, "data"),
        prevent_initial_call=True,
    )
    def next_url(_values: list[Any], view_data: dict[str, Any] | None) -> Any:
        return _next_url(view_data, target)


def filter_target(allowed: Callable[[Services], dict[str, Collection[str]]], default_kind: str) -> NextUrl:
    """Where a page's filter change leads (the period picker, category, channel...)."""

    def target(view: EventView, name: str, value: Any, services: Services) -> str | None:
        shown = view.resolve(now_of(services), default_kind).code
        return filter_query(view, name, value, allowed(services), shown)

    return target


def _next_url(view_data: dict[str, Any] | None, target: NextUrl) -> Any:
    """The URL a pattern-matched input of an event page leads to: ``target`` of the page's view, the
    triggering component's name and its new value; no update when there is none."""
    trigger = ctx.triggered_id
    if not view_data or not isinstance(trigger, dict) or not ctx.triggered:
        return dash.no_update
    view = EventView.from_store(view_data)
    found = target(view, str(trigger.get("name")), ctx.triggered[0]["value"], current())
    return found or dash.no_update


def register_event_page(
    app: dash.Dash,
    page: EventPage,
    *,
    panels: dict[str, Callable[..., Any]],
    allowed: Callable[[Services], dict[str, Collection[str]]],
    click_target: NextUrl,
) -> None:
    """The callbacks of an event desk page (/emergency, /hotline, /regulation), pattern-matched: one
    per panel (its view store and the refresh tick in), one for all filters, and one for clicks on
    any of its graphs, which ``click_target`` turns into the page's next URL (or nothing)."""
    for name, callback in panels.items():
        app.callback(
            Output({"type": page.panel_type, "name": name}, "children"),
            Input(page.view_id, "data"),
            Input(ids.REFRESH, "n_intervals"),
        )(callback)
    register_url_input(
        app, page.filter_type, "value", page.view_id, filter_target(allowed, page.default_kind)
    )
    register_url_input(app, page.graph_type, "clickData", page.view_id, click_target)


# A rendered panel, per snapshot, viewer, view and minute: a drill back to a view someone has just
# seen costs a cache lookup, not queries and figure building (panels hold plain dicts).
PANEL = Memo("event_panel", ttl=300)


def guarded_panel(
    page: str,
    name: str,
    title: str,
    parse: Callable[[Services, dict[str, Any]], EventView],
    renderer: EventRenderer,
    *,
    memoize: bool = True,
) -> Callable[..., Any]:
    """The callback behind one panel of /emergency, /regulation or /hotline.

    The view store lives in the browser, so it is validated again like a URL; a panel that fails
    shows its own error and never takes the page down."""

    def callback(view_data: dict[str, Any] | None, _tick: int | None) -> Any:
        if not view_data:
            return dash.no_update
        services = current()

        def render() -> Any:
            view, now = parse(services, EventView.from_store(view_data).params()), now_of(services)
            if not memoize:
                return renderer(view, services, now)
            return PANEL.get(
                services.warehouse,
                [page, name, view.as_store(), now.isoformat()],
                lambda: renderer(view, services, now),
            )

        return safe_render(page, name, render, lambda exc: panel(title, error_block(exc), name=name))

    return callback
