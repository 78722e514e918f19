"""PUT /api/v1/orders/{reference}: the shop's orders, for a customer known by the shop's id."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from customers.models import Order
from tests.api.conftest import ApiClient

pytestmark = pytest.mark.django_db

ORDER = {"customer": "shop-1", "ordered_at": "2026-11-30T09:15:00+07:00", "total_vnd": 1250000}


@pytest.fixture
def shop(api: ApiClient) -> ApiClient:
    api.put("/customers/shop-1", {"full_name": "Nguyễn Văn An", "phone": "0912 853 984"})
    api.put("/customers/shop-2", {"full_name": "Trần Thị Bình", "phone": "0903 111 222"})
    return api


def test_an_order_is_upserted_by_its_reference(shop: ApiClient) -> None:
    first = shop.put("/orders/DH-1001", ORDER)
    again = shop.put("/orders/DH-1001", ORDER)
    invoiced = shop.put(
        "/orders/DH-1001", {**ORDER, "invoice_number": "HĐ-0042", "status": "delivered"}
    )

    assert (first.status_code, again.status_code) == (201, 200)
    assert [r.json()["result"] for r in (first, again, invoiced)] == [
        "created",
        "unchanged",
        "updated",
    ]
    order = Order.objects.get(reference="DH-1001")
    assert order.customer.external_id == "shop-1" and order.total_vnd == 1250000
    assert timezone.localtime(order.ordered_at).strftime("%d/%m/%Y %H:%M") == "30/11/2026 09:15"
    assert order.invoice_number == "HĐ-0042" and order.history.count() == 2


def test_a_time_without_offset_is_vietnams_time(shop: ApiClient) -> None:
    shop.put("/orders/DH-2", {**ORDER, "ordered_at": "2026-11-30T23:30:00"})
    ordered_at = Order.objects.get(reference="DH-2").ordered_at
    assert ordered_at == datetime.datetime(2026, 11, 30, 16, 30, tzinfo=datetime.UTC)


def test_wrong_orders_are_refused_at_their_field(shop: ApiClient) -> None:
    future = (timezone.now() + datetime.timedelta(days=2)).isoformat()
    cases = {
        "ordered_at": {**ORDER, "ordered_at": future},
        "total_vnd": {**ORDER, "total_vnd": -5},
        "customer": {**ORDER, "customer": "shop-404"},
    }
    for field, body in cases.items():
        response = shop.put("/orders/DH-3", body, language="en")
        assert response.status_code == 422, (field, response.json())
        assert response.json()["errors"][0]["field"] == field
    assert not Order.objects.filter(reference="DH-3").exists()

    shop.put("/orders/DH-4", ORDER)
    moved = shop.put("/orders/DH-4", {**ORDER, "customer": "shop-2"}, language="en")
    assert moved.status_code == 422
    assert "belongs to another customer" in moved.json()["errors"][0]["message"]
