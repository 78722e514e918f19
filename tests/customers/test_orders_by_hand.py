"""Customer care enters an order taken by phone (seed 003 keeps its records by hand)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from customers import roles
from customers.models import Order
from tests.factories import CustomerFactory, role_member

pytestmark = pytest.mark.django_db


def test_customer_care_enters_an_order_by_hand_and_a_bad_one_keeps_what_was_typed(
    client: Client,
) -> None:
    customer = CustomerFactory.create(full_name="Lê Thị Hoa")
    client.force_login(role_member(roles.CUSTOMER_CARE, "cskh"))
    url = reverse("admin:customers_order_add")
    values = {
        "customer": str(customer.pk),
        "reference": "DT-0001",
        "ordered_at_0": "30/11/2026",
        "ordered_at_1": "09:15",
        "status": "placed",
        "total_vnd": "-1",
        "recipient_name": "Lê Thị Hoa",
    }

    refused = client.post(url, values)

    assert refused.status_code == 200 and "total_vnd" in refused.context["adminform"].form.errors
    assert 'value="DT-0001"' in refused.content.decode()
    values["total_vnd"] = "350000"
    assert client.post(url, values).status_code == 302
    order = Order.objects.get(reference="DT-0001")
    assert order.customer == customer and order.history.get().history_user.username == "cskh"


def test_sales_may_not_enter_orders(client: Client) -> None:
    client.force_login(role_member(roles.SALES, "sales"))
    assert client.get(reverse("admin:customers_order_add")).status_code == 403
