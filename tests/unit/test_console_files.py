"""The local stack's console files (devstack.console): what a browser gets for each path."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chalicelib.console import content_security_policy
from devstack import console


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    built = tmp_path / "dist"
    (built / "assets").mkdir(parents=True)
    (built / "index.html").write_text('<div id="app"></div>')
    (built / "assets" / "index-abc123.js").write_text("export {}")
    (tmp_path / "secret.txt").write_text("outside the build")
    return built


def test_root_and_bare_console_redirect_to_the_console() -> None:
    for path in ("/", "/console"):
        answer = console.answer(path)
        assert answer is not None
        assert (answer.status, answer.headers["Location"]) == (302, "/console/")


def test_index_is_revalidated_and_hashed_assets_are_immutable(dist: Path) -> None:
    index = console.answer("/console/", dist)
    asset = console.answer("/console/assets/index-abc123.js", dist)
    assert index is not None and asset is not None
    assert index.body == b'<div id="app"></div>'
    assert index.headers["Cache-Control"] == "no-cache"
    assert index.headers["Content-Type"] == "text/html; charset=utf-8"
    assert asset.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert asset.headers["Content-Type"] == "text/javascript; charset=utf-8"


def test_every_file_carries_the_csp_and_security_headers(dist: Path) -> None:
    answer = console.answer("/console/assets/index-abc123.js", dist)
    assert answer is not None
    assert answer.headers["Content-Security-Policy"] == content_security_policy()
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["X-Frame-Options"] == "DENY"
    assert "Access-Control-Allow-Origin" not in answer.headers


def test_routes_of_the_app_get_index_html_and_missing_files_get_nothing(dist: Path) -> None:
    route = console.answer("/console/projects/p_1/keys", dist)
    assert route is not None and route.body == b'<div id="app"></div>'
    assert console.answer("/console/assets/missing.js", dist) is None


def test_a_path_that_leaves_the_build_is_not_served(dist: Path) -> None:
    assert (dist.parent / "secret.txt").exists()
    assert console.answer("/console/../secret.txt", dist) is None
    assert console.answer("/console/assets/../../secret.txt", dist) is None


def test_config_tells_the_console_to_use_the_local_sign_in(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KEYWARDEN_ADMIN_GROUP", "ops")
    answer = console.answer("/console/config.json")
    assert answer is not None
    assert json.loads(answer.body) == {"auth": "local", "admin_group": "ops"}
    assert answer.headers["Cache-Control"] == "no-store"


def test_without_a_build_only_config_and_redirects_answer(tmp_path: Path) -> None:
    assert console.answer("/console/", tmp_path) is None
    assert console.answer("/console/config.json", tmp_path) is not None


def test_csp_adds_only_the_issuers_origin_to_connect_src() -> None:
    policy = content_security_policy("https://login.example.com/realms/kw")
    directives = dict(d.split(" ", 1) for d in policy.split("; "))
    assert directives["connect-src"] == "'self' https://login.example.com"
    assert directives["script-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in policy


def test_with_an_oidc_client_the_console_signs_in_with_the_issuer(monkeypatch: pytest.MonkeyPatch, dist: Path) -> None:
    monkeypatch.setenv("KEYWARDEN_OIDC_ISSUER", "https://login.example.com/realms/kw")
    monkeypatch.setenv("KEYWARDEN_CONSOLE_OIDC_CLIENT_ID", "keywarden-console")
    config = console.answer("/console/config.json")
    index = console.answer("/console/", dist)
    assert config is not None and index is not None
    assert json.loads(config.body) == {
        "auth": "oidc",
        "issuer": "https://login.example.com/realms/kw",
        "client_id": "keywarden-console",
        "scope": "openid profile",
        "admin_group": "keywarden-admins",
    }
    assert "connect-src 'self' https://login.example.com;" in index.headers["Content-Security-Policy"]


def test_csp_adds_the_origins_the_oidc_client_calls_besides_the_issuer() -> None:
    policy = content_security_policy(
        "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_abc",
        ("https://acme.auth.us-east-1.amazoncognito.com/oauth2/token", "javascript:alert(1)"),
    )
    directives = dict(d.split(" ", 1) for d in policy.split("; "))
    assert directives["connect-src"] == (
        "'self' https://cognito-idp.us-east-1.amazonaws.com https://acme.auth.us-east-1.amazoncognito.com"
    )
