"""Panel cards, KPI cards, tables and figure styling shared by the desk pages, and ``safe_render``:
the one wrapper through which every panel or tile callback renders, so one failing panel shows
its own error and never takes the page down."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any, cast

from dash import dcc, html

from cockpit.charts.map import GRAPH_CONFIG
from cockpit.feed_names import named
from cockpit.formatting import number
from cockpit.services import current
from cockpit.theme import theme

# What a panel or tile that failed to render says: never the exception (the log keeps it).
ERROR_MESSAGE = "暂时无法加载，请稍后重试"
# A figure slot that failed to render: an empty plot saying so.
ERROR_FIGURE = {"data": [], "layout": {"annotations": [{"text": "暂时无法加载", "showarrow": False}],
                                       "paper_bgcolor": "rgba(0,0,0,0)", "xaxis": {"visible": False},
                                       "yaxis": {"visible": False}}}  # fmt: skip


def error_block(exc: Exception) -> html.Div:
    """The body of a failed panel: a plain message; ``safe_render`` has logged ``exc``."""
    return html.Div(ERROR_MESSAGE, className="tile-error")


def safe_render(page: str, name: str, render: Callable[[], Any], on_error: Callable[[Exception], Any]) -> Any:
    """``render()``, or ``on_error(exc)`` logged under the page's logger when it raises."""
    try:
        return render()
    except Exception as exc:  # one panel's failure must not take the page down
        logging.getLogger(f"callbacks.{page}").exception("%s panel %s failed", page, name)
        return on_error(exc)


def panel_slot(panel_type: str, name: str, extra: str = "") -> html.Div:
    return html.Div(
        html.Div("加载中…", className="events-panel loading"),
        id={"type": panel_type, "name": name},
        className=f"events-slot slot-{name} {extra}".strip(),
    )


def panel(title: str, body: Any, footer: str | None = None, *, name: str, extra: Any = None) -> html.Div:
    head = [html.Div(title, className="events-panel-title")]
    if extra is not None:
        head.append(html.Div(extra, className="events-panel-extra"))
    return html.Div(
        [
            html.Div(head, className="events-panel-head"),
            html.Div(body, className="events-panel-body"),
            html.Div(footer, className="events-asof") if footer else None,
        ],
        className=f"events-panel panel-{name}",
    )


def kpi(
    label: str, value: Any, sub: str = "", cls: str = "", marks: dict[str, Any] | None = None
) -> html.Div:
    return html.Div(
        [
            html.Div(label, className="kpi-label"),
            html.Div(value, className="kpi-num", **(marks or {})),
            html.Div(sub, className="kpi-sub"),
        ],
        className=f"events-kpi {cls}".strip(),
    )


def table(
    header: Sequence[str], rows: Sequence[Sequence[Any]], *, numeric_from: int = 1, cls: str = ""
) -> html.Table:
    """A plain table; columns from ``numeric_from`` on are right-aligned numbers."""
    head = html.Thead(
        html.Tr([html.Th(h, className="num" if i >= numeric_from else "") for i, h in enumerate(header)])
    )
    body = html.Tbody(
        [
            html.Tr([html.Td(c, className="num" if i >= numeric_from else "") for i, c in enumerate(r)])
            for r in rows
        ]
    )
    return html.Table([head, body], className=f"events-table {cls}".strip())


def asof(loaded_at: Any, feeds: str) -> str:
    """When the rows were loaded and from which feeds (``a、b`` of codes, shown by their names)."""
    when = "—" if loaded_at is None or str(loaded_at) in ("NaT", "nan") else f"{loaded_at:%Y-%m-%d %H:%M}"
    return f"入库 {when} · 来源 {named(current(), feeds)}"


def count(value: float | None, unit: str = "") -> str:
    return number(value, unit, 0)


def style_figure(fig: Any, height: int, *, legend: bool = False) -> Any:
    colours = theme("dark")
    fig.update_layout(
        height=height,
        margin={"l": 48, "r": 12, "t": 10, "b": 36},
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
        font={"color": colours["text"], "family": colours["font"], "size": 13},
        showlegend=legend,
        legend={"orientation": "h", "x": 1, "xanchor": "right", "y": 1.02, "yanchor": "bottom"},
        xaxis={"gridcolor": colours["grid"]},
        yaxis={"gridcolor": colours["grid"]},
        hoverlabel={"font": {"family": colours["font"]}},
    )
    return fig


def plain_figure(figure: Any) -> Any:
    """A go.Figure as plain dicts, so a memoized panel unpickles in a millisecond instead of being
    validated again. The figure's own (already validated) dicts are used as they are: ``to_dict``
    would deep-copy the boundaries once more, which is most of a map's render time."""
    data, layout = getattr(figure, "_data", None), getattr(figure, "_layout", None)
    if isinstance(data, list) and isinstance(layout, dict):
        return {"data": data, "layout": layout}
    return figure.to_plotly_json() if hasattr(figure, "to_plotly_json") else figure


def graph(graph_type: str, name: str, figure: Any, height: int) -> dcc.Graph:
    return dcc.Graph(
        id={"type": graph_type, "name": name},
        figure=plain_figure(figure),
        config=cast(dcc.Graph.Config, GRAPH_CONFIG | {"displayModeBar": False}),
        style={"height": f"{height}px"},
    )
