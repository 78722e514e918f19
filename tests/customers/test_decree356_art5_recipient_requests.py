"""Requests to act (Decree 356/2025/NĐ-CP Art. 5(2)–(4), Law 91/2025/QH15 Art. 14(3)): when a
customer withdraws consent, is restricted, corrected or erased, each recipient that received their
data is asked to do the same within the law's period, by email, webhook or staff; it confirms
through a signed link, the API or staff; unconfirmed past the due date it is overdue; the
customer's own request takes the longer period while such requests are open."""

from __future__ import annotations

import datetime
import re
import zoneinfo
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse

from complaints.models import ComplaintEvent, Kind
from complaints.services import complaint_link_customer
from customers import disclosures, recipient_requests, restrictions, services
from customers.kernel.outbox import OutboxTask
from customers.models import Channel, Customer, Purpose, Recipient, RecipientRequest
from customers.personal_data import DataItem
from customers.roles import CUSTOMER_CARE
from customers.tasks import remind_recipient_requests, send_recipient_request
from retention.erasure import customer_erase
from tests.factories import CustomerFactory, PurposeFactory, complaint_submit, role_member

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _site(settings: Any, controller: Any) -> None:
    settings.PUBLIC_BASE_URL = "https://shop.example.vn"


HCM = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime.datetime(2026, 12, 2, 10, 0, tzinfo=HCM)


@pytest.fixture
def sharing(db: None) -> Purpose:
    return PurposeFactory(
        code="partner-sharing",
        name_vi="Chia sẻ với đối tác",
        name_en="Sharing with partners",
        legal_basis=Purpose.LegalBasis.CONSENT,
    )


@pytest.fixture
def fulfilment(db: None) -> Purpose:
    return PurposeFactory(
        code="order-fulfilment",
        name_vi="Giao đơn hàng",
        name_en="Order fulfilment",
        legal_basis=Purpose.LegalBasis.CONTRACT,
    )


def _recipient(**fields: Any) -> Recipient:
    return disclosures.recipient_save(recipient=Recipient(**fields), actor=None)


@pytest.fixture
def partner(sharing: Purpose) -> Recipient:
    return _recipient(
        name="Đối tác Bảo hành Sao Mai",
        kind=Recipient.Kind.PARTNER,
        purpose=sharing,
        contract_reference="HĐ-2026/SM-07",
        allowed_items=[DataItem.NAME, DataItem.PHONE],
        contact_email="dpo@saomai.vn",
    )


@pytest.fixture
def shipper(fulfilment: Purpose) -> Recipient:
    """No email, no webhook: staff call it."""
    return _recipient(
        name="Giao Hàng Nhanh",
        kind=Recipient.Kind.SHIPPER,
        purpose=fulfilment,
        contract_reference="HĐ-2026/GHN-01",
        allowed_items=[DataItem.NAME, DataItem.PHONE, DataItem.DELIVERY_ADDRESS],
    )


@pytest.fixture
def customer(policy: Any, sharing: Purpose, partner: Recipient, shipper: Recipient) -> Customer:
    """Consented to sharing; both recipients received their data."""
    customer = CustomerFactory(full_name="Nguyễn Văn An", phone="0912853984", email="an@ex.vn")
    services.consent_grant(
        customer=customer, purpose=sharing, channel=Channel.PHONE, form_reference="GA-1"
    )
    for recipient, items in (
        (partner, [DataItem.NAME, DataItem.PHONE]),
        (shipper, [DataItem.NAME, DataItem.DELIVERY_ADDRESS]),
    ):
        disclosures.disclosure_create(
            actor=role_member(CUSTOMER_CARE, "cskh-disclose"),
            customer=customer,
            recipient=recipient,
            items=items,
            batch_reference=f"SHIP-{recipient.pk}",
        )
    return customer


def _withdraw(customer: Customer, purpose: Purpose, **extra: Any) -> None:
    consent = customer.consents.get(purpose=purpose)
    services.consent_withdraw(
        consent=consent, channel=Channel.PHONE, withdrawal_reference="GHI-AM-9", **extra
    )


def _send_emails() -> None:
    """What the worker does with the outbox's email rows."""
    for row in OutboxTask.objects.filter(task="customers.tasks.send_recipient_request"):
        send_recipient_request(*row.args)
        row.delete()


@time_machine.travel(NOW, tick=False)
def test_a_withdrawal_asks_the_recipient_of_that_purpose_to_stop_within_20_days(
    customer: Customer, sharing: Purpose, partner: Recipient
) -> None:
    _withdraw(customer, sharing)

    asked = RecipientRequest.objects.get()
    assert asked.recipient == partner  # the shipper received under the contract, not consent
    assert asked.action == RecipientRequest.Action.STOP
    # Decree 356/2025 Art. 5(2): 20 days, the day of the change not counted.
    assert asked.due_at.astimezone(HCM).date() == datetime.date(2026, 12, 22)
    assert asked.channel == RecipientRequest.Channel.EMAIL
    assert asked.items == [DataItem.NAME, DataItem.PHONE]
    assert asked.history.count() == 1

    _send_emails()
    (email,) = mail.outbox
    assert email.to == ["dpo@saomai.vn"]
    assert "Ngừng xử lý" in email.body and "22/12/2026" in email.body
    assert "Nghị định 356/2025/NĐ-CP, Điều 5 khoản 2" in email.body
    # Ids and what the recipient holds; nothing it would learn from us.
    assert "Nguyễn Văn An" not in email.body and "0912" not in email.body
    assert f"SHIP-{partner.pk}" in email.body
    link = re.search(r"https?://\S+/recipient-requests/\S+/", email.body)
    assert link is not None
    asked.refresh_from_db()
    assert asked.status == RecipientRequest.Status.SENT


def test_the_recipient_confirms_through_the_signed_link(
    customer: Customer, sharing: Purpose
) -> None:
    _withdraw(customer, sharing)
    asked = RecipientRequest.objects.get()
    url = reverse(
        "customers:recipient_request_confirm", args=[recipient_requests.confirmation_token(asked)]
    )
    client = Client()

    page = client.get(url)
    assert page.status_code == 200
    assert "Ngừng xử lý" in page.content.decode()
    assert "Nguyễn Văn An" not in page.content.decode()

    refused = client.post(url, {"by_name": " ", "note": "đã xoá"})
    assert refused.status_code == 400
    assert "Ghi tên người xác nhận." in refused.content.decode()
    assert "đã xoá" in refused.content.decode()  # what was typed stays

    done = client.post(url, {"by_name": "Trần Thị Bình, DPO", "note": "Đã ngừng gửi."})
    assert done.status_code == 200
    asked.refresh_from_db()
    assert asked.status == RecipientRequest.Status.CONFIRMED
    assert asked.confirmed_via == RecipientRequest.Via.LINK
    assert asked.confirmed_by_name == "Trần Thị Bình, DPO"

    assert client.get(url[:-3] + "xx/").status_code == 404  # a forged token


def test_the_recipients_system_confirms_through_the_api(
    customer: Customer, sharing: Purpose
) -> None:
    _withdraw(customer, sharing)
    asked = RecipientRequest.objects.get()
    body = {"token": recipient_requests.confirmation_token(asked), "by_name": "Hệ thống Sao Mai"}
    client = Client()
    url = "/api/v1/recipient-requests/confirm"

    answer = client.post(url, body, content_type="application/json")
    assert answer.status_code == 200, answer.content
    assert answer.json()["status"] == "confirmed"
    again = client.post(url, body, content_type="application/json")
    assert again.status_code == 409
    forged = client.post(url, {**body, "token": "1:abc"}, content_type="application/json")
    assert forged.status_code == 404


def test_an_unconfirmed_request_is_reminded_then_overdue(
    customer: Customer, sharing: Purpose, client: Client, superuser: Any
) -> None:
    with time_machine.travel(NOW, tick=False):
        _withdraw(customer, sharing)
        _send_emails()
    mail.outbox.clear()
    with time_machine.travel(NOW + datetime.timedelta(days=18), tick=False):
        assert remind_recipient_requests() == 1
        _send_emails()
        assert remind_recipient_requests() == 0  # once
    (reminder,) = mail.outbox
    assert reminder.subject.startswith("Nhắc lại")
    changelist = reverse("admin:customers_recipientrequest_changelist")
    row = reverse(
        "admin:customers_recipientrequest_change", args=[RecipientRequest.objects.get().pk]
    )
    with time_machine.travel(NOW + datetime.timedelta(days=21), tick=False):
        client.force_login(superuser)
        page = client.get(changelist, {"deadline": "overdue"}).content.decode()
    assert "quá hạn" in page and row in page
    with time_machine.travel(NOW + datetime.timedelta(days=5), tick=False):
        client.force_login(superuser)
        page = client.get(changelist, {"deadline": "overdue"}).content.decode()
    assert row not in page


def test_staff_tell_a_recipient_without_email_and_record_its_confirmation(
    customer: Customer, shipper: Recipient, client: Client
) -> None:
    restrictions.restriction_place(
        customer=customer,
        actor=role_member(CUSTOMER_CARE, "cskh-restrict"),
        reason="Khách yêu cầu",
    )
    to_shipper = RecipientRequest.objects.get(recipient=shipper)
    assert to_shipper.action == RecipientRequest.Action.RESTRICT
    assert to_shipper.status == RecipientRequest.Status.TO_SEND
    assert RecipientRequest.objects.count() == 2  # the partner too, by email
    client.force_login(role_member(CUSTOMER_CARE, "cskh-call"))
    url = reverse("admin:customers_recipientrequest_change", args=[to_shipper.pk])

    page = client.post(url, {"sent_how": ""})
    assert "Ghi rõ đã báo cho bên nhận bằng cách nào." in page.content.decode()
    client.post(url, {"sent_how": "Gọi tổng đài GHN 1900 636677"})
    to_shipper.refresh_from_db()
    assert to_shipper.status == RecipientRequest.Status.SENT

    client.post(url, {"confirmed_by_name": "Chị Hoa", "confirmation_note": "Đã khoá dữ liệu"})
    to_shipper.refresh_from_db()
    assert to_shipper.status == RecipientRequest.Status.CONFIRMED
    assert to_shipper.confirmed_via == RecipientRequest.Via.STAFF
    assert to_shipper.confirmed_by_staff.username == "cskh-call"
    assert to_shipper.history.first().history_user.username == "cskh-call"


def test_a_correction_asks_only_the_recipients_that_hold_the_changed_item(
    customer: Customer, partner: Recipient
) -> None:
    services.customer_update(customer=customer, phone="0987654321")
    (asked,) = RecipientRequest.objects.all()
    assert asked.recipient == partner  # the shipper never received the phone
    assert asked.action == RecipientRequest.Action.CORRECT
    assert asked.items == [DataItem.PHONE]
    services.customer_update(customer=customer, phone="0987654321")  # unchanged: nobody asked
    assert RecipientRequest.objects.count() == 1


@time_machine.travel(NOW, tick=False)
def test_the_customers_request_takes_the_longer_period_and_shows_the_recipients(
    customer: Customer, sharing: Purpose, admin_client: Client, superuser: Any
) -> None:
    complaint = complaint_submit(kind=Kind.WITHDRAW_CONSENT)
    complaint_link_customer(complaint=complaint, customer=customer, actor=superuser)
    assert complaint.due_at.astimezone(HCM).date() == datetime.date(2026, 12, 17)  # 15 days

    _withdraw(customer, sharing, through_request=True)

    complaint.refresh_from_db()
    assert complaint.third_party_involved
    assert complaint.due_at.astimezone(HCM).date() == datetime.date(2026, 12, 22)  # 20 days
    assert complaint.events.filter(action=ComplaintEvent.Action.THIRD_PARTIES_ASKED).exists()
    asked = RecipientRequest.objects.get()
    assert asked.reference == complaint.tracking_code
    page = admin_client.get(reverse("admin:complaints_complaint_change", args=[complaint.pk]))
    assert "Đối tác Bảo hành Sao Mai" in page.content.decode()
    # The person sees why the date moved, not who received their data (not verified there).
    status = Client().post(
        reverse("complaints:status"),
        {"tracking_code": complaint.tracking_code, "contact": complaint.submitter_email},
    )
    text = status.content.decode()
    assert "22/12/2026" in text and "Các bên đã nhận dữ liệu của bạn" in text
    assert "Sao Mai" not in text


def test_an_erasure_asks_every_recipient_but_the_authorities_to_delete(
    customer: Customer, partner: Recipient, shipper: Recipient
) -> None:
    customer_erase(customer=customer, job="test")
    asked = RecipientRequest.objects.filter(action=RecipientRequest.Action.DELETE)
    assert {request.recipient for request in asked} == {partner, shipper}
    for request in asked:
        days = (request.due_at - request.requested_at).days
        assert days in (29, 30)  # Art. 5(4): 30 days, to the end of the last day
    assert Customer.objects.get(pk=customer.pk).status == Customer.Status.ERASED


def test_a_purge_asks_the_recipients_in_queries_that_do_not_grow_with_the_customers(
    policy: Any, partner: Recipient, sharing: Purpose
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from retention.erasure import erase_customers

    clerk = role_member(CUSTOMER_CARE, "cskh-purge")

    def disclosed(count: int) -> list[int]:
        ids = []
        for _ in range(count):
            customer = CustomerFactory()
            services.consent_grant(
                customer=customer, purpose=sharing, channel=Channel.PHONE, form_reference="G"
            )
            disclosures.disclosure_create(
                actor=clerk, customer=customer, recipient=partner, items=[DataItem.NAME]
            )
            ids.append(customer.pk)
        return ids

    warm_up, few, many = disclosed(1), disclosed(3), disclosed(15)
    erase_customers(customer_ids=warm_up)
    counted = []
    for ids in (few, many):
        with CaptureQueriesContext(connection) as queries:
            erase_customers(customer_ids=ids)
        counted.append(sum(not q["sql"].startswith("INSERT") for q in queries.captured_queries))
    assert counted[0] == counted[1]
    assert RecipientRequest.objects.filter(action="delete").count() == 19
