"""What a feed's failure says is in Chinese: every message the ETL raises for a person to read."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CJK = re.compile(r"[\u4e00-\u9fff]")
# The modules whose errors reach a data administrator (cockpit status, /feeds, the CLI).
MODULES = ["etl/catalog.py", "etl/http_source.py", "etl/runner.py", "etl/readers.py", "etl/resolve.py"]
TEST_ONLY = {"injected failure after load (test)"}


def _messages(path: Path) -> list[tuple[int, str]]:
    """The text of each raised exception's first argument and of ``problems.append``'d reasons."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        call = node.exc if isinstance(node, ast.Raise) else node
        if not isinstance(call, ast.Call) or not call.args:
            continue
        name = ast.unparse(call.func)
        if isinstance(node, ast.Raise) or name.endswith(("problems.append", "bad")):
            first = call.args[0]
            if isinstance(first, ast.Constant | ast.JoinedStr):
                text = "".join(
                    v.value for v in ([first] if isinstance(first, ast.Constant) else first.values)
                    if isinstance(v, ast.Constant) and isinstance(v.value, str)
                )  # fmt: skip
                if text and text not in TEST_ONLY:
                    found.append((first.lineno, text))
    return found


@pytest.mark.parametrize("module", MODULES)
def test_etl_errors_are_chinese(module: str) -> None:
    english = [f"{module}:{line}: {text}" for line, text in _messages(ROOT / module) if not CJK.search(text)]
    assert english == []
