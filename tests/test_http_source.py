"""etl.http_source against a local synthetic paged API (127.0.0.1 only, no real waiting)."""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from etl.http_source import MAX_BACKOFF_S, FeedFetchError, HttpSpec, fetch_records

N_RECORDS = 1234
CITIES = ["太原市", "大同市", "阳泉市", "长治市", "晋城市", "朔州市"]
CITIES += ["晋中市", "运城市", "忻州市", "临汾市", "吕梁市"]


@dataclass
class Fault:
    """A canned bad response for one page; sticky faults never clear."""

    status: int = 500
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = '{"错误": "服务器内部错误"}'.encode()
    sticky: bool = False


@dataclass
class Seen:
    path: str
    query: dict[str, str]
    headers: dict[str, str]


class FakeApi:
    """In-memory government data API with several paging styles and injectable faults."""

    def __init__(self) -> None:
        self.records: list[dict[str, Any]] = [
            {
                "id": i,
                "城市": CITIES[i % len(CITIES)],
                "指标": "一般公共预算收入",
                "数值": round(i * 1.5, 2),
                "单位": "亿元",
                "统计月份": f"2024-{i % 12 + 1:02d}",
            }
            for i in range(N_RECORDS)
        ]
        self.seen: list[Seen] = []
        self.faults: dict[tuple[str, str], list[Fault]] = {}
        self.base_url = ""
        self._lock = threading.Lock()

    @staticmethod
    def key(query: dict[str, str]) -> str:
        return query.get("page", query.get("offset", "1"))

    def record(self, path: str, query: dict[str, str], headers: dict[str, str]) -> Fault | None:
        with self._lock:
            self.seen.append(Seen(path, query, headers))
            queue = self.faults.get((path, self.key(query)), [])
            if not queue:
                return None
            return queue[0] if queue[0].sticky else queue.pop(0)

    def hits(self, path: str, key: str | None = None) -> int:
        with self._lock:
            return sum(1 for s in self.seen if s.path == path and (key is None or self.key(s.query) == key))

    def route(self, path: str, q: dict[str, str]) -> tuple[int, str, bytes]:
        rows = self.records
        if "since_id" in q:
            rows = [r for r in rows if r["id"] > int(q["since_id"])]
        size = int(q.get("page_size", q.get("limit", "100")))
        page = int(q.get("page", "1"))
        chunk = rows[(page - 1) * size : page * size]
        payload: object
        if path == "/api/page":
            payload = {"code": 0, "msg": "成功", "data": chunk, "total": len(rows)}
        elif path == "/api/offset":
            offset = int(q["offset"])
            payload = {"data": rows[offset : offset + size]}
        elif path == "/api/next":
            nxt: str | None = None
            if page * size < len(rows):  # alternate relative and absolute next links
                rel = f"/api/next?page={page + 1}&page_size={size}"
                nxt = rel if page % 2 else self.base_url + rel
            payload = {"data": chunk, "links": {"next": nxt}}
        elif path == "/api/nested":
            payload = {"status": "ok", "result": {"items": chunk, "total": len(rows)}}
        elif path == "/api/list":
            payload = chunk
        elif path == "/api/html":
            return 200, "text/html; charset=utf-8", "<html>维护中</html>".encode()
        elif path == "/api/notlist":
            payload = {"data": {"城市": "太原市"}}
        elif path == "/api/scalars":
            payload = {"data": [1, 2, 3]}
        else:
            return 404, "application/json", b'{"error": "not found"}'
        return 200, "application/json; charset=utf-8", json.dumps(payload, ensure_ascii=False).encode()


def make_handler(api: FakeApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # keep pytest output clean
            pass

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            query = dict(parse_qsl(url.query))
            fault = api.record(url.path, query, {k.lower(): v for k, v in self.headers.items()})
            if fault is not None:
                time.sleep(fault.delay)
                status, ctype, body, extra = fault.status, "application/json", fault.body, fault.headers
            else:
                (status, ctype, body), extra = api.route(url.path, query), {}
            try:
                self.send_response(status)
                for name, value in {"Content-Type": ctype, "Content-Length": str(len(body)), **extra}.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):  # client already timed out
                pass

    return Handler


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture
def api() -> Iterator[FakeApi]:
    fake = FakeApi()
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(fake))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    fake.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def spec_for(api: FakeApi, path: str, **kw: Any) -> HttpSpec:
    return HttpSpec(url=api.base_url + path, **kw)


def ids(records: list[dict[str, object]]) -> list[object]:
    return [r["id"] for r in records]


# --- paging ---------------------------------------------------------------------------------------------


def test_page_paging_returns_every_record_once(api: FakeApi, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="etl.http")
    spec = spec_for(api, "/api/page", page_size=100, params={"年份": "2024"})
    records = fetch_records(spec)
    assert ids(records) == list(range(N_RECORDS))
    assert records[1]["城市"] == "大同市" and records[1]["单位"] == "亿元"
    assert api.hits("/api/page") == 13  # 12 full pages + a short one of 34
    assert all(s.query["年份"] == "2024" and s.query["page_size"] == "100" for s in api.seen)
    page_logs = [r for r in caplog.records if r.name == "etl.http" and r.levelno == logging.INFO]
    assert len(page_logs) == 13


def test_page_paging_exact_multiple_stops_on_empty_page(api: FakeApi) -> None:
    records = fetch_records(spec_for(api, "/api/page", page_size=617))
    assert ids(records) == list(range(N_RECORDS))
    assert api.hits("/api/page") == 3  # no total_path: the empty third page ends it


def test_offset_paging(api: FakeApi) -> None:
    spec = spec_for(api, "/api/offset", paging="offset", size_param="limit", page_size=250)
    assert ids(fetch_records(spec)) == list(range(N_RECORDS))
    assert [s.query["offset"] for s in api.seen] == ["0", "250", "500", "750", "1000"]


def test_next_link_paging_relative_and_absolute(api: FakeApi) -> None:
    spec = spec_for(api, "/api/next", paging="next", next_path="links.next", page_size=300)
    assert ids(fetch_records(spec)) == list(range(N_RECORDS))
    assert [s.query.get("page", "1") for s in api.seen] == ["1", "2", "3", "4", "5"]


def test_nested_records_path_and_total_path(api: FakeApi) -> None:
    spec = spec_for(api, "/api/nested", records_path="result.items", total_path="result.total", page_size=617)
    assert ids(fetch_records(spec)) == list(range(N_RECORDS))
    assert api.hits("/api/nested") == 2  # total reached: no extra empty-page request


def test_body_is_the_list(api: FakeApi) -> None:
    assert len(fetch_records(spec_for(api, "/api/list", records_path="", page_size=500))) == N_RECORDS


def test_paging_none_single_request(api: FakeApi) -> None:
    records = fetch_records(spec_for(api, "/api/page", paging="none"))
    assert len(records) == 100 and api.hits("/api/page") == 1
    assert "page" not in api.seen[0].query


def test_max_pages_exceeded_raises(api: FakeApi) -> None:
    with pytest.raises(FeedFetchError, match="max_pages=3"):
        fetch_records(spec_for(api, "/api/page", page_size=100, max_pages=3))
    assert api.hits("/api/page") == 3


# --- retries --------------------------------------------------------------------------------------------


def test_500_once_is_retried_with_backoff(api: FakeApi, caplog: pytest.LogCaptureFixture) -> None:
    api.faults[("/api/page", "2")] = [Fault(500)]
    sleeps: list[float] = []
    records = fetch_records(spec_for(api, "/api/page", page_size=100, backoff_s=0.25), sleep=sleeps.append)
    assert ids(records) == list(range(N_RECORDS))
    assert api.hits("/api/page", "2") == 2
    assert sleeps == [0.25]
    assert any(r.name == "etl.http" and r.levelno == logging.WARNING for r in caplog.records)


def test_permanent_failure_raises_after_all_attempts(api: FakeApi) -> None:
    api.faults[("/api/page", "3")] = [Fault(503, sticky=True)]
    sleeps: list[float] = []
    spec = spec_for(api, "/api/page", page_size=100, retries=2, backoff_s=0.1)
    with pytest.raises(FeedFetchError) as info:
        fetch_records(spec, sleep=sleeps.append)
    err = info.value
    assert (err.page, err.attempts) == (3, 3) and "503" in err.error
    assert "数据拉取失败" in str(err) and "尝试 3 次" in str(err) and "/api/page" in str(err)
    assert api.hits("/api/page", "3") == 3 and api.hits("/api/page", "4") == 0
    assert sleeps == [0.1, 0.2]


def test_backoff_is_capped(api: FakeApi) -> None:
    api.faults[("/api/page", "1")] = [Fault(502, sticky=True)]
    sleeps: list[float] = []
    with pytest.raises(FeedFetchError):
        fetch_records(spec_for(api, "/api/page", retries=3, backoff_s=20), sleep=sleeps.append)
    assert sleeps == [20, MAX_BACKOFF_S, MAX_BACKOFF_S]


def test_404_is_not_retried(api: FakeApi) -> None:
    api.faults[("/api/page", "2")] = [Fault(404, body=b'{"error": "no such page"}', sticky=True)]
    sleeps: list[float] = []
    with pytest.raises(FeedFetchError, match="404") as info:
        fetch_records(spec_for(api, "/api/page", page_size=100), sleep=sleeps.append)
    assert info.value.attempts == 1
    assert api.hits("/api/page", "2") == 1 and sleeps == []


def test_timeout_is_retried_then_raises(api: FakeApi) -> None:
    api.faults[("/api/page", "1")] = [Fault(200, delay=0.6, sticky=True)]
    sleeps: list[float] = []
    spec = spec_for(api, "/api/page", timeout_s=0.2, retries=1, backoff_s=0.05)
    started = time.monotonic()
    with pytest.raises(FeedFetchError, match="Timeout") as info:
        fetch_records(spec, sleep=sleeps.append)
    assert time.monotonic() - started < 2
    assert info.value.attempts == 2 and api.hits("/api/page", "1") == 2 and sleeps == [0.05]


def test_connection_refused_is_retried() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    sleeps: list[float] = []
    with pytest.raises(FeedFetchError, match="ConnectError") as info:
        fetch_records(HttpSpec(url=f"http://127.0.0.1:{port}/api/page", retries=2), sleep=sleeps.append)
    assert info.value.attempts == 3 and len(sleeps) == 2


@pytest.mark.parametrize(
    ("status", "retry_after", "expected"),
    [(429, "7", 7.0), (429, "3600", MAX_BACKOFF_S), (503, "2", 2.0), (429, "soon", 0.5)],
)
def test_retry_after_honoured(api: FakeApi, status: int, retry_after: str, expected: float) -> None:
    api.faults[("/api/page", "1")] = [Fault(status, headers={"Retry-After": retry_after})]
    sleeps: list[float] = []
    records = fetch_records(spec_for(api, "/api/page", page_size=500, backoff_s=0.5), sleep=sleeps.append)
    assert len(records) == N_RECORDS and sleeps == [expected]
    assert api.hits("/api/page", "1") == 2


# --- bad bodies -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "message"),
    [("/api/html", "不是 JSON"), ("/api/notlist", "不是列表"), ("/api/scalars", "不是对象")],
)
def test_bad_bodies_raise_without_retry(api: FakeApi, path: str, message: str) -> None:
    sleeps: list[float] = []
    with pytest.raises(FeedFetchError, match=message):
        fetch_records(spec_for(api, path), sleep=sleeps.append)
    assert api.hits(path) == 1 and sleeps == []


def test_missing_records_path_raises(api: FakeApi) -> None:
    with pytest.raises(FeedFetchError, match="响应中没有 records_path"):
        fetch_records(spec_for(api, "/api/page", records_path="result.items"))


# --- auth and cursor ------------------------------------------------------------------------------------


def test_auth_header_from_env(
    api: FakeApi, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="etl.http")
    monkeypatch.setenv("SX_DATA_TOKEN", "Bearer s3cret-token")
    spec = spec_for(api, "/api/page", page_size=500, auth_header="Authorization", auth_env="SX_DATA_TOKEN")
    assert len(fetch_records(spec)) == N_RECORDS
    assert [s.headers.get("authorization") for s in api.seen] == ["Bearer s3cret-token"] * 3
    assert "s3cret" not in caplog.text


def test_missing_auth_env_raises_before_any_request(api: FakeApi, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SX_DATA_TOKEN", raising=False)
    spec = spec_for(api, "/api/page", auth_header="Authorization", auth_env="SX_DATA_TOKEN")
    with pytest.raises(FeedFetchError, match="SX_DATA_TOKEN") as info:
        fetch_records(spec)
    assert info.value.attempts == 0 and api.seen == []


def test_cursor_param_sent(api: FakeApi) -> None:
    spec = spec_for(api, "/api/page", page_size=20, cursor_param="since_id")
    records = fetch_records(spec, cursor="1199")
    assert ids(records) == list(range(1200, N_RECORDS))
    assert len(api.seen) == 2 and all(s.query["since_id"] == "1199" for s in api.seen)
    with pytest.raises(ValueError, match="cursor_param"):
        fetch_records(spec_for(api, "/api/page"), cursor="1199")


# --- catalogue mapping ----------------------------------------------------------------------------------

CATALOGUE = """
[feeds."财政收入".http]
url = "https://data.shanxi.gov.cn/api/v1/fiscal?region=140000"
params = { year = 2024, active = true, "口径" = "全口径" }
paging = "offset"
page_size = 200
records_path = "result.items"
total_path = "result.total"
auth_header = "Authorization"
auth_env = "SX_DATA_TOKEN"
timeout_s = 5
"""


def test_from_mapping_parses_catalogue_table() -> None:
    table = tomllib.loads(CATALOGUE)["feeds"]["财政收入"]["http"]
    spec = HttpSpec.from_mapping(table)
    assert spec.params == {"year": "2024", "active": "true", "口径": "全口径"}
    assert spec.paging == "offset" and spec.page_size == 200 and spec.timeout_s == 5.0
    assert spec.retries == 3 and spec.total_path == "result.total"


def test_from_mapping_rejects_unknown_key() -> None:
    with pytest.raises(ValueError, match="pagesize"):
        HttpSpec.from_mapping({"url": "https://example.gov.cn/api", "pagesize": 100})


@pytest.mark.parametrize(
    "data",
    [
        {"page_size": 100},  # no url
        {"url": "https://example.gov.cn/api", "page_size": "100"},
        {"url": "https://example.gov.cn/api", "retries": True},
        {"url": "https://example.gov.cn/api", "paging": "cursor"},
        {"url": "https://example.gov.cn/api", "paging": "next"},  # next needs next_path
        {"url": "https://example.gov.cn/api", "auth_header": "Authorization"},  # no auth_env
        {"url": "ftp://example.gov.cn/api"},
        {"url": "https://example.gov.cn/api", "params": {"nested": {"a": 1}}},
        {"url": "https://example.gov.cn/api", "page_size": 0},
    ],
)
def test_from_mapping_rejects_bad_values(data: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        HttpSpec.from_mapping(data)
