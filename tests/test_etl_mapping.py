"""A mapped column's values are looked up either in the statement itself (a few words that need
mapping) or by joining the mapping table: the two ways must load and refuse exactly the same rows."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cockpit.settings import Settings
from cockpit.warehouse import loader
from etl.runner import run_feed
from tests.conftest import make_settings
from tests.test_etl import TICKET_HEADER, quarantine_by_row, table_dump

ROWS = [
    "GD1,140105,2025-01-02 08:00:00,电话,城乡建设,物业管理,是,2025-01-03 08:00:00,满意",
    "GD2,999999,2025-01-02 08:00:00,网站,供暖,暖气不热,否,,不满意",  # region outside Shanxi
    "GD3,,2025-01-02 08:00:00,微信,供暖,暖气不热,是,,未评价",  # region blank (required)
    "GD4,140106,2025-01-02 08:00:00, 电话 ,供热,暖气不热,是,,",  # spaced, a listed synonym
    "GD5,140106,2025-01-02 08:00:00,抖音,疫情防控,核酸检测,,,基本满意",  # unlisted words: kept as notes
    "GD6,140106,2025-01-02 08:00:00,,城乡建设,物业管理,是,,满意",  # channel blank (required)
    'GD7,140106,2025-01-02 08:00:00,"  ",城乡建设,物业管理,是,,满意',  # channel only spaces
    "GD8,140106,2025-01-02 08:00:00,电话,城乡建设,物业管理,也许,,满意",  # not a yes or a no
]
QUERY = (
    "SELECT ticket_id, adcode, channel, category, responded_in_time, satisfied, channel_reported,"
    " category_reported FROM hotline_ticket ORDER BY 1"
)


def _load(
    settings: Settings, tmp_path: Path
) -> tuple[list[tuple[object, ...]], dict[int, str], tuple[int, ...]]:
    source = tmp_path / "t.csv"
    source.write_text(TICKET_HEADER + "\n".join(ROWS) + "\n", encoding="utf-8")
    result = run_feed(settings, "hotline_tickets", str(source))
    again = run_feed(settings, "hotline_tickets", str(source)).counts
    c = result.counts
    counts = (c.read, c.inserted, c.quarantined, again.unchanged, again.quarantined)
    return table_dump(settings, QUERY), quarantine_by_row(settings, result.run_id), counts


def test_written_in_and_joined_mappings_load_the_same_rows(
    settings: Settings, tmp_path: Path, initialised_warehouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inline = _load(settings, tmp_path)
    joined_root = tmp_path / "joined"
    shutil.copytree(initialised_warehouse, joined_root / "warehouse", ignore=shutil.ignore_patterns("*.lock"))
    monkeypatch.setattr(loader, "INLINE_EXCEPTIONS", -1)  # every mapping joined
    joined = _load(make_settings(joined_root), joined_root)
    assert inline == joined
    stored, reasons, counts = inline
    assert counts == (8, 3, 5, 3, 5)
    assert [row[0] for row in stored] == ["GD1", "GD4", "GD5"]
    assert stored[1][2:5] == ("电话", "供暖", True) and stored[2][6:] == ("抖音", "疫情防控")
    assert set(reasons) == {2, 3, 6, 7, 8} and "999999" in reasons[2] and "也许" in reasons[8]
    assert all("缺少必填字段" in reasons[row] for row in (3, 6, 7))
