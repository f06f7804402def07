"""Drive Dash callbacks over HTTP the way the renderer does: render a page, fire its initial
callbacks, follow a drill through the callbacks its outputs trigger.

Works on any ``httpx.Client`` (a live server, or the app in-process through ``httpx.WSGITransport``),
signed in through ``cockpit.auth.client.sign_in`` when sign-in exists.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

# What a guarded panel answers when its renderer raised (cockpit/screen/tiles.py error_tile, the pages'
# ERROR_FIGUREs): HTTP 200, but the viewer sees "暂时无法加载". Load tests count it as an error.
DEGRADED_MARKERS = (b"tile-error", "暂时无法加载".encode(), json.dumps("暂时无法加载")[1:-1].encode())
PAGES_INPUTS = {"_pages_location.pathname", "_pages_location.search"}
NAV_STORE = "screen-nav"  # cockpit/ids.py SCREEN_NAV: {"search", "seq"}, set by assets/screen_nav.js
# The root layout's components (app.py), with the values the renderer sends on load.
ROOT_PROPS = {"refresh-timer.n_intervals": 0}


def id_key(component_id: Any) -> str:
    return (
        json.dumps(component_id, sort_keys=True, separators=(",", ":"))
        if isinstance(component_id, dict)
        else str(component_id)
    )


def _is_wildcard(component_id: Any) -> bool:
    return isinstance(component_id, dict) and any(isinstance(v, list) for v in component_id.values())


def _parse_outputs(output: str) -> list[tuple[Any, str]]:
    """``id.prop`` or ``..id1.prop1...id2.prop2..``; ``@hash`` marks allow_duplicate outputs."""
    parts = output[2:-2].split("...") if output.startswith("..") else [output]
    out = []
    for part in parts:
        ident, prop = part.split("@", 1)[0].rsplit(".", 1)
        out.append((json.loads(ident) if ident.startswith("{") else ident, prop))
    return out


@dataclass
class Call:
    """One callback request: what it was, how long the server took, how big the answer was."""

    name: str
    seconds: float
    status: int
    bytes: int
    response: dict[str, Any]
    degraded: bool = False  # answered, but with a panel's error placeholder


def sign_in_if_needed(http: httpx.Client, base_url: str, username: str | None, password: str | None) -> bool:
    """Signs in through the sign-in engineer's helper when it exists; False when there is no sign-in."""
    try:
        from cockpit.auth.client import sign_in  # type: ignore[import-not-found]
    except ImportError:
        return False
    if not username or not password:
        raise SystemExit(
            "sign-in is enabled: pass --user/--password (demo accounts are printed by `cockpit demo build`)"
        )
    sign_in(http, base_url, username, password)
    return True


class DashDriver:
    def __init__(self, http: httpx.Client) -> None:
        self.http = http
        self.deps: list[dict[str, Any]] = http.get("/_dash-dependencies").raise_for_status().json()
        self.pages = next(
            d for d in self.deps if {f"{i['id']}.{i['property']}" for i in d["inputs"]} == PAGES_INPUTS
        )

    def post(self, dep: dict[str, Any], values: dict[str, Any], changed: list[str]) -> Call:
        outputs = [{"id": i, "property": p} for i, p in _parse_outputs(dep["output"])]
        body = {
            "output": dep["output"],
            "outputs": outputs if dep["output"].startswith("..") else outputs[0],
            "inputs": [
                {**i, "value": values.get(f"{id_key(i['id'])}.{i['property']}")} for i in dep["inputs"]
            ],
            "state": [{**s, "value": values.get(f"{id_key(s['id'])}.{s['property']}")} for s in dep["state"]],
            "changedPropIds": changed,
        }
        started = time.perf_counter()
        response = self.http.post("/_dash-update-component", json=body)
        seconds = time.perf_counter() - started
        payload = response.json() if response.status_code == 200 and response.content else {}
        name = ",".join(f"{id_key(i)}.{p}" for i, p in _parse_outputs(dep["output"]))
        degraded = any(marker in response.content for marker in DEGRADED_MARKERS)
        return Call(
            name, seconds, response.status_code, len(response.content), payload.get("response", {}), degraded
        )

    def render_page(self, url: str) -> tuple[Call, dict[str, Any]]:
        """The pages callback (layout of ``url``, a navigation inside the app); returns it and every
        component prop by ``id.prop``."""
        pathname, search = _path_and_search(url)
        values = {"_pages_location.pathname": pathname, "_pages_location.search": search}
        call = self.post(self.pages, values, ["_pages_location.pathname", "_pages_location.search"])
        return call, _page_props(call.response.get("_pages_content", {}).get("children"), url)

    def open_page(self, url: str) -> tuple[Call, dict[str, Any]]:
        """A full page load of ``url``: ``/_dash-layout`` fetched by that document (its Referer) comes
        with the page in it (cockpit/page_container.py); the pages callback only when it did not."""
        started = time.perf_counter()
        response = self.http.get("/_dash-layout", headers={"Referer": str(self.http.base_url.join(url))})
        seconds = time.perf_counter() - started
        layout = response.json() if response.status_code == 200 else {}
        content = next(
            (c["props"].get("children") for c in _walk(layout) if c["props"].get("id") == "_pages_content"),
            None,
        )
        if response.status_code == 200 and content is None:
            return self.render_page(url)
        degraded = any(marker in response.content for marker in DEGRADED_MARKERS)
        call = Call("layout", seconds, response.status_code, len(response.content), {}, degraded)
        return call, _page_props(content, url)

    def initial_callbacks(self, props: dict[str, Any]) -> list[dict[str, Any]]:
        """Server callbacks the renderer fires when the page appears: every input present, not
        prevented, not clientside (wildcard inputs are left out: the page fills them later)."""
        found = []
        for dep in self.deps:
            if dep is self.pages or dep.get("clientside_function") or dep.get("prevent_initial_call"):
                continue
            keys = [f"{id_key(i['id'])}.{i['property']}" for i in dep["inputs"]]
            if (
                keys
                and all(k in props for k in keys)
                and not any(_is_wildcard(i["id"]) for i in dep["inputs"])
            ):
                found.append(dep)
        return found

    def dependents(
        self, changed: dict[str, Any], exclude: dict[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        """Server callbacks with an input among ``changed``. ``exclude``: the callback that answered
        them — the renderer does not fire a callback again for its own outputs (circular in one)."""
        keys = set(changed)
        return [
            d
            for d in self.deps
            if d is not exclude
            and not d.get("clientside_function")
            and any(f"{id_key(i['id'])}.{i['property']}" in keys for i in d["inputs"])
        ]

    def nav_store(self) -> dict[str, Any] | None:
        """The big screen's in-page navigation (assets/screen_nav.js hands a URL the page navigates to
        to a ``screen-nav`` store instead of the page router), when the app has it."""
        return next((d for d in self.deps if any(i["id"] == NAV_STORE for i in d["inputs"])), None)

    def find(self, predicate: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        return next(d for d in self.deps if predicate(d))


def changed_props(call: Call) -> dict[str, Any]:
    """``id.prop`` → new value for everything a callback answered (Dash 4 omits no_update outputs)."""
    out = {}
    for cid, props in call.response.items():
        for prop, value in props.items():
            out[f"{cid}.{prop}"] = value
    if "url.search" in out:  # both Location components see the same address
        out["_pages_location.search"] = out["url.search"]
    return out


def _walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, list):
        for child in node:
            yield from _walk(child)
    elif isinstance(node, dict) and "props" in node:
        yield node
        for value in node["props"].values():
            if isinstance(value, dict | list):
                yield from _walk(value)


def _path_and_search(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.path or "/", f"?{parts.query}" if parts.query else ""


def _page_props(content: Any, url: str) -> dict[str, Any]:
    """Every component prop of a rendered page by ``id.prop``, with the root layout's."""
    pathname, search = _path_and_search(url)
    props = dict(ROOT_PROPS) | {"url.pathname": pathname, "url.search": search}
    for component in _walk(content):
        cid = component.get("props", {}).get("id")
        if cid is None or _is_wildcard(cid):
            continue
        for prop, value in component["props"].items():
            if prop != "children" or not isinstance(value, dict | list):
                props[f"{id_key(cid)}.{prop}"] = value
    return props
