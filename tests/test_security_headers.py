"""The public pages carry a strict content security policy and the usual security headers; the
admin keeps working, at the address ADMIN_URL gives it."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings

from config.security import is_admin_path
from tests.helpers_processes import clean_env, run_python

pytestmark = pytest.mark.django_db

PUBLIC_PAGES = [
    "/privacy/",
    "/complaints/new/",
    "/complaints/status/",
    "/complaints/sent/",
    "/en/privacy/",
    "/en/complaints/new/",
]


def csp_directives(header: str) -> dict[str, str]:
    directives = {}
    for part in header.split(";"):
        name, _, value = part.strip().partition(" ")
        directives[name] = value
    return directives


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_pages_carry_the_security_headers(client, controller, policy, path):
    response = client.get(path)
    assert response.status_code == 200
    csp = csp_directives(response.headers["Content-Security-Policy"])
    assert csp["default-src"] == "'self'"
    assert csp["script-src"] == "'none'"
    # Inline styles only: the pages' <style> blocks and style attributes.
    assert csp["style-src"] == "'self' 'unsafe-inline'"
    assert csp["form-action"] == "'self'"
    assert csp["frame-ancestors"] == "'none'"
    assert csp["base-uri"] == "'none'"
    assert csp["object-src"] == "'none'"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "camera=()" in response.headers["Permissions-Policy"]
    assert "geolocation=()" in response.headers["Permissions-Policy"]


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_pages_need_nothing_the_policy_refuses(client, controller, policy, path):
    """No script, no inline event handler, nothing loaded from another site: the policy breaks
    nothing a customer sees."""
    page = client.get(path).content.decode().lower()
    assert "<script" not in page
    assert " onclick=" not in page and " onload=" not in page and " onsubmit=" not in page
    assert 'src="http' not in page and "src='http" not in page
    assert 'action="http' not in page


def test_the_complaint_form_posts_under_the_policy(client, controller):
    response = client.post("/complaints/new/", {"name": ""})
    assert response.status_code == 200
    assert "script-src 'none'" in response.headers["Content-Security-Policy"]


def test_the_admin_works_without_the_public_policy(admin_client):
    for path in ("/admin/", "/admin/customers/customer/", "/admin/complaints/complaint/add/"):
        response = admin_client.get(path)
        assert response.status_code == 200, path
        # Django's admin runs its own scripts: the strict public policy would break it.
        assert "Content-Security-Policy" not in response.headers
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "Permissions-Policy" in response.headers


def test_the_admin_login_page_works(client):
    response = client.get("/admin/login/")
    assert response.status_code == 200
    assert "Content-Security-Policy" not in response.headers


def test_the_policy_follows_a_moved_admin():
    with override_settings(ADMIN_URL="some-secret-path/"):
        assert is_admin_path("/some-secret-path/login/")
        assert not is_admin_path("/admin/login/")
        assert not is_admin_path("/complaints/new/")


MOVED_ADMIN_PROBE = """
import json
import django
django.setup()
from django.urls import Resolver404, resolve, reverse

def resolves(path):
    try:
        resolve(path)
    except Resolver404:
        return False
    return True

from config.security import is_admin_path

print(json.dumps({
    "index": reverse("admin:index"),
    "login": reverse("admin:login"),
    "secret_resolves": resolves("/some-secret-path/"),
    "old_resolves": resolves("/admin/"),
    # The CSP follows the admin: none on its new path, the public policy on the old one and on
    # a look-alike path.
    "admin_has_no_csp": is_admin_path("/some-secret-path/login/"),
    "old_path_is_public": not is_admin_path("/admin/"),
    "look_alike_is_public": not is_admin_path("/some-secret-path-2/"),
}))
"""


def _probe(tmp_path: Path, admin_url: str) -> subprocess.CompletedProcess[str]:
    env = clean_env(
        DJANGO_SETTINGS_MODULE="config.settings.test",
        PDPDESK_VAR_DIR=str(tmp_path / "var"),
        ADMIN_URL=admin_url,
    )
    return run_python(MOVED_ADMIN_PROBE, env)


# However it is typed in the environment, the admin moves to /some-secret-path/.
@pytest.mark.parametrize(
    "admin_url", ["some-secret-path/", "/some-secret-path", " some-secret-path "]
)
def test_admin_url_moves_the_admin(tmp_path: Path, admin_url: str):
    result = _probe(tmp_path, admin_url)
    assert result.returncode == 0, result.stderr
    urls = json.loads(result.stdout.strip().splitlines()[-1])
    assert urls == {
        "index": "/some-secret-path/",
        "login": "/some-secret-path/login/",
        "secret_resolves": True,
        "old_resolves": False,
        "admin_has_no_csp": True,
        "old_path_is_public": True,
        "look_alike_is_public": True,
    }


def test_an_empty_admin_url_is_refused(tmp_path: Path):
    result = _probe(tmp_path, "/")
    assert result.returncode != 0
    assert "ADMIN_URL is empty" in result.stderr


def test_a_complaint_opens_no_session(client, controller):
    """The confirmation page's code travels in a signed cookie: a member of the public gets no
    session (none stored for them, and one transaction per complaint)."""
    response = client.post(
        "/complaints/new/",
        {
            "name": "Nguyễn Thị Hoa",
            "phone": "0912 345 678",
            "kind": "disclosure_without_consent",
            "description": "Tin nhắn quảng cáo.",
        },
        follow=True,
    )
    assert 'data-testid="tracking-code"' in response.content.decode()
    assert settings.SESSION_COOKIE_NAME not in client.cookies
    sent = client.cookies["complaint_sent"]
    assert sent["httponly"]
    assert sent["samesite"] == "Lax"


def test_a_forged_confirmation_cookie_shows_no_complaint(client, controller):
    client.cookies["complaint_sent"] = "KN-7Q3X0-AB1CD|1"
    page = client.get("/complaints/sent/").content.decode()
    assert 'data-testid="sent-neutral"' in page
    assert "KN-7Q3X0-AB1CD" not in page
