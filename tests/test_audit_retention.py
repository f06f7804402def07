"""Audit retention: at least 180 days stay in the store, older rows move to archive files (never
dropped), and the audit page pages through what the store holds."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from cockpit.access import audit
from cockpit.access.audit_archive import archive, archived_files, read_archive
from cockpit.principal import Principal, set_principal
from cockpit.settings import Settings

NOW = datetime(2026, 11, 28, 12, 0)


def _fill(settings: Settings, days: list[int]) -> None:
    for n, age in enumerate(days):
        audit.record(settings, "view", username=f"u{n}", region="140000", at=NOW - timedelta(days=age),
                     detail={"n": n})  # fmt: skip


def test_rows_past_the_retention_move_to_an_archive_file_and_none_is_lost(settings: Settings) -> None:
    _fill(settings, [400, 300, 181, 179, 10, 0])
    before = audit.query(settings, limit=100)
    done = archive(settings, now=NOW)
    assert done.rows == 3 and len(done.files) == 1 and done.files[0].exists()
    archived = read_archive(done.files[0])
    assert [r["username"] for r in archived] == ["u0", "u1", "u2"]  # oldest first, every column kept
    assert set(archived[0]) == set(audit.COLUMNS)
    kept = audit.query(settings, event="view", limit=100)
    assert sorted(kept["username"]) == ["u3", "u4", "u5"]
    # Together they are exactly what was there before.
    assert sorted([*kept["id"], *(r["id"] for r in archived)]) == sorted(before["id"])
    assert len(audit.query(settings, event="audit_archive")) == 1
    # A second run finds nothing more to move.
    assert archive(settings, now=NOW).rows == 0 and archived_files(settings) == list(done.files)


def test_the_retention_cannot_be_set_below_180_days(tmp_path: Any) -> None:
    with pytest.raises(ValidationError):
        Settings(data_dir=tmp_path, audit_keep_days=90)


def test_the_audit_page_pages_through_the_store(settings: Settings) -> None:
    from callbacks.audit import audit_rows
    from cockpit.app import create_app

    _fill(settings, list(range(250)))
    app = create_app(settings)
    with app.server.test_request_context("/_dash-update-component"):
        set_principal(Principal("auditor", "admin", "140000"))
        first, status = audit_rows("view", None, None, 0, 100)
        second, _ = audit_rows("view", None, None, 100, 200)
        last, _ = audit_rows("view", None, None, 200, 300)
    assert status == "共 250 条"
    assert (len(first), len(second), len(last)) == (100, 100, 50)
    ids = [r["id"] for r in first + second + last]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == 250  # newest first, no row twice
