from __future__ import annotations

import os
import socket
from urllib.parse import urlparse

import pytest
from django.conf import settings

from customers import services
from customers.models import Controller, PolicyVersion, Purpose
from tests.factories import PolicyVersionFactory, PurposeFactory, StaffFactory

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def require_service(name: str, available: bool, how: str) -> None:
    """Skip a test whose service is missing on a developer's machine; fail it in CI, where the
    service must be there (a skipped test there would hide a broken promise)."""
    if available:
        return
    message = f"{name} is not available: {how}"
    if IN_CI:
        pytest.fail(f"CI=true and {message}")
    pytest.skip(message)


def redis_url() -> str:
    broker = os.environ.get("CELERY_BROKER_URL", "")
    if broker.startswith("redis://"):
        return broker
    return os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")


def tcp_reachable(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection(
            (parsed.hostname or "127.0.0.1", parsed.port or default_port), timeout=2
        ):
            return True
    except OSError:
        return False


@pytest.fixture(autouse=True)
def _deadline_tables_read_afresh() -> None:
    """Each test reads the deadline rules and holidays from its own database, as a new process
    would: the previous test's rolled-back rows are not kept (complaints.deadlines)."""
    from complaints import deadlines

    deadlines.forget_kept()


@pytest.fixture
def require_redis() -> str:
    url = redis_url()
    require_service("Redis", tcp_reachable(url, 6379), f"nothing answers at {url}")
    return url


@pytest.fixture
def require_postgres() -> None:
    engine = settings.DATABASES["default"]["ENGINE"]
    require_service(
        "PostgreSQL",
        engine == "django.db.backends.postgresql",
        "set DATABASE_URL=postgres://postgres@127.0.0.1:5432/test",
    )


@pytest.fixture
def staff(db):
    return StaffFactory(username="cskh", is_superuser=False)


@pytest.fixture
def superuser(db):
    return StaffFactory(username="root", is_superuser=True)


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture
def controller(db) -> Controller:
    return services.controller_update(
        legal_name="Công ty Cổ phần Thương mại Mỹ Tho",
        short_name="Mitexco",
        tax_code="1200100557",
        address="67 Lê Lợi, Phường 1, TP Mỹ Tho, Tiền Giang",
        phone="0273 3872 466",
        hotline="1800 1595",
        email="info@mitexco.example.vn",
        dpo_name="Trần Thị Bình",
        dpo_email="dpo@mitexco.example.vn",
    )


@pytest.fixture
def policy(db) -> PolicyVersion:
    return PolicyVersionFactory(version="2026.1")


@pytest.fixture
def marketing(db) -> Purpose:
    return PurposeFactory(
        code="marketing-email",
        name_vi="Gửi email tiếp thị",
        name_en="Marketing email",
        legal_basis=Purpose.LegalBasis.CONSENT,
    )
