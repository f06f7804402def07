"""Signing in over HTTP the way a browser does (benchmarks, load tests, multi-server tests).

with httpx.Client() as http:
    sign_in(http, "http://127.0.0.1:8050", "leader", password)
    http.get("http://127.0.0.1:8050/api/v1/indicators")   # the session cookie rides along
"""

from __future__ import annotations

import re

import httpx

_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


class SignInFailed(RuntimeError):
    pass


def sign_in(http: httpx.Client, base_url: str, username: str, password: str) -> None:
    """Fetches the form (session + CSRF token), posts it, and checks the session is live."""
    base = base_url.rstrip("/")
    form = http.get(f"{base}/login")
    form.raise_for_status()
    found = _TOKEN.search(form.text)
    if not found:
        raise SignInFailed("登录页没有 CSRF 令牌")
    answer = http.post(
        f"{base}/login",
        data={"csrf_token": found.group(1), "username": username, "password": password, "next": "/"},
        headers={"Origin": base},
        follow_redirects=False,
    )
    if answer.status_code != 303:
        raise SignInFailed(f"登录失败：HTTP {answer.status_code}")
    check = http.get(f"{base}/api/v1/indicators")
    if check.status_code != 200:
        raise SignInFailed(f"登录后仍无法访问：HTTP {check.status_code}")
