"""Every operation of /api/v1/openapi.json against generated inputs (schemathesis): never a 5xx,
never an answer outside the schema (status, content type, body). On PostgreSQL, as in production."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from api import services
from api.models import Scope

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def keep_connection() -> Iterator[None]:
    """As Django's test client does: the WSGI app must not close the test's database connection
    (and its transaction) at the end of each request."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def secret(require_postgres, keep_connection, superuser, policy, marketing) -> str:
    _key, secret = services.api_key_create(
        name="schemathesis", scopes=list(Scope.values), actor=superuser, rate_limit_per_minute=10**6
    )
    from customers.services import customer_upsert

    customer_upsert(external_id="shop-1", full_name="Nguyễn Văn An", phone="0912 853 984")
    return secret


@pytest.mark.postgres
@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_api_v1_never_fails_and_keeps_to_its_schema(case, secret: str) -> None:
    case.call_and_validate(headers={"Authorization": f"Bearer {secret}"}, checks=CHECKS)
