"""The approval screen tells Legal what the erasure will do — who, what is erased and what is
kept, the files, the request it came from — counted by the erasure service itself; and, when the
company asks for it, the verifier may not also approve (a message, never an error page)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import clear_url_caches, reverse
from django.utils import timezone, translation

from complaints import services as complaint_services
from customers import services as customer_services
from customers.models import Channel, Customer
from retention import erasure, services
from retention.admin import record_type_name
from retention.models import ErasureReceipt, ErasureRequest
from tests.factories import (
    CustomerFactory,
    complaint_submit,
    identity_verified,
    pdf_bytes,
    role_member,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings: Any, tmp_path: Path) -> Iterator[None]:
    settings.LANGUAGE_CODE = "en"
    settings.MEDIA_ROOT = tmp_path / "media"
    with translation.override("en"):
        yield
    clear_url_caches()


def _step_url(request: ErasureRequest, step: str) -> str:
    return reverse("admin:retention_erasurerequest_step", args=[request.pk, step])


def _customer_with_records(marketing: Any, policy: Any) -> Customer:
    customer = CustomerFactory.create(full_name="Đỗ Minh Tâm", phone="0912 000 111")
    for n in range(2):
        customer_services.delivery_address_create(
            customer=customer,
            recipient_name=f"Đỗ Minh Tâm {n}",
            phone="0912 000 111",
            address=f"{n} Lê Lợi",
            ward="Phường Bến Thành",
            province="TP. Hồ Chí Minh",
        )
    for n in range(3):
        customer_services.order_create(
            customer=customer,
            reference=f"DH-{customer.pk}-{n}",
            ordered_at=timezone.now(),
            total_vnd=100_000 * (n + 1),
        )
    customer_services.consent_grant(
        customer=customer,
        purpose=marketing,
        channel=Channel.EMAIL,
        policy_version=policy,
        evidence_file=SimpleUploadedFile(
            "phieu-do-minh-tam.pdf", pdf_bytes("Phieu"), "application/pdf"
        ),
    )
    return customer


def _verified_request(customer: Customer, verifier: Any) -> ErasureRequest:
    filed = complaint_submit(kind="deletion", phone="0912 000 111", email="")
    complaint_services.complaint_link_customer(complaint=filed, customer=customer, actor=verifier)
    identity_verified(filed, verifier)
    request = services.complaint_request_erasure(complaint=filed, actor=verifier)
    return services.erasure_request_verify(request=request, actor=verifier, note="CCCD")


def test_the_preview_counts_what_the_erasure_then_does(marketing: Any, policy: Any) -> None:
    customer = _customer_with_records(marketing, policy)

    preview = erasure.erasure_preview(customer.pk)
    outcome = erasure.erase_customers(customer_ids=[customer.pk])

    receipt = ErasureReceipt.objects.get(customer=customer)
    assert outcome.erased == [customer.pk]
    counted = {line.label: line.rows for line in preview.lines}
    assert counted == {label: n for label, n in receipt.counts.items() if label != erasure.FILES}
    assert preview.files == receipt.counts[erasure.FILES] == 1
    kept = {line.label: line for line in preview.kept}
    assert kept["customers.Order"].rows == 3
    assert {"reference", "total_vnd", "invoice_number"} <= set(kept["customers.Order"].kept_fields)
    assert "customer" not in kept["customers.Order"].kept_fields
    assert {line.label for line in preview.deleted} >= {"customers.DeliveryAddress"}


def test_the_approval_page_shows_who_what_is_erased_and_kept(
    client: Client, marketing: Any, policy: Any
) -> None:
    legal = role_member("legal_compliance")
    customer = _customer_with_records(marketing, policy)
    request = _verified_request(customer, legal)
    client.force_login(legal)

    page = client.get(_step_url(request, "approve")).content.decode()

    assert f"#{customer.pk} Đỗ Minh Tâm" in page
    assert request.complaint is not None
    complaint_url = reverse("admin:complaints_complaint_change", args=[request.complaint.pk])
    assert f'href="{complaint_url}">{request.complaint.tracking_code}</a>' in page
    assert 'data-testid="erasure-preview"' in page
    deleted = page.split('data-testid="preview-deleted"')[1].split("</ul>")[0]
    assert f"{record_type_name('customers.DeliveryAddress')}: 2" in deleted
    assert "1 file" in deleted
    kept = page.split('data-testid="preview-kept"')[1].split("</ul>")[0]
    assert f"{record_type_name('customers.Order')}: 3" in kept
    assert "reference" in kept and "total (VND)" in kept
    # The request's own page says it too.
    change = client.get(reverse("admin:retention_erasurerequest_change", args=[request.pk]))
    assert 'data-testid="erasure-preview"' in change.content.decode()


def test_the_verifier_may_approve_unless_the_company_asks_for_four_eyes(
    client: Client, controller: Any
) -> None:
    verifier = role_member("legal_compliance", "dpo-verifier")
    other = role_member("legal_compliance", "dpo-approver")
    first = services.erasure_request_verify(
        request=services.erasure_request_create(
            customer=CustomerFactory.create(), source=ErasureRequest.Source.STAFF, actor=verifier
        ),
        actor=verifier,
        note="CCCD",
    )
    services.erasure_request_approve(request=first, actor=verifier)  # the setting is off

    customer_services.controller_update(erasure_four_eyes=True)
    request = services.erasure_request_verify(
        request=services.erasure_request_create(
            customer=CustomerFactory.create(), source=ErasureRequest.Source.STAFF, actor=verifier
        ),
        actor=verifier,
        note="CCCD",
    )
    with pytest.raises(ValidationError) as refused:
        services.erasure_request_approve(request=request, actor=verifier)
    assert refused.value.code == "same_verifier"

    client.force_login(verifier)
    response = client.post(_step_url(request, "approve"), {}, follow=True)
    assert response.status_code == 200
    assert "You verified this requester&#x27;s identity" in response.content.decode()
    # The list's action says it as a message.
    response = client.post(
        reverse("admin:retention_erasurerequest_changelist"),
        {"action": "approve_selected", "_selected_action": [request.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert any(
        "You verified this requester's identity" in str(m) for m in response.context["messages"]
    )
    request.refresh_from_db()
    assert request.status == ErasureRequest.Status.VERIFIED

    services.erasure_request_approve(request=request, actor=other)
    request.refresh_from_db()
    assert request.status == ErasureRequest.Status.APPROVED
    assert request.approved_by == other


def test_legal_sets_four_eyes_in_the_controller_profile(client: Client, controller: Any) -> None:
    legal = role_member("legal_compliance")
    client.force_login(legal)
    url = reverse("admin:customers_controller_change", args=[controller.pk])
    page = client.get(url).content.decode()
    assert "verifier and approver of an erasure must be different people" in page.lower()
