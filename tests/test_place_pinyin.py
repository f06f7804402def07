"""Region search by pinyin: every reading of a heteronym, the place-name reading first; the screen's
search box finds regions by initials and full pinyin (with or without spaces), also on a warehouse
built before the keys existed."""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

import duckdb
import pytest

from cockpit import place_pinyin
from cockpit.settings import Settings
from cockpit.warehouse.snapshots import SnapshotStore

CHANGZHI, HONGTONG, FANSHI = "140400", "141024", "140924"
# (typed, the option the box must offer); each name by initials and full pinyin, both readings.
TYPED = [
    ("长治", "长治市（地区）"), ("cz", "长治市（地区）"), ("zz", "长治市（地区）"),
    ("changzhi", "长治市（地区）"), ("chang zhi", "长治市（地区）"), ("zhangzhi", "长治市（地区）"),
    ("CZ", "长治市（地区）"), ("ht", "洪洞县（地区）"), ("hongtong", "洪洞县（地区）"),
    ("hong tong", "洪洞县（地区）"), ("hd", "洪洞县（地区）"), ("fs", "繁峙县（地区）"),
    ("fanshi", "繁峙县（地区）"), ("fz", "繁峙县（地区）"), ("taiyuan", "太原市（地区）"),
    ("lx", "临县（地区）"), ("lvliang", "吕梁市（地区）"), ("luliang", "吕梁市（地区）"),
]  # fmt: skip


def dropdown_finds(options: Iterable[dict[str, Any]], typed: str) -> list[str]:
    """The labels dcc.Dropdown (Dash 4) offers for ``typed``: its js-search index lower-cases, splits
    at whitespace, and keeps an option when every typed word is a substring of some word of its
    value, label or search text (AllSubstringsIndexStrategy, UnorderedSearchIndex)."""
    words = typed.lower().split()
    found = []
    for option in options:
        text = " ".join(str(option.get(k) or "") for k in ("value", "label", "search")).lower()
        tokens = text.split()
        if words and all(any(w in t for t in tokens) for w in words):
            found.append(str(option["label"]))
    return found


@pytest.mark.parametrize(
    ("name", "likely", "initials", "full"),
    [
        ("长治", "cz", {"cz", "zz"}, {"changzhi", "zhangzhi"}),
        ("洪洞", "ht", {"ht", "hd"}, {"hongtong", "hongdong"}),
        ("繁峙", "fs", {"fs", "fz"}, {"fanshi", "fanzhi"}),
        ("长子", "zz", {"zz", "cz"}, {"zhangzi", "changzi"}),  # 长子县 is zhǎng: the phrase wins
    ],
)
def test_every_reading_is_a_key_and_the_place_reading_comes_first(
    name: str, likely: str, initials: set[str], full: set[str]
) -> None:
    keys = place_pinyin.search_keys(name).split()
    assert place_pinyin.initials(name) == likely
    assert keys[0] == likely  # the likeliest initials, then the likeliest full pinyin
    assert initials | full <= set(keys)
    assert all(k.isascii() and k.isalpha() and k.islower() for k in keys)
    assert len(keys) == len(set(keys))


def test_variants_are_capped_nearest_first() -> None:
    name = "平方和谷猗" * 2  # ten heteronyms: tens of thousands of readings
    options = place_pinyin.readings(name)
    variants = list(place_pinyin._variants(options))
    assert len(variants) == place_pinyin.MAX_VARIANTS and len(set(variants)) == len(variants)
    likely = variants[0]
    assert likely == tuple(o[0] for o in options)
    departures = [sum(a != b for a, b in zip(v, likely, strict=True)) for v in variants]
    assert departures == sorted(departures)  # one character read otherwise before two
    keys = place_pinyin.search_keys(name).split()
    assert len(keys) <= 2 * place_pinyin.MAX_VARIANTS and "".join(likely) in keys


def test_u_umlaut_both_spellings() -> None:
    keys = place_pinyin.search_keys("吕梁").split()
    assert {"ll", "lvliang", "luliang"} <= set(keys)


def test_readings_file_lines_up() -> None:
    """Each registered phrase gives one syllable per character (a typo fails at start, not later)."""
    place_pinyin._register_place_readings()
    text = place_pinyin.READINGS_FILE.read_text(encoding="utf-8").splitlines()
    assert text[0] == "phrase,pinyin,note" and len(text) > 1


def test_dropdown_emulation_matches_js_search_rules() -> None:
    options = [{"label": "长治市（地区）", "value": "region:140400", "search": "长治 cz changzhi"}]
    assert dropdown_finds(options, "Chang  ZHI") == ["长治市（地区）"]
    assert dropdown_finds(options, "changzhix") == []
    assert dropdown_finds(options, "") == []


def _search_options(settings: Settings) -> list[dict[str, Any]]:
    from cockpit.app import create_app
    from layouts.screen import search_options

    app = create_app(settings)
    with app.server.app_context():
        return search_options()


def test_screen_search_finds_regions_by_initials_and_full_pinyin(settings: Settings) -> None:
    options = _search_options(settings)
    for typed, label in TYPED:
        assert label in dropdown_finds(options, typed), typed
    # Indicators too, by their short name's pinyin (全程网办率).
    assert "政务服务事项全程网办率（指标）" in dropdown_finds(options, "qcwbl")
    assert "政务服务事项全程网办率（指标）" in dropdown_finds(options, "wangban")


def test_explorer_region_picker_uses_the_same_keys(settings: Settings) -> None:
    from cockpit.app import create_app
    from layouts.explorer import _region_options

    with create_app(settings).server.app_context():
        options = _region_options()
    assert dropdown_finds(options, "hong tong") == ["临汾市 · 洪洞县"]
    assert "长治市" in dropdown_finds(options, "cz") and "长治市" in dropdown_finds(options, "zhangzhi")


def _make_old(settings: Settings) -> None:
    """The published snapshot as a release before pinyin_keys built it: no column, one reading."""
    path = SnapshotStore(settings.warehouse_path).current_path()
    assert path is not None
    with duckdb.connect(str(path)) as con:
        con.execute("ALTER TABLE region DROP COLUMN pinyin_keys")
        con.execute("ALTER TABLE indicator DROP COLUMN pinyin_keys")
        con.execute("UPDATE region SET pinyin_initials = 'zz' WHERE adcode = ?", [CHANGZHI])


def test_warehouse_built_before_the_keys_searches_and_gains_them_on_the_next_load(
    settings: Settings, tmp_path: Any
) -> None:
    from etl.runner import run_feed
    from tests.test_etl import write_monthly

    _make_old(settings)
    options = _search_options(settings)  # keys computed from the short names until a load
    for typed, label in TYPED:
        assert label in dropdown_finds(options, typed), typed
    assert "政务服务事项全程网办率（指标）" in dropdown_finds(options, "qcwbl")

    run_feed(
        settings,
        "indicator_monthly",
        str(write_monthly(tmp_path / "m.csv", ["online_service_rate,太原市,2026-09,91.5"])),
    )
    path = SnapshotStore(settings.warehouse_path).current_path()
    with duckdb.connect(str(path), read_only=True) as con:
        rows = dict(
            con.execute("SELECT adcode, pinyin_initials || '|' || pinyin_keys FROM region").fetchall()
        )
    assert len(rows) == 129 and all(isinstance(v, str) for v in rows.values())
    assert rows[CHANGZHI].startswith("cz|cz ") and "changzhi" in rows[CHANGZHI].split()
    assert {"ht", "hongtong"} <= set(rows[HONGTONG].split("|")[1].split())
    assert {"fs", "fanshi"} <= set(rows[FANSHI].split("|")[1].split())
    with duckdb.connect(str(path), read_only=True) as con:
        keys = dict(con.execute("SELECT code, pinyin_keys FROM indicator").fetchall())
    assert keys and all(keys.values())
    assert "qcwbl" in keys["online_service_rate"].split() and "wangban" in keys["online_service_rate"]


def test_serving_never_loads_the_pinyin_dictionary(settings: Settings) -> None:
    """The keys are in the warehouse: a worker that builds the app and answers the search does not
    import pypinyin (its phrase dictionary costs ~56 MB per worker)."""
    import subprocess
    import sys

    script = (
        "import sys\n"
        "from cockpit.serving import build_application\n"
        "from cockpit.settings import Settings\n"
        "from layouts.screen import search_options\n"
        "server = build_application(Settings())\n"
        "with server.app_context():\n"
        "    options = search_options()\n"
        "assert any('qcwbl' in o.get('search', '') for o in options), options[:3]\n"
        "print('pypinyin' in sys.modules)\n"
    )
    env = {**os.environ, "COCKPIT_DATA_DIR": str(settings.data_dir), "COCKPIT_WAREHOUSE_DIR": str(settings.warehouse_path),
           "COCKPIT_AS_OF": str(settings.as_of), "COCKPIT_SEEDS_DIR": str(settings.seeds_dir),
           "COCKPIT_FEEDS_FILE": str(settings.feeds_path), "COCKPIT_WARM_ROLES": "[]"}  # fmt: skip
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "False"
