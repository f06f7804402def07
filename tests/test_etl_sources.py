"""HTTP feeds through the catalogue, the scheduler, and the administrators' CLI."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from typer.testing import CliRunner

from cockpit.cli import app
from cockpit.settings import Settings
from cockpit.warehouse.queries import Warehouse
from etl.runner import FeedRunError, run_feed
from etl.scheduler import due_feeds, run_scheduler

RECORDS = [
    {"eventId": f"YJ-{i:03d}", "eventName": f"测试事件{i}", "eventType": "事故灾难", "eventLevel": "Ⅳ级",
     "areaCode": "140105", "longitude": 112.56, "latitude": 37.74, "status": "已结案",
     "occurTime": f"2026-10-{1 + i % 28:02d} 08:00:00", "closeTime": f"2026-10-{1 + i % 28:02d} 20:00:00",
     "updateTime": f"2026-10-{1 + i % 28:02d} 20:00:00", "deathNum": 0, "injuredNum": 0, "directLoss": 1.5}
    for i in range(57)
]  # fmt: skip


class Api:
    def __init__(self) -> None:
        self.hits: dict[int, int] = {}
        self.fail_page_once: int | None = None
        self.slow = False
        self.tokens: list[str | None] = []
        self.since: list[str | None] = []


@pytest.fixture
def api() -> Iterator[tuple[str, Api]]:
    state = Api()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_args: object) -> None:
            pass

        def do_GET(self) -> None:
            query = parse_qs(urlparse(self.path).query)
            page, size = int(query["page"][0]), int(query["page_size"][0])
            state.hits[page] = state.hits.get(page, 0) + 1
            state.tokens.append(self.headers.get("Authorization"))
            state.since.append(query.get("since", [None])[0])
            if state.slow:
                time.sleep(0.5)
            if state.fail_page_once == page and state.hits[page] == 1:
                self.send_response(502)
                self.end_headers()
                return
            chunk = RECORDS[(page - 1) * size : page * size]
            body = json.dumps(
                {"code": 0, "result": {"items": chunk, "total": len(RECORDS)}}, ensure_ascii=False
            )
            self.send_response(200)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.end_headers()
            self.wfile.write(body.encode("utf-8"))

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/api/incidents", state
    finally:
        server.shutdown()
        server.server_close()


def http_settings(settings: Settings, tmp_path: Path, url: str) -> Settings:
    base = settings.feeds_path.read_text(encoding="utf-8")
    incident_block = base[
        base.index("[feeds.emergency_incidents]") : base.index("[feeds.emergency_warnings]")
    ]
    api_block = incident_block.replace("[feeds.emergency_incidents", "[feeds.incidents_api").replace(
        'source = "demo/emergency_incidents.json"\nformat = "json"\nrecords_path = "data"\n', ""
    )
    api_block += (
        f'[feeds.incidents_api.http]\nurl = "{url}"\npage_size = 20\nrecords_path = "result.items"\n'
        'total_path = "result.total"\nauth_header = "Authorization"\nauth_env = "COCKPIT_TEST_TOKEN"\n'
        'timeout_s = 0.3\nretries = 2\nbackoff_s = 0.01\ncursor_param = "since"\n'
    )
    feeds = tmp_path / "feeds_http.toml"
    feeds.write_text(api_block, encoding="utf-8")
    return settings.model_copy(update={"feeds_file": feeds})


@pytest.fixture
def http_feed(
    settings: Settings, tmp_path: Path, api: tuple[str, Api], monkeypatch: pytest.MonkeyPatch
) -> tuple[Settings, Api]:
    """Settings whose one feed, incidents_api, pulls from the test API (token set); the API's state."""
    url, state = api
    monkeypatch.setenv("COCKPIT_TEST_TOKEN", "Bearer t0k3n")
    return http_settings(settings, tmp_path, url), state


def test_http_feed_pages_retries_and_loads_everything(http_feed: tuple[Settings, Api]) -> None:
    s, state = http_feed
    state.fail_page_once = 2
    result = run_feed(s, "incidents_api")
    assert (result.counts.read, result.counts.inserted, result.counts.quarantined) == (57, 57, 0)
    assert state.hits == {1: 1, 2: 2, 3: 1}  # page 2 failed once and was retried
    assert set(state.tokens) == {"Bearer t0k3n"}
    cursor = Warehouse(s).feed_state()["incidents_api"]["cursor_value"]
    assert cursor.startswith("2026-10-28 20:00:00")
    assert set(state.since) == {None}
    again = run_feed(s, "incidents_api").counts
    assert (again.inserted, again.unchanged) == (0, 57)
    assert state.since[-1] == cursor  # the next pull is incremental from the highest updateTime loaded


def test_http_timeout_fails_the_run_without_touching_data(http_feed: tuple[Settings, Api]) -> None:
    s, state = http_feed
    run_feed(s, "incidents_api")
    state.slow = True
    with pytest.raises(FeedRunError, match="数据拉取失败"):
        run_feed(s, "incidents_api")
    assert Warehouse(s).cursor().execute("SELECT count(*) FROM emergency_incident").fetchall() == [(57,)]
    assert Warehouse(s).feed_state()["incidents_api"]["last_status"] == "failed"


def test_scheduler_runs_due_feeds_once_and_records_next_due(http_feed: tuple[Settings, Api]) -> None:
    s, _state = http_feed
    from datetime import datetime

    assert due_feeds(s, datetime.now()) == ["incidents_api"]
    runs = run_scheduler(s, poll_seconds=0.01, max_cycles=2)
    assert runs == 1  # due once; after the run its next pull is 5 minutes away
    state = Warehouse(s).feed_state()["incidents_api"]
    assert state["last_status"] == "success"
    assert (state["next_due_at"] - state["last_success_at"]).total_seconds() == 300


def test_cli_status_json_counts_add_up(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = tmp_path / "m.csv"
    src.write_bytes(
        "指标代码,地区名称,统计月份,指标值\nonline_service_rate,太原市,2026-09,91\nx,太原,2026-09,1\n".encode(
            "gbk"
        )
    )
    for key, value in {"COCKPIT_DATA_DIR": settings.data_dir, "COCKPIT_WAREHOUSE_DIR": settings.warehouse_path,
                       "COCKPIT_FEEDS_FILE": settings.feeds_path, "COCKPIT_AS_OF": "2026-11-28"}.items():  # fmt: skip
        monkeypatch.setenv(key, str(value))
    runner = CliRunner()
    loaded = runner.invoke(app, ["etl", "load", "indicator_monthly", str(src)])
    assert loaded.exit_code == 0, loaded.output
    out = runner.invoke(app, ["status", "--json"])
    assert out.exit_code == 0, out.output
    report = json.loads(out.stdout)
    feed = next(f for f in report["feeds"] if f["feed"] == "indicator_monthly")
    assert (
        feed["rows_read"] == 2 == feed["inserted"] + feed["updated"] + feed["unchanged"] + feed["quarantined"]
    )
    assert feed["quarantined"] == 1 and not feed["stale"]
    never = next(f for f in report["feeds"] if f["feed"] == "hotline_tickets")
    assert never["last_status"] is None and never["stale"]
    bad = runner.invoke(app, ["regions", "resolve", "城区"])
    assert bad.exit_code == 1 and "歧义" in bad.output
    good = runner.invoke(app, ["regions", "resolve", "城区", "--parent", "晋城市"])
    assert good.exit_code == 0 and "140502" in good.output
