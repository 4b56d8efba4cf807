"""Who reaches the dashboard: sign-in, the session cookie, expiry, CSRF and roles."""

from __future__ import annotations

import time

import pytest
from tests.conftest import count_rows
from tests.integration.web.conftest import FreshRequestClient, csrf_token

from adflux.auth import service as auth_service
from adflux.campaigns.models import AdCampaign
from adflux.extensions import db

pytestmark = pytest.mark.postgres

COOKIE = "adflux_session"


def _web_rules(app, method: str) -> list[str]:
    """Every dashboard URL answering `method`, with 1 for each id."""
    urls = []
    for rule in app.url_map.iter_rules():
        ours = rule.endpoint.startswith("web.") and rule.endpoint != "web.static"
        if ours and method in (rule.methods or ()):
            urls.append(rule.build({name: 1 for name in rule.arguments})[1])
    return sorted(urls)


def test_the_route_lists_cover_every_page_and_form(app):
    assert {"/", "/jobs", "/jobs/1", "/segments", "/campaigns", "/campaigns/1"} <= set(
        _web_rules(app, "GET")
    )
    assert {
        "/sign-in",
        "/sign-out",
        "/jobs/1/campaigns",
        "/campaigns/1/retry",
        "/campaigns/1/pause",
        "/campaigns/1/resume",
    } <= set(_web_rules(app, "POST"))


def test_no_page_is_reachable_signed_out(app, client):
    for url in _web_rules(app, "GET"):
        response = client.get(url)
        if url == "/sign-in":
            assert response.status_code == 200
        elif url.endswith(".json"):
            assert response.status_code == 401, url
            assert response.json["error"]["code"] == "unauthorized"
        else:
            assert response.status_code == 302, url
            assert response.headers["Location"].startswith("/sign-in"), url
    for url in _web_rules(app, "POST"):
        if url != "/sign-in":
            response = client.post(url, data={"csrf_token": csrf_token(client)})
            assert response.status_code == 302, url
            assert response.headers["Location"].startswith("/sign-in"), url


def test_sign_in_returns_to_the_page_asked_for(client):
    first = client.get("/campaigns?status=failed")
    assert first.headers["Location"] == "/sign-in?next=/campaigns?status%3Dfailed"
    _row, plain = auth_service.create_token(db_session=db.session, name="back", role="viewer")
    response = client.post(
        "/sign-in",
        data={"token": plain, "next": "/campaigns?status=failed", "csrf_token": csrf_token(client)},
    )
    assert response.headers["Location"] == "/campaigns?status=failed"


def test_sign_in_never_redirects_off_site(client):
    _row, plain = auth_service.create_token(db_session=db.session, name="evil", role="viewer")
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        response = client.post(
            "/sign-in", data={"token": plain, "next": target, "csrf_token": csrf_token(client)}
        )
        assert response.headers["Location"] == "/", target


def test_bad_or_revoked_token_is_refused(client):
    # Another admin stays: the last active admin token cannot be revoked.
    auth_service.create_token(db_session=db.session, name="stays", role="admin")
    row, plain = auth_service.create_token(db_session=db.session, name="gone", role="admin")
    auth_service.revoke_token(db_session=db.session, name=row.name)
    for token in ("adf_not-a-token", plain):
        response = client.post("/sign-in", data={"token": token, "csrf_token": csrf_token(client)})
        assert response.status_code == 401
        assert "Token inválido o revocado" in response.get_data(as_text=True)
        with client.session_transaction() as session:
            assert "uid" not in session
    assert client.get("/").status_code == 302


def test_the_job_sites_token_opens_no_dashboard(client):
    _row, plain = auth_service.create_token(db_session=db.session, name="site", role="applications")
    response = client.post("/sign-in", data={"token": plain, "csrf_token": csrf_token(client)})
    assert response.status_code == 401
    with client.session_transaction() as session:
        assert "uid" not in session
    assert client.get("/").status_code == 302


def test_session_cookie_holds_no_token_and_has_safe_flags(app, client, sign_in):
    plain = sign_in("operator")
    cookie = client.get_cookie(COOKIE)
    assert cookie is not None
    assert plain not in cookie.value
    assert auth_service.hash_token(plain) not in cookie.value
    decoded = app.session_interface.get_signing_serializer(app).loads(cookie.value)
    assert set(decoded) <= {"uid", "role", "exp", "csrf_token", "_permanent", "_flashes"}
    assert plain not in repr(decoded)
    assert decoded["role"] == "operator"
    header = client.get("/").headers.get("Set-Cookie", "")
    assert "HttpOnly" in header
    assert "SameSite=Lax" in header
    assert "Expires=" in header
    assert "Secure" not in header  # plain HTTP here


def test_session_cookie_is_secure_over_https(app):
    client = app.test_client()
    page = client.get("/sign-in", base_url="https://adflux.example")
    assert "; Secure" in page.headers["Set-Cookie"]


def test_expired_session_is_refused_even_with_a_valid_signature(client, sign_in):
    sign_in("admin")
    assert client.get("/").status_code == 200
    with client.session_transaction() as session:
        session["exp"] = int(time.time()) - 1
    response = client.get("/jobs")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")
    follow = client.get(response.headers["Location"])
    assert "Su sesión expiró" in follow.get_data(as_text=True)
    with client.session_transaction() as session:
        assert "uid" not in session
    assert client.get("/").status_code == 302


def test_session_lifetime_is_configurable(app, client, sign_in, monkeypatch):
    from datetime import timedelta

    monkeypatch.setitem(app.config, "WEB_SESSION_LIFETIME", timedelta(minutes=5))
    before = time.time()
    sign_in("viewer")
    with client.session_transaction() as session:
        assert before + 299 <= session["exp"] <= time.time() + 301


def test_revoking_the_token_ends_its_sessions(client, sign_in):
    sign_in("operator")
    assert client.get("/").status_code == 200
    name = auth_service.list_tokens(db_session=db.session)[-1].name
    auth_service.revoke_token(db_session=db.session, name=name)
    assert client.get("/").status_code == 302


def test_every_form_refuses_a_post_without_its_csrf_token(app, client, sign_in, platforms):
    sign_in("admin")
    for url in _web_rules(app, "POST"):
        response = client.post(url, data={"platforms": "meta", "daily_budget_cop": "50000"})
        assert response.status_code == 400, url
        assert "código de seguridad" in response.get_data(as_text=True), url
        wrong = client.post(url, data={"csrf_token": "forged"})
        assert wrong.status_code == 400, url
    # The forms themselves still work with the token: the refusal was about CSRF alone.
    assert client.post("/sign-out", data={"csrf_token": csrf_token(client, "/")}).status_code == 302


def test_a_token_from_another_session_is_refused(app, client, sign_in, job, platforms):
    sign_in("operator")
    stranger = FreshRequestClient(app, app.response_class)
    foreign = csrf_token(stranger, "/sign-in")
    response = client.post(
        f"/jobs/{job.id}/campaigns",
        data={"csrf_token": foreign, "platforms": "meta", "daily_budget_cop": "50000"},
    )
    assert response.status_code == 400
    assert count_rows(AdCampaign) == 0


def test_viewer_sees_no_forms_and_every_write_is_forbidden(
    app, client, sign_in, job, platforms, dispatcher
):
    sign_in("viewer")
    page = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert 'id="campaign-form"' not in page
    assert page.count('method="post"') == 1  # sign-out only
    assert "solo lectura" in page
    token = csrf_token(client, "/")
    for url in _web_rules(app, "POST"):
        if url in ("/sign-in", "/sign-out"):
            continue
        response = client.post(
            url.replace("/jobs/1/", f"/jobs/{job.id}/"),
            data={"csrf_token": token, "platforms": "meta", "daily_budget_cop": "50000"},
        )
        assert response.status_code == 403, url
        assert "lector" in response.get_data(as_text=True)
    assert count_rows(AdCampaign) == 0


def test_language_follows_the_browser(client):
    english = client.get("/sign-in", headers={"Accept-Language": "en-US,en;q=0.9"})
    spanish = client.get("/sign-in", headers={"Accept-Language": "es-CO,es;q=0.9"})
    default = client.get("/sign-in", headers={"Accept-Language": "de"})
    assert "Sign in to AdFlux" in english.get_data(as_text=True)
    assert 'lang="en"' in english.get_data(as_text=True)
    assert "Ingresar a AdFlux" in spanish.get_data(as_text=True)
    assert "Ingresar a AdFlux" in default.get_data(as_text=True)


def test_pages_carry_security_headers(client, sign_in):
    sign_in("viewer")
    page = client.get("/")
    policy = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert page.headers["Cache-Control"] == "no-store"
    assert "<script>" not in page.get_data(as_text=True)  # the policy allows no inline script
    with client.get("/static/web/app.css") as css:
        assert css.status_code == 200
        assert "no-store" not in css.headers.get("Cache-Control", "")
