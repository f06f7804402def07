"""Signing in as a scoped user for the scope tests (the real form flow), and callback payloads
shaped like the renderer's."""

from __future__ import annotations

import json
from typing import Any

import dash

from cockpit.settings import Settings
from cockpit.view import View
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


def map_payload(region: str, indicator: str = "online_service_rate") -> dict[str, Any]:
    """The big screen's map callback as the renderer posts it: the page's view store as input."""
    view = View(region, indicator, None).as_store()
    return {
        "output": "screen-map.figure",
        "outputs": {"id": "screen-map", "property": "figure"},
        "inputs": [
            {"id": "screen-view", "property": "data", "value": view},
            {"id": "refresh-timer", "property": "n_intervals", "value": 1},
        ],
        "state": [],
        "changedPropIds": ["screen-view.data"],
    }


def drill_payload(app: dash.Dash, location: Any, view_region: str) -> dict[str, Any]:
    """A click on the screen's map (the drill callback): click data as input, the view as state."""
    key = next(k for k, v in app.callback_map.items()
               if any(i["id"] == "screen-map" and i["property"] == "clickData" for i in v["inputs"]))  # fmt: skip
    return {
        "output": key,
        "outputs": {"id": "url", "property": "search"},
        "inputs": [
            {"id": "screen-map", "property": "clickData", "value": {"points": [{"location": location}]}}
        ],
        "state": [
            {
                "id": "screen-view",
                "property": "data",
                "value": View(view_region, "online_service_rate", None).as_store(),
            }
        ],
        "changedPropIds": ["screen-map.clickData"],
    }


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


def adcodes_in(payload: Any) -> set[str]:
    """Every ``adcode``/``region`` value anywhere in a JSON answer."""
    found: set[str] = set()
    if isinstance(payload, dict):
        for key, value in payload.items():
            if key in ("adcode", "region") and isinstance(value, str):
                found.add(value)
            else:
                found |= adcodes_in(value)
    elif isinstance(payload, list):
        for item in payload:
            found |= adcodes_in(item)
    return found


def dumps(payload: Any) -> str:
    return json.dumps(payload, ensure_ascii=False)
