"""Background briefing jobs: a small thread pool, with each job's state in a JSON file.

State lives on disk (``<exports>/jobs/<id>/status.json``, replaced atomically), not in memory,
so any server process sharing the exports directory can report progress and serve the files;
the page polls it. One worker: briefings share one kaleido browser and the CPU with the wall.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import flask

from cockpit.access import audit, scope
from cockpit.briefing.facts import FactsError
from cockpit.exports import exports_dir
from cockpit.principal import AccessDenied, Principal, current_principal, set_principal
from cockpit.services import Services

log = logging.getLogger("cockpit.briefing.jobs")
JOB_ID = re.compile(r"^[0-9a-f]{32}$")
KEEP_SECONDS = 24 * 3600
_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="briefing")
_lock = threading.Lock()


def jobs_root(services: Services) -> Path:
    root = exports_dir(services.settings) / "jobs"
    root.mkdir(parents=True, exist_ok=True)
    return root


def _write(path: Path, state: dict[str, Any]) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(state, ensure_ascii=False, default=str), encoding="utf-8")
    os.replace(tmp, path)


def _prune(root: Path) -> None:
    cutoff = time.time() - KEEP_SECONDS
    for job in root.iterdir():
        if job.is_dir() and job.stat().st_mtime < cutoff:
            shutil.rmtree(job, ignore_errors=True)


def start(
    services: Services,
    region: str,
    period: str | None,
    indicators: list[str] | None,
    formats: tuple[str, ...] = ("pptx", "pdf"),
) -> str:
    """Queues a briefing; returns its id at once. In a signed-in request it needs the ``briefing``
    permission and a region in scope, is audited, and runs as the requesting principal (so the
    pack holds exactly what that person may see: no sibling ranking for a county user)."""
    principal = current_principal()
    if principal is not None:
        scope.require_permission("briefing", region=region[:12])
        scope.require_region(services.warehouse, region, action="briefing")
    root = jobs_root(services)
    _prune(root)
    job_id = uuid.uuid4().hex
    job_dir = root / job_id
    job_dir.mkdir()
    state: dict[str, Any] = {"id": job_id, "state": "queued", "progress": 0.0, "message": "排队中",
                             "params": {"region": region, "period": period, "indicators": indicators, "formats": list(formats)},
                             "files": {}, "created": services.settings.now().isoformat(timespec="seconds"),
                             "owner": principal.username if principal else None}  # fmt: skip
    _write(job_dir / "status.json", state)
    if principal is not None:
        audit.record(services.settings, "briefing", region=region[:12],
                     detail={"job": job_id, "formats": list(formats),
                             "filters": {"period": period, "indicators": indicators}})  # fmt: skip
    # The worker needs the app (query memo cache); the CLI has none and runs without it.
    app = flask.current_app._get_current_object() if flask.has_app_context() else None  # type: ignore[attr-defined]
    _pool.submit(_in_app, app, services, job_dir, state, principal)
    return job_id


def require_owner(services: Services, found: dict[str, Any]) -> None:
    """A job's progress and files are its requester's: others are refused (admins excepted), and
    nobody sees a job for a region outside their scope."""
    principal = current_principal()
    if principal is None:
        return
    owner = found.get("owner")
    if owner is not None and owner != principal.username and not principal.can("users"):
        raise AccessDenied("无权查看他人的简报任务", action="briefing", region=None)
    region = (found.get("params") or {}).get("region")
    scope.require_region(services.warehouse, str(region or ""), action="briefing")


def _in_app(
    app: flask.Flask | None,
    services: Services,
    job_dir: Path,
    state: dict[str, Any],
    principal: Principal | None,
) -> None:
    if app is None:
        _run(services, job_dir, state)
        return
    # A request context of its own, so the query layer applies the requester's scope.
    with app.test_request_context("/exports/briefing"):
        set_principal(principal)
        _run(services, job_dir, state)


def _run(services: Services, job_dir: Path, state: dict[str, Any]) -> None:
    from cockpit.briefing import generate

    started = time.perf_counter()

    def progress(share: float, text: str) -> None:
        with _lock:
            state.update(state="running", progress=round(share, 3), message=text)
            _write(job_dir / "status.json", state)

    params = state["params"]
    try:
        paths = generate(services, params["region"], params["period"], job_dir,
                         indicators=params["indicators"], formats=tuple(params["formats"]), progress=progress)  # fmt: skip
        state.update(state="done", progress=1.0, message="已完成",
                     files={p.suffix.lstrip("."): p.name for p in paths})  # fmt: skip
    except FactsError as exc:
        state.update(state="failed", message=str(exc))
    except Exception:  # the job must end in a state the page can show, whatever broke
        log.exception("briefing job %s failed", state["id"])
        state.update(state="failed", message="简报生成失败，请稍后重试或联系管理员")
    state["seconds"] = round(time.perf_counter() - started, 1)
    state["finished"] = services.settings.now().isoformat(timespec="seconds")
    with _lock:
        _write(job_dir / "status.json", state)


def status(services: Services, job_id: str) -> dict[str, Any] | None:
    if not isinstance(job_id, str) or not JOB_ID.match(job_id):
        return None
    path = jobs_root(services) / job_id / "status.json"
    if not path.exists():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))  # type: ignore[no-any-return]
    except (OSError, ValueError):
        return {"id": job_id, "state": "running", "progress": 0.0, "message": "处理中"}


def file_of(services: Services, job_id: str, fmt: str) -> Path | None:
    found = status(services, job_id)
    if not found or found.get("state") != "done":
        return None
    name = (found.get("files") or {}).get(fmt)
    if not name:
        return None
    path = jobs_root(services) / job_id / name
    return path if path.is_file() else None


def wait(services: Services, job_id: str, timeout_s: float = 300.0) -> dict[str, Any] | None:
    """Blocks until the job ends (for tests and the CLI)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = status(services, job_id)
        if found and found["state"] in ("done", "failed"):
            return found
        time.sleep(0.2)
    return status(services, job_id)
