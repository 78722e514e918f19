"""The documents a customer receives, as real PDF files read back: the copy of their data (Law
91/2025/QH15 Art. 4(1)(c)–(d)) is a letter from the controller, grouped by what we hold, written
the Vietnamese way, without storage paths or staff's notes; an authority's request Legal marked
confidential is withheld from it and from the JSON, and the withholding is on the complaint's
history (Art. 15(2)(a)); the consent receipt (Art. 9) and "who received my data" (Art. 4(1)(a))
as PDF files carry the right customer's data and nothing of another's."""

from __future__ import annotations

import datetime
import json
import os
import zoneinfo
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from complaints import data_requests, services
from complaints.models import Complaint, ComplaintEvent, ComplaintMessage
from config.celery_app import app as celery_app
from customers import disclosures
from customers import services as customer_services
from customers.models import Channel, Customer, Disclosure, Purpose, Recipient
from customers.personal_data import DataItem
from tests.complaints._breach_helpers import (
    controller_for_notices,
    pdf_text,
    require_weasyprint,
    signed_in,
)
from tests.factories import (
    CustomerFactory,
    PurposeFactory,
    complaint_submit,
    identity_verified,
    pdf_bytes,
    role_member,
)

pytestmark = pytest.mark.django_db

HCM = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime.datetime(2026, 11, 20, 9, 30, tzinfo=HCM)
PHONE = "0983 456 721"
EMAIL = "thu.hoai.pham@example.vn"
POLICE = "Cơ quan CSĐT Công an TP. Hồ Chí Minh"


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def eager(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)
    monkeypatch.setitem(celery_app.conf, "task_eager_propagates", True)


@pytest.fixture
def care(db: None) -> Any:
    return role_member("customer_care", "cskh-lan")


@pytest.fixture
def legal(db: None) -> Any:
    return role_member("legal_compliance", "phap-che-binh")


@pytest.fixture
def customer(care: Any) -> Customer:
    controller_for_notices()
    return CustomerFactory(
        actor=care,
        full_name="Phạm Thị Thu Hoài",
        phone=PHONE,
        email=EMAIL,
        address="88 Nguyễn Đình Chiểu, Phường Bến Nghé, TP. Hồ Chí Minh",
        notes="Khách khó tính, hay đổi trả",
    )


@pytest.fixture
def other(care: Any) -> Customer:
    return CustomerFactory(
        actor=care, full_name="Lê Minh Khang", phone="0908 111 223", email="khang.le@example.vn"
    )


def _recipient(**fields: Any) -> Recipient:
    return disclosures.recipient_save(recipient=Recipient(**fields), actor=None)


@pytest.fixture
def shipper(db: None) -> Recipient:
    return _recipient(
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
    )


@pytest.fixture
def police(db: None) -> Recipient:
    return _recipient(
        name=POLICE,
        kind=Recipient.Kind.AUTHORITY,
        purpose=PurposeFactory(
            code="legal-obligations",
            name_vi="Nghĩa vụ pháp lý",
            name_en="Legal obligations",
            legal_basis=Purpose.LegalBasis.LEGAL_OBLIGATION,
        ),
        allowed_items=list(DataItem.values),
    )


def _to_police(customer: Customer, police: Recipient, legal: Any, number: str) -> Disclosure:
    return disclosures.disclosure_create(
        actor=legal,
        customer=customer,
        recipient=police,
        items=[DataItem.NAME, DataItem.PHONE, DataItem.ORDERS],
        request_issuer=POLICE,
        request_number=number,
        request_date=datetime.date(2026, 11, 2),
        request_scan=SimpleUploadedFile("yeu-cau.pdf", pdf_bytes(), "application/pdf"),
    )


def _access_request(customer: Customer, care: Any) -> Complaint:
    complaint = complaint_submit(name=customer.full_name, phone=PHONE, email=EMAIL, kind="access")
    services.complaint_link_customer(complaint=complaint, customer=customer, actor=care)
    return identity_verified(complaint, care)


def _send_copy(complaint: Complaint, care: Any, capture: Any) -> tuple[str, dict[str, Any]]:
    """The letter's text and the JSON, as the customer receives them by email."""
    mail.outbox.clear()
    with capture(execute=True):
        data_requests.complaint_send_data_export(complaint=complaint, actor=care)
    [email] = mail.outbox
    attachments = {name: content for name, content, _mimetype in email.attachments}
    assert set(attachments) == {"personal-data.pdf", "personal-data.json"}
    text = " ".join(pdf_text(attachments["personal-data.pdf"]).split())
    return text, json.loads(attachments["personal-data.json"])


def test_the_copy_of_the_data_is_a_letter_in_the_vietnamese_way(
    customer: Customer,
    care: Any,
    policy: Any,
    marketing: Purpose,
    shipper: Recipient,
    eager: None,
    django_capture_on_commit_callbacks: Any,
) -> None:
    require_weasyprint()
    with time_machine.travel(NOW, tick=False):
        consent = customer_services.consent_grant(
            customer=customer,
            purpose=marketing,
            channel=Channel.WEB_FORM,
            policy_version=policy,
            form_reference="WEB-2026-0042",
            ip_address="203.113.45.67",
            user_agent="Mozilla/5.0 (Windows NT 10.0)",
            evidence_file=SimpleUploadedFile("bang-chung.pdf", pdf_bytes(), "application/pdf"),
        )
        customer_services.order_create(
            customer=customer,
            actor=care,
            reference="DH-2026-00077",
            total_vnd=1_250_000,
            invoice_number="HD00077",
        )
        disclosures.disclosure_create(
            actor=care,
            customer=customer,
            recipient=shipper,
            items=[DataItem.NAME, DataItem.PHONE, DataItem.DELIVERY_ADDRESS],
            notes="Giao đơn DH-2026-00077, khách dặn gọi trước",
        )
        complaint = _access_request(customer, care)
        services.complaint_add_message(
            complaint=complaint,
            actor=care,
            visibility=ComplaintMessage.Visibility.INTERNAL,
            body="Nghi khách dùng tài khoản của người khác",
        )
        text, data = _send_copy(complaint, care, django_capture_on_commit_callbacks)

    # From the controller, addressed to the customer, dated and signed the Vietnamese way.
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "CÔNG TY CỔ PHẦN THƯƠNG MẠI MỸ THO" in text  # the heading
    assert "Công ty Cổ phần Thương mại Mỹ Tho" in text and "1200100557" in text
    assert "Kính gửi: Phạm Thị Thu Hoài" in text
    assert "Đồng Tháp, ngày 20 tháng 11 năm 2026" in text
    assert "Nguyễn Văn Hùng" in text  # the signatory
    # Grouped by what we hold, in order.
    headings = [
        "1. Thông tin nhận dạng và liên lạc",
        "2. Đơn hàng",
        "3. Sự đồng ý",
        "4. Những bên đã nhận dữ liệu của bạn",
        "5. Khiếu nại và yêu cầu",
    ]
    positions = [text.find(heading) for heading in headings]
    assert -1 not in positions, dict(zip(headings, positions, strict=True))
    assert positions == sorted(positions)
    # Written the Vietnamese way: dd/mm/yyyy, 0983 456 721, 1.250.000 ₫.
    assert "20/11/2026" in text
    assert "2026-11-20" not in text
    assert PHONE in text and "+84983456721" not in text
    assert "1.250.000 ₫" in text
    assert "Giao Hàng Nhanh" in text and "DH-2026-00077" in text
    # No storage path, no staff's notes.
    stored = consent.evidence_file.name
    assert os.path.dirname(stored) and os.path.dirname(stored) not in text
    assert os.path.dirname(stored) not in json.dumps(data, ensure_ascii=False)
    for internal in (
        "Khách khó tính, hay đổi trả",  # the customer's file
        "khách dặn gọi trước",  # the hand-over's note
        "Nghi khách dùng tài khoản của người khác",  # the complaint's internal note
    ):
        assert internal not in text
        assert internal not in json.dumps(data, ensure_ascii=False)
    # The JSON stays machine-readable: ISO dates, E.164 phone, the amount as a number.
    [order] = data["records"]["customers.Order"]
    assert order["total_vnd"] == 1_250_000
    assert order["ordered_at"].startswith("2026-11-20T09:30")
    assert data["records"]["customers.Customer"][0]["phone"] == "+84983456721"


def test_a_confidential_authority_request_is_withheld_and_the_withholding_recorded(
    customer: Customer,
    care: Any,
    legal: Any,
    police: Recipient,
    shipper: Recipient,
    eager: None,
    django_capture_on_commit_callbacks: Any,
) -> None:
    require_weasyprint()
    secret = _to_police(customer, police, legal, "77/CSĐT-PC02")
    open_request = _to_police(customer, police, legal, "12/CSĐT-PC02")
    # Law 91/2025/QH15 Art. 15(2)(a): only Legal decides what is withheld.
    with pytest.raises(PermissionDenied):
        disclosures.disclosure_mark_confidential(disclosure=secret, actor=care)
    with pytest.raises(ValidationError) as caught:
        disclosures.disclosure_mark_confidential(
            disclosure=disclosures.disclosure_create(
                actor=care,
                customer=customer,
                recipient=shipper,
                items=[DataItem.NAME],
            ),
            actor=legal,
        )
    assert caught.value.code == "not_authority"
    disclosures.disclosure_mark_confidential(disclosure=secret, actor=legal)
    secret.refresh_from_db()
    assert secret.confidential and secret.confidential_set_by == legal
    assert secret.history.filter(confidential=True).exists()

    complaint = _access_request(customer, care)
    text, data = _send_copy(complaint, care, django_capture_on_commit_callbacks)

    document = json.dumps(data, ensure_ascii=False)
    assert "77/CSĐT-PC02" not in text and "77/CSĐT-PC02" not in document
    assert "12/CSĐT-PC02" in text and "12/CSĐT-PC02" in document
    numbers = [row["request_number"] for row in data["records"]["customers.Disclosure"]]
    assert "77/CSĐT-PC02" not in numbers and open_request.request_number in numbers
    # Evidence for staff: who sent the copy, when, and what it withheld.
    [event] = complaint.events.filter(action=ComplaintEvent.Action.DATA_WITHHELD)
    assert event.actor == care
    assert f"#{secret.pk}" in event.detail and "77/CSĐT-PC02" in event.detail
    assert "15(2)(a)" in event.detail
    page = signed_in(legal).get(reverse("admin:complaints_complaint_change", args=[complaint.pk]))
    assert "77/CSĐT-PC02" in page.content.decode()

    # The same letter downloaded to print and hand over withholds it too, and says so again.
    download = signed_in(care).get(
        reverse("admin:complaints_complaint_export_pdf", args=[complaint.pk])
    )
    assert download["Content-Type"] == "application/pdf"
    printed = " ".join(pdf_text(download.content).split())
    assert "12/CSĐT-PC02" in printed and "77/CSĐT-PC02" not in printed
    assert complaint.events.filter(action=ComplaintEvent.Action.DATA_WITHHELD).count() == 2

    # "Who received my data" leaves it out too, and tells staff it did.
    report = signed_in(legal).get(
        reverse("admin:customers_customer_disclosure_report", args=[customer.pk])
    )
    html = report.content.decode()
    assert "12/CSĐT-PC02" in html and "77/CSĐT-PC02" not in html
    assert "report-withheld" in html


def test_the_consent_receipt_as_a_pdf_is_the_customers_alone(
    customer: Customer, other: Customer, care: Any, policy: Any, marketing: Purpose
) -> None:
    require_weasyprint()
    mine = customer_services.consent_grant(
        customer=customer,
        purpose=marketing,
        channel=Channel.PHONE,
        policy_version=policy,
        form_reference="CALL-0042",
    )
    theirs = customer_services.consent_grant(
        customer=other,
        purpose=marketing,
        channel=Channel.PHONE,
        policy_version=policy,
        form_reference="CALL-0099",
    )
    response = signed_in(care).get(
        reverse("admin:customers_customer_consent_receipt_pdf", args=[customer.pk])
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    text = " ".join(pdf_text(response.content).split())
    assert "Biên nhận sự đồng ý" in text
    assert "Phạm Thị Thu Hoài" in text and PHONE in text
    assert mine.receipt_number in text and "Gửi email tiếp thị" in text
    assert "Công ty Cổ phần Thương mại Mỹ Tho" in text
    assert "Lê Minh Khang" not in text and theirs.receipt_number not in text
    assert "0908 111 223" not in text

    # Staff who see the customer masked get the page and a message, not the customer's file.
    sales = role_member("sales", "kinh-doanh-tuan")
    refused = signed_in(sales).get(
        reverse("admin:customers_customer_consent_receipt_pdf", args=[customer.pk]), follow=True
    )
    assert refused.status_code == 200
    assert refused.redirect_chain
    assert not refused.content.startswith(b"%PDF-")


def test_the_consent_receipt_email_carries_the_pdf(
    customer: Customer, policy: Any, marketing: Purpose
) -> None:
    require_weasyprint()
    customer_services.consent_grant(
        customer=customer,
        purpose=marketing,
        channel=Channel.PHONE,
        policy_version=policy,
        form_reference="CALL-0042",
    )
    mail.outbox.clear()
    assert customer_services.consent_receipt_send_email(customer_id=customer.pk)
    [email] = mail.outbox
    [(name, content, mimetype)] = email.attachments
    assert (name, mimetype) == ("phieu-dong-y.pdf", "application/pdf")
    assert "Phạm Thị Thu Hoài" in " ".join(pdf_text(content).split())


def test_who_received_my_data_as_a_pdf_is_the_customers_alone(
    customer: Customer,
    other: Customer,
    care: Any,
    legal: Any,
    shipper: Recipient,
    police: Recipient,
) -> None:
    require_weasyprint()
    with time_machine.travel(NOW, tick=False):
        disclosures.disclosure_create(
            actor=care, customer=customer, recipient=shipper, items=[DataItem.NAME]
        )
        _to_police(other, police, legal, "55/CSĐT-PC02")
        secret = _to_police(customer, police, legal, "77/CSĐT-PC02")
        disclosures.disclosure_mark_confidential(disclosure=secret, actor=legal)
    response = signed_in(legal).get(
        reverse("admin:customers_customer_disclosure_report_pdf", args=[customer.pk])
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = " ".join(pdf_text(response.content).split())
    assert "Những bên đã nhận dữ liệu của bạn" in text
    assert "Phạm Thị Thu Hoài" in text
    assert "Giao Hàng Nhanh" in text and "20/11/2026" in text
    # Another customer's disclosure is not theirs; the confidential request is withheld.
    assert "Lê Minh Khang" not in text and "55/CSĐT-PC02" not in text
    assert "77/CSĐT-PC02" not in text and POLICE not in text


def test_only_legal_marks_a_request_confidential_from_the_disclosures_list(
    customer: Customer, care: Any, legal: Any, police: Recipient
) -> None:
    secret = _to_police(customer, police, legal, "77/CSĐT-PC02")
    changelist = reverse("admin:customers_disclosure_changelist")
    assert "mark_confidential" not in signed_in(care).get(changelist).content.decode()
    refused = signed_in(care).post(
        changelist, {"action": "mark_confidential", "_selected_action": [secret.pk]}
    )
    assert refused.status_code in (200, 302)
    secret.refresh_from_db()
    assert not secret.confidential

    client = signed_in(legal)
    assert "mark_confidential" in client.get(changelist).content.decode()
    done = client.post(
        changelist,
        {"action": "mark_confidential", "_selected_action": [secret.pk]},
        follow=True,
    )
    assert done.status_code == 200
    secret.refresh_from_db()
    assert secret.confidential and secret.confidential_set_by == legal
    assert secret.confidential_set_at is not None
    shown = client.get(reverse("admin:customers_disclosure_change", args=[secret.pk]))
    assert "phap-che-binh" in shown.content.decode()
