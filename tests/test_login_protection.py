"""Login protection: repeated wrong passwords lock the username out from that address for a while
(django-axes), and an idle staff session ends."""

from __future__ import annotations

import datetime
import os
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.http import HttpRequest
from django.test import Client
from django.urls import reverse

from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"  # tests.factories.StaffFactory's
LOGIN = reverse("admin:login")
HOME = reverse("admin:index")


def log_in(client: Client, username: str, password: str, ip: str = "203.113.45.67") -> Any:
    return client.post(
        LOGIN, {"username": username, "password": password, "next": HOME}, REMOTE_ADDR=ip
    )


def signed_in(client: Client) -> bool:
    response = client.get(HOME)
    return response.status_code == 200


def test_five_wrong_passwords_lock_the_account_out_even_with_the_right_one(
    client: Client,
) -> None:
    StaffFactory(username="lan")
    for _attempt in range(4):
        wrong = log_in(client, "lan", "wrong password")
        assert wrong.status_code == 200  # the login form again, with its error
        assert "lockout" not in wrong.templates[0].name

    fifth = log_in(client, "lan", "wrong password")
    right = log_in(client, "lan", PASSWORD)

    assert fifth.status_code == right.status_code == 429
    page = right.content.decode()
    assert "Tài khoản tạm thời bị khóa 30 phút" in page
    assert "Quản trị hệ thống" in page  # whom to ask
    assert not signed_in(client)


def test_the_lockout_ends_after_30_minutes(client: Client) -> None:
    StaffFactory(username="lan")
    with time_machine.travel(datetime.datetime(2026, 11, 2, 9, 0, tzinfo=datetime.UTC)) as clock:
        for _attempt in range(5):
            log_in(client, "lan", "wrong password")
        clock.shift(datetime.timedelta(minutes=29))
        assert log_in(client, "lan", PASSWORD).status_code == 429
        clock.shift(datetime.timedelta(minutes=31))
        assert log_in(client, "lan", PASSWORD).status_code == 302
        assert signed_in(client)


def test_a_colleague_and_another_address_are_not_locked_out(client: Client) -> None:
    StaffFactory(username="lan")
    StaffFactory(username="binh")
    for _attempt in range(5):
        log_in(client, "lan", "wrong password")

    assert log_in(client, "binh", PASSWORD).status_code == 302  # same office, same address
    assert signed_in(client)
    other = Client()
    assert log_in(other, "lan", PASSWORD, ip="14.161.2.3").status_code == 302
    assert signed_in(other)


def test_a_good_login_clears_the_earlier_failures(client: Client) -> None:
    StaffFactory(username="lan")
    for _attempt in range(4):
        log_in(client, "lan", "wrong password")
    assert log_in(client, "lan", PASSWORD).status_code == 302
    client.logout()
    for _attempt in range(4):
        log_in(client, "lan", "wrong password")
    assert log_in(client, "lan", PASSWORD).status_code == 302


def test_the_test_clients_login_still_works(client: Client) -> None:
    """Client.login() authenticates without a request: axes' documented way is to give it one;
    the test settings' backend also lets a bare login() through."""
    StaffFactory(username="lan")
    assert client.login(username="lan", password=PASSWORD)
    assert client.login(request=HttpRequest(), username="lan", password=PASSWORD)
    assert not client.login(request=HttpRequest(), username="lan", password="wrong")


def _configured(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def test_axes_guards_the_login_in_every_environment() -> None:
    from config.settings import base

    assert base.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"
    assert base.MIDDLEWARE[-1] == "axes.middleware.AxesMiddleware"
    limit, lockout = base.AXES_FAILURE_LIMIT, base.AXES_COOLOFF_TIME
    assert limit == _configured("STAFF_LOGIN_FAILURE_LIMIT", 5)
    assert lockout == datetime.timedelta(minutes=_configured("STAFF_LOGIN_LOCKOUT_MINUTES", 30))
    assert base.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]
    assert settings.AXES_ENABLED


# Idle sessions -------------------------------------------------------------------------------


def test_session_expiry_settings() -> None:
    idle = settings.SESSION_COOKIE_AGE
    assert idle == _configured("STAFF_SESSION_IDLE_MINUTES", 30) * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True


@pytest.fixture
def database_sessions(settings: Any) -> None:
    """The sessions production keeps (the test settings keep them in memory)."""
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"


def test_an_active_session_lives_on_and_an_idle_one_ends(database_sessions: None) -> None:
    client = Client()
    with time_machine.travel(datetime.datetime(2026, 11, 2, 9, 0, tzinfo=datetime.UTC)) as clock:
        client.force_login(StaffFactory(username="lan", is_superuser=True))
        assert signed_in(client)
        for _step in range(3):  # 75 minutes of work, a request every 25 minutes
            clock.shift(datetime.timedelta(minutes=25))
            assert signed_in(client)

        clock.shift(datetime.timedelta(minutes=31))  # away from the desk

        response = client.get(HOME)
        assert response.status_code == 302
        assert response["Location"].startswith(LOGIN)


def test_the_session_cookie_ends_with_the_browser(client: Client) -> None:
    client.force_login(StaffFactory(username="lan", is_superuser=True))
    response = client.get(HOME)
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["max-age"] == "" and cookie["expires"] == ""  # a browser-session cookie
    assert cookie["httponly"]
