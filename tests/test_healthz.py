"""/healthz tells a load balancer whether this instance can serve: the database answers and the
Celery broker accepts a connection. It answers quickly, and names what is down."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connections
from django.test import Client

from config.celery_app import app as celery_app
from tests.helpers_processes import celery_broker, free_port

# A closed port: connections are refused at once.
DEAD_REDIS_URL = "redis://127.0.0.1:1/0"


def get_healthz(client: Client) -> tuple[int, dict, float]:
    started = time.monotonic()
    response = client.get("/healthz")
    return response.status_code, response.json(), time.monotonic() - started


@pytest.mark.django_db
def test_ready_with_the_configured_database_and_broker(
    client: Client, request: pytest.FixtureRequest
) -> None:
    if settings.CELERY_BROKER_URL.startswith("redis://"):
        request.getfixturevalue("require_redis")
    status, body, _ = get_healthz(client)
    assert (status, body) == (200, {"status": "ok"})


@pytest.mark.redis
@pytest.mark.django_db
def test_ready_with_a_redis_broker(client: Client, require_redis: str) -> None:
    with celery_broker(celery_app, require_redis):
        status, body, _ = get_healthz(client)
    assert (status, body) == (200, {"status": "ok"})


@pytest.mark.django_db
def test_unavailable_and_quick_when_the_broker_is_down(client: Client) -> None:
    with celery_broker(celery_app, DEAD_REDIS_URL):
        status, body, elapsed = get_healthz(client)
    assert status == 503
    assert body["status"] == "unavailable"
    assert len(body["problems"]) == 1
    assert body["problems"] == ["broker unreachable"]
    assert elapsed < 5


def test_unavailable_when_the_database_is_down(
    client: Client, django_db_blocker, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """The database really is unreachable: the connection is pointed at a file that cannot be
    opened (SQLite) or a port nobody listens on (PostgreSQL). No test transaction is open here
    (no django_db mark), so closing the connection and reopening it afterwards is safe."""
    if settings.CELERY_BROKER_URL.startswith("redis://"):
        request.getfixturevalue("require_redis")
    database = connections["default"]
    saved = dict(database.settings_dict)
    with django_db_blocker.unblock():
        database.close()
        try:
            if database.vendor == "sqlite":
                database.settings_dict["NAME"] = str(tmp_path / "missing" / "db.sqlite3")
            else:
                database.settings_dict.update(HOST="127.0.0.1", PORT=str(free_port()))
            status, body, elapsed = get_healthz(client)
        finally:
            database.close()
            database.settings_dict.clear()
            database.settings_dict.update(saved)
    assert status == 503
    assert body["status"] == "unavailable"
    # What is down, not where it is: no address, port or driver message for whoever asks.
    assert body["problems"] == ["database unreachable"]
    assert "127.0.0.1" not in str(body)
    assert elapsed < 5


@pytest.mark.django_db
def test_only_get(client: Client) -> None:
    assert client.post("/healthz").status_code == 405


@pytest.mark.django_db
def test_a_probe_by_ip_address_is_answered(
    client: Client, settings: Any, request: pytest.FixtureRequest
) -> None:
    """A load balancer asks each node by its own address, a host ALLOWED_HOSTS refuses: the
    probe is answered, while any other page asked that way is still refused."""
    if settings.CELERY_BROKER_URL.startswith("redis://"):
        request.getfixturevalue("require_redis")
    settings.ALLOWED_HOSTS = ["pdpdesk.example.vn"]
    probe = client.get("/healthz", HTTP_HOST="10.0.0.5:8000")
    assert (probe.status_code, probe.json()) == (200, {"status": "ok"})
    assert client.get("/api/v1/openapi.json", HTTP_HOST="10.0.0.5:8000").status_code == 400
