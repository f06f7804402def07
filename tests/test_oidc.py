"""Single sign-on through OpenID Connect against a small identity provider on loopback: the whole
authorization-code flow (discovery, state, nonce, token endpoint, RS256 ID token checked against
the provider's JWKS). The provider proves who someone is; role and scope stay local."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import flask
import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey
from werkzeug.serving import make_server

from cockpit.access import audit
from cockpit.settings import Settings
from tests.conftest import add_user

CLIENT_ID = "cockpit"
CLIENT_SECRET = "idp-secret-for-tests"


@dataclass
class Provider:
    url: str
    # What the next sign-in at the provider will claim (a test sets it before starting the flow).
    claims: dict[str, Any] = field(default_factory=dict)
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)


def provider_app(provider: Provider, key: Any) -> flask.Flask:
    app = flask.Flask("idp")
    public = key.as_dict(private=False) | {"kid": "k1", "use": "sig", "alg": "RS256"}

    @app.get("/.well-known/openid-configuration")
    def discovery() -> Any:
        return {"issuer": provider.url, "authorization_endpoint": f"{provider.url}/authorize",
                "token_endpoint": f"{provider.url}/token", "jwks_uri": f"{provider.url}/jwks",
                "response_types_supported": ["code"], "id_token_signing_alg_values_supported": ["RS256"],
                "subject_types_supported": ["public"]}  # fmt: skip

    @app.get("/jwks")
    def jwks() -> Any:
        return {"keys": [public]}

    @app.get("/authorize")
    def authorize() -> Any:
        args = flask.request.args
        assert args["client_id"] == CLIENT_ID and args["response_type"] == "code"
        code = f"code-{len(provider.codes)}"
        provider.codes[code] = {"nonce": args.get("nonce"), **provider.claims}
        return flask.redirect(f"{args['redirect_uri']}?{urlencode({'code': code, 'state': args['state']})}")

    @app.post("/token")
    def token() -> Any:
        form = flask.request.form
        found = provider.codes.pop(form.get("code", ""), None)
        authorised = flask.request.authorization
        secret_ok = form.get("client_secret") == CLIENT_SECRET or (
            authorised is not None and authorised.password == CLIENT_SECRET
        )
        if found is None or not secret_ok:
            return {"error": "invalid_grant"}, 400
        now = int(time.time())
        claims = {"iss": provider.url, "aud": CLIENT_ID, "iat": now, "exp": now + 300, **found}
        id_token = jwt.encode({"alg": "RS256", "kid": "k1"}, claims, key)
        return {"access_token": "at", "token_type": "Bearer", "expires_in": 300, "id_token": id_token}

    return app


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    key = RSAKey.generate_key(2048)
    holder = Provider("")
    server = make_server("127.0.0.1", 0, provider_app(holder, key), threaded=True)
    holder.url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield holder
    finally:
        server.shutdown()


@pytest.fixture
def oidc_app(settings: Settings, provider: Provider, monkeypatch: pytest.MonkeyPatch) -> Any:
    from cockpit.app import create_app

    monkeypatch.setenv("COCKPIT_OIDC_CLIENT_SECRET", CLIENT_SECRET)  # secrets come from the environment
    values = settings.model_dump(exclude={"oidc_client_secret"})
    configured = Settings(**(values | {"oidc_issuer": provider.url, "oidc_client_id": CLIENT_ID}))
    assert configured.oidc_enabled and configured.oidc_client_secret is not None
    return create_app(configured)


def sso(client: Any, provider: Provider, username: str, next_path: str = "/targets") -> Any:
    """Runs the browser's side of the code flow; returns the cockpit's answer to the callback."""
    provider.claims = {"sub": f"sub-{username}", "preferred_username": username}
    start = client.get(f"/auth/oidc/login?next={next_path}")
    assert start.status_code == 302 and start.location.startswith(provider.url + "/authorize")
    at_idp = httpx.get(start.location, follow_redirects=False)
    back = urlsplit(at_idp.headers["location"])
    assert back.path == "/auth/oidc/callback"
    return client.get(f"{back.path}?{back.query}")


def test_sign_in_through_the_identity_provider_keeps_local_role_and_scope(
    oidc_app: Any, provider: Provider, settings: Settings
) -> None:
    add_user(settings, "zhang.san", "staff", "141100")
    client = oidc_app.server.test_client()
    assert "统一身份认证登录" in client.get("/login").get_data(as_text=True)
    answer = sso(client, provider, "zhang.san")
    assert answer.status_code == 303 and answer.location.endswith("/targets")
    assert client.get("/api/v1/regions/141100").status_code == 200
    assert client.get("/api/v1/regions/140100").status_code == 403  # the scope stays local
    signin = audit.query(settings, event="signin", username="zhang.san")
    assert signin["detail"].str.contains('"oidc"').any()


def test_an_unknown_identity_or_a_forged_callback_signs_nobody_in(
    oidc_app: Any, provider: Provider, settings: Settings
) -> None:
    client = oidc_app.server.test_client()
    answer = sso(client, provider, "not.a.local.user")
    assert answer.status_code == 403 and "未在驾驶舱开通" in answer.get_data(as_text=True)
    assert client.get("/api/v1/indicators").status_code == 401
    # A callback with a state this browser never got (a forged or replayed link) is refused.
    add_user(settings, "li.si", "leader", "140000")
    provider.claims = {"sub": "sub-li", "preferred_username": "li.si"}
    other = oidc_app.server.test_client()
    start = other.get("/auth/oidc/login")
    code = parse_qs(urlsplit(httpx.get(start.location, follow_redirects=False).headers["location"]).query)[
        "code"
    ][0]
    forged = client.get(f"/auth/oidc/callback?code={code}&state=not-the-state")
    assert forged.status_code == 401 and "统一身份认证失败" in forged.get_data(as_text=True)
    assert client.get("/api/v1/indicators").status_code == 401
    failed = audit.query(settings, event="signin_failed")
    assert (
        failed["detail"].str.contains("no local user").any() and failed["detail"].str.contains("oidc").all()
    )
