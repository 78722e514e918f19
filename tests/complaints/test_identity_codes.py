"""A requester confirms they are the customer with a one-time code sent to the phone or email on
record — never to the one typed on the form — typed on the status page; only then does anything
personal go out, and then only to the address on record."""

from __future__ import annotations

import datetime
import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from complaints import data_requests, identity_codes, services
from complaints.models import Complaint, ComplaintEvent, IdentityCode
from config.celery_app import app as celery_app
from customers.kernel import sms
from customers.kernel.outbox import OutboxTask
from customers.models import Customer
from tests.factories import CustomerFactory, complaint_submit, role_member

pytestmark = pytest.mark.django_db

PHONE = "0983 456 721"
EMAIL = "thu.hoai.pham@example.vn"
TYPED_EMAIL = "ke-gian@example.net"


@pytest.fixture(autouse=True)
def _clean(settings: Any, tmp_path: Path) -> Any:
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()
    sms.outbox.clear()
    yield
    cache.clear()
    sms.outbox.clear()


@pytest.fixture
def eager(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)
    monkeypatch.setitem(celery_app.conf, "task_eager_propagates", True)


@pytest.fixture
def care(db: None) -> Any:
    return role_member("customer_care", "cskh-lan")


@pytest.fixture
def customer(care: Any) -> Customer:
    return CustomerFactory(actor=care, full_name="Phạm Thị Thu Hoài", phone=PHONE, email=EMAIL)


@pytest.fixture
def request_filed(customer: Customer, care: Any) -> Complaint:
    """An access request with the customer's phone and someone else's email, linked by staff."""
    complaint = complaint_submit(
        name="Phạm Thị Thu Hoài", phone=PHONE, email=TYPED_EMAIL, kind="access"
    )
    services.complaint_link_customer(complaint=complaint, customer=customer, actor=care)
    mail.outbox.clear()
    return complaint


def status_page(client: Client, complaint: Complaint, **extra: str) -> str:
    response = client.post(
        reverse("complaints:status"),
        {"tracking_code": complaint.tracking_code, "contact": TYPED_EMAIL, **extra},
    )
    assert response.status_code == 200
    return response.content.decode()


def the_code(text: str) -> str:
    [code] = re.findall(r"\b\d{6}\b", text)
    return code


def test_the_code_goes_to_the_phone_on_record_and_confirms_the_request(
    client: Client,
    request_filed: Complaint,
    care: Any,
    eager: None,
    django_capture_on_commit_callbacks: Any,
) -> None:
    page = status_page(client, request_filed)
    assert 'data-testid="send-code-sms"' in page and "0983 *** 721" in page
    assert "t***@example.vn" in page  # the email on record, masked; never the typed one
    assert TYPED_EMAIL not in page.replace(f'value="{TYPED_EMAIL}"', "")

    with django_capture_on_commit_callbacks(execute=True):
        page = status_page(client, request_filed, action="send_code", channel="sms")
    assert 'data-testid="code-form"' in page
    [message] = sms.outbox
    assert message["to"] == "+84983456721"
    assert request_filed.tracking_code in message["text"]
    assert mail.outbox == []  # nothing to the address typed on the form
    code = the_code(message["text"])
    # Kept only as a keyed hash: not in the table, the outbox or the history.
    stored = IdentityCode.objects.get(complaint=request_filed)
    assert code not in stored.code_hash
    assert all(code not in json.dumps(row.args) for row in OutboxTask.objects.all())
    assert not request_filed.events.filter(detail__contains=code).exists()

    page = status_page(client, request_filed, action="check_code", code=code)
    assert 'data-testid="identity-confirmed"' in page
    request_filed.refresh_from_db()
    assert request_filed.identity_method == "one_time_code"
    assert request_filed.identity_verified_by is None
    assert "0983" not in request_filed.identity_note  # the note says how, not the number
    actions = list(request_filed.events.values_list("action", flat=True))
    assert ComplaintEvent.Action.IDENTITY_CODE_SENT in actions
    assert ComplaintEvent.Action.IDENTITY_VERIFIED in actions
    assert request_filed.history.filter(identity_method="one_time_code").exists()

    # Now the copy may go, and only to the address on record.
    with django_capture_on_commit_callbacks(execute=True):
        data_requests.complaint_send_data_export(complaint=request_filed, actor=care)
    [sent] = mail.outbox
    assert sent.to == [EMAIL]
    # Verified: the page offers no code any more.
    assert 'data-testid="identity"' not in status_page(client, request_filed)


def test_a_code_by_email_goes_to_the_address_on_record(
    request_filed: Complaint, eager: None, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        identity_codes.identity_code_request(complaint=request_filed, channel="email")
    [sent] = mail.outbox
    assert sent.to == [EMAIL]
    identity_codes.identity_code_confirm(complaint=request_filed, code=the_code(sent.body))
    assert request_filed.identity_verified_at is not None


def test_wrong_codes_count_and_end_the_code(
    client: Client,
    request_filed: Complaint,
    eager: None,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        identity_codes.identity_code_request(complaint=request_filed, channel="sms")
    code = the_code(sms.outbox[0]["text"])
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    page = status_page(client, request_filed, action="check_code", code=wrong)
    assert "4" in re.search(r'id="id_code_error".*?</ul>', page, re.S).group(0)  # type: ignore[union-attr]  # the error is on the code field
    for _ in range(identity_codes.MAX_TRIES - 1):
        with pytest.raises(ValidationError):
            identity_codes.identity_code_confirm(complaint=request_filed, code=wrong)
    assert IdentityCode.objects.get().attempts == identity_codes.MAX_TRIES
    with pytest.raises(ValidationError) as caught:
        identity_codes.identity_code_confirm(complaint=request_filed, code=code)
    assert caught.value.error_dict["code"][0].code == "expired"  # the right code, too late
    request_filed.refresh_from_db()
    assert request_filed.identity_verified_at is None


def test_a_code_expires_and_a_new_one_replaces_it(
    request_filed: Complaint, eager: None, django_capture_on_commit_callbacks: Any
) -> None:
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            identity_codes.identity_code_request(complaint=request_filed, channel="sms")
    first, second = (the_code(message["text"]) for message in sms.outbox)
    if first != second:  # one in a million they are the same
        with pytest.raises(ValidationError) as caught:
            identity_codes.identity_code_confirm(complaint=request_filed, code=first)
        assert caught.value.error_dict["code"][0].code == "wrong_code"
    IdentityCode.objects.filter(used_at__isnull=True, sent_at__isnull=False).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    with pytest.raises(ValidationError) as caught:
        identity_codes.identity_code_confirm(complaint=request_filed, code=second)
    assert caught.value.error_dict["code"][0].code == "expired"


def test_at_most_three_codes_an_hour(
    client: Client, request_filed: Complaint, eager: None, django_capture_on_commit_callbacks: Any
) -> None:
    for _ in range(identity_codes.SENDS_PER_HOUR):
        with django_capture_on_commit_callbacks(execute=True):
            identity_codes.identity_code_request(complaint=request_filed, channel="sms")
    with django_capture_on_commit_callbacks(execute=True):
        page = status_page(client, request_filed, action="send_code", channel="sms")
    assert 'data-testid="identity-error"' in page
    assert len(sms.outbox) == identity_codes.SENDS_PER_HOUR


def test_no_code_before_staff_link_the_customer_and_none_for_a_complaint(
    client: Client, customer: Customer
) -> None:
    unlinked = complaint_submit(
        name="Phạm Thị Thu Hoài", phone=PHONE, email=TYPED_EMAIL, kind="access"
    )
    page = status_page(client, unlinked)
    assert 'data-testid="identity-awaiting"' in page and "send-code" not in page
    with pytest.raises(ValidationError):
        identity_codes.identity_code_request(complaint=unlinked, channel="sms")
    complaint = complaint_submit(name="Phạm Thị Thu Hoài", phone=PHONE, email=TYPED_EMAIL)
    assert 'data-testid="identity"' not in status_page(client, complaint)


def test_a_code_is_sent_once_though_the_task_runs_twice(
    request_filed: Complaint, django_capture_on_commit_callbacks: Any
) -> None:
    code = identity_codes.identity_code_request(complaint=request_filed, channel="sms")
    assert identity_codes.identity_code_send(code_id=code.pk) is True
    assert identity_codes.identity_code_send(code_id=code.pk) is False
    assert len(sms.outbox) == 1


def test_the_file_sender_writes_each_message_as_a_json_line(settings: Any, tmp_path: Path) -> None:
    settings.SMS_BACKEND = "customers.kernel.sms.FileSender"
    settings.SMS_OPTIONS = {"path": str(tmp_path / "sms.jsonl")}
    sms.sms_send(to="0912 853 984", text="Mã của bạn là 123456")
    [line] = (tmp_path / "sms.jsonl").read_text(encoding="utf-8").splitlines()
    assert json.loads(line)["to"] == "+84912853984"
    assert json.loads(line)["text"] == "Mã của bạn là 123456"
    with pytest.raises(sms.SmsError):
        sms.sms_send(to="not a number", text="x")


def test_staff_cannot_record_a_code_the_customer_never_typed(
    request_filed: Complaint, care: Any
) -> None:
    with pytest.raises(ValidationError) as caught:
        data_requests.complaint_verify_identity(
            complaint=request_filed, actor=care, method="one_time_code", note="Khách đọc mã"
        )
    assert "identity_method" in caught.value.error_dict
    request_filed.refresh_from_db()
    assert request_filed.identity_verified_at is None


def test_the_acknowledgement_of_a_request_says_how_to_confirm(
    eager: None, django_capture_on_commit_callbacks: Any
) -> None:
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        complaint_submit(email=EMAIL, kind="access", language="en")
    [sent] = mail.outbox
    assert "one-time code" in sent.body
