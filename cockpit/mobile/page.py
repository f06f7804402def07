"""The phone page's document: one server-rendered HTML page with a local stylesheet and one small
script (``static/``), nothing else to download — no Dash renderer, no plotly.js, no web font."""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

from markupsafe import Markup, escape

from cockpit.principal import ROLE_NAMES, Principal

STATIC = Path(__file__).parent / "static"


@functools.cache
def static_version() -> str:
    """The files in static/ fingerprinted (once per process): a phone keeps them for a week, and a
    release that changes them changes their addresses."""
    digest = hashlib.sha1()
    for path in sorted(STATIC.iterdir()):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


# The head of the phone's pages that run its script: the stylesheet and mobile.js, both fingerprinted.
_HEAD = """<!DOCTYPE html>
<html lang="zh-CN" data-theme="{theme}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="dark light">
<title>{title}</title>
<link rel="stylesheet" href="/m/static/mobile.css?v={version}">
<script src="/m/static/mobile.js?v={version}" defer></script></head>
"""

_DOCUMENT = (
    _HEAD
    + """<body class="m-body" data-desk="{desk}" data-options="/m/search-options">
<header class="m-header"><div class="m-title"><h1 id="m-region-name">{region}</h1><span class="m-sub">{subtitle}</span></div>
<div class="m-tools"><a class="m-btn" id="m-theme" href="{theme_href}">{theme_text}</a>
<a class="m-btn" id="m-desk" href="{desk_switch}">桌面版</a></div></header>
{crumbs}
<div class="m-search" role="search"><label for="m-search-input" class="m-visually-hidden">搜索地区或指标</label>
<input id="m-search-input" type="search" autocomplete="off" placeholder="{placeholder}" enterkeyhint="search">
<ul id="m-search-results" class="m-search-results" hidden></ul></div>
<div class="m-offline" id="m-offline" hidden role="alert">网络不可用 <button type="button" class="m-btn" id="m-retry">重试</button></div>
{notices}
<main>{alarms}{headline}{drill_map}{ranking}</main>
<footer class="m-footer"><span>{who}</span>
<form method="post" action="/logout"><input type="hidden" name="csrf_token" value="{csrf}">
<button type="submit" class="m-btn" id="m-logout">退出</button></form></footer>
</body></html>"""
)


def document(
    *,
    title: str,
    region: str,
    subtitle: str,
    theme: str,
    theme_href: str,
    desk_href: str,
    desk_switch: str,
    placeholder: str,
    notices: list[str],
    principal: Principal,
    csrf: str,
    crumbs: Markup,
    alarms: Markup,
    headline: Markup,
    drill_map: Markup,
    ranking: Markup,
) -> str:
    who = f"{principal.shown_name}（{ROLE_NAMES.get(principal.role, principal.role)}）"
    return _DOCUMENT.format(
        title=escape(title),
        region=escape(region),
        subtitle=escape(subtitle),
        theme=escape(theme),
        theme_href=escape(theme_href),
        theme_text="浅色" if theme == "dark" else "深色",
        desk=escape(desk_href),
        desk_switch=escape(desk_switch),
        placeholder=escape(placeholder),
        notices=Markup("").join(Markup('<p class="m-notice">{}</p>').format(n) for n in notices),
        who=escape(who),
        csrf=escape(csrf),
        version=static_version(),
        crumbs=crumbs,
        alarms=alarms,
        headline=headline,
        drill_map=drill_map,
        ranking=ranking,
    )


_REFUSAL = """<!DOCTYPE html>
<html lang="zh-CN" data-theme="dark"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>无权访问</title>
<link rel="stylesheet" href="/m/static/mobile.css?v={version}"></head>
<body class="m-body"><main><section class="m-refused"><h2>{message}</h2>
<p>该链接所指地区不在您的权限范围内，已记入审计日志。</p>
<a class="m-btn" id="m-home" href="{home}">返回本辖区</a></section></main></body></html>"""


def refusal(message: str, home: str) -> str:
    """The phone's own page for a refused region (a link from someone of wider scope, or a tampered one)."""
    return _REFUSAL.format(version=static_version(), message=escape(message), home=escape(home))


_PROFILE = (
    _HEAD
    + """<body class="m-body" data-desk="{desk}">
<header class="m-header"><div class="m-title"><h1 id="m-region-name">{region}</h1><span class="m-sub">{subtitle}</span></div>
<div class="m-tools"><a class="m-btn" id="m-profile-back" href="{back}">返回</a></div></header>
{crumbs}
<div class="m-offline" id="m-offline" hidden role="alert">网络不可用 <button type="button" class="m-btn" id="m-retry">重试</button></div>
<main>{summary}{headline}</main>
</body></html>"""
)


def profile_document(
    *,
    title: str,
    region: str,
    subtitle: str,
    theme: str,
    back: str,
    desk: str,
    crumbs: Markup,
    summary: Markup,
    headline: Markup,
) -> str:
    """The region's profile on a phone: the computed narrative, the one-click briefing, the figures."""
    return _PROFILE.format(title=escape(title), region=escape(region), subtitle=escape(subtitle),
                           theme=escape(theme), back=escape(back), desk=escape(desk), crumbs=crumbs, summary=summary,
                           headline=headline, version=static_version())  # fmt: skip


# The one page that loads plotly.js: the cockpit's own bundle (cockpit.app.own_plotlyjs), same origin.
PLOTLY_JS = "/_dash-component-suites/plotly/package_data/plotly.min.js"

_CHART = """<!DOCTYPE html>
<html lang="zh-CN" data-theme="{theme}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="stylesheet" href="/m/static/mobile.css?v={version}">
<script src="{plotly}" defer></script>
<script src="/m/static/chart.js?v={version}" defer></script></head>
<body class="m-body m-chart-body" data-figure-url="{figure_url}">
<header class="m-header"><div class="m-title"><h1>{region}</h1><span class="m-sub">{subtitle}</span></div>
<div class="m-tools"><a class="m-btn" id="m-chart-back" href="{back}">返回</a></div></header>
<div class="m-offline" id="m-offline" hidden role="alert">网络不可用 <button type="button" class="m-btn" id="m-retry">重试</button></div>
<div id="m-chart" class="m-chart" aria-label="{title}"><p class="muted">加载中…</p></div>
</body></html>"""


def chart_document(*, title: str, region: str, subtitle: str, theme: str, back: str, figure_url: str) -> str:
    """One chart, full screen: the page first, then plotly.js and the figure (fetched as JSON)."""
    return _CHART.format(title=escape(title), region=escape(region), subtitle=escape(subtitle),
                         theme=escape(theme), back=escape(back), figure_url=escape(figure_url),
                         plotly=PLOTLY_JS, version=static_version())  # fmt: skip
