"""The first page comes with the layout (cockpit/page_container.py): for the document that asks,
``/_dash-layout`` holds exactly what Dash's router would answer for its URL, for the same user and
scope, and nothing when it can't tell which document asked."""

from __future__ import annotations

from typing import Any

import pytest

from cockpit.settings import Settings
from tests.access_helpers import UserClient, json_objects, page_payload

XIAODIAN, YINGZE, LVLIANG = "140105", "140106", "141100"
HOST = "http://localhost"
PAGES = [
    ("/", ""),
    ("/", f"?region={LVLIANG}&indicator=online_service_rate"),
    (f"/region/{XIAODIAN}", ""),
    ("/targets", ""),
    ("/emergency", f"?region={LVLIANG}"),
    ("/hotline", "?period=2026-10"),
    ("/explorer", ""),
]


def _layout(user: UserClient, referer: str | None) -> Any:
    headers = {"Referer": referer} if referer is not None else {}
    response = user.client.get("/_dash-layout", headers=headers)
    assert response.status_code == 200
    return response


def _part(layout: dict[str, Any], component_id: str) -> dict[str, Any]:
    return next(o["props"] for o in json_objects(layout) if isinstance(o.get("props"), dict)
                and o["props"].get("id") == component_id)  # fmt: skip


def _routed(user: UserClient, path: str, search: str) -> dict[str, Any]:
    response = user.callback(page_payload(path, search))
    assert response.status_code == 200
    return response.get_json()["response"]


@pytest.fixture(scope="module")
def leader(demo_app: Any, demo_warehouse: tuple[Settings, Any]) -> UserClient:
    return UserClient(
        demo_app, demo_warehouse[0], "first-page-leader", "staff", demo_warehouse[0].province_adcode
    )


@pytest.mark.parametrize(("path", "search"), PAGES)
def test_the_layout_holds_what_the_router_answers_for_the_asking_document(
    leader: UserClient, path: str, search: str
) -> None:
    layout = _layout(leader, HOST + path + search).get_json()
    routed = _routed(leader, path, search)
    assert _part(layout, "_pages_content").get("children") == routed["_pages_content"]["children"]
    assert _part(layout, "_pages_store")["data"] == routed["_pages_store"]["data"]
    # The location already says where it is, so the router does not fire again on load.
    location = _part(layout, "_pages_location")
    assert (location["pathname"], location["search"]) == (path, search)


@pytest.mark.parametrize(
    "referer", [None, "", "http://elsewhere.example/?region=141100", f"{HOST}/no-such-page"]
)
def test_without_a_document_of_ours_the_container_is_left_to_the_router(
    leader: UserClient, referer: str | None
) -> None:
    layout = _layout(leader, referer).get_json()
    assert _part(layout, "_pages_content").get("children") is None
    assert "pathname" not in _part(layout, "_pages_location")


def test_the_first_page_is_never_cached_and_follows_the_asking_user(
    demo_app: Any, demo_warehouse: tuple[Settings, Any]
) -> None:
    settings = demo_warehouse[0]
    county = UserClient(demo_app, settings, "first-page-county", "leader", XIAODIAN)
    sibling = UserClient(demo_app, settings, "first-page-sibling", "leader", YINGZE)
    response = _layout(county, f"{HOST}/?region={YINGZE}")
    assert response.headers["Cache-Control"] == "no-store"
    # A sibling's address is refused as the router refuses it, and shows none of the sibling's view.
    refused = response.get_json()
    assert (
        _part(refused, "_pages_content")["children"]
        == _routed(county, "/", f"?region={YINGZE}")["_pages_content"]["children"]
    )
    assert "无权查看" in response.get_data(as_text=True)
    # The same address, through the same app, for the user whose region it is: their view.
    own = _layout(sibling, f"{HOST}/?region={YINGZE}")
    assert "无权查看" not in own.get_data(as_text=True)
    assert _part(own.get_json(), "screen-view")["data"]["region"] == YINGZE
