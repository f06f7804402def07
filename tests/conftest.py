"""Shared fixtures: a warehouse initialised once per session, copied for each test that writes."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from cockpit.settings import PROJECT_ROOT, Settings

# Servers the tests start (and their subprocesses) don't warm the wall in the background: dozens of
# them would spend the CI's two cores on it. tests/test_warmup.py warms explicitly.
os.environ.setdefault("COCKPIT_WARM_ROLES", "[]")

AS_OF = date(2026, 11, 28)
# Every test account gets this password unless a test says otherwise (long enough for the policy).
DEFAULT_TEST_PASSWORD = "test-password-2026"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def make_settings(root: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "data_dir": root / "data",
        "warehouse_dir": root / "warehouse",
        "feeds_file": PROJECT_ROOT / "data" / "feeds.toml",
        "reference_data_dir": PROJECT_ROOT / "data" / "reference",
        "seeds_dir": PROJECT_ROOT / "seeds",
        "as_of": AS_OF,
    }
    values.update(overrides)
    (root / "data").mkdir(parents=True, exist_ok=True)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def initialised_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Geography, plan and catalogue built once; tests copy the directory."""
    from cockpit.warehouse.build import init_warehouse

    root = tmp_path_factory.mktemp("template")
    init_warehouse(make_settings(root))
    return root / "warehouse"


@pytest.fixture(scope="session")
def demo_warehouse(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, dict[str, object]]:
    """The demo as `make run` builds it (smaller hotline volume), built once per session."""
    from cockpit import geography
    from cockpit.warehouse.build import init_warehouse, read_indicators
    from etl.demo import DemoSpec, generate_demo
    from etl.runner import run_all

    root = tmp_path_factory.mktemp("demo")
    settings = make_settings(root)
    regions = geography.build_regions(settings.province_adcode, settings.reference_dir)
    generate_demo(
        settings.demo_path,
        regions,
        read_indicators(settings.seeds_dir),
        geography.load_geometries(settings.province_adcode),
        DemoSpec.small(),
    )
    init_warehouse(settings)
    return settings, dict(run_all(settings))


@pytest.fixture
def settings(tmp_path: Path, initialised_warehouse: Path) -> Settings:
    shutil.copytree(initialised_warehouse, tmp_path / "warehouse", ignore=shutil.ignore_patterns("*.lock"))
    return make_settings(tmp_path)


# --- signing in: the real form flow, as a browser does it ----------------------------------------
def add_user(settings: Settings, username: str, role: str, scope: str,
             password: str = DEFAULT_TEST_PASSWORD) -> Any:  # fmt: skip
    """Creates the user (as the CLI operator), or makes an existing one match; returns the User."""
    from cockpit.auth.users import UserStore

    store = UserStore(settings)
    found = store.get(username)
    if found is None:
        return store.create(username, password, role, scope)
    if found.role != role or found.scope != scope or found.disabled:
        found = store.update(username, role=role, scope=scope, disabled=False)
    # Only a changed password bumps the generation (which would end other clients' sessions).
    if store.verify(username, password) is None:
        found = store.update(username, password=password)
    return found


def csrf_from(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "no CSRF token in the sign-in page"
    return found.group(1)


def login(client: Any, username: str, password: str = DEFAULT_TEST_PASSWORD, next_path: str = "/") -> Any:
    """Signs a Flask test client in through GET /login and POST /login; returns the POST's answer."""
    page = client.get("/login")
    token = csrf_from(page.get_data(as_text=True))
    return client.post("/login", data={"csrf_token": token, "username": username, "password": password,
                                       "next": next_path})  # fmt: skip


def signed_in_client(
    app: Any, role: str = "leader", scope: str | None = None, username: str | None = None
) -> Any:
    """A test client of ``app`` signed in as a test user of that role (province scope by default)."""
    from cockpit.services import Services

    services: Services = app.server.extensions["cockpit"]
    settings = services.settings
    name = username or f"test-{role}" + (f"-{scope}" if scope else "")
    add_user(settings, name, role, scope or settings.province_adcode)
    client = app.server.test_client()
    answer = login(client, name)
    assert answer.status_code == 303, answer.get_data(as_text=True)[:300]
    return client


@pytest.fixture(scope="module")
def demo_app(demo_warehouse: tuple[Settings, dict[str, object]]) -> Any:
    from cockpit.app import create_app

    return create_app(demo_warehouse[0])


@pytest.fixture(scope="module")
def demo_app_context(demo_app: Any) -> Iterator[Any]:
    """The demo cockpit with its Flask application context pushed, for calling page layouts and
    callbacks directly (not through a client)."""
    with demo_app.server.app_context():
        yield demo_app


def component_text(component: Any) -> str:
    """All the text in a Dash component tree."""
    if component is None:
        return ""
    if isinstance(component, str | int | float):
        return str(component)
    if isinstance(component, list | tuple):
        return "".join(component_text(c) for c in component)
    return component_text(getattr(component, "children", None))


@pytest.fixture(scope="module")
def leader_client(demo_app: Any) -> Any:
    """The demo cockpit's test client, signed in as a province-wide leader."""
    return signed_in_client(demo_app, "leader")


@pytest.fixture
def session_clock(monkeypatch: pytest.MonkeyPatch) -> Any:
    """The sign-in gate's clock, moved by hand (``clock.now += seconds``)."""
    from cockpit.auth import sessions
    from tests.test_auth import FakeClock

    clock = FakeClock()
    monkeypatch.setattr(sessions, "time", clock)
    return clock
