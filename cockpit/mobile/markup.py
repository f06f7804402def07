"""Dash components written out as HTML, so the phone page shows the wall's own tiles (the same
numbers, labels and ``data-*`` marks, built by the same functions) without the Dash renderer and
plotly.js a phone would have to download first.

Only what tiles are made of is written: ``dash.html`` elements and ``dcc.Link`` (as ``<a>``); any
other component (a graph, a store) is left out, since it needs the renderer to mean anything.
"""

from __future__ import annotations

import re
from typing import Any

from dash.development.base_component import Component
from markupsafe import Markup, escape

VOID = frozenset({"area", "br", "col", "hr", "img", "input", "wbr"})
# Props that are the component's own business, never an attribute of the element.
_SKIPPED = frozenset({"children", "n_clicks", "n_clicks_timestamp", "disable_n_clicks", "loading_state",
                      "refresh", "key", "setProps"})  # fmt: skip
_RENAMED = {"className": "class", "htmlFor": "for"}
_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")


def to_html(node: Any) -> Markup:
    """``node`` (a component, text, a number or a list of them) as escaped HTML."""
    if node is None or isinstance(node, bool):
        return Markup("")
    if isinstance(node, str | int | float):
        return escape(str(node))
    if isinstance(node, list | tuple):
        return Markup("").join(to_html(child) for child in node)
    if not isinstance(node, Component):
        raise TypeError(f"cannot write {type(node).__name__} as HTML")
    tag = _tag(node)
    if tag is None:
        return Markup("")
    props = node.to_plotly_json()["props"]
    attributes = Markup("").join(_attribute(name, value) for name, value in props.items())
    if tag in VOID:
        return Markup(f"<{tag}{attributes}>")
    return Markup(f"<{tag}{attributes}>{to_html(props.get('children'))}</{tag}>")


def _tag(node: Component) -> str | None:
    namespace, kind = node._namespace, node._type  # Dash's own record of what a component is
    if namespace == "dash_html_components":
        return kind.lower()
    if namespace == "dash_core_components" and kind == "Link":
        return "a"
    return None


def _attribute(name: str, value: Any) -> Markup:
    if name in _SKIPPED or value is None or value is False:
        return Markup("")
    if name == "id" and not isinstance(value, str):
        return Markup("")  # a pattern-matching id ({"type": …}) only means something to callbacks
    if name == "style" and isinstance(value, dict):
        value = ";".join(f"{_CAMEL.sub('-', k).lower()}:{v}" for k, v in value.items())
    name = _RENAMED.get(name, name)
    if value is True:
        return Markup(f" {escape(name)}")
    return Markup(f' {escape(name)}="{escape(str(value))}"')
