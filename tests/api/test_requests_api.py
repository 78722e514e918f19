"""POST /api/v1/requests: a request from the customer's signed-in shop account, recorded with the
shop's identification; GET /api/v1/requests/{code}: its status, for that customer only."""

from __future__ import annotations

import pytest
from django.core import mail

from complaints import emails
from complaints.models import Complaint, ComplaintEvent, IdentityMethod
from customers.models import Customer
from tests.api.conftest import ApiClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(api: ApiClient) -> ApiClient:
    api.put("/customers/shop-1", {"full_name": "Nguyễn Văn An", "email": "an@example.vn"})
    api.put("/customers/shop-2", {"full_name": "Trần Bình", "phone": "0903 111 222"})
    return api


def test_a_request_from_the_shop_account_is_linked_and_identified(
    shop: ApiClient, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = shop.post(
            "/requests/",
            {"customer": "shop-1", "kind": "access", "description": "Cho tôi bản sao."},
        )

    assert response.status_code == 201
    body = response.json()
    complaint = Complaint.objects.get(tracking_code=body["tracking_code"])
    assert complaint.customer == Customer.objects.get(external_id="shop-1")
    assert complaint.identity_method == IdentityMethod.SHOP_ACCOUNT
    assert complaint.identity_verified_at is not None and "shop-1" in complaint.identity_note
    assert complaint.identity_verified_by.api_key.name == "Website checkout"
    assert set(complaint.events.values_list("action", flat=True)) >= {
        ComplaintEvent.Action.CUSTOMER_LINKED,
        ComplaintEvent.Action.IDENTITY_VERIFIED,
    }
    assert body["status"] == "received" and body["due_at"] > body["received_at"]
    # The 2-working-day answer goes to the email on record, with the tracking code.
    assert emails.acknowledgement_send(complaint_id=complaint.pk) is True
    [sent] = mail.outbox
    assert sent.to == ["an@example.vn"] and body["tracking_code"] in sent.body


def test_a_requests_status_is_read_by_its_own_customer_only(shop: ApiClient) -> None:
    code = shop.post(
        "/requests/", {"customer": "shop-1", "kind": "deletion", "description": "Xóa dữ liệu."}
    ).json()["tracking_code"]

    mine = shop.get(f"/requests/{code.lower()}", customer="shop-1")
    other = shop.get(f"/requests/{code}", customer="shop-2", language="en")

    assert mine.status_code == 200 and mine.json()["tracking_code"] == code
    assert other.status_code == 404 and other["Content-Type"] == "application/problem+json"


def test_a_complaint_kind_or_an_unknown_customer_is_refused(shop: ApiClient) -> None:
    complaint = shop.post(
        "/requests/", {"customer": "shop-1", "kind": "suspected_leak", "description": "Lộ dữ liệu"}
    )
    unknown = shop.post("/requests/", {"customer": "shop-9", "kind": "access", "description": "x"})

    assert complaint.status_code == 422 and complaint.json()["errors"][0]["field"] == "kind"
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "customer"
    assert not Complaint.objects.exists()
