"""The closed-complaints rule: 36 months after a complaint is closed, the person leaves it — also
when it was never linked to a customer, which no customer erasure reaches."""

from __future__ import annotations

import datetime
import io
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import translation

from complaints import selectors, services
from complaints.demo_data import demo_png
from complaints.models import Complaint, ComplaintEvent, ComplaintMessage, Department, Evidence
from customers import roles
from customers.personal_data import keyed_hash
from retention import services as retention_services
from retention.erasure import REDACTED
from retention.models import PurgeRun
from retention.purge import Record, purge_execute, purge_plan
from tests.factories import CustomerFactory, StaffFactory
from tests.retention.all_tables import find_in_files, find_values

pytestmark = pytest.mark.django_db
VN = ZoneInfo("Asia/Ho_Chi_Minh")

NAME = "Trần Thị Bích Ngọc"
PHONE = "0987 654 321"
EMAIL = "bich.ngoc.tran@example.vn"
STORY = "Nhân viên giao hàng chụp ảnh căn cước của tôi tại Hẻm 45 Trần Hưng Đạo"
NOTE = "Đã đối chiếu với đơn vị vận chuyển GHN ngày 12/01"
REPLY = "Chúng tôi đã yêu cầu GHN xóa ảnh căn cước của chị Bích Ngọc"
# A scanned letter: the customer's name is in the file's content.
LETTER = f"%PDF-1.4\n% Đơn khiếu nại của {NAME}\n%%EOF\n".encode()


def at(year: int, month: int, day: int, hour: int = 10) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, tzinfo=VN)


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    # Each test's files apart: the file checks read the whole media root, which would otherwise
    # hold earlier runs' evidence (kept complaints are never purged).
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def clerk() -> Any:
    user = StaffFactory(username="cskh-purge")
    user.groups.add(roles.group_for(roles.CUSTOMER_CARE))
    return user


def _closed_complaint(clerk: Any, *, on: datetime.datetime, **contact: Any) -> Complaint:
    with time_machine.travel(on, tick=False):
        complaint = services.complaint_submit(
            name=contact.pop("name", NAME),
            phone=contact.pop("phone", PHONE),
            email=contact.pop("email", EMAIL),
            kind=Complaint.Kind.DISCLOSURE_WITHOUT_CONSENT,
            description=STORY,
            files=[
                SimpleUploadedFile("can-cuoc-tran-thi-bich-ngoc.png", demo_png(), "image/png"),
                SimpleUploadedFile("thu-khieu-nai.pdf", LETTER, "application/pdf"),
            ],
        )
        services.complaint_add_message(
            complaint=complaint, actor=clerk, visibility="internal", body=NOTE
        )
        services.complaint_route(
            complaint=complaint,
            actor=clerk,
            department=Department.LOGISTICS,
            assignee=clerk,
            note=NOTE,
        )
        services.complaint_resolve(
            complaint=complaint, actor=clerk, resolution=REPLY, response_channel="email"
        )
        services.complaint_close(complaint=complaint, actor=clerk)
    complaint.refresh_from_db()
    return complaint


def _purge(now: datetime.datetime) -> PurgeRun:
    run = PurgeRun.objects.create(trigger=PurgeRun.Trigger.COMMAND, task="test")
    purge_execute(run=run, now=now)
    return run


def test_a_complaint_closed_36_months_ago_loses_the_person_and_keeps_the_record(
    clerk: Any,
) -> None:
    complaint = _closed_complaint(clerk, on=at(2023, 1, 10))
    paths = [
        Path(settings.MEDIA_ROOT) / evidence.file.name
        for evidence in Evidence.objects.filter(complaint=complaint)
    ]
    assert len(paths) == 2
    assert all(path.is_file() for path in paths)
    # Stored under random names: the uploaded names (which name the person) are not on disk.
    assert not any("ngoc" in path.name or "khieu" in path.name for path in paths)
    assert complaint.customer_id is None  # never linked: no customer erasure would reach it

    # The day before the 36 months end: nothing yet.
    plan = purge_plan(now=at(2026, 1, 9))
    assert [p.due_count for p in plan.for_record(Record.COMPLAINT)] == [0]
    plan = purge_plan(now=at(2026, 1, 10))
    assert [p.due_count for p in plan.for_record(Record.COMPLAINT)] == [1]

    run = _purge(at(2026, 1, 10))
    assert not run.errors
    complaint.refresh_from_db()
    # The record of how it was answered stays.
    assert complaint.status == Complaint.Status.CLOSED
    assert complaint.tracking_code
    assert complaint.response_channel == "email"
    # The person leaves it.
    assert complaint.submitter_name == REDACTED
    assert complaint.description == REDACTED
    assert complaint.resolution == REDACTED
    assert complaint.submitter_email == keyed_hash(EMAIL)
    assert complaint.submitter_phone == keyed_hash("+84987654321", length=20)
    assert set(complaint.messages.values_list("body", flat=True)) == {REDACTED}
    assert not ComplaintEvent.objects.filter(complaint=complaint).exclude(detail__in=["", REDACTED])
    assert not Evidence.objects.filter(complaint=complaint).exists()
    assert not any(path.exists() for path in paths)
    for historical in complaint.history.all():
        assert historical.submitter_name == REDACTED
        assert historical.description == REDACTED
        assert historical.submitter_email in ("", keyed_hash(EMAIL))
    assert run.counts["complaints.Complaint"] == 1
    assert run.counts["files"] == 2
    # The customer can still learn that it was answered, with the code and the contact.
    assert (
        selectors.complaint_find_for_customer(tracking_code=complaint.tracking_code, contact=EMAIL)
        == complaint
    )
    # A second run finds nothing more to do.
    assert [p.due_count for p in purge_plan(now=at(2026, 2, 1)).for_record(Record.COMPLAINT)] == [0]


def test_nothing_of_the_anonymized_complaint_is_left_in_any_table_or_file(
    require_postgres: None, clerk: Any
) -> None:
    complaint = _closed_complaint(clerk, on=at(2023, 1, 10))
    values = [NAME, "+84987654321", EMAIL, STORY, NOTE, REPLY]
    assert find_values(values)
    assert find_in_files([NAME])  # in the letter's content
    _purge(at(2026, 6, 1))
    assert find_values(values) == []
    assert find_in_files([NAME]) == []
    assert Complaint.objects.filter(pk=complaint.pk).exists()


def test_open_recent_and_held_complaints_are_not_touched(clerk: Any) -> None:
    recent = _closed_complaint(clerk, on=at(2025, 6, 1))
    customer = CustomerFactory(phone="0912 000 111", email="giu@example.vn")
    held = _closed_complaint(
        clerk, on=at(2022, 6, 1), name="Lê Văn Giữ", phone="0912 000 111", email="giu@example.vn"
    )
    with time_machine.travel(at(2022, 6, 1), tick=False):
        Complaint.objects.filter(pk=held.pk).update(customer=customer)
    dpo = StaffFactory(username="dpo-purge")
    dpo.groups.add(roles.group_for(roles.LEGAL_COMPLIANCE))
    retention_services.legal_hold_place(
        customer=customer, actor=dpo, reason="dispute", note="Tranh chấp đang giải quyết tại tòa"
    )
    with time_machine.travel(at(2022, 1, 5), tick=False):
        still_open = services.complaint_submit(
            name="Phạm Văn Mở",
            phone="0909 111 222",
            kind=Complaint.Kind.ACCESS,
            description="Cho tôi xem dữ liệu",
        )

    run = _purge(at(2026, 11, 23))
    assert not run.errors
    for complaint in (recent, held, still_open):
        complaint.refresh_from_db()
        assert complaint.submitter_name != REDACTED
    out = io.StringIO()
    with translation.override("en"):
        call_command("purge", "--dry-run", stdout=out)
    assert "legal hold" in out.getvalue()
    assert ComplaintMessage.objects.filter(complaint=held).exclude(body=REDACTED).exists()
