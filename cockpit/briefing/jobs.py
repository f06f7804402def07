"""Background briefing jobs: a small thread pool, with each job's state in the store.

State lives in the store's ``job`` table (``cockpit.store.jobs``), not in memory, so any server
process sharing the store reports the same progress and checks the same owner; the files stay on
disk (``<exports>/jobs/<id>/``), which the serving processes share. The page polls the state.
One worker: briefings share one kaleido browser and the CPU with the wall.
"""

from __future__ import annotations

import logging
import re
import shutil
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

import flask

from cockpit import store
from cockpit.access import audit, scope
from cockpit.briefing.facts import FactsError
from cockpit.exports import exports_dir
from cockpit.principal import AccessDenied, Principal, current_principal, set_principal
from cockpit.services import Services
from cockpit.store import jobs as job_store

log = logging.getLogger("cockpit.briefing.jobs")
JOB_ID = re.compile(r"^[0-9a-f]{32}$")
KIND = "briefing"
KEEP_SECONDS = 24 * 3600
_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="briefing")


def jobs_root(services: Services) -> Path:
    root = exports_dir(services.settings) / "jobs"
    root.mkdir(parents=True, exist_ok=True)
    return root


def _prune(services: Services, root: Path) -> None:
    """Jobs older than KEEP_SECONDS go, rows and folders (and folders no job names any more)."""
    cutoff = services.settings.now() - timedelta(seconds=KEEP_SECONDS)
    engine = store.database(services.settings)
    for job_id in job_store.prune(engine, before=cutoff):
        shutil.rmtree(root / job_id, ignore_errors=True)
    oldest = time.time() - KEEP_SECONDS
    for folder in root.iterdir():
        if folder.is_dir() and folder.stat().st_mtime < oldest and job_store.get(engine, folder.name) is None:
            shutil.rmtree(folder, ignore_errors=True)


def _as_dict(job: job_store.Job) -> dict[str, Any]:
    """The state as the page and the routes read it (``state``, ``progress``, ``message``, ``files``...)."""

    def moment(value: Any) -> str | None:
        return value.isoformat(timespec="seconds") if value is not None else None

    message = job.error if job.status == "failed" and job.error else job.message
    return {"id": job.id, "kind": job.kind, "state": job.status, "progress": job.progress, "message": message,
            "error": job.error, "params": {"region": job.region, **job.params}, "files": job.files,
            "owner": job.owner, "created": moment(job.created_at), "updated": moment(job.updated_at),
            "finished": moment(job.finished_at), "seconds": job.seconds}  # fmt: skip


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
    _prune(services, root)
    job_id = uuid.uuid4().hex
    job_dir = root / job_id
    job_dir.mkdir()
    params: dict[str, Any] = {"period": period, "indicators": indicators, "formats": list(formats)}
    job_store.create(store.database(services.settings), job_id, kind=KIND, region=region, params=params,
                     owner=principal.username if principal else None, now=services.settings.now(),
                     message="排队中")  # fmt: skip
    if principal is not None:
        audit.record(services.settings, "briefing", region=region[:12],
                     detail={"job": job_id, "formats": list(formats),
                             "filters": {"period": period, "indicators": indicators}})  # fmt: skip
    # The worker needs the app (query memo cache); the CLI has none and runs without it.
    app = flask.current_app._get_current_object() if flask.has_app_context() else None  # type: ignore[attr-defined]
    _pool.submit(_in_app, app, services, job_dir, {"region": region, **params}, principal)
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
    params: dict[str, Any],
    principal: Principal | None,
) -> None:
    if app is None:
        _run(services, job_dir, params)
        return
    # A request context of its own, so the query layer applies the requester's scope.
    with app.test_request_context("/exports/briefing"):
        set_principal(principal)
        _run(services, job_dir, params)


def _run(services: Services, job_dir: Path, params: dict[str, Any]) -> None:
    from cockpit.briefing import generate

    engine, job_id = store.database(services.settings), job_dir.name
    started = time.perf_counter()

    def progress(share: float, text: str) -> None:
        job_store.update(engine, job_id, now=services.settings.now(), status="running", progress=round(share, 3),
                         message=text)  # fmt: skip

    end: dict[str, Any]
    try:
        paths = generate(services, params["region"], params["period"], job_dir,
                         indicators=params["indicators"], formats=tuple(params["formats"]), progress=progress)  # fmt: skip
        end = {"status": "done", "progress": 1.0, "message": "已完成",
               "files": {p.suffix.lstrip("."): p.name for p in paths}}  # fmt: skip
    except FactsError as exc:
        end = {"status": "failed", "error": str(exc)}
    except Exception:  # the job must end in a state the page can show, whatever broke
        log.exception("briefing job %s failed", job_id)
        end = {"status": "failed", "error": "简报生成失败，请稍后重试或联系管理员"}
    job_store.update(engine, job_id, now=services.settings.now(), finished=True,
                     seconds=round(time.perf_counter() - started, 1), **end)  # fmt: skip


def status(services: Services, job_id: str) -> dict[str, Any] | None:
    if not isinstance(job_id, str) or not JOB_ID.match(job_id):
        return None
    found = job_store.get(store.database(services.settings), job_id)
    return _as_dict(found) if found is not None and found.kind == KIND else None


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
