"""The requests act on the customer's data: access (a copy by email, logged), withdraw consent,
delete (an erasure request that goes through retention; the customer still finds the outcome)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from complaints import data_export, data_requests, selectors, services
from complaints.models import Complaint, ComplaintEvent
from config.celery_app import app as celery_app
from customers import disclosures, personal_data
from customers import services as customer_services
from customers.models import AccessLog, Channel, Consent, Customer, Purpose, Recipient
from customers.personal_data import DataItem
from retention import services as retention_services
from retention.erasure import REDACTED, customer_erase
from retention.models import ErasureRequest
from tests.factories import (
    CustomerFactory,
    PurposeFactory,
    complaint_submit,
    identity_verified,
    role_member,
)

pytestmark = pytest.mark.django_db

PHONE = "0983 456 721"
EMAIL = "thu.hoai.pham@example.vn"


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def eager(monkeypatch: pytest.MonkeyPatch) -> None:
    # On the Celery app's configuration itself, undone after the test (CELERY_TASK_ALWAYS_EAGER
    # changed first would be read back by Celery as the value to restore).
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)
    monkeypatch.setitem(celery_app.conf, "task_eager_propagates", True)


@pytest.fixture
def care(db: None) -> Any:
    return role_member("customer_care", "cskh-lan")


@pytest.fixture
def legal(db: None) -> Any:
    return role_member("legal_compliance", "phap-che-binh")


@pytest.fixture
def customer(db: None, care: Any) -> Customer:
    return CustomerFactory(
        actor=care,
        full_name="Phạm Thị Thu Hoài",
        phone=PHONE,
        email=EMAIL,
        address="88 Nguyễn Đình Chiểu, Phường Bến Nghé, TP. Hồ Chí Minh",
        tax_code="079186001234",
        notes="Khách quen, hay mua mỹ phẩm",
    )


def linked(customer: Customer, actor: Any, kind: str, **fields: Any) -> Complaint:
    complaint = complaint_submit(
        name="Phạm Thị Thu Hoài", phone=PHONE, email=EMAIL, kind=kind, **fields
    )
    services.complaint_link_customer(complaint=complaint, customer=customer, actor=actor)
    return identity_verified(complaint, actor)


def codes(error: ValidationError, field: str | None = None) -> list[str | None]:
    if field is not None:
        return [item.code for item in error.error_dict[field]]
    return [item.code for item in error.error_list]


# Access ------------------------------------------------------------------------------------


def test_a_copy_goes_only_to_a_verified_requester_at_the_address_on_record(
    customer: Customer, care: Any, eager: None, django_capture_on_commit_callbacks: Any
) -> None:
    """Filed with the customer's phone and someone else's email, linked by staff: nothing is
    sent before the requester is verified, and then only to the customer's own address."""
    complaint = complaint_submit(
        name="Phạm Thị Thu Hoài", phone=PHONE, email="ke-gian@example.net", kind="access"
    )
    services.complaint_link_customer(complaint=complaint, customer=customer, actor=care)
    with pytest.raises(ValidationError) as caught:
        data_requests.complaint_send_data_export(complaint=complaint, actor=care)
    assert codes(caught.value) == ["identity_not_verified"]
    with pytest.raises(ValidationError) as caught:
        data_requests.complaint_verify_identity(
            complaint=complaint, actor=care, method="call_back", note=""
        )
    assert codes(caught.value, "identity_note") == ["required"]

    identity_verified(complaint, care)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        data_requests.complaint_send_data_export(complaint=complaint, actor=care)

    [sent] = mail.outbox
    assert sent.to == [EMAIL]  # the address on record, never the one typed on the form
    complaint.refresh_from_db()
    assert complaint.identity_method == "call_back" and complaint.identity_verified_by == care
    assert complaint.events.filter(action=ComplaintEvent.Action.IDENTITY_VERIFIED).exists()
    assert complaint.history.filter(identity_method="call_back").exists()


def test_an_access_request_emails_every_personal_value_of_the_customer(
    customer: Customer,
    care: Any,
    policy: Any,
    marketing: Purpose,
    eager: None,
    django_capture_on_commit_callbacks: Any,
) -> None:
    consent = customer_services.consent_grant(
        customer=customer,
        purpose=marketing,
        channel=Channel.WEB_FORM,
        policy_version=policy,
        form_reference="WEB-2026-0042",
        ip_address="203.113.45.67",
        user_agent="Mozilla/5.0 (Windows NT 10.0)",
    )
    address = customer_services.delivery_address_create(
        customer=customer,
        actor=care,
        recipient_name="Phạm Thu Hoài",
        phone="0971 234 568",
        address="Hẻm 12 Trần Quốc Thảo",
        ward="Phường Võ Thị Sáu",
        province="TP. Hồ Chí Minh",
        is_default=True,
    )
    order = customer_services.order_create(
        customer=customer,
        actor=care,
        reference="DH-2026-00077",
        total_vnd=1_250_000,
        invoice_number="HD00077",
    )
    shipper = disclosures.recipient_save(
        recipient=Recipient(
            name="Giao Hàng Nhanh",
            kind=Recipient.Kind.SHIPPER,
            purpose=PurposeFactory(
                code="order-fulfilment",
                name_vi="Xử lý và giao đơn hàng",
                name_en="Order fulfilment",
                legal_basis=Purpose.LegalBasis.CONTRACT,
            ),
            contract_reference="HĐ-2026/GHN-01",
            allowed_items=[DataItem.NAME, DataItem.PHONE, DataItem.DELIVERY_ADDRESS],
        ),
        actor=None,
    )
    disclosures.disclosure_create(
        actor=care,
        customer=customer,
        recipient=shipper,
        items=[DataItem.NAME, DataItem.PHONE, DataItem.DELIVERY_ADDRESS],
        notes="Giao đơn DH-2026-00077",
    )
    complaint = linked(customer, care, Complaint.Kind.ACCESS)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        data_requests.complaint_send_data_export(complaint=complaint, actor=care)

    [email] = mail.outbox
    assert email.to == [EMAIL]
    assert complaint.tracking_code in email.subject
    attachments = {name: (content, mimetype) for name, content, mimetype in email.attachments}
    letter, letter_type = attachments["personal-data.pdf"]
    document, json_type = attachments["personal-data.json"]
    assert (letter_type, json_type) == ("application/pdf", "application/json")
    assert letter.startswith(b"%PDF-")
    data = json.loads(document)
    assert data["customer_id"] == customer.pk

    customer.refresh_from_db()
    declared = personal_data.personal_fields(Customer)
    values = [
        str(getattr(customer, name))
        for name in declared
        # name_folded: the search column derived from the name, not the customer's data
        if name in {f.name for f in Customer._meta.concrete_fields}
        and name not in data_export.SKIPPED_FIELDS
        and not declared[name].internal  # staff's working notes
        and getattr(customer, name)
    ]
    assert {"Phạm Thị Thu Hoài", customer.phone, EMAIL, "079186001234"} <= set(values)
    expected = [
        *values,
        "Phạm Thu Hoài",
        "Hẻm 12 Trần Quốc Thảo",
        order.reference,
        order.invoice_number,
        "WEB-2026-0042",
        "203.113.45.67",
        str(consent.purpose),
        "Giao Hàng Nhanh",
        complaint.tracking_code,
    ]
    assert address.pk
    for value in expected:
        assert value in document, f"{value!r} is missing from the JSON"
    # Staff's notes on the customer and on the hand-over are theirs, not the customer's data.
    for internal in ("Khách quen, hay mua mỹ phẩm", "Giao đơn DH-2026-00077"):
        assert internal not in document
    assert {
        "customers.Customer",
        "customers.DeliveryAddress",
        "customers.Order",
        "customers.Consent",
        "customers.Disclosure",
        "complaints.Complaint",
    } <= set(data["records"])
    # Staff work about the customer stays out.
    assert "customers.AccessLog" not in data["records"]
    assert "cskh-lan" not in document

    log = AccessLog.objects.get(customer=customer, action=AccessLog.Action.EXPORT)
    assert log.staff == care
    assert complaint.tracking_code in log.detail
    assert complaint.events.filter(action=ComplaintEvent.Action.DATA_EXPORTED).count() == 1


def test_an_access_request_needs_a_linked_customer_and_a_role_that_sees_data(
    customer: Customer, care: Any
) -> None:
    unlinked = complaint_submit(kind=Complaint.Kind.ACCESS)
    with pytest.raises(ValidationError) as caught:
        data_requests.complaint_send_data_export(complaint=unlinked, actor=care)
    assert codes(caught.value) == ["no_customer"]

    complaint = linked(customer, care, Complaint.Kind.ACCESS)
    with pytest.raises(PermissionDenied):
        data_requests.complaint_send_data_export(complaint=complaint, actor=role_member("sales"))
    assert not AccessLog.objects.filter(action=AccessLog.Action.EXPORT).exists()


# Withdraw consent --------------------------------------------------------------------------


def test_withdrawing_consent_from_a_request(
    customer: Customer, care: Any, policy: Any, marketing: Purpose
) -> None:
    consent = customer_services.consent_grant(
        customer=customer,
        purpose=marketing,
        channel=Channel.PHONE,
        policy_version=policy,
        form_reference="CALL-1",
    )
    complaint = linked(customer, care, Complaint.Kind.WITHDRAW_CONSENT, channel=Channel.EMAIL)

    [withdrawn] = data_requests.complaint_withdraw_consents(
        complaint=complaint, actor=care, consents=[consent]
    )

    consent.refresh_from_db()
    assert not consent.is_granted
    assert consent.status == Consent.Status.WITHDRAWN
    assert consent.withdrawal_channel == Channel.EMAIL
    assert complaint.tracking_code in consent.withdrawal_reason
    assert withdrawn.pk == consent.pk
    event = complaint.events.get(action=ComplaintEvent.Action.CONSENT_WITHDRAWN)
    assert event.actor == care
    assert str(marketing) in event.detail


def test_another_customers_consent_is_refused(
    customer: Customer, care: Any, policy: Any, marketing: Purpose
) -> None:
    other = CustomerFactory(phone="0908 111 223", email="khang.le@example.vn")
    theirs = customer_services.consent_grant(
        customer=other,
        purpose=marketing,
        channel=Channel.PHONE,
        policy_version=policy,
        form_reference="CALL-2",
    )
    complaint = linked(customer, care, Complaint.Kind.WITHDRAW_CONSENT)

    with pytest.raises(ValidationError) as caught:
        data_requests.complaint_withdraw_consents(
            complaint=complaint, actor=care, consents=[theirs]
        )

    assert codes(caught.value, "consents") == ["other"]
    theirs.refresh_from_db()
    assert theirs.is_granted
    assert not complaint.events.filter(action=ComplaintEvent.Action.CONSENT_WITHDRAWN).exists()
    with pytest.raises(ValidationError) as caught:
        data_requests.complaint_withdraw_consents(complaint=complaint, actor=care, consents=[])
    assert codes(caught.value, "consents") == ["required"]


# Delete ------------------------------------------------------------------------------------


def test_a_deletion_request_goes_through_retention_and_stays_findable(
    customer: Customer, care: Any, legal: Any
) -> None:
    complaint = linked(customer, care, Complaint.Kind.DELETION)

    request = retention_services.complaint_request_erasure(complaint=complaint, actor=care)

    assert request.source == ErasureRequest.Source.COMPLAINT
    assert request.customer == customer
    complaint.refresh_from_db()
    assert complaint.erasure_request == request
    event = complaint.events.get(action=ComplaintEvent.Action.ERASURE_REQUESTED)
    assert event.actor == care
    with pytest.raises(ValidationError) as caught:
        retention_services.complaint_request_erasure(complaint=complaint, actor=care)
    assert codes(caught.value) == ["already_filed"]
    assert ErasureRequest.objects.count() == 1

    retention_services.erasure_request_verify(
        request=request, actor=care, note="Gọi lại số điện thoại đã đăng ký"
    )
    retention_services.erasure_request_approve(request=request, actor=legal)
    receipt = customer_erase(customer=customer, request=request, actor=legal)

    assert receipt is not None
    customer.refresh_from_db()
    assert customer.status == Customer.Status.ERASED
    complaint.refresh_from_db()
    assert complaint.customer is None
    assert complaint.submitter_name == REDACTED
    assert complaint.submitter_email != EMAIL
    assert complaint.status == Complaint.Status.RECEIVED
    # The customer follows the outcome with the code and the contact they filed it with.
    for contact in (PHONE, "+84983456721", EMAIL, EMAIL.upper()):
        found = selectors.complaint_find_for_customer(
            tracking_code=complaint.tracking_code.lower(), contact=contact
        )
        assert found == complaint, contact
        assert found.erasure_request is not None
        assert found.erasure_request.status == ErasureRequest.Status.EXECUTED
    assert (
        selectors.complaint_find_for_customer(
            tracking_code=complaint.tracking_code, contact="0912 853 984"
        )
        is None
    )


def test_a_deletion_request_needs_a_linked_customer_and_a_role(customer: Customer) -> None:
    care = role_member("customer_care")
    complaint = complaint_submit(kind=Complaint.Kind.DELETION)
    with pytest.raises(ValidationError) as caught:
        retention_services.complaint_request_erasure(complaint=complaint, actor=care)
    assert codes(caught.value) == ["no_customer"]

    services.complaint_link_customer(complaint=complaint, customer=customer, actor=care)
    with pytest.raises(PermissionDenied):
        retention_services.complaint_request_erasure(
            complaint=complaint, actor=role_member("sales")
        )
    assert not ErasureRequest.objects.exists()


def test_law91_art24_2_a_parent_makes_the_request_for_a_child(
    customer: Customer, care: Any
) -> None:
    """The representative, as what, and the proof seen are recorded, in the history, before
    the identity check (which then checks the representative); refused once verified."""
    complaint = complaint_submit(name="Phạm Văn Cha", phone=PHONE, email=EMAIL, kind="access")
    services.complaint_link_customer(complaint=complaint, customer=customer, actor=care)
    with pytest.raises(ValidationError) as refused:
        data_requests.complaint_record_representative(
            complaint=complaint, actor=care, name="", relation="", proof=""
        )
    assert set(refused.value.error_dict) == {"name", "relation", "proof"}
    data_requests.complaint_record_representative(
        complaint=complaint,
        actor=care,
        name="Phạm Văn Cha",
        relation="parent",
        proof="Giấy khai sinh số 123/2015 của con, xem tại quầy",
    )
    complaint.refresh_from_db()
    assert (complaint.representative_name, complaint.representative_relation) == (
        "Phạm Văn Cha",
        "parent",
    )
    assert complaint.events.filter(action=ComplaintEvent.Action.REPRESENTATIVE_RECORDED).exists()
    assert complaint.history.filter(representative_relation="parent").exists()
    identity_verified(complaint, care)
    with pytest.raises(ValidationError) as refused:
        data_requests.complaint_record_representative(
            complaint=complaint, actor=care, name="Người khác", relation="guardian", proof="x"
        )
    assert refused.value.error_list[0].code == "verified"
    # Erasure reaches the representative's name and proof too (declared personal).
    fields = personal_data.personal_fields(Complaint)
    assert {"representative_name", "representative_proof"} <= set(fields)
