"""The error pages: a body Django refuses to parse is a 400, never a 500, and every error page
(400, 403, 404, 500) comes in the visitor's language with the public pages' security headers."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

UTF16_FORM = "application/x-www-form-urlencoded; charset=utf-16"


def _client() -> Client:
    return Client(enforce_csrf_checks=True, raise_request_exception=False)


def _has_security_headers(response: object) -> bool:
    headers = response.headers  # type: ignore[attr-defined]  # an HttpResponse
    return "default-src" in headers.get("Content-Security-Policy", "") and bool(
        headers.get("Permissions-Policy")
    )


@pytest.mark.parametrize(
    ("path", "words"),
    [("/complaints/new/", "không đọc được"), ("/en/complaints/new/", "could not be read")],
)
def test_a_form_posted_as_utf16_is_a_bad_request_in_the_visitors_language(
    path: str, words: str
) -> None:
    client = _client()
    token = client.get(path).cookies["csrftoken"].value
    response = client.generic(
        "POST", path, f"csrfmiddlewaretoken={token}&name=An".encode(), content_type=UTF16_FORM
    )
    assert response.status_code == 400
    assert words in response.content.decode().lower()
    assert _has_security_headers(response)


def test_a_missing_form_token_is_a_403_page_in_vietnamese() -> None:
    response = _client().post("/complaints/new/", {"name": "An"})
    assert response.status_code == 403
    assert "Không được phép" in response.content.decode()
    assert _has_security_headers(response)


@pytest.mark.parametrize(
    ("path", "title"),
    [("/khong-co-trang-nay/", "Không tìm thấy trang"), ("/en/nothing/", "Page not found")],
)
def test_an_unknown_address_is_a_404_page_in_the_visitors_language(path: str, title: str) -> None:
    response = _client().get(path)
    assert response.status_code == 404
    assert title in response.content.decode()
    assert _has_security_headers(response)


def test_a_failing_page_is_a_500_page_with_the_headers(monkeypatch: pytest.MonkeyPatch) -> None:
    from complaints import views

    def broken() -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(views, "controller_get", broken)
    response = _client().get("/en/complaints/status/")
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()
    assert "database" not in response.content.decode()
    assert _has_security_headers(response)
