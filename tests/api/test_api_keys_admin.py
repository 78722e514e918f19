"""The administrator creates a key in the admin (shown once), and revokes it."""

from __future__ import annotations

import re

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.test import Client
from django.urls import reverse

from api.models import ApiKey
from customers import roles
from tests.api.conftest import ApiClient
from tests.factories import role_member

pytestmark = pytest.mark.django_db


def test_the_administrator_creates_a_key_that_is_shown_once(client: Client) -> None:
    client.force_login(role_member(roles.ADMINISTRATOR, "quan-tri"))
    add = reverse("admin:api_apikey_add")
    assert 'value="consents:read"' in client.get(add).content.decode()

    page = client.post(
        add,
        {"name": "Email marketing tool", "scopes": ["consents:read"], "rate_limit_per_minute": 120},
    )

    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    [secret] = re.findall(r'id="api-key-secret"[^>]*>(pdp_[^<]+)<', page.content.decode())
    key = ApiKey.objects.get(name="Email marketing tool")
    assert key.scopes == ["consents:read"] and key.created_by.username == "quan-tri"
    assert (
        secret not in client.get(reverse("admin:api_apikey_change", args=[key.pk])).content.decode()
    )
    api = ApiClient(Client(), secret)
    assert api.put("/customers/x", {"full_name": "An", "phone": "0912 853 984"}).status_code == 403

    client.post(
        reverse("admin:api_apikey_changelist"),
        {"action": "revoke_selected", ACTION_CHECKBOX_NAME: [str(key.pk)]},
    )
    key.refresh_from_db()
    assert key.revoked_at is not None
    assert api.put("/customers/x", {"full_name": "An"}).status_code == 401


def test_only_the_administrator_manages_keys(client: Client) -> None:
    client.force_login(role_member(roles.LEGAL_COMPLIANCE, "dpo"))
    assert client.get(reverse("admin:api_apikey_add")).status_code == 403
