"""Grid exports as jobs (``cockpit.background``): small ones written in the request, large ones
(more than ``export_inline_rows``) in the background with progress. Either way the file is written
block by block to disk and sent from there, and it counts against its requester's job limit while
it is being written.

The job carries the export's URL parameters, not a compiled query: it parses them again as its
requester (scope checked again in the job) and reads the snapshot current when it runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cockpit import background
from cockpit.access import audit, scope
from cockpit.exports import grid
from cockpit.principal import current_principal
from cockpit.services import Services
from cockpit.warehouse.explorer_queries import FilterError, Query

KIND = "export"


def _write(
    services: Services, job_dir: Path, params: dict[str, Any], progress: background.Progress
) -> dict[str, str]:
    q = grid.parse_query(services, params["query"])
    path = grid.write(services, q, params["format"], job_dir, services.settings.data_now(), progress)
    return {params["format"]: path.name}


def _params(q: Query, fmt: str) -> dict[str, Any]:
    return {"format": fmt, "query": grid.url_params(q)}


def _audit(services: Services, q: Query, fmt: str, job_id: str | None) -> None:
    if current_principal() is not None:
        audit.record(services.settings, "export", region=q.region[:12],
                     detail={"kind": "grid", "format": fmt, "dataset": q.dataset, "scope": q.scope,
                             "job": job_id, "filters": grid.url_params(q)})  # fmt: skip


def inline(services: Services, q: Query) -> bool:
    """Whether the export is small enough to write in the request (``FilterError`` over the cap)."""
    return grid.size_of(services, q, services.settings.data_now()) <= services.settings.export_inline_rows


def export_now(services: Services, q: Query, fmt: str) -> Path:
    """Writes the export in this request and returns the file (the caller removes its folder once
    sent). Raises ``FilterError`` (bad format, over the cap) or ``background.JobRefused``."""
    job_id = background.start(
        services,
        KIND,
        q.region,
        _params(q, grid.require_format(fmt)),
        _write,
        expected=(FilterError,),
        here=True,
    )
    found = background.status(services, job_id) or {}
    if found.get("state") != "done":
        background.remove(services, job_id)
        raise FilterError(str(found.get("message") or "导出失败"))
    _audit(services, q, fmt, None)
    path = background.file_of(services, found, fmt)
    if path is None:  # written a moment ago: only a full disk or a racing prune gets here
        raise FilterError("导出文件未能写出，请重试")
    return path


def start(services: Services, q: Query, fmt: str) -> str:
    """Queues the export; returns the job's id. Raises ``AccessDenied`` (no export permission),
    ``FilterError`` (bad format, over the cap) or ``background.JobRefused``."""
    # A role without the export permission could not download the file: refused before it is made.
    scope.require_permission("export", region=q.region[:12])
    grid.size_of(services, q, services.settings.data_now())  # refuse over the cap now, not in the job
    job_id = background.start(services, KIND, q.region, _params(q, grid.require_format(fmt)), _write,
                              expected=(FilterError,))  # fmt: skip
    _audit(services, q, fmt, job_id)
    return job_id


def status(services: Services, job_id: Any) -> dict[str, Any] | None:
    return background.status(services, job_id, KIND)
