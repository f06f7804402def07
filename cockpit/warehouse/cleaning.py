"""Text as feeds send it, made comparable: width folded, padding gone, invisible characters named.

Keys, codes, enum values and numbers are read in NFKC (``ＨＴ-０００１`` is ``HT-0001``, ``８１．７``
is 81.7) and trimmed of every kind of space, U+3000 included; free text (titles, topics) is only
trimmed, so what a person wrote inside it stays as written. The loader calls these through DuckDB
only for values that are not plain ASCII, which most values of a big feed are.
"""

from __future__ import annotations

import re
import unicodedata

# Categories whose characters a reader cannot see: spaces other than U+0020, controls, format marks.
_INVISIBLE = frozenset(("Zs", "Zl", "Zp", "Cc", "Cf"))


def header_key(text: str) -> str:
    """Headers from Excel differ in width, spaces and line breaks; compare them normalised."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text))).lower()


def nfkc_trimmed(text: str | None) -> str | None:
    if text is None:
        return None
    return unicodedata.normalize("NFKC", text).strip()


def trimmed(text: str | None) -> str | None:
    """Surrounding whitespace of any kind (U+3000 included) removed; nothing else changed."""
    return None if text is None else text.strip().strip("\u200b\ufeff").strip()


def visible(text: str | None) -> str:
    """The text with each invisible character but the plain space shown by name: ``81.6⟨U+3000⟩``."""
    if text is None:
        return ""
    return "".join(
        f"⟨U+{ord(ch):04X}⟩" if ch != " " and unicodedata.category(ch) in _INVISIBLE else ch for ch in text
    )


FUNCTIONS = {"cockpit_nfkc": nfkc_trimmed, "cockpit_trim": trimmed, "cockpit_visible": visible}
