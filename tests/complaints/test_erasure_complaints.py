"""Erasure reaches complaints: the customer's name, contact, description, evidence (bytes and
file names), notes, replies and history rows are gone from every table and from the media
files; the complaint itself stays, redacted, as the proof the request was handled. A purge
rule leaves a customer alone while a complaint of theirs is open."""

from __future__ import annotations

import datetime
import zoneinfo
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from complaints import selectors, services
from complaints.models import Complaint, ComplaintMessage, Evidence
from customers.models import Customer
from retention.erasure import REDACTED, customer_erase
from retention.jobs import purge_expired_run
from retention.purge import Record, customers_with_open_complaint, purge_plan
from tests.factories import CustomerFactory, identity_verified, pdf_bytes, png_bytes, role_member
from tests.retention.all_tables import find_in_files, find_values

pytestmark = pytest.mark.django_db

HCM = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
NAME = "Phạm Thị Thu Hoài"
PHONE = "0983 456 721"
EMAIL = "thu.hoai.pham@example.vn"
DESCRIPTION = "Tôi là Phạm Thị Thu Hoài, số CCCD 079186001234, bị lộ đơn hàng"
EVIDENCE_TEXT = "Hoai Pham bang chung tin nhan 0983456721"


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def _filed_and_handled(care: Any, legal: Any, customer: Customer) -> Complaint:
    complaint = services.complaint_submit(
        name=NAME,
        phone=PHONE,
        email=EMAIL,
        kind=Complaint.Kind.SUSPECTED_LEAK,
        description=DESCRIPTION,
        files=[
            SimpleUploadedFile("CCCD Phạm Thị Thu Hoài.png", png_bytes(text=EVIDENCE_TEXT)),
            SimpleUploadedFile("tin-nhan-thu-hoai.pdf", pdf_bytes(EVIDENCE_TEXT)),
        ],
    )
    services.complaint_link_customer(complaint=complaint, customer=customer, actor=care)
    services.complaint_add_message(
        complaint=complaint,
        actor=care,
        visibility=ComplaintMessage.Visibility.INTERNAL,
        body=f"Chị {NAME} gọi lại từ số {PHONE}",
    )
    services.complaint_route(
        complaint=complaint,
        actor=care,
        department=Complaint.Department.IT_SECURITY,
        assignee=legal,
        note=f"Kiểm tra nhật ký truy cập của {NAME}",
    )
    services.complaint_add_message(
        complaint=complaint,
        actor=legal,
        visibility=ComplaintMessage.Visibility.CUSTOMER,
        body=f"Kính gửi chị {NAME}, chúng tôi đang kiểm tra.",
    )
    services.complaint_extend(
        complaint=complaint, actor=legal, days=10, reason=f"Chờ nhà cung cấp về vụ của {NAME}"
    )
    services.complaint_resolve(
        complaint=complaint,
        actor=legal,
        resolution=f"Chị {NAME}: không có rò rỉ.",
        response_channel=Complaint.ResponseChannel.EMAIL,
    )
    return complaint


@pytest.mark.postgres
def test_nothing_of_the_complainant_is_left_after_erasure(require_postgres: None) -> None:
    care = role_member("customer_care", "cskh-lan")
    legal = role_member("legal_compliance", "phap-che-binh")
    customer = CustomerFactory(actor=care, full_name=NAME, phone=PHONE, email=EMAIL)
    other = CustomerFactory(full_name="Lê Minh Khang", phone="0912 853 984")
    complaint = _filed_and_handled(care, legal, customer)
    # Filed again with the same phone, and with the same email, and never linked by staff: the
    # erasure reaches them too.
    for phone, email in ((PHONE, ""), ("", EMAIL)):
        services.complaint_submit(
            name=NAME,
            phone=phone,
            email=email,
            kind=Complaint.Kind.OTHER_COMPLAINT,
            description=f"{NAME} gửi lại lần nữa",
        )
    evidence = list(complaint.evidence.all())
    paths = [Path(django_settings.MEDIA_ROOT) / item.file.name for item in evidence]
    assert all(path.is_file() for path in paths)
    values = {
        "name": NAME,
        "phone": customer.phone,
        "phone digits": customer.phone.removeprefix("+84"),
        "email": EMAIL,
        "description": DESCRIPTION,
        "evidence text": EVIDENCE_TEXT,
        "original file name": "CCCD Phạm Thị Thu Hoài.png",
        "original pdf name": "tin-nhan-thu-hoai.pdf",
        **{f"sha256 {n}": item.sha256 for n, item in enumerate(evidence)},
        **{f"stored file {n}": item.file.name for n, item in enumerate(evidence)},
    }
    tables = {table for table, _column, _pk in find_values(values.values())}
    assert {
        "complaints_complaint",
        "complaints_historicalcomplaint",
        "complaints_evidence",
        "complaints_complaintmessage",
        "complaints_complaintevent",
    } <= tables, "the search reaches the complaint's tables"
    assert find_in_files([EVIDENCE_TEXT])

    receipt = customer_erase(customer=customer, actor=legal)

    assert receipt is not None
    for label, value in values.items():
        assert find_values([value]) == [], f"{label} {value!r} survived the erasure"
    assert find_in_files(values.values()) == []
    assert not any(path.exists() for path in paths)
    assert not any(default_storage.exists(item.file.name) for item in evidence)
    assert not Evidence.objects.filter(complaint=complaint).exists()
    assert not Complaint.objects.filter(customer__isnull=True, submitter_name=NAME).exists()
    # The complaint stays, redacted: the proof that it was handled.
    complaint = Complaint.objects.get(pk=complaint.pk)
    assert complaint.status == Complaint.Status.RESOLVED
    assert complaint.kind == Complaint.Kind.SUSPECTED_LEAK
    assert complaint.extension_days == 10
    assert complaint.resolved_at is not None
    assert complaint.customer is None
    assert complaint.submitter_name == REDACTED
    assert complaint.description == REDACTED
    assert complaint.resolution == REDACTED
    assert complaint.extension_reason == REDACTED
    assert set(complaint.messages.values_list("body", flat=True)) == {REDACTED}
    assert complaint.events.count() > 0
    assert receipt.counts["complaints.Evidence"] == 2
    # The other customer is untouched.
    assert find_values(["Lê Minh Khang"])
    other.refresh_from_db()
    assert other.status == Customer.Status.ACTIVE


# Purge rules and open complaints -----------------------------------------------------------

LAST_SEEN = datetime.datetime(2022, 3, 1, 10, tzinfo=HCM)
CHECK = datetime.datetime(2026, 3, 10, 0, 5, tzinfo=HCM)  # 36 months after LAST_SEEN and more


def test_a_rule_does_not_erase_a_customer_with_an_open_complaint_until_it_is_closed() -> None:
    cache.clear()  # the purge's lock
    care = role_member("customer_care", "cskh-lan")
    with time_machine.travel(LAST_SEEN, tick=False):
        customer = CustomerFactory(full_name=NAME, phone=PHONE, email=EMAIL)
    complaint = services.complaint_submit(
        name=NAME,
        phone=PHONE,
        kind=Complaint.Kind.OTHER_COMPLAINT,
        description=DESCRIPTION,
        when=LAST_SEEN,
    )
    services.complaint_link_customer(complaint=complaint, customer=customer, actor=care)
    assert list(customers_with_open_complaint().values_list("customer_id", flat=True)) == [
        customer.pk
    ]

    with time_machine.travel(CHECK, tick=False):
        [rule_plan] = purge_plan().for_record(Record.CUSTOMER)
        assert [line.record_id for line in rule_plan.due_lines(100)] == []
        purge_expired_run()
    customer.refresh_from_db()
    assert customer.status == Customer.Status.ACTIVE

    services.complaint_route(
        complaint=complaint,
        actor=care,
        department=Complaint.Department.CUSTOMER_CARE,
        assignee=care,
    )
    services.complaint_resolve(
        complaint=complaint,
        actor=care,
        resolution="Đã xử lý",
        response_channel=Complaint.ResponseChannel.PHONE,
        phone_call_at=datetime.datetime.now(tz=HCM),
        phone_call_summary="Đã gọi",
    )
    assert customers_with_open_complaint().exists(), "a resolved complaint is still open"
    services.complaint_close(complaint=complaint, actor=care)
    assert not customers_with_open_complaint().exists()

    with time_machine.travel(CHECK + datetime.timedelta(minutes=5), tick=False):
        [rule_plan] = purge_plan().for_record(Record.CUSTOMER)
        assert [line.record_id for line in rule_plan.due_lines(100)] == [customer.pk]
        purge_expired_run()
    customer.refresh_from_db()
    assert customer.status == Customer.Status.ERASED
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.CLOSED
    assert complaint.submitter_name == REDACTED


def test_a_deletion_request_still_moves_after_its_customer_is_erased(superuser: Any) -> None:
    """The customer is erased while their deletion request is open: the complaint's contacts
    are keyed hashes now, but staff still route, resolve and close it, and the status page
    shows no "erased" placeholder where nothing had been written."""
    from retention import services as retention_services

    customer = CustomerFactory(full_name=NAME, phone=PHONE, email=EMAIL)
    complaint = services.complaint_submit(
        name=NAME,
        phone=PHONE,
        email=EMAIL,
        kind=Complaint.Kind.DELETION,
        description="Xin xóa dữ liệu của tôi.",
    )
    services.complaint_link_customer(complaint=complaint, customer=customer, actor=superuser)
    identity_verified(complaint, superuser)
    request = retention_services.complaint_request_erasure(complaint=complaint, actor=superuser)
    retention_services.erasure_request_verify(request=request, actor=superuser, note="CCCD")
    retention_services.erasure_request_approve(request=request, actor=superuser)
    assert customer_erase(customer=customer, request=request, actor=superuser) is not None

    complaint.refresh_from_db()
    assert complaint.resolution == "" and complaint.rejection_reason == ""
    found = selectors.complaint_find_for_customer(
        tracking_code=complaint.tracking_code, contact=EMAIL
    )
    assert found == complaint

    services.complaint_route(
        complaint=complaint,
        actor=superuser,
        department=Complaint.Department.LEGAL_COMPLIANCE,
        assignee=superuser,
    )
    services.complaint_resolve(
        complaint=complaint,
        actor=superuser,
        resolution="Đã xóa toàn bộ dữ liệu cá nhân theo yêu cầu.",
        response_channel=Complaint.ResponseChannel.PHONE,
        phone_call_at=timezone.now(),
        phone_call_summary="Đã báo khách qua điện thoại.",
    )
    services.complaint_close(complaint=complaint, actor=superuser)
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.CLOSED
