"""Shared fixtures: a warehouse initialised once per session, copied for each test that writes."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from cockpit.settings import PROJECT_ROOT, Settings

AS_OF = date(2026, 11, 28)


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
        DemoSpec(hotline_tickets=8_000),
    )
    init_warehouse(settings)
    return settings, dict(run_all(settings))


@pytest.fixture
def settings(tmp_path: Path, initialised_warehouse: Path) -> Settings:
    shutil.copytree(initialised_warehouse, tmp_path / "warehouse", ignore=shutil.ignore_patterns("*.lock"))
    return make_settings(tmp_path)
