"""HTTP JSON source: pull paged records from government data APIs.

A feed in the catalogue declares ``[feeds.<name>.http]``; its keys map 1:1 onto :class:`HttpSpec`
(see :meth:`HttpSpec.from_mapping`). :func:`fetch_records` walks every page and returns all records,
or raises :class:`FeedFetchError` — it is all-or-nothing, so a half-fetched feed is never loaded.

Secrets never live in the catalogue: ``auth_env`` names the environment variable whose value is sent
in the ``auth_header`` header.
"""

from __future__ import annotations

import logging
import math
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Literal, get_args

import httpx

log = logging.getLogger("etl.http")

Paging = Literal["page", "offset", "next", "none"]
MAX_BACKOFF_S = 30.0

_STR_KEYS = frozenset({"url", "paging", "page_param", "offset_param", "size_param", "records_path"})
_OPT_STR_KEYS = frozenset({"total_path", "next_path", "auth_header", "auth_env", "cursor_param"})
_INT_KEYS = frozenset({"page_size", "retries", "max_pages"})
_FLOAT_KEYS = frozenset({"timeout_s", "backoff_s"})


class FeedFetchError(RuntimeError):
    """A feed could not be fetched completely; nothing from it should be loaded."""

    def __init__(self, url: str, page: int, attempts: int, error: str) -> None:
        self.url = url
        self.page = page
        self.attempts = attempts
        self.error = error
        super().__init__(f"数据拉取失败：{url}，第 {page} 页，尝试 {attempts} 次，最后错误：{error}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.url, self.page, self.attempts, self.error))


@dataclass(frozen=True)
class HttpSpec:
    """How to pull one feed from a paged JSON API."""

    url: str
    params: dict[str, str] = field(default_factory=dict)  # static query params
    paging: Paging = "page"
    page_param: str = "page"  # paging="page": 1-based page number
    offset_param: str = "offset"  # paging="offset": 0-based record offset
    size_param: str = "page_size"
    page_size: int = 500
    records_path: str = "data"  # dotted path to the record list ("" = the body is the list)
    total_path: str | None = None  # dotted path to the total record count, if the API gives one
    next_path: str | None = None  # paging="next": dotted path to the next page URL (absolute or relative)
    auth_header: str | None = None  # e.g. "Authorization"
    auth_env: str | None = None  # environment variable holding the header value
    cursor_param: str | None = None  # incremental pulls: ?<cursor_param>=<last cursor value>
    timeout_s: float = 10.0
    retries: int = 3  # retries per page after the first attempt
    backoff_s: float = 0.5  # exponential: backoff_s * 2**attempt, capped at MAX_BACKOFF_S
    max_pages: int = 10_000  # safety bound

    def __post_init__(self) -> None:
        problems: list[str] = []
        if not self.url.startswith(("http://", "https://")):
            problems.append(f"url 须以 http:// 或 https:// 开头，实际为 {self.url!r}")
        if self.paging not in get_args(Paging):
            problems.append(f"paging 应为 {get_args(Paging)} 之一，实际为 {self.paging!r}")
        if self.paging == "next" and not self.next_path:
            problems.append('paging="next" 时须设置 next_path')
        if (self.auth_header is None) != (self.auth_env is None):
            problems.append("auth_header 与 auth_env 须同时设置")
        if self.page_size < 1 or self.max_pages < 1:
            problems.append("page_size 与 max_pages 须不小于 1")
        if self.retries < 0 or self.backoff_s < 0:
            problems.append("retries 与 backoff_s 须不小于 0")
        if not self.timeout_s > 0:
            problems.append("timeout_s 须大于 0")
        if problems:
            raise ValueError("[http] 配置无效：" + "; ".join(problems))

    @classmethod
    def from_mapping(cls, data: Mapping[str, object]) -> HttpSpec:
        """Build from a catalogue table, rejecting unknown keys and wrongly typed values."""
        allowed = [f.name for f in fields(cls)]
        unknown = sorted(str(k) for k in data if k not in allowed)
        if unknown:
            raise ValueError(f"[http] 未知配置项：{'、'.join(unknown)}（可用：{'、'.join(allowed)}）")
        if "url" not in data:
            raise ValueError("[http] 缺少 url")
        kwargs: dict[str, Any] = {key: _coerce(key, value) for key, value in data.items()}
        return cls(**kwargs)


def _coerce(key: str, value: object) -> object:
    def bad(expected: str) -> ValueError:
        return ValueError(f"[http] 配置项 {key!r} 应为{expected}，实际为 {type(value).__name__}：{value!r}")

    if key in _STR_KEYS or key in _OPT_STR_KEYS:
        if isinstance(value, str) or (value is None and key in _OPT_STR_KEYS):
            return value
        raise bad("字符串")
    if key in _INT_KEYS:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise bad("整数")
    if key in _FLOAT_KEYS:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        raise bad("数值")
    # key == "params": a table of scalar values, sent as strings
    if not isinstance(value, Mapping):
        raise bad("查询参数表")
    params: dict[str, str] = {}
    for name, item in value.items():
        if isinstance(item, bool):
            params[str(name)] = "true" if item else "false"
        elif isinstance(item, str | int | float):
            params[str(name)] = str(item)
        else:
            raise bad(f"标量值（参数 {name!r} 为 {type(item).__name__}）")
    return params


def fetch_records(
    spec: HttpSpec,
    cursor: str | None = None,
    *,
    client: httpx.Client | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> list[dict[str, object]]:
    """Fetch every record of the feed, following the spec's paging, or raise FeedFetchError.

    ``cursor`` (incremental pulls) is sent as ``?<cursor_param>=<cursor>``; ``client`` lets callers share
    a connection pool (it is not closed here); ``sleep`` is injectable so tests need not wait.
    """
    headers: dict[str, str] = {"Accept": "application/json"}
    if spec.auth_header is not None and spec.auth_env is not None:
        secret = os.environ.get(spec.auth_env)
        if not secret:
            missing = f"环境变量 {spec.auth_env} 未设置"
            raise FeedFetchError(spec.url, 1, 0, missing)
        headers[spec.auth_header] = secret
    base = dict(spec.params)
    if cursor is not None:
        if spec.cursor_param is None:
            raise ValueError("给了游标，但该数据源的 [http] 没有 cursor_param")
        base[spec.cursor_param] = cursor
    http = client if client is not None else httpx.Client(follow_redirects=True)
    try:
        return _fetch_all(spec, http, base, headers, sleep)
    finally:
        if client is None:
            http.close()


def _fetch_all(
    spec: HttpSpec,
    http: httpx.Client,
    base: dict[str, str],
    headers: dict[str, str],
    sleep: Callable[[float], None],
) -> list[dict[str, object]]:
    records: list[dict[str, object]] = []
    size = {spec.size_param: str(spec.page_size)}
    next_url: httpx.URL | None = None
    seen: set[str] = set()
    url = httpx.URL(spec.url)
    page = 1
    while True:
        if page > spec.max_pages:
            raise FeedFetchError(spec.url, page, 0, f"超过最大页数（max_pages={spec.max_pages}）")
        if next_url is not None:
            target = next_url
        elif spec.paging == "page":
            target = url.copy_merge_params({**base, spec.page_param: str(page), **size})
        elif spec.paging == "offset":
            target = url.copy_merge_params({**base, spec.offset_param: str(len(records)), **size})
        elif spec.paging == "next":
            target = url.copy_merge_params({**base, **size})
        else:
            target = url.copy_merge_params(base)
        seen.add(str(target))
        body, attempts = _get_json(http, spec, target, headers, page, sleep)
        try:
            batch = _extract_records(body, spec.records_path)
            total = _extract_total(body, spec.total_path)
            link = _resolve(body, spec.next_path)[1] if spec.paging == "next" and spec.next_path else None
            if link is not None and not isinstance(link, str):
                raise ValueError(f"next_path {spec.next_path!r} 处不是字符串：{link!r}")
            next_url = target.join(link) if link else None
        except (ValueError, httpx.InvalidURL) as exc:
            raise FeedFetchError(str(target), page, attempts, str(exc)) from exc
        records.extend(batch)
        log.info("page %d: %d records (%d so far) ← %s", page, len(batch), len(records), target)
        if not batch or (total is not None and len(records) >= total) or spec.paging == "none":
            break
        if spec.paging == "next":
            if next_url is None:
                break
            if str(next_url) in seen:
                loop = f"翻页链接循环：{next_url}"
                raise FeedFetchError(str(target), page, attempts, loop)
        elif len(batch) < spec.page_size:
            break
        page += 1
    return records


def _get_json(
    http: httpx.Client,
    spec: HttpSpec,
    target: httpx.URL,
    headers: dict[str, str],
    page: int,
    sleep: Callable[[float], None],
) -> tuple[object, int]:
    """GET one page with retries; return (parsed body, attempts used)."""
    attempts = spec.retries + 1
    last_error = ""
    for attempt in range(attempts):
        wait: float | None = None
        try:
            response = http.get(target, headers=headers, timeout=spec.timeout_s)
        except httpx.TransportError as exc:  # connect errors, timeouts, broken connections
            last_error = f"{type(exc).__name__}: {exc}"
        except httpx.HTTPError as exc:  # e.g. too many redirects, undecodable content: not transient
            raise FeedFetchError(str(target), page, attempt + 1, f"{type(exc).__name__}: {exc}") from exc
        else:
            status = response.status_code
            if status == 429 or status >= 500:
                last_error = f"HTTP {status} {response.reason_phrase}"
                wait = _retry_after(response.headers.get("Retry-After"))
            elif not response.is_success:
                error = f"HTTP {status} {response.reason_phrase}: {response.text[:200]}"
                raise FeedFetchError(str(target), page, attempt + 1, error)
            else:
                try:
                    return response.json(), attempt + 1
                except ValueError as exc:
                    error = f"响应不是 JSON（{exc}）：{response.text[:200]!r}"
                    raise FeedFetchError(str(target), page, attempt + 1, error) from exc
        if attempt + 1 < attempts:
            delay = min(wait if wait is not None else spec.backoff_s * 2**attempt, MAX_BACKOFF_S)
            msg = "page %d retry %d/%d in %.2fs: %s ← %s"
            log.warning(msg, page, attempt + 1, attempts - 1, delay, last_error, target)
            sleep(delay)
    raise FeedFetchError(str(target), page, attempts, last_error)


def _retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or HTTP-date); None if absent or unparseable."""
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - datetime.now(UTC)).total_seconds()
    return None if math.isnan(seconds) else max(0.0, seconds)


def _resolve(body: object, path: str | None) -> tuple[bool, object]:
    """Follow a dotted path ("result.items", "data.0.rows"); "" is the body itself."""
    node = body
    for part in path.split(".") if path else []:
        if isinstance(node, Mapping) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return False, None
    return True, node


def _extract_records(body: object, path: str) -> list[dict[str, object]]:
    found, value = _resolve(body, path)
    if not found:
        raise ValueError(f"响应中没有 records_path {path!r}")
    if not isinstance(value, list):
        raise ValueError(f"records_path {path!r} 处不是列表（实际为 {type(value).__name__}）")
    records: list[dict[str, object]] = []
    for index, record in enumerate(value):
        if not isinstance(record, dict):
            raise ValueError(f"第 {index} 条记录不是对象：{record!r:.80}")
        records.append(record)
    return records


def _extract_total(body: object, path: str | None) -> int | None:
    """Total record count if the API reports one; a missing or null total means unknown."""
    if not path:
        return None
    value = _resolve(body, path)[1]
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    raise ValueError(f"total_path {path!r} 处不是整数：{value!r}")
