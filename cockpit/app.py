"""App factory: ``create_app(settings)`` builds the Dash app and its extensions. No work at import."""

from __future__ import annotations

import html
from typing import Any, cast

import dash
import flask
from flask_caching import Cache

from cockpit import browser_deps, ids, lazy_grid, store
from cockpit.cache import StaticCompressCache, cache_config, static_compress_key
from cockpit.charts import PLOTLY_JS
from cockpit.charts import template as chart_template
from cockpit.page_container import page_container
from cockpit.services import Services
from cockpit.settings import PROJECT_ROOT, Settings
from cockpit.static_assets import asset_url
from cockpit.warehouse.queries import Warehouse

cache = Cache()


def create_app(settings: Settings | None = None) -> dash.Dash:
    settings = settings or Settings()
    # The store (users, sessions, audit, acknowledgements) at its newest schema before the first
    # request, the old SQLite files imported: once per process, whoever gets there first.
    store.database(settings)
    server = flask.Flask("cockpit")
    server.json.ensure_ascii = False  # type: ignore[attr-defined]  # Chinese stays readable in API answers
    server.config["MAX_CONTENT_LENGTH"] = settings.max_request_bytes  # larger bodies answer 413
    cache.init_app(server, config=cache_config(settings))  # Redis shared by workers, or per process
    services = Services(settings, Warehouse(settings, cache=cache))
    services.init_app(server)
    from cockpit import auth
    from cockpit.access import scope

    # Sign-in first: its before_request hooks must run before any route or Dash hook.
    auth.init_app(server, settings)
    scope.init_app(server, services)
    # Static bundles are compressed once per worker, not on every download (see cockpit/cache.py).
    server.config.update(COMPRESS_CACHE_BACKEND=StaticCompressCache, COMPRESS_CACHE_KEY=static_compress_key)
    from cockpit import api

    api.init_app(server)
    from cockpit import downloads  # downloads: grid, charts, briefing jobs

    downloads.init_app(server)
    from cockpit import mobile  # the phone view (/m): a light page outside Dash

    mobile.init_app(server)
    app = dash.Dash(
        "cockpit",
        # Dash documents and accepts a Flask instance (and update_title=None, below); its
        # annotations name neither.
        server=cast(Any, server),
        use_pages=True,
        pages_folder="",
        assets_folder=str(PROJECT_ROOT / "assets"),
        serve_locally=True,
        compress=True,  # gzip over the intranet: the JS bundles shrink about 4x
        title="政府治理领导驾驶舱",  # pages name their province from the data
        update_title=cast(Any, None),
        # Page layouts are functions of URL parameters; don't embed every page in every load.
        suppress_callback_exceptions=True,
        # The phone switch runs first, in the head (INDEX), before a phone downloads the renderer.
        assets_ignore="|".join(
            name.replace(".", r"\.") for name in (PHONE_SWITCH, EARLY_LAYOUT, lazy_grid.STAND_IN)
        ),
    )
    browser_deps.drop_babel_polyfill()
    app.index_string = index_html(grid_bundle=lazy_grid.defer(app.config.requests_pathname_prefix))
    own_plotlyjs(server, app.config.requests_pathname_prefix)
    chart_template.register()  # every figure embeds a template: the product's own, a third the size
    from callbacks import register_callbacks
    from layouts import register_pages

    register_pages()
    register_callbacks(app)
    refresh_ms = settings.refresh_seconds * 1000

    def app_layout() -> dash.html.Div:  # a function: the page of the URL comes with its layout
        return dash.html.Div(
            [
                # Drill-downs write this URL; "callback-nav" re-renders the page without a reload.
                dash.dcc.Location(id=ids.URL, refresh="callback-nav"),
                dash.dcc.Interval(id=ids.REFRESH, interval=refresh_ms),
                page_container(),
            ],
            className="cockpit-root",
        )

    app.layout = app_layout

    auth.harden(server, app)  # after every callback: the CSP hashes Dash's inline scripts

    @server.get("/healthz")
    def healthz() -> flask.Response:
        from cockpit.services import current

        try:
            snapshot = current().warehouse.snapshot_id
        except Exception:  # the health check must answer, whatever broke (the detail goes to the log)
            server.logger.exception("health check failed")
            return flask.jsonify(ok=False, error="数据仓库不可用"), 503  # type: ignore[return-value]
        return flask.jsonify(ok=True, snapshot=snapshot)

    return app


PHONE_SWITCH = "phone_view.js"
EARLY_LAYOUT = "early_layout.js"  # asks for the page's layout while the scripts load (see the file)
# Dash's own page with one script before everything else: assets/phone_view.js sends a narrow
# screen to the phone view (/m) before it fetches the Dash renderer and plotly.js.
INDEX = """<!DOCTYPE html>
<html lang="zh-CN">
    <head>
        <script src="{phone_switch}"></script>
        <script src="{early_layout}"></script>
        {%metas%}
        <title>{%title%}</title>
        {%favicon%}
        {%css%}
    </head>
    <body>
        {%app_entry%}
        <footer>
            {%config%}
            <script src="{grid_stand_in}" data-bundle="{grid_bundle}"></script>
            {%scripts%}
            {%renderer%}
        </footer>
    </body>
</html>"""


def index_html(grid_bundle: str) -> str:
    """Dash's page with the phone switch and the early layout first in the head and the grid's
    stand-in (cockpit.lazy_grid) before the component libraries, each at its versioned address."""
    names = {"phone_switch": asset_url(PHONE_SWITCH), "early_layout": asset_url(EARLY_LAYOUT),
             "grid_stand_in": asset_url(lazy_grid.STAND_IN), "grid_bundle": grid_bundle}  # fmt: skip
    page = INDEX
    for name, url in names.items():
        page = page.replace("{" + name + "}", html.escape(url, quote=True))
    return page


# dash-renderer asks for plotly.js at exactly this address when serving locally (unversioned).
PLOTLY_PATH = "_dash-component-suites/plotly/package_data/plotly.min.js"


def own_plotlyjs(server: flask.Flask, prefix: str) -> None:
    """Serves the cockpit's own plotly.js (``cockpit/vendor``, built by tools/plotly_bundle: the
    traces the product draws and the zh-CN locale) where dash-renderer fetches plotly's full
    bundle: a third of the bytes to download, parse and run before the first map paints."""
    path = prefix + PLOTLY_PATH
    bundle = PLOTLY_JS.read_bytes()  # read once per process

    @server.before_request
    def _plotlyjs() -> flask.Response | None:
        if flask.request.path != path:
            return None
        response = flask.Response(bundle, mimetype="text/javascript")
        response.add_etag()
        response.make_conditional(flask.request)  # 304 when the browser has it (in place)
        return response
