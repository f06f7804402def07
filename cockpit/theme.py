"""Colours for the dark control-room theme and the light desk theme."""

from __future__ import annotations

FONT = '"Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", sans-serif'

THEMES: dict[str, dict[str, str]] = {
    "dark": {"text": "#e6eef8", "muted": "#8aa0b8", "border": "#0b1a2e", "grid": "#1f3550", "accent": "#4fb3ff",
             "alarm": "#ff4d4f", "selected": "#ffd479", "font": FONT, "paper": "#0b1a2e"},
    "light": {"text": "#1d2733", "muted": "#5b6b7c", "border": "#ffffff", "grid": "#d9e1ea", "accent": "#1668dc",
              "alarm": "#d4380d", "selected": "#d48806", "font": FONT, "paper": "#f4f6f9"},
}  # fmt: skip


def theme(name: str | None) -> dict[str, str]:
    return THEMES.get(name or "dark", THEMES["dark"])
