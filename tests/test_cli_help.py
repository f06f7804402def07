"""The command line speaks Chinese: every command's and group's summary, as `cockpit --help` shows it."""

from __future__ import annotations

import re
from typing import Any

import typer

from cockpit.cli import app

CJK = re.compile(r"[\u4e00-\u9fff]")
ENGLISH_WORDS = re.compile(r"\b[A-Za-z]{4,}\b")
ALLOWED = {"gunicorn", "workers", "cnmaps", "data", "XLSX", "Excel", "JSON", "SQLite", "PPTX", "Ctrl"}


def _commands(command: Any, path: str = "cockpit") -> list[tuple[str, Any]]:
    found = [(path, command)]
    if hasattr(command, "commands"):  # a group
        for name, sub in command.commands.items():
            found += _commands(sub, f"{path} {name}")
    return found


def test_every_command_summary_is_chinese() -> None:
    commands = _commands(typer.main.get_command(app))
    assert len(commands) > 20
    for path, command in commands:
        summary = (command.help or "").strip().splitlines()[0] if command.help else ""
        assert CJK.search(summary), f"{path}: {summary!r}"
        english = set(ENGLISH_WORDS.findall(summary)) - ALLOWED
        assert not english, f"{path}: {summary!r}"


def test_help_screens_title_their_panels_in_chinese() -> None:
    import subprocess
    import sys

    shown = subprocess.run([sys.executable, "-m", "cockpit", "users", "add", "--help"], capture_output=True,
                           text=True, timeout=60, check=True, env={"COLUMNS": "100", "PATH": ""}).stdout  # fmt: skip
    assert "─ 参数 " in shown and "─ 选项 " in shown and "[必填]" in shown
    assert "Options" not in shown and "Arguments" not in shown and "[required]" not in shown
