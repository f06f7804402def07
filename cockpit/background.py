"""Background jobs: briefings and large exports run here, off the request threads, so pages and
``/healthz`` keep answering while a pack or a 100,000-row workbook is written.

A job is a row in the store's ``job`` table (``cockpit.store.jobs``): what was asked, by whom, how
far it got, what it made. Every process sharing the store reports the same progress and checks the
same owner; the files stay on disk under ``<exports>/jobs/<id>/``, which the processes share. Jobs
of one kind run one at a time on the host (``_Runner``: a lock file, jobs claimed from the store),
so a burst costs one worker's memory and one core, and the other worker keeps serving pages.

    job_id = start(services, KIND, region, params, work)     # queued; JobRefused if over a limit
    found = status(services, job_id)                          # dict the page and the routes read
    require_owner(services, found)                            # 403 for anyone but its requester
    path = file_of(services, found, "xlsx")

``work(services, job_dir, params, progress)`` writes the files and returns ``{format: file name}``;
it runs as the job's owner (their account as it is when the job runs). An exception in
``expected`` ends the job with its (Chinese) message, anything else with a generic one and the
traceback in the log. A user has at most ``jobs_per_user`` jobs queued or running at once (exports
written during a request count too: ``start(..., here=True)``).
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import re
import shutil
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import flask

from cockpit import store
from cockpit.access import scope
from cockpit.auth.users import UserStore
from cockpit.principal import AccessDenied, Principal, current_principal, set_principal
from cockpit.services import Services
from cockpit.store import jobs as job_store

log = logging.getLogger("cockpit.background")
JOB_ID = re.compile(r"^[0-9a-f]{32}$")
KEEP_SECONDS = 24 * 3600
# A queued or running job that has not updated its row for this long belongs to a process that
# died: it is shown as interrupted and stops counting against its owner's limit.
STALE_SECONDS = 15 * 60
# Queued jobs of one kind beyond which new ones are refused ("busy"), whoever asks.
QUEUE_LIMIT = 16
# A runner also looks for queued jobs this often (seconds), so a job queued by a process that died
# before running it is still run.
POLL_SECONDS = 30.0
PROGRESS_EVERY_S = 0.5
PRUNE_EVERY_S = 600.0
_pruned_at = -PRUNE_EVERY_S  # monotonic time of this process's last prune
_prune_lock = threading.Lock()

Progress = Callable[[float, str], None]
Work = Callable[[Services, Path, dict[str, Any], Progress], dict[str, str]]


class JobRefused(Exception):
    """A job not started: its requester has too many running, or the server too many queued."""


class _Runner:
    """Runs one kind of job for this process: woken by a submit here (and every POLL_SECONDS), it
    takes the kind's lock file, then claims and runs queued jobs from the store (anyone's, from any
    process) until none are left. While one process drains the queue, the others' runners wait on
    the lock and find it empty: one job of a kind runs at a time on the host, in one process, so a
    burst of exports costs one worker's memory and one core, not every worker's."""

    def __init__(self, kind: str, work: Work, expected: tuple[type[Exception], ...], app: flask.Flask | None,
                 services: Services) -> None:  # fmt: skip
        self.kind, self.work, self.expected, self.app, self.services = kind, work, expected, app, services
        self.wake = threading.Event()
        threading.Thread(target=self._loop, name=f"job-{kind}", daemon=True).start()

    def _loop(self) -> None:
        while True:
            self.wake.wait(POLL_SECONDS)
            self.wake.clear()
            try:
                self._drain()
            except Exception:  # the runner must survive whatever one round did
                log.exception("%s job runner failed", self.kind)

    def _drain(self) -> None:
        settings = self.services.settings
        engine = store.database(settings)
        with _locked(jobs_root(self.services) / f".{self.kind}.lock"):
            while True:
                job = job_store.claim(
                    engine, self.kind, now=settings.now(), since=_alive_since(self.services)
                )
                if job is None:
                    return
                self._run(job)

    def _run(self, job: job_store.Job) -> None:
        params = {"region": job.region, **job.params}
        job_dir = jobs_root(self.services) / job.id
        job_dir.mkdir(exist_ok=True)
        principal = None
        if job.owner is not None:
            user = UserStore(self.services.settings).get(job.owner)
            if user is None or user.disabled:
                job_store.update(store.database(self.services.settings), job.id, now=self.services.settings.now(),
                                 status="failed", error="发起任务的账号已停用", finished=True)  # fmt: skip
                return
            principal = user.principal()  # as the account is now: a narrowed scope applies at once
        if self.app is None:
            _run(self.services, self.kind, job_dir, params, self.work, self.expected)
            return
        # A request context of its own, so the query layer applies the requester's scope.
        with self.app.test_request_context(f"/exports/jobs/{job.id}"):
            set_principal(principal)
            _run(self.services, self.kind, job_dir, params, self.work, self.expected)


# One runner per kind and app (one app per serving process; tests build several).
_runners: dict[tuple[str, int], _Runner] = {}
_runners_lock = threading.Lock()


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _runner(kind: str, work: Work, expected: tuple[type[Exception], ...], services: Services) -> _Runner:
    key = (kind, id(services))  # the runner holds ``services``, so the id stays its own
    with _runners_lock:
        if key not in _runners:
            # The runner needs the app (query memo cache); the CLI has none and runs without it.
            app = flask.current_app._get_current_object() if flask.has_app_context() else None  # type: ignore[attr-defined]
            _runners[key] = _Runner(kind, work, expected, app, services)
        return _runners[key]


def _alive_since(services: Services) -> datetime:
    """Jobs not updated since this moment are taken for dead (STALE_SECONDS)."""
    return services.settings.now() - timedelta(seconds=STALE_SECONDS)


def jobs_root(services: Services) -> Path:
    root = services.settings.exports_path() / "jobs"
    root.mkdir(parents=True, exist_ok=True)
    return root


def _prune_if_due(services: Services) -> None:
    """``prune`` at most every PRUNE_EVERY_S per process: job creation is on the request path of
    every export, and pruning lists the jobs folder."""
    global _pruned_at
    with _prune_lock:
        if time.monotonic() - _pruned_at < PRUNE_EVERY_S:
            return
        _pruned_at = time.monotonic()
    prune(services)


def prune(services: Services) -> None:
    """Jobs older than KEEP_SECONDS go, rows and folders (and folders no job names any more)."""
    root = jobs_root(services)
    cutoff = services.settings.now() - timedelta(seconds=KEEP_SECONDS)
    engine = store.database(services.settings)
    for job_id in job_store.prune(engine, before=cutoff):
        shutil.rmtree(root / job_id, ignore_errors=True)
    oldest = time.time() - KEEP_SECONDS
    for folder in root.iterdir():
        if folder.is_dir() and folder.stat().st_mtime < oldest and job_store.get(engine, folder.name) is None:
            shutil.rmtree(folder, ignore_errors=True)


def _as_dict(services: Services, job: job_store.Job) -> dict[str, Any]:
    """The state as the pages and the routes read it (``state``, ``progress``, ``message``, ``files``...)."""

    def moment(value: Any) -> str | None:
        return value.isoformat(timespec="seconds") if value is not None else None

    state, message = job.status, job.error if job.status == "failed" and job.error else job.message
    stale = _alive_since(services)
    if state in ("queued", "running") and job.updated_at < stale:
        state, message = "failed", "任务已中断（服务曾重启），请重新发起"
    elif state == "queued":
        ahead = job_store.queued_before(store.database(services.settings), job, since=stale)
        message = f"排队中（前面还有 {ahead} 个任务）" if ahead else "排队中，即将开始"
    return {"id": job.id, "kind": job.kind, "state": state, "progress": job.progress, "message": message,
            "error": job.error, "params": {"region": job.region, **job.params}, "files": job.files,
            "owner": job.owner, "created": moment(job.created_at), "updated": moment(job.updated_at),
            "finished": moment(job.finished_at), "seconds": job.seconds}  # fmt: skip


def _check_limits(services: Services, principal: Principal | None, kind: str) -> None:
    engine = store.database(services.settings)
    since = _alive_since(services)
    if principal is not None:
        allowed = services.settings.jobs_per_user
        if job_store.active(engine, principal.username, since=since) >= allowed:
            raise JobRefused(f"您已有 {allowed} 个导出或简报任务正在进行，请等其完成后再试")
    if job_store.waiting(engine, kind, since=since) >= QUEUE_LIMIT:
        raise JobRefused("服务器正忙（排队的任务过多），请稍后再试")


def _create(services: Services, kind: str, region: str, params: dict[str, Any]) -> tuple[str, Path]:
    principal = current_principal()
    _check_limits(services, principal, kind)
    _prune_if_due(services)
    job_id = uuid.uuid4().hex
    job_dir = jobs_root(services) / job_id
    job_dir.mkdir()
    job_store.create(store.database(services.settings), job_id, kind=kind, region=region, params=params,
                     owner=principal.username if principal else None, now=services.settings.now(),
                     message="排队中")  # fmt: skip
    return job_id, job_dir


def start(
    services: Services,
    kind: str,
    region: str,
    params: dict[str, Any],
    work: Work,
    expected: tuple[type[Exception], ...] = (),
    *,
    here: bool = False,
) -> str:
    """Queues ``work`` in the store and wakes this process's runner; returns the job's id at once.
    The job runs as its requester (so it sees exactly what that person may see). ``here``: runs it
    in this thread instead, before returning (small exports answered in the request; they count
    against the requester's limit while they run). Raises ``JobRefused`` over a limit."""
    job_id, job_dir = _create(services, kind, region, params)
    if here:
        _run(services, kind, job_dir, {"region": region, **params}, work, expected)
    else:
        _runner(kind, work, expected, services).wake.set()
    return job_id


def _run(services: Services, kind: str, job_dir: Path, params: dict[str, Any], work: Work,
         expected: tuple[type[Exception], ...]) -> None:  # fmt: skip
    engine, job_id = store.database(services.settings), job_dir.name
    started = time.perf_counter()
    last = [0.0]

    def progress(share: float, text: str) -> None:
        # Throttled: a 100,000-row export reports per block, the store needs far fewer writes.
        if time.perf_counter() - last[0] < PROGRESS_EVERY_S and share < 1.0:
            return
        last[0] = time.perf_counter()
        job_store.update(engine, job_id, now=services.settings.now(), status="running",
                         progress=round(min(max(share, 0.0), 1.0), 3), message=text)  # fmt: skip

    end: dict[str, Any]
    try:
        progress(0.0, "开始")
        with services.warehouse.roomier():  # a large sorted export needs more than serving reads
            files = work(services, job_dir, params, progress)
        end = {"status": "done", "progress": 1.0, "message": "已完成", "files": files}
    except expected as exc:
        end = {"status": "failed", "error": str(exc)}
    except Exception:  # the job must end in a state the page can show, whatever broke
        log.exception("%s job %s failed", kind, job_id)
        end = {"status": "failed", "error": "任务失败，请稍后重试或联系管理员"}
    job_store.update(engine, job_id, now=services.settings.now(), finished=True,
                     seconds=round(time.perf_counter() - started, 1), **end)  # fmt: skip


def status(services: Services, job_id: Any, kind: str | None = None) -> dict[str, Any] | None:
    """A job's state, or None for a malformed or unknown id (or one of another kind)."""
    if not isinstance(job_id, str) or not JOB_ID.match(job_id):
        return None
    found = job_store.get(store.database(services.settings), job_id)
    if found is None or (kind is not None and found.kind != kind):
        return None
    return _as_dict(services, found)


def require_owner(services: Services, found: dict[str, Any]) -> None:
    """A job's progress and files are its requester's: others are refused (user admins excepted),
    and nobody sees a job for a region outside their scope."""
    principal = current_principal()
    if principal is None:
        return
    owner = found.get("owner")
    if owner is not None and owner != principal.username and not principal.can("users"):
        raise AccessDenied("无权查看他人的任务", action=str(found.get("kind") or "job"), region=None)
    region = (found.get("params") or {}).get("region")
    scope.require_region(services.warehouse, str(region or ""), action=str(found.get("kind") or "job"))


def file_of(services: Services, found: dict[str, Any], fmt: str) -> Path | None:
    """The ``fmt`` file of a job's state (``status``), once the job is done and the file is there."""
    name = (found.get("files") or {}).get(fmt) if found.get("state") == "done" else None
    if not name:
        return None
    path = jobs_root(services) / str(found["id"]) / name
    return path if path.is_file() else None


def remove(services: Services, job_id: str) -> None:
    """Deletes a finished job's files (an export already sent in its request)."""
    if JOB_ID.match(job_id):
        shutil.rmtree(jobs_root(services) / job_id, ignore_errors=True)


def wait(services: Services, job_id: str, timeout_s: float = 300.0) -> dict[str, Any] | None:
    """Blocks until the job ends (for tests and the CLI)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = status(services, job_id)
        if found and found["state"] in ("done", "failed"):
            return found
        time.sleep(0.2)
    return status(services, job_id)
