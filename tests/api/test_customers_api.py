"""PUT /api/v1/customers/{shop_id} and POST /api/v1/customers/batch: the shop's systems create
and update customers through the same services as the back office."""

from __future__ import annotations

import pytest
from django.test import Client

from api import services as api_services
from api.models import Scope
from customers.models import AccessLog, Customer
from tests.api.conftest import ApiClient

pytestmark = pytest.mark.django_db


def test_the_same_put_twice_creates_once_and_then_changes_nothing(api: ApiClient) -> None:
    body = {"full_name": "Nguyễn Văn An", "phone": "0912 853 984", "email": "An@Example.vn"}

    first = api.put("/customers/shop-1001", body)
    second = api.put("/customers/shop-1001", {**body, "phone": "+84912853984"})

    assert first.status_code == 201 and first.json()["result"] == "created"
    assert second.status_code == 200 and second.json()["result"] == "unchanged"
    customer = Customer.objects.get(external_id="shop-1001")
    assert customer.phone == "+84912853984" and customer.email == "an@example.vn"
    assert customer.history.count() == 1  # the second call wrote nothing
    assert customer.history.get().history_user.api_key.name == "Website checkout"
    logged = AccessLog.objects.filter(customer=customer, action=AccessLog.Action.API)
    assert logged.count() == 2 and logged.first().staff.api_key.name == "Website checkout"

    changed = api.put(
        "/customers/shop-1001", {"full_name": "Nguyễn Văn An", "address": "12 Lê Lợi"}
    )
    assert changed.json()["result"] == "updated"
    customer.refresh_from_db()
    assert customer.address == "12 Lê Lợi" and customer.phone == "+84912853984"  # left out: kept


def test_a_bad_field_is_a_422_naming_it_in_the_callers_language(api: ApiClient) -> None:
    response = api.put("/customers/shop-2", {"full_name": "Trần Bình", "phone": "12"})

    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    [error] = response.json()["errors"]
    assert error["field"] == "phone" and "số điện thoại" in error["message"].lower()
    assert not Customer.objects.filter(external_id="shop-2").exists()

    english = api.put("/customers/shop-2", {"phone": "0912 853 984"}, language="en")
    assert english.status_code == 422
    [error] = english.json()["errors"]
    assert error == {"field": "full_name", "message": "This field is required.", "code": "missing"}
    nul = api.put("/customers/shop-2", {"full_name": "A\u0000B"}, language="en")
    assert nul.status_code == 422 and nul.json()["errors"][0]["field"] == "full_name"


def test_a_batch_answers_each_row_and_a_bad_row_stops_nothing(api: ApiClient) -> None:
    rows = [
        {"shop_id": "b-1", "full_name": "Lê Thị Hoa", "phone": "0903 123 456"},
        {"shop_id": "b-2", "full_name": "Phạm Minh", "email": "not-an-email"},
        {"shop_id": "b-3", "full_name": "Võ Lan", "tax_code": "1200100557", "email": "lan@vo.vn"},
    ]

    response = api.post("/customers/batch", {"customers": rows})

    assert response.status_code == 200
    body = response.json()
    assert [row["result"] for row in body["results"]] == ["created", "refused", "created"]
    assert body["results"][1]["errors"][0]["field"] == "email"
    assert (body["created"], body["refused"]) == (2, 1)
    assert set(Customer.objects.values_list("external_id", flat=True)) == {"b-1", "b-3"}
    again = api.post("/customers/batch", {"customers": [rows[0], rows[2]]}).json()
    assert [row["result"] for row in again["results"]] == ["unchanged", "unchanged"]
    too_many = api.post("/customers/batch", {"customers": [rows[0]] * 1001})
    assert too_many.status_code == 422 and too_many.json()["errors"][0]["field"] == "customers"


def test_an_erased_customer_is_not_brought_back_by_the_shop(api: ApiClient, superuser) -> None:
    from retention.erasure import customer_erase

    api.put("/customers/shop-9", {"full_name": "Đỗ Thị Lan", "phone": "0912 000 111"})
    customer = Customer.objects.get(external_id="shop-9")
    customer_erase(customer=customer, actor=superuser)
    customer.refresh_from_db()
    assert customer.external_id != "shop-9"  # hashed

    response = api.put("/customers/shop-9", {"full_name": "Đỗ Thị Lan"}, language="en")

    assert response.status_code == 409
    assert "erased at their request" in response.json()["errors"][0]["message"]
    assert Customer.objects.filter(status=Customer.Status.ACTIVE).count() == 0


def test_keys_are_required_scoped_revocable_and_rate_limited(
    client: Client, make_key, superuser
) -> None:
    body = {"full_name": "Nguyễn Văn An", "phone": "0912 853 984"}
    assert ApiClient(client, None).put("/customers/x", body).status_code == 401
    assert ApiClient(client, "pdp_00000000_wrong").put("/customers/x", body).status_code == 401

    _reader, reader_secret = make_key("Email marketing tool", [Scope.CONSENTS_READ])
    refused = ApiClient(client, reader_secret).put("/customers/x", body, language="en")
    assert refused.status_code == 403 and "customers:write" in refused.json()["detail"]

    writer, secret = make_key("Checkout", [Scope.CUSTOMERS_WRITE], rate_limit_per_minute=2)
    shop = ApiClient(client, secret)
    assert shop.put("/customers/x", body).status_code == 201
    assert shop.put("/customers/x", body).status_code == 200
    limited = shop.put("/customers/x", body)
    assert limited.status_code == 429 and int(limited["Retry-After"]) in range(1, 61)

    api_services.api_key_revoke(api_key=writer, actor=superuser)
    assert shop.put("/customers/y", body).status_code == 401
    writer.refresh_from_db()
    assert writer.last_used_at is not None and writer.revoked_by == superuser
    assert writer.secret_hash != secret and secret not in str(writer.__dict__)
