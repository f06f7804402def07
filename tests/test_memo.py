"""One memo keyed by snapshot and viewer: no viewer ever receives another's rendering.

Every memo the app declares is enumerated (``cockpit.memo.REGISTRY``), so a new one cannot be
forgotten: each must be exercised by the cross-viewer scenarios below, and each scope-free
declaration must be one reviewed here."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from dataclasses import asdict
from typing import Any

import dash
import pandas as pd
import pytest

from cockpit import memo
from cockpit.principal import Principal, ScopeFreeViolation, acting_as, current_principal
from cockpit.settings import Settings
from cockpit.warehouse.plan_queries import PlanQueries
from tests.access_helpers import UserClient, callback_outputs, json_objects, page_payload

LINXIAN, PROVINCE = "141124", "140000"

# Every memo that is shared by all viewers, with why that is safe. A new scope-free memo fails
# this test until it is reviewed and added here.
REVIEWED_SCOPE_FREE = {
    "query": "SQL rows for bound parameters; the guard around the query method cuts them per viewer",
    "region_index": "names, levels and parents of the admin tree: public reference data",
    "descendants": "the admin tree below a region: public reference data",
    "plan_assess_region": "built inside PlanQueries.assess_region's guard, which cuts the answer",
    "plan_alarms": "built inside PlanQueries.alarms's guard, which cuts the answer",
    "plan_evaluation": "built inside PlanQueries.evaluation's guard, which cuts the answer",
    "plan_scores": "built inside PlanQueries.scores's guard, which cuts the answer (a row per child)",
    "plan_yearly_score": "built inside PlanQueries.yearly_score's guard (a region in scope, its own rows)",
    "plan_assessed_everywhere": "the whole tree's standings, read only by PlanQueries._assess_all, which "
    "every guarded method calls with its vouched-for region and which returns only that region's rows",
    "reconcile_discrepancies_everywhere": "the whole tree's discrepancies, read only inside "
    "ReconcileQueries.discrepancies' guard, which keeps the rows of the vouched-for region's subtree",
}

# (path, search) of every page a scenario renders, with each callback fed by the page's stores.
PAGES = [
    ("/", f"?region={LINXIAN}"),
    ("/", f"?region={LINXIAN}&indicator=online_service_rate"),
    ("/emergency", f"?region={LINXIAN}"),
    ("/regulation", f"?region={LINXIAN}"),
    ("/hotline", f"?region={LINXIAN}"),
    ("/targets", f"?region={LINXIAN}"),
    ("/evaluation", f"?region={LINXIAN}"),
    ("/supervision", f"?region={LINXIAN}"),
    (f"/region/{LINXIAN}", ""),
]


# --- the helper itself -----------------------------------------------------------------------
class _Owner:
    def __init__(self, snapshot_id: str = "s1") -> None:
        self.snapshot_id = snapshot_id
        self.memo_store = memo.MemoStore(None, 16)


@contextlib.contextmanager
def _request(app: Any, principal: Principal | None) -> Iterator[None]:
    with app.server.test_request_context("/"):
        if principal is None:
            yield
        else:
            with acting_as(principal):
                yield


@pytest.fixture(scope="module")
def app(demo_warehouse: tuple[Settings, dict[str, object]]) -> dash.Dash:
    from cockpit.app import create_app

    return create_app(demo_warehouse[0])


def test_every_key_holds_the_snapshot_and_the_viewer(app: dash.Dash) -> None:
    keyed = memo.Memo("test_keyed", local=True)
    shared = memo.Memo("test_shared", scope_free="a test constant", local=True)
    county = Principal("c", "staff", LINXIAN)
    leader = Principal("l", "leader", PROVINCE)
    keys = {}
    for who in (None, county, leader, Principal("k", "kiosk", PROVINCE)):
        with _request(app, who):
            keys[who.username if who else "-"] = keyed.key("snap", ["x"])
            assert shared.key("snap", ["x"]).startswith("test_shared:snap:*:")
    assert len(set(keys.values())) == 4  # nobody, a county, a leader and the wall: four entries
    assert keys["c"] == 'test_keyed:snap:staff@141124:["x"]' and keys["-"].startswith("test_keyed:snap:-:")
    owner = _Owner()
    with _request(app, county):
        assert keyed.get(owner, 1, lambda: "county's") == "county's"
    with _request(app, leader):
        assert keyed.get(owner, 1, lambda: "leader's") == "leader's"
        assert keyed.get(owner, 1, lambda: "rebuilt") == "leader's"
    owner.snapshot_id = "s2"  # a publish: nothing of the old snapshot is served
    with _request(app, leader):
        assert keyed.get(owner, 1, lambda: "new") == "new"
    with pytest.raises(ValueError, match="two memos"):
        memo.Memo("test_keyed", scope_free="now shared")
    for name in ("test_keyed", "test_shared"):
        memo.REGISTRY.pop(name)


def test_a_scope_free_memo_that_asks_for_the_viewer_is_refused(app: dash.Dash) -> None:
    from cockpit.principal import inside_guard

    wrong = memo.Memo("test_wrong", scope_free="claims to be the same for all")
    try:
        owner = _Owner()
        with _request(app, Principal("c", "staff", LINXIAN)):
            with pytest.raises(ScopeFreeViolation, match="test_wrong"):
                wrong.get(owner, 1, lambda: current_principal())
            token = inside_guard.set(True)  # a guarded query vouched for the region: allowed
            try:
                assert wrong.get(owner, 2, lambda: current_principal().scope) == LINXIAN  # type: ignore[union-attr]
            finally:
                inside_guard.reset(token)
            assert current_principal() is not None  # the check is confined to the build
        with _request(app, None):  # nobody signed in (CLI, cron): nothing to depend on
            assert wrong.get(owner, 3, lambda: current_principal()) is None
    finally:
        memo.REGISTRY.pop("test_wrong")


def test_every_scope_free_declaration_is_reviewed(app: dash.Dash) -> None:
    declared = {name: m.scope_free for name, m in memo.REGISTRY.items() if m.scope_free}
    assert set(declared) == set(REVIEWED_SCOPE_FREE), (
        "scope-free memos changed: review each one (does its value really not depend on who looks?) "
        f"and list it in REVIEWED_SCOPE_FREE. Declared: {declared}"
    )


# --- a province user, then a county user, through one app and one worker ----------------------
def _stores(layout: Any) -> dict[str, Any]:
    """Every dcc.Store in a rendered layout: its id as the callback map spells it → its data."""
    found: dict[str, Any] = {}
    for node in json_objects(layout):
        props = node.get("props")
        if node.get("type") == "Store" and isinstance(props, dict) and props.get("data") is not None:
            ident = props["id"]
            key = (
                json.dumps(ident, sort_keys=True, separators=(",", ":")) if isinstance(ident, dict) else ident
            )
            found[key] = props["data"]
    return found


def _id(raw: str) -> Any:
    return json.loads(raw) if raw.startswith("{") else raw


def _callbacks_fed_by(app: dash.Dash, stores: dict[str, Any]) -> list[dict[str, Any]]:
    """A request body for each callback that reads one of ``stores`` and no wildcard id."""
    bodies = []
    for key, spec in app.callback_map.items():
        deps = spec["inputs"] + spec.get("state", [])
        if "callback" not in spec:  # a clientside callback: runs in the browser
            continue
        if any('["ALL"]' in d["id"] or '["MATCH"]' in d["id"] for d in deps):
            continue
        if not any(d["id"] in stores and d["property"] == "data" for d in deps):
            continue

        def value(d: dict[str, Any]) -> Any:
            if d["property"] == "data":
                return stores.get(d["id"])
            return 1 if d["property"] == "n_intervals" else None

        listed = [[{"id": _id(d["id"]), "property": d["property"], "value": value(d)} for d in part]
                  for part in (spec["inputs"], spec.get("state", []))]  # fmt: skip
        first = spec["inputs"][0]
        bodies.append({"output": key, "outputs": callback_outputs(key), "inputs": listed[0], "state": listed[1],
                       "changedPropIds": [f"{first['id']}.{first['property']}"]})  # fmt: skip
    return bodies


def _facts_summary(found: Any) -> str:
    plain = {k: v for k, v in found.__dict__.items() if not isinstance(v, pd.DataFrame)}
    plain["indicators"] = [asdict(f) for f in found.indicators]
    frames = {k: v.to_json(orient="records", force_ascii=False) for k, v in found.__dict__.items()
              if isinstance(v, pd.DataFrame)}  # fmt: skip
    return json.dumps([plain, frames], default=str, ensure_ascii=False, sort_keys=True)


def _renders(app: dash.Dash, user: UserClient, principal: Principal) -> dict[str, str]:
    """Everything ``user`` is shown for the scenario pages (page, every panel) and a briefing's facts."""
    from cockpit.briefing import facts

    seen: dict[str, str] = {}
    for path, search in PAGES:
        page = user.callback(page_payload(path, search))
        assert page.status_code == 200, (path, page.get_data(as_text=True)[:300])
        seen[f"page {path}{search}"] = page.get_data(as_text=True)
        bodies = _callbacks_fed_by(app, _stores(page.get_json()))
        assert bodies, f"no callback reads a store of {path}"
        for body in bodies:
            answer = user.callback(body)
            seen[f"{path}{search} {body['output']}"] = f"{answer.status_code} {answer.get_data(as_text=True)}"
    # The phone view (/m): a page outside Dash, rendered on the server from the same memos and its own map.
    phone = user.get(f"/m?region={LINXIAN}")
    seen["phone"] = f"{phone.status_code} {phone.get_data(as_text=True)}"
    # Memoized queries no page reaches yet, called as the page would.
    services = app.server.extensions["cockpit"]
    with app.server.test_request_context("/"), acting_as(principal):
        seen["facts"] = _facts_summary(facts.compute(services, LINXIAN, None, None))
        alarms = PlanQueries(services.warehouse).alarms(LINXIAN, 2026)
        seen["plan alarms"] = alarms.to_json(orient="records", force_ascii=False)
    return seen


def test_a_county_user_after_a_leader_sees_exactly_what_they_see_alone(
    app: dash.Dash, demo_warehouse: tuple[Settings, dict[str, object]]
) -> None:
    settings = demo_warehouse[0]
    services = app.server.extensions["cockpit"]
    leader = UserClient(app, settings, "memo-leader", "leader", PROVINCE)
    county = UserClient(app, settings, "memo-linxian", "staff", LINXIAN)
    leader_p, county_p = (
        Principal("memo-leader", "leader", PROVINCE),
        Principal("memo-linxian", "staff", LINXIAN),
    )

    def clear() -> None:
        with app.server.app_context():
            services.warehouse.memo_store.clear()
        services.warehouse.memo_store.stats.clear()

    clear()
    alone = _renders(app, county, county_p)
    clear()
    leaders = _renders(app, leader, leader_p)
    after = _renders(app, county, county_p)
    exercised = {name for name, s in services.warehouse.memo_store.stats.items() if s.hits + s.builds}
    assert set(memo.REGISTRY) <= exercised, (
        f"memos no scenario exercises: {sorted(set(memo.REGISTRY) - exercised)} — add a page to PAGES"
    )
    # Every memo that keys by the viewer was hit by the second viewer's run, not just built.
    differs = [k for k in alone if alone[k] != after[k]]
    assert differs == [], f"the county user got another rendering after the leader's: {differs[:5]}"
    # The scenarios can tell the two viewers apart: the leader's renderings of the county's views
    # show its siblings (the map of 吕梁's 13 counties), so a shared rendering would be caught.
    assert sum(alone[k] != leaders[k] for k in alone) >= 10
    for page in ("emergency", "regulation", "hotline"):
        key = next(k for k in alone if k.startswith(f"/{page}?") and '"map"' in k)
        assert alone[key] != leaders[key], key


# --- one build per entry, one snapshot per answer ----------------------------------------------------
def test_viewers_arriving_together_wait_for_one_build(app: dash.Dash) -> None:
    """Fifty viewers opening the wall after a publish: the first builds, the others take its value."""
    import threading
    import time

    shared = memo.Memo("test_flight", scope_free="a test constant", local=True)
    owner, builds, answers = _Owner(), [], []

    def build() -> str:
        builds.append(threading.get_ident())
        time.sleep(0.2)  # long enough for every other thread to arrive while it builds
        return "value"

    threads = [threading.Thread(target=lambda: answers.append(shared.get(owner, 1, build))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    memo.REGISTRY.pop("test_flight")
    assert answers == ["value"] * 8 and len(builds) == 1


def test_a_waiter_builds_itself_when_the_first_build_fails(app: dash.Dash) -> None:
    import threading
    import time

    shared = memo.Memo("test_flight_fails", scope_free="a test constant", local=True)
    owner, outcomes = _Owner(), []
    started = threading.Event()

    def failing() -> str:
        started.set()
        time.sleep(0.2)
        raise RuntimeError("feed broken")

    def first() -> None:
        with contextlib.suppress(RuntimeError):
            shared.get(owner, 1, failing)
        outcomes.append("failed")

    leader = threading.Thread(target=first)
    leader.start()
    started.wait(5)
    outcomes.append(shared.get(owner, 1, lambda: "rebuilt"))  # waits, then builds: not the failure
    leader.join()
    memo.REGISTRY.pop("test_flight_fails")
    assert sorted(outcomes) == ["failed", "rebuilt"]


def test_one_request_reads_one_snapshot(demo_warehouse: tuple[Settings, dict[str, object]]) -> None:
    """A publish landing while an answer is rendered does not mix two snapshots in that answer."""
    from cockpit.warehouse.queries import Warehouse

    settings = demo_warehouse[0]
    warehouse = Warehouse(settings)
    pointer = warehouse.store.pointer
    published = pointer.read_text(encoding="utf-8")
    server = __import__("flask").Flask("pin")
    try:
        with server.test_request_context("/"):
            first = warehouse.snapshot_id
            tmp = pointer.with_suffix(".test")
            tmp.write_text("another-snapshot\n", encoding="utf-8")
            tmp.replace(pointer)  # as SnapshotStore.publish does
            assert warehouse.snapshot_id == first
        with server.test_request_context("/"):
            assert warehouse.snapshot_id == "another-snapshot"
    finally:
        tmp = pointer.with_suffix(".test")
        tmp.write_text(published, encoding="utf-8")
        tmp.replace(pointer)
