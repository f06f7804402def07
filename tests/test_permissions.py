"""The permission table: one definition in code, the same in the README; the wall's role reaches
the wall and nothing else; alarms are acknowledged by the person on duty, under their own name."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import dash
import pytest

from cockpit.access import audit
from cockpit.principal import PERMISSION_NAMES, PERMISSIONS, ROLES, Principal, page_permission, set_principal
from cockpit.settings import Settings
from tests.access_helpers import UserClient, dumps, map_payload, page_payload
from tests.test_events_queries import NOW, fixture_tables, publish_rows

README = Path(__file__).resolve().parents[1] / "README.md"


def test_the_readme_shows_the_permission_table_of_the_code() -> None:
    rows = re.findall(r"^\| (\S+) `(\w+)` \|(.*)\|$", README.read_text(encoding="utf-8"), re.M)
    table = {code: [cell.strip() for cell in cells.split("|")] for _name, code, cells in rows}
    assert set(table) == set(PERMISSION_NAMES), "every permission has one row, and only those"
    for code, cells in table.items():
        assert len(cells) == len(ROLES), code
        for role, cell in zip(ROLES, cells, strict=True):
            held = code in PERMISSIONS[role]
            duty = code == "acknowledge" and role != "kiosk" and not held
            assert cell == ("✓" if held else "值班" if duty else ""), (code, role, cell)


@pytest.fixture(scope="module")
def app(demo_warehouse: tuple[Settings, dict[str, object]]) -> Any:
    from cockpit.app import create_app

    return create_app(demo_warehouse[0])


@pytest.fixture(scope="module")
def wall(app: Any, demo_warehouse: tuple[Settings, dict[str, object]]) -> UserClient:
    return UserClient(app, demo_warehouse[0], "perm-wall", "kiosk", "140000")


def test_the_wall_account_is_refused_every_desk_page_and_audited(
    app: Any, wall: UserClient, demo_warehouse: tuple[Settings, dict[str, object]]
) -> None:
    desk_pages = [p["path"] for p in dash.page_registry.values() if page_permission(p["path"]) != "wall"]
    assert {"/targets", "/explorer", "/feeds", "/region"} <= {p.split("/<")[0] for p in desk_pages}
    for path in desk_pages:
        path = path.replace("<adcode>", "140000")
        answer = wall.callback(page_payload(path))
        assert answer.status_code == 200 and "无权" in dumps(answer.get_json()), path
    # The wall itself renders, and so does the drill the wall makes.
    wall_page = wall.callback(page_payload("/", "?region=140000"))
    assert wall_page.status_code == 200 and "无权" not in dumps(wall_page.get_json())
    assert wall.callback(map_payload("140000")).status_code == 200
    denied = audit.query(demo_warehouse[0], event="denied", username="perm-wall")
    assert len(denied) >= len(desk_pages)


def test_the_wall_account_is_refused_desk_callbacks_the_api_and_downloads(wall: UserClient) -> None:
    explorer = {
        "output": "explorer-grid.getRowsResponse",
        "outputs": {"id": "explorer-grid", "property": "getRowsResponse"},
        "inputs": [
            {"id": "explorer-grid", "property": "getRowsRequest", "value": {"startRow": 0, "endRow": 100}}
        ],
        "state": [],
        "changedPropIds": ["explorer-grid.getRowsRequest"],
    }
    assert wall.callback(explorer).status_code == 403
    for url in ("/api/v1/regions", "/api/v1/figures?region=140000", "/exports/grid.csv?region=140000"):
        assert wall.get(url).status_code == 403, url


def test_a_leader_still_reaches_the_desk_pages_and_the_api(
    app: Any, demo_warehouse: tuple[Settings, dict[str, object]]
) -> None:
    leader = UserClient(app, demo_warehouse[0], "perm-leader", "leader", "140000")
    answer = leader.callback(page_payload("/targets"))
    assert answer.status_code == 200 and "无权" not in dumps(answer.get_json())
    assert leader.get("/api/v1/regions").status_code == 200


def test_export_is_offered_only_to_a_role_that_may_download(
    app: Any, demo_warehouse: tuple[Settings, dict[str, object]]
) -> None:
    """A leader browses /explorer and the profile but has no export permission: the buttons are
    disabled and say why, the profile's chart links are absent, and a background export is refused
    before it is made (its file would have answered 403). Staff get all three."""
    from cockpit.exports import jobs
    from cockpit.principal import AccessDenied, acting_as
    from cockpit.services import current
    from cockpit.warehouse.explorer_queries import Query
    from layouts.explorer import NO_EXPORT

    settings = demo_warehouse[0]
    leader = UserClient(app, settings, "perm-export-leader", "leader", "140000")
    staff = UserClient(app, settings, "perm-export-staff", "staff", "140000")
    grid_page = dumps(leader.callback(page_payload("/explorer")).get_json())
    assert NO_EXPORT in grid_page and "/exports/grid." not in grid_page
    assert NO_EXPORT not in dumps(staff.callback(page_payload("/explorer")).get_json())
    profile = "/region/140000"
    assert "/exports/chart/" not in dumps(leader.callback(page_payload(profile)).get_json())
    assert "/exports/chart/" in dumps(staff.callback(page_payload(profile)).get_json())
    leader_acting = acting_as(Principal("perm-export-leader", "leader", "140000"))
    with app.server.test_request_context("/"), leader_acting, pytest.raises(AccessDenied):
        jobs.start(current(), Query(dataset="indicator_value", region="140000"), "csv")


def test_only_the_person_on_duty_acknowledges_and_under_their_own_name(settings: Settings) -> None:
    from callbacks.emergency import acknowledge_alarm
    from cockpit import alarms
    from cockpit.app import create_app
    from cockpit.services import current

    publish_rows(settings, fixture_tables())
    app = create_app(settings)
    with app.server.test_request_context("/emergency"):
        services = current()
        set_principal(Principal("li.leader", "leader", "140000", "李领导"))
        refused = acknowledge_alarm(services, "incident:D:I", "", NOW)
        assert refused.startswith("未确认：您不在值班名单中")
        set_principal(Principal("wang.duty", "staff", "140000", "王值班", duty=True))
        assert acknowledge_alarm(services, "incident:D:I", "已通知吕梁市应急局", NOW).startswith("已确认")
        alarm = next(a for a in alarms.active_alarms(services, "140000", NOW) if a.alarm_id == "incident:D:I")
    assert (alarm.acknowledged_by, alarm.acknowledged_note) == ("王值班", "已通知吕梁市应急局")
    denied = audit.query(settings, event="denied", username="li.leader")
    assert (denied["detail"].str.contains("acknowledge")).any()
    acked = audit.query(settings, event="acknowledge", username="wang.duty")
    assert len(acked) == 1 and "incident:D:I" in acked["detail"].iloc[0]
    # The kiosk role never acknowledges, whatever its duty flag says.
    assert not Principal("w", "kiosk", "140000", duty=True).can("acknowledge")
