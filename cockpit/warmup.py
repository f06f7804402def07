"""The wall rendered ahead of its viewers, once per worker and snapshot.

Every figure is memoized per snapshot (cockpit.memo), so the first viewer after a publish or a
worker start pays for everything: the whole tree's assessment alone takes seconds, and every
drill into a county nobody has opened yet costs a fresh set of queries. Measured under fifty
viewers, those cold answers were the load benchmark's slowest. A background thread in each
serving worker therefore renders the wall — the page and all its tiles, through the very layout
and callback functions a browser's requests run — for the province, every city and every county,
as each role in ``Settings.warm_roles`` with the province's scope sees it, whenever the published
snapshot changes. Then, for the roles in ``Settings.warm_indicator_roles``, the map of the province
and of each city on every other indicator: a leader who switched the wall to another indicator and
drilled into the cities found each city's map cold (≈50 ms of queries and assessment a click, the
drill benchmark's slowest answers); the sweep costs ≈11 s a role, in the background.

Nothing is shared that would not be anyway: the renderings are cached under the warming role's
own viewer key (``role@province``), and the query layer's scope-free memos are the same for all.
A failure is logged and the pass goes on; viewers never wait for the warm-up (single-flight
memos hand a value being built to whoever asks for it first).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

import flask

from cockpit.principal import Principal, Role, acting_as
from cockpit.services import current

log = logging.getLogger(__name__)
CHECK_SECONDS = 15.0  # how often a worker looks for a new snapshot
WARMER = "warm-up"  # the user name the renderings are made under (never signs in)
WARM_UP_DONE = "wall warm-up done"  # each worker logs it once per pass, or once when warming is off


def regions_in_order(services: Any) -> list[str]:
    """The province, then its cities, then their counties: the order viewers reach them in."""
    warehouse, province = services.warehouse, services.settings.province_adcode
    order, level = [province], [province]
    while level:
        level = [str(a) for parent in level for a in warehouse.children(parent)["adcode"]]
        order.extend(level)
    return order


def render_view(region: str) -> None:
    """What a browser's first request and its tiles callback compute for ``region``'s wall. The tiles
    are drawn by their renderers, not through the rendered-tile memo (``render_tile``): that one is
    kept per minute, so a warm-up's renderings would only take memory until they expired."""
    from cockpit import ids
    from cockpit.screen.render import RENDERERS
    from cockpit.screen.view import parse_view
    from layouts import screen

    screen.layout(region=region)
    services = current()
    view = parse_view(services.warehouse, services.settings.province_adcode, {"region": region})
    for name in ids.TILES:
        RENDERERS[name](view, services)


def render_indicator_maps(region: str) -> int:
    """The map of ``region`` on every indicator of the plan (what the map callback computes when a
    viewer picks one: its queries and the assessment); returns how many."""
    from cockpit.screen.render import map_values
    from cockpit.screen.view import parse_view

    services = current()
    province = services.settings.province_adcode
    codes = [str(code) for code in services.warehouse.indicators()["code"]]
    for code in codes:
        map_values(parse_view(services.warehouse, province, {"region": region, "indicator": code}), services)
    return len(codes)


def _store_data(tree: Any, store_id: object) -> Any:
    """The data of the store ``store_id`` in a page's layout (the view its panels are rendered from)."""
    for component in tree._traverse():
        if getattr(component, "id", None) == store_id:
            return component.data
    raise LookupError(f"no store {store_id} in the layout")


def desk_renderers() -> dict[str, Callable[[], None]]:
    """Per desk page, what a browser's first visit computes at the province's default view: the page,
    then each panel's callback on the view store the page holds."""
    from callbacks import emergency, evaluation, hotline, regulation, supervision, targets
    from cockpit import ids
    from cockpit.ui.plan_page import plan_panel
    from layouts import emergency as emergency_page
    from layouts import evaluation as evaluation_page
    from layouts import hotline as hotline_page
    from layouts import regulation as regulation_page
    from layouts import supervision as supervision_page
    from layouts import targets as targets_page

    def event_desk(page: Any, callbacks: Any) -> Callable[[], None]:
        def render() -> None:
            data = _store_data(page.layout(), page.PAGE.view_id)
            for callback in callbacks.PANELS.values():
                callback(data, None)

        return render

    def plan_desk(page: Any, callbacks: Any) -> Callable[[], None]:
        def render() -> None:
            data = _store_data(page.layout(), ids.plan_view(page.PAGE))
            for name, spec in callbacks.PANELS.items():
                renderer = spec[1] if isinstance(spec, tuple) else spec
                plan_panel(page.PAGE, name, renderer)(data)

        return render

    desks = [(regulation_page, regulation, event_desk), (hotline_page, hotline, event_desk),
             (emergency_page, emergency, event_desk), (targets_page, targets, plan_desk),
             (evaluation_page, evaluation, plan_desk), (supervision_page, supervision, plan_desk)]  # fmt: skip
    return {page.__name__.removeprefix("layouts."): kind(page, calls) for page, calls, kind in desks}


def _one(work: Callable[..., None], *args: Any) -> int:
    work(*args)
    return 1


def _each(
    jobs: Iterable[tuple[str, Callable[[], int]]], role: Role, stop: threading.Event | None
) -> tuple[int, int]:
    """Runs each (name, job) until ``stop`` is set: (what the jobs counted, how many failed). One
    job's failure must not stop the others."""
    done = failed = 0
    for name, job in jobs:
        if stop is not None and stop.is_set():
            break
        try:
            done += job()
        except Exception:
            failed += 1
            log.exception("warm-up of %s as %s failed", name, role)
    return done, failed


def warm(
    server: flask.Flask,
    roles: Iterable[Role],
    render: Callable[[str], None] = render_view,
    stop: threading.Event | None = None,
    desks: Callable[[], dict[str, Callable[[], None]]] = desk_renderers,
    maps: Callable[[str], int] = render_indicator_maps,
) -> dict[str, Any]:
    """Renders every region's wall, then the province's desk pages, then every indicator's map of
    the province and its cities, for each role on the snapshot published now; returns what it did."""
    started, views, pages, maps_drawn, failed = time.perf_counter(), 0, 0, 0, 0
    snapshot = ""
    with server.test_request_context("/"):
        services = current()
        snapshot = services.warehouse.snapshot_id  # pinned for this pass (cockpit.warehouse.queries)
        regions = regions_in_order(services)
        province = services.settings.province_adcode
        cities = [str(a) for a in services.warehouse.children(province)["adcode"]]
        for role in roles:
            with acting_as(Principal(WARMER, role, province)):
                done, missed = _each(((r, partial(_one, render, r)) for r in regions), role, stop)
                views, failed = views + done, failed + missed
                done, missed = _each(
                    ((path, partial(_one, desk)) for path, desk in desks().items()), role, stop
                )
                pages, failed = pages + done, failed + missed
                if role in services.settings.warm_indicator_roles:
                    jobs = ((f"{r} indicator maps", partial(maps, r)) for r in (province, *cities))
                    done, missed = _each(jobs, role, stop)
                    maps_drawn, failed = maps_drawn + done, failed + missed
    seconds = time.perf_counter() - started
    log.info("%s: %d wall views, %d desk pages and %d indicator maps of snapshot %s in %.1f s (%d failed)",
             WARM_UP_DONE, views, pages, maps_drawn, snapshot, seconds, failed)  # fmt: skip
    return {"snapshot": snapshot, "views": views, "desk_pages": pages, "indicator_maps": maps_drawn,
            "failed": failed, "seconds": seconds}  # fmt: skip


def start(server: flask.Flask, roles: Iterable[Role], check: float = CHECK_SECONDS) -> threading.Event:
    """Warms now and after each publish, in a daemon thread; set the returned event to stop it."""
    stop, wanted = threading.Event(), tuple(roles)

    def loop() -> None:
        warmed: str | None = None
        while not stop.is_set():
            try:
                with server.app_context():
                    published = current().warehouse.store.current_id()
                if published is not None and published != warmed:
                    warmed = warm(server, wanted, stop=stop)["snapshot"]
            except Exception:  # a missing warehouse or a broken snapshot: try again later
                log.exception("warm-up pass failed")
            stop.wait(check)

    if wanted:
        threading.Thread(target=loop, name="cockpit-warm-up", daemon=True).start()
    else:
        log.info("%s: off (no roles to warm)", WARM_UP_DONE)
    return stop
