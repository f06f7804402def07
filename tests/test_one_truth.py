"""One figure, one value, on every surface: the wall, the region profile, briefings and /targets
judge a region alike (issue 13)."""

from __future__ import annotations

from typing import Any

import dash
import pytest

from cockpit import targets
from cockpit.settings import Settings
from cockpit.view import View

PROVINCE, LVLIANG = "140000", "141100"


@pytest.fixture(scope="module")
def app(demo_warehouse: tuple[Settings, dict[str, object]]) -> dash.Dash:
    from cockpit.app import create_app

    return create_app(demo_warehouse[0])


def _wall_scores(app: dash.Dash, region: str) -> dict[str, tuple[Any, ...]]:
    from callbacks.screen import map_values

    services = app.server.extensions["cockpit"]
    with app.server.test_request_context("/"):
        frame, _ind, _period = map_values(View(region, targets.SCORE_CODE, None), services)
    return {r.adcode: (round(r.value, 6), int(r.met), int(r.total), sorted(r.red_names))
            for r in frame.itertuples() if r.total}  # fmt: skip


def _profile_scores(app: dash.Dash, region: str) -> dict[str, tuple[Any, ...]]:
    from cockpit.briefing import facts

    services = app.server.extensions["cockpit"]
    with app.server.test_request_context("/"):
        children = facts.compute(services, region, None, None).children
    return {r.adcode: (round(r.score, 6), int(r.met), int(r.rated), sorted(r.red_names))
            for r in children.itertuples() if r.rated}  # fmt: skip


@pytest.mark.parametrize("region", [PROVINCE, LVLIANG])
def test_the_wall_map_and_the_region_profile_score_every_child_alike(app: dash.Dash, region: str) -> None:
    wall, profile = _wall_scores(app, region), _profile_scores(app, region)
    assert wall and set(wall) == set(profile)
    differs = {code: (wall[code], profile[code]) for code in wall if wall[code] != profile[code]}
    assert differs == {}, differs
