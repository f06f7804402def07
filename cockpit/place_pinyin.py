"""Pinyin of place names for the region search: initials and full pinyin, in every reading.

Nothing is typed per region: readings come from pypinyin. Its phrase dictionary reads a few place
names as ordinary words (长治 as zhǎng zhì, 洪洞 as hóng dòng), so ``data/reference/
place_name_readings.csv`` registers the place-name readings as phrases: the first reading is then
what a local says. The other readings of every character are kept too, because a user may type
either (``zz`` as well as ``cz`` for 长治): the keys are the cartesian product of the readings of
each character, the likeliest first and the fewest departures from it next, capped at
``MAX_VARIANTS`` so a long name of many heteronyms cannot blow up the search options.
"""

from __future__ import annotations

import csv
import functools
from collections.abc import Iterator
from itertools import combinations, product
from typing import Any

from pypinyin import Style, load_phrases_dict, pinyin

from cockpit.settings import PROJECT_ROOT

# Language data shipped with the code (like seeds/), not a deployment's reference data: the
# readings must be the same wherever data_dir points.
READINGS_FILE = PROJECT_ROOT / "data" / "reference" / "place_name_readings.csv"
MAX_VARIANTS = 64


@functools.cache
def _register_place_readings() -> None:
    """Registers the place-name phrases with pypinyin once per process (it keeps them globally)."""
    phrases: dict[str, list[list[str]]] = {}
    with open(READINGS_FILE, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            phrase, syllables = row["phrase"].strip(), row["pinyin"].split()
            if len(syllables) != len(phrase):
                raise ValueError(
                    f"{READINGS_FILE.name}: {phrase} 有 {len(phrase)} 个字，却给了 {len(syllables)} 个音节"
                )
            phrases[phrase] = [[s] for s in syllables]
    load_phrases_dict(phrases)


def _spellings(reading: str) -> list[str]:
    """pypinyin writes ü as v (lv, as pinyin keyboards type it); signs and maps write u (Luliang)."""
    reading = reading.lower()
    return [reading, reading.replace("v", "u")] if "v" in reading else [reading]


def _one_per_character(text: str) -> Any:
    """pypinyin's ``errors`` hook for what it cannot read (a digit, a letter): each character stands
    for itself, one item each, so phrase-aware readings line up with the characters. pypinyin takes
    a list here; its stub says str, hence Any."""
    return list(text)


def readings(name: str) -> list[list[str]]:
    """Per character, its readings without tones: the likeliest in this name first, then the rest."""
    _register_place_readings()
    likely = [item[0] for item in pinyin(name, style=Style.NORMAL, errors=_one_per_character)]
    if len(likely) != len(name):  # never seen; fall back to each character's own first reading
        likely = [pinyin(ch, style=Style.NORMAL, errors=_one_per_character)[0][0] for ch in name]
    out = []
    for ch, first in zip(name, likely, strict=True):
        every = pinyin(ch, style=Style.NORMAL, heteronym=True, errors=_one_per_character)[0]
        options = [s for r in (first, *every) for s in _spellings(r)]
        out.append(list(dict.fromkeys(options)))
    return out


def _variants(options: list[list[str]], limit: int = MAX_VARIANTS) -> Iterator[tuple[str, ...]]:
    """The cartesian product of ``options``, by how many positions depart from each first option."""
    likely = tuple(o[0] for o in options)
    yield likely
    count = 1
    varying = [i for i, o in enumerate(options) if len(o) > 1]
    for departures in range(1, len(varying) + 1):
        for positions in combinations(varying, departures):
            for picks in product(*(options[i][1:] for i in positions)):
                if count >= limit:
                    return
                variant = list(likely)
                for i, pick in zip(positions, picks, strict=True):
                    variant[i] = pick
                yield tuple(variant)
                count += 1


def initials(name: str) -> str:
    """The initials of the likeliest reading (长治 -> cz): the search box's example."""
    return "".join(r[0][:1] for r in readings(name))


@functools.lru_cache(maxsize=4096)
def search_keys(name: str) -> str:
    """Space-separated search keys of a place name: initials, then full pinyin, every reading.

    长治 -> "cz zz cc zc changzhi zhangzhi changchi zhangchi". Full pinyin is one word: the
    region search matches each typed word anywhere in a key, so "chang zhi" finds changzhi too.
    """
    options = readings(name)
    firsts = [list(dict.fromkeys(r[:1] for r in o)) for o in options]
    keys = ["".join(v) for v in _variants(firsts)] + ["".join(v) for v in _variants(options)]
    return " ".join(dict.fromkeys(k for k in keys if k))
