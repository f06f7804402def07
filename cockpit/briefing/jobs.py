"""Briefing jobs: a pack (PPTX and PDF) written in the background (``cockpit.background``) as the
requesting principal, so it holds exactly what that person may see — no sibling ranking for a
county user. The page polls the job's state; the routes serve its files to its owner only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cockpit import background
from cockpit.access import audit, scope
from cockpit.briefing.facts import FactsError
from cockpit.principal import current_principal
from cockpit.services import Services

KIND = "briefing"
MIME = {"pdf": "application/pdf",
        "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation"}  # fmt: skip


def _write(
    services: Services, job_dir: Path, params: dict[str, Any], progress: background.Progress
) -> dict[str, str]:
    from cockpit.briefing import generate

    paths = generate(services, params["region"], params["period"], job_dir, indicators=params["indicators"],
                     formats=tuple(params["formats"]), progress=progress)  # fmt: skip
    return {p.suffix.lstrip("."): p.name for p in paths}


def start(
    services: Services,
    region: str,
    period: str | None,
    indicators: list[str] | None,
    formats: tuple[str, ...] = ("pptx", "pdf"),
) -> str:
    """Queues a briefing; returns its id at once. In a signed-in request it needs the ``briefing``
    permission and a region in scope, counts against the user's job limit (``JobRefused``) and is
    audited."""
    principal = current_principal()
    if principal is not None:
        scope.require_permission("briefing", region=region[:12])
        scope.require_region(services.warehouse, region, action="briefing")
    params: dict[str, Any] = {"period": period, "indicators": indicators, "formats": list(formats)}
    job_id = background.start(services, KIND, region, params, _write, expected=(FactsError,))
    if principal is not None:
        audit.record(services.settings, "briefing", region=region[:12],
                     detail={"job": job_id, "formats": list(formats),
                             "filters": {"period": period, "indicators": indicators}})  # fmt: skip
    return job_id


def status(services: Services, job_id: Any) -> dict[str, Any] | None:
    return background.status(services, job_id, KIND)
