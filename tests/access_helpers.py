"""Signing in as a scoped user for the scope tests (the real form flow), and callback payloads
shaped like the renderer's."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import dash

from cockpit.screen.view import View
from cockpit.settings import Settings
from tests.conftest import add_user, login


class UserClient:
    """A Flask test client signed in as one user."""

    def __init__(self, app: dash.Dash, settings: Settings, username: str, role: str, scope: str) -> None:
        self.app, self.username = app, username
        self.client = app.server.test_client()
        add_user(settings, username, role, scope)
        answer = login(self.client, username)
        assert answer.status_code == 303, answer.get_data(as_text=True)[:300]

    def get(self, url: str) -> Any:
        return self.client.get(url)

    def post(self, url: str, **kwargs: Any) -> Any:
        return self.client.post(url, **kwargs)

    def callback(self, body: dict[str, Any]) -> Any:
        return self.post("/_dash-update-component", json=body)


def callback_outputs(key: str) -> Any:
    """The ``outputs`` of a callback key as the renderer sends them (one, or a list for several)."""

    def one(part: str) -> dict[str, Any]:
        ident, prop = part.split("@")[0].rsplit(".", 1)
        return {"id": json.loads(ident) if ident.startswith("{") else ident, "property": prop}

    if key.startswith("..") and key.endswith(".."):
        return [one(p) for p in key[2:-2].split("...")]
    return one(key)


def callback_payload(app: dash.Dash, key: str, values: dict[str, Any], changed: str) -> dict[str, Any]:
    """A POST body for callback ``key``: every input and state in declared order, valued from
    ``values`` (by "id.property", None where absent), ``changed`` as the triggering prop."""
    spec = app.callback_map[key]

    def listed(deps: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{"id": d["id"], "property": d["property"], "value": values.get(f"{d['id']}.{d['property']}")}
                for d in deps]  # fmt: skip

    return {"output": key, "outputs": callback_outputs(key), "inputs": listed(spec["inputs"]),
            "state": listed(spec.get("state", [])), "changedPropIds": [changed]}  # fmt: skip


def callback_key(app: dash.Dash, input_id: str, prop: str) -> str:
    """The key of the (one) callback that has ``input_id.prop`` as an input."""
    return next(k for k, v in app.callback_map.items()
                if any(i["id"] == input_id and i["property"] == prop for i in v["inputs"]))  # fmt: skip


def map_payload(region: str, indicator: str = "online_service_rate") -> dict[str, Any]:
    """The big screen's map callback (its timed refresh) as the renderer posts it: the page's view
    store as state."""
    view = View(region, indicator, None).as_store()
    return {
        "output": "..screen-map.figure...screen-map-digest.data..",
        "outputs": [
            {"id": "screen-map", "property": "figure"},
            {"id": "screen-map-digest", "property": "data"},
        ],
        "inputs": [{"id": "refresh-timer", "property": "n_intervals", "value": 1}],
        # No digest of a figure shown, so the whole figure comes back.
        "state": [
            {"id": "screen-view", "property": "data", "value": view},
            {"id": "screen-map-digest", "property": "data", "value": None},
        ],
        "changedPropIds": ["refresh-timer.n_intervals"],
    }


def drill_payload(app: dash.Dash, location: Any, view_region: str) -> dict[str, Any]:
    """A click on the screen's map (the navigate callback): click data as input, the view as state."""
    key = callback_key(app, "screen-map", "clickData")
    values = {
        "screen-map.clickData": {"points": [{"location": location}]},
        "screen-view.data": View(view_region, "online_service_rate", None).as_store(),
    }
    return callback_payload(app, key, values, "screen-map.clickData")


def page_payload(path: str, search: str = "") -> dict[str, Any]:
    """Dash pages' router: renders a page's layout for a pathname and search."""
    return {
        "output": ".._pages_content.children..._pages_store.data..",
        "outputs": [
            {"id": "_pages_content", "property": "children"},
            {"id": "_pages_store", "property": "data"},
        ],
        "inputs": [
            {"id": "_pages_location", "property": "pathname", "value": path},
            {"id": "_pages_location", "property": "search", "value": search},
        ],
        "state": [],
        "changedPropIds": ["_pages_location.search"],
    }


def figure_locations(response_json: dict[str, Any]) -> set[str]:
    """Every region a map figure draws or marks."""
    figure = response_json["response"]["screen-map"]["figure"]
    found: set[str] = set()
    for trace in figure.get("data") or []:
        found.update(str(x) for x in trace.get("locations") or [])
        for row in trace.get("customdata") or []:
            if isinstance(row, list) and row and str(row[0]).isdigit():
                found.add(str(row[0]))
    return found


def json_objects(payload: Any) -> Iterator[dict[str, Any]]:
    """Every object anywhere in a JSON value (``payload`` itself first), depth first in order."""
    if isinstance(payload, dict):
        yield payload
        for value in payload.values():
            yield from json_objects(value)
    elif isinstance(payload, list):
        for item in payload:
            yield from json_objects(item)


def adcodes_in(payload: Any) -> set[str]:
    """Every ``adcode``/``region`` value anywhere in a JSON answer."""
    return {
        value
        for obj in json_objects(payload)
        for key, value in obj.items()
        if key in ("adcode", "region") and isinstance(value, str)
    }


def dumps(payload: Any) -> str:
    return json.dumps(payload, ensure_ascii=False)
