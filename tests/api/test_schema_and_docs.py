"""The schema at /api/v1/openapi.json and the docs at /api/v1/docs, from our own static files."""

from __future__ import annotations

import re

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_the_openapi_schema_lists_the_operations_and_the_key(client: Client) -> None:
    schema = client.get("/api/v1/openapi.json").json()

    assert schema["openapi"].startswith("3.")
    assert "/api/v1/customers/{shop_id}" in schema["paths"]
    assert "/api/v1/customers/batch" in schema["paths"]
    assert schema["components"]["securitySchemes"]["KeyAuth"]["scheme"] == "bearer"
    put = schema["paths"]["/api/v1/customers/{shop_id}"]["put"]
    assert {"201", "401", "403", "422", "429"} <= set(put["responses"])


def test_the_docs_load_nothing_from_outside(client: Client) -> None:
    response = client.get("/api/v1/docs")

    assert response.status_code == 200
    page = response.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert sources and all(source.startswith("/") for source in sources), sources
    assert "/static/ninja/swagger-ui-bundle.js" in page
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "default-src 'self'" in policy
    # Every other public page keeps running no script at all.
    assert "script-src 'none'" in client.get("/privacy/")["Content-Security-Policy"]
