"""The three steps (seed 004 §7): received → classified and routed → resolved, then closed; or
rejected, or a duplicate. Every step names who and when; each role may take only its steps;
the customer hears replies and results, never internal notes."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from complaints import emails, selectors, services
from complaints.models import Complaint, ComplaintEvent, ComplaintMessage
from config.celery_app import app as celery_app
from tests.factories import CustomerFactory, complaint_submit, role_member

pytestmark = pytest.mark.django_db

S = Complaint.Status
DEPT = Complaint.Department.CUSTOMER_CARE


@pytest.fixture
def care(db: None) -> Any:
    return role_member("customer_care", "cskh-lan")


@pytest.fixture
def legal(db: None) -> Any:
    return role_member("legal_compliance", "phap-che-binh")


@pytest.fixture
def sales(db: None) -> Any:
    return role_member("sales", "kinh-doanh")


@pytest.fixture
def administrator(db: None) -> Any:
    return role_member("administrator", "quan-tri")


@pytest.fixture
def eager(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tasks queued after commit run in place (their emails land in mail.outbox)."""
    # On the Celery app's configuration itself, undone after the test (CELERY_TASK_ALWAYS_EAGER
    # changed first would be read back by Celery as the value to restore).
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)
    monkeypatch.setitem(celery_app.conf, "task_eager_propagates", True)


def codes(error: ValidationError, field: str | None = None) -> list[str | None]:
    if field is not None:
        return [item.code for item in error.error_dict[field]]
    return [item.code for item in error.error_list]


def route(complaint: Complaint, actor: Any, assignee: Any = None) -> Complaint:
    return services.complaint_route(
        complaint=complaint, actor=actor, department=DEPT, assignee=assignee or actor
    )


def resolve_by_phone(complaint: Complaint, actor: Any) -> Complaint:
    return services.complaint_resolve(
        complaint=complaint,
        actor=actor,
        resolution="Chúng tôi đã ngừng gửi tin nhắn.",
        response_channel=Complaint.ResponseChannel.PHONE,
        phone_call_at=timezone.now() - datetime.timedelta(minutes=10),
        phone_call_summary="Đã gọi, khách đồng ý.",
    )


def last_event(complaint: Complaint) -> ComplaintEvent:
    return complaint.events.order_by("-at", "-id").first()  # type: ignore[return-value]  # the test made one


# Transitions -------------------------------------------------------------------------------


def _steps(legal: Any) -> dict[str, Callable[[Complaint], Complaint]]:
    other = complaint_submit(description="Khiếu nại gốc")
    return {
        S.AWAITING_CUSTOMER: lambda c: services.complaint_await_customer(
            complaint=c, actor=legal, message="Xin gửi ảnh chụp tin nhắn."
        ),
        S.RECEIVED: lambda c: services.complaint_resume(complaint=c, actor=legal, note="Đã gửi"),
        S.ROUTED: lambda c: route(c, legal),
        S.RESOLVED: lambda c: resolve_by_phone(c, legal),
        S.CLOSED: lambda c: services.complaint_close(complaint=c, actor=legal),
        S.REJECTED: lambda c: services.complaint_reject(
            complaint=c, actor=legal, reason="Không liên quan đến dữ liệu cá nhân."
        ),
        S.DUPLICATE: lambda c: services.complaint_mark_duplicate(
            complaint=c, actor=legal, original=other
        ),
    }


# (path to reach the start status, the step to take)
ALLOWED = [
    ([], S.ROUTED),
    ([], S.AWAITING_CUSTOMER),
    ([], S.REJECTED),
    ([], S.DUPLICATE),
    ([S.AWAITING_CUSTOMER], S.RECEIVED),
    ([S.AWAITING_CUSTOMER], S.ROUTED),
    ([S.AWAITING_CUSTOMER], S.REJECTED),
    ([S.AWAITING_CUSTOMER], S.DUPLICATE),
    ([S.ROUTED], S.ROUTED),
    ([S.ROUTED], S.AWAITING_CUSTOMER),
    ([S.ROUTED], S.RESOLVED),
    ([S.ROUTED], S.REJECTED),
    ([S.ROUTED], S.DUPLICATE),
    ([S.ROUTED, S.RESOLVED], S.CLOSED),
    ([S.ROUTED, S.RESOLVED], S.ROUTED),
]
REFUSED = [
    ([], S.RESOLVED),
    ([], S.CLOSED),
    ([], S.RECEIVED),
    ([S.AWAITING_CUSTOMER], S.AWAITING_CUSTOMER),
    ([S.AWAITING_CUSTOMER], S.RESOLVED),
    ([S.ROUTED], S.CLOSED),
    ([S.ROUTED, S.RESOLVED], S.REJECTED),
    ([S.ROUTED, S.RESOLVED, S.CLOSED], S.ROUTED),
    ([S.ROUTED, S.RESOLVED, S.CLOSED], S.REJECTED),
    ([S.REJECTED], S.ROUTED),
    ([S.REJECTED], S.CLOSED),
    ([S.DUPLICATE], S.ROUTED),
    ([S.DUPLICATE], S.RECEIVED),
]


@pytest.mark.parametrize(("path", "to"), ALLOWED)
def test_every_allowed_step_is_taken_and_recorded(legal: Any, path: list[str], to: str) -> None:
    steps = _steps(legal)
    complaint = complaint_submit()
    for status in path:
        steps[status](complaint)
    start = complaint.status
    before = timezone.now()

    steps[to](complaint)

    complaint.refresh_from_db()
    assert complaint.status == to
    event = last_event(complaint)
    assert event.action == ComplaintEvent.Action.TRANSITION
    assert (event.from_status, event.to_status) == (start, to)
    assert event.actor == legal
    assert before <= event.at <= timezone.now()
    # The history says who changed the complaint.
    assert complaint.history.latest().history_user == legal


@pytest.mark.parametrize(("path", "to"), REFUSED)
def test_a_step_that_does_not_follow_is_refused(legal: Any, path: list[str], to: str) -> None:
    steps = _steps(legal)
    complaint = complaint_submit()
    for status in path:
        steps[status](complaint)
    start = complaint.status
    events = complaint.events.count()

    with pytest.raises(ValidationError) as caught:
        steps[to](complaint)

    assert codes(caught.value) == ["bad_transition"]
    complaint.refresh_from_db()
    assert complaint.status == start
    assert complaint.events.count() == events


def test_the_received_event_is_written_at_submission() -> None:
    complaint = complaint_submit()

    [event] = complaint.events.all()
    assert event.action == ComplaintEvent.Action.RECEIVED
    assert event.to_status == S.RECEIVED
    assert event.actor is None
    assert event.at == complaint.received_at


# Roles -------------------------------------------------------------------------------------


def test_customer_care_routes_resolves_and_closes(care: Any) -> None:
    complaint = complaint_submit()

    route(complaint, care)
    resolve_by_phone(complaint, care)
    services.complaint_close(complaint=complaint, actor=care)

    assert complaint.status == S.CLOSED
    assert complaint.closed_at is not None
    assert list(complaint.events.values_list("actor__username", flat=True)) == [
        None,
        "cskh-lan",
        "cskh-lan",
        "cskh-lan",
    ]


def test_customer_care_cannot_reject_mark_duplicate_or_extend(care: Any) -> None:
    complaint = complaint_submit()
    original = complaint_submit()

    with pytest.raises(PermissionDenied):
        services.complaint_reject(complaint=complaint, actor=care, reason="Không liên quan")
    with pytest.raises(PermissionDenied):
        services.complaint_mark_duplicate(complaint=complaint, actor=care, original=original)
    with pytest.raises(PermissionDenied):
        services.complaint_extend(complaint=complaint, actor=care, days=5, reason="Lý do")
    complaint.refresh_from_db()
    assert complaint.status == S.RECEIVED


def test_legal_takes_every_step(legal: Any) -> None:
    complaint = complaint_submit()
    services.complaint_extend(complaint=complaint, actor=legal, days=5, reason="Cần thêm thời gian")
    route(complaint, legal)
    services.complaint_reject(complaint=complaint, actor=legal, reason="Không liên quan")
    assert complaint.status == S.REJECTED


@pytest.mark.parametrize("role", ["sales", "administrator"])
def test_sales_and_administrators_cannot_change_complaints(role: str, care: Any) -> None:
    member = role_member(role)
    complaint = complaint_submit()
    customer = CustomerFactory(phone="0912 345 678")

    attempts: list[Callable[[], Any]] = [
        lambda: route(complaint, member, assignee=care),
        lambda: services.complaint_await_customer(complaint=complaint, actor=member, message="?"),
        lambda: services.complaint_close(complaint=complaint, actor=member),
        lambda: services.complaint_reject(complaint=complaint, actor=member, reason="Không"),
        lambda: services.complaint_extend(complaint=complaint, actor=member, days=2, reason="x"),
        lambda: services.complaint_add_message(
            complaint=complaint, actor=member, visibility="internal", body="Ghi chú"
        ),
        lambda: services.complaint_link_customer(
            complaint=complaint, actor=member, customer=customer
        ),
        lambda: services.complaint_submit(
            name="Khách",
            phone="0912 345 678",
            kind=Complaint.Kind.OTHER_COMPLAINT,
            description="Gọi điện",
            actor=member,
        ),
    ]
    for attempt in attempts:
        with pytest.raises(PermissionDenied):
            attempt()
    route(complaint, care)
    with pytest.raises(PermissionDenied):
        resolve_by_phone(complaint, member)
    complaint.refresh_from_db()
    assert complaint.status == S.ROUTED
    assert complaint.customer is None


def test_the_assignee_must_be_able_to_resolve(care: Any, sales: Any) -> None:
    complaint = complaint_submit()

    with pytest.raises(ValidationError) as caught:
        route(complaint, care, assignee=sales)

    assert codes(caught.value, "assignee") == ["assignee_cannot_resolve"]
    complaint.refresh_from_db()
    assert complaint.status == S.RECEIVED
    assert complaint.assignee is None
    assert care in selectors.staff_who_can_resolve()
    assert sales not in selectors.staff_who_can_resolve()


def test_routing_records_the_department_and_the_assignee(care: Any, legal: Any) -> None:
    complaint = complaint_submit()

    services.complaint_route(
        complaint=complaint,
        actor=care,
        department=Complaint.Department.LEGAL_COMPLIANCE,
        assignee=legal,
        kind=Complaint.Kind.SUSPECTED_LEAK,
        note="Có thể là sự cố rò rỉ",
    )

    complaint.refresh_from_db()
    assert complaint.department_id == Complaint.Department.LEGAL_COMPLIANCE
    assert complaint.assignee == legal
    assert complaint.kind == Complaint.Kind.SUSPECTED_LEAK
    # Routing is no answer to the customer: only the email or a recorded call acknowledges.
    assert complaint.acknowledged_at is None
    note = complaint.messages.get()
    assert note.visibility == ComplaintMessage.Visibility.INTERNAL
    assert note.author == care


# Resolving ---------------------------------------------------------------------------------


def test_resolving_by_phone_needs_the_call_time_and_a_summary(care: Any) -> None:
    complaint = complaint_submit()
    route(complaint, care)

    with pytest.raises(ValidationError) as caught:
        services.complaint_resolve(
            complaint=complaint,
            actor=care,
            resolution="Đã xử lý",
            response_channel=Complaint.ResponseChannel.PHONE,
        )
    assert codes(caught.value, "phone_call_at") == ["required"]
    assert codes(caught.value, "phone_call_summary") == ["required"]

    with pytest.raises(ValidationError) as caught:
        services.complaint_resolve(
            complaint=complaint,
            actor=care,
            resolution="Đã xử lý",
            response_channel=Complaint.ResponseChannel.PHONE,
            phone_call_at=timezone.now() + datetime.timedelta(hours=1),
            phone_call_summary="Đã gọi",
        )
    assert codes(caught.value, "phone_call_at") == ["future"]

    with pytest.raises(ValidationError) as caught:
        services.complaint_resolve(
            complaint=complaint, actor=care, resolution="  ", response_channel="phone"
        )
    assert codes(caught.value, "resolution") == ["required"]
    complaint.refresh_from_db()
    assert complaint.status == S.ROUTED

    resolve_by_phone(complaint, care)
    complaint.refresh_from_db()
    assert complaint.status == S.RESOLVED
    assert complaint.phone_call_summary == "Đã gọi, khách đồng ý."
    assert complaint.phone_call_at is not None
    assert complaint.resolved_at is not None


def test_resolving_by_phone_sends_no_email(
    care: Any, eager: None, django_capture_on_commit_callbacks: Any
) -> None:
    complaint = complaint_submit()
    route(complaint, care)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        resolve_by_phone(complaint, care)

    assert mail.outbox == []
    reply = complaint.messages.get(visibility=ComplaintMessage.Visibility.CUSTOMER)
    assert reply.body == "Chúng tôi đã ngừng gửi tin nhắn."  # on the status page


def test_resolving_by_email_sends_the_result_to_the_customer(
    care: Any, eager: None, django_capture_on_commit_callbacks: Any
) -> None:
    complaint = complaint_submit()
    route(complaint, care)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.complaint_resolve(
            complaint=complaint,
            actor=care,
            resolution="Chúng tôi đã xóa số điện thoại của anh khỏi danh sách tiếp thị.",
            response_channel=Complaint.ResponseChannel.EMAIL,
        )

    [email] = mail.outbox
    assert email.to == ["bao.tran@example.vn"]
    assert complaint.tracking_code in email.subject
    assert "Chúng tôi đã xóa số điện thoại của anh khỏi danh sách tiếp thị." in email.body
    assert "Trần Văn Bảo" in email.body
    assert complaint.tracking_code in email.body
    reply = complaint.messages.get(visibility=ComplaintMessage.Visibility.CUSTOMER)
    assert reply.emailed_at is not None
    assert complaint.events.filter(action=ComplaintEvent.Action.REPLY_SENT).count() == 1
    # Sent once: a task delivered twice sends nothing more.
    assert emails.customer_message_send(message_id=reply.pk) is False
    assert len(mail.outbox) == 1


def test_resolving_by_email_without_an_email_is_refused(care: Any) -> None:
    complaint = complaint_submit(email="")
    route(complaint, care)

    with pytest.raises(ValidationError) as caught:
        services.complaint_resolve(
            complaint=complaint, actor=care, resolution="Xong", response_channel="email"
        )
    assert codes(caught.value, "response_channel") == ["no_email"]


def test_internal_notes_never_reach_the_customer_replies_do(
    care: Any, legal: Any, eager: None, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        complaint = complaint_submit()
    assert len(mail.outbox) == 1  # the acknowledgement
    with django_capture_on_commit_callbacks(execute=True):
        services.complaint_add_message(
            complaint=complaint,
            actor=care,
            visibility=ComplaintMessage.Visibility.INTERNAL,
            body="NỘI BỘ: khách này từng khiếu nại sai sự thật",
        )
        services.complaint_add_message(
            complaint=complaint,
            actor=care,
            visibility=ComplaintMessage.Visibility.CUSTOMER,
            body="Chúng tôi đang kiểm tra nguồn gửi tin nhắn.",
        )
        services.complaint_route(
            complaint=complaint,
            actor=care,
            department=DEPT,
            assignee=care,
            note="NỘI BỘ: chuyển phòng pháp chế nếu cần",
        )
        services.complaint_await_customer(
            complaint=complaint, actor=care, message="Xin gửi ảnh chụp màn hình tin nhắn."
        )
        services.complaint_reject(
            complaint=complaint, actor=legal, reason="Tin nhắn không phải của công ty."
        )

    bodies = [email.body for email in mail.outbox]
    assert len(bodies) == 4
    assert all(email.to == ["bao.tran@example.vn"] for email in mail.outbox)
    assert not any("NỘI BỘ" in body for body in bodies)
    joined = "\n".join(bodies)
    for reply in (
        "Chúng tôi đang kiểm tra nguồn gửi tin nhắn.",
        "Xin gửi ảnh chụp màn hình tin nhắn.",
        "Tin nhắn không phải của công ty.",
    ):
        assert reply in joined


def test_an_empty_message_or_an_unknown_visibility_is_refused(care: Any) -> None:
    complaint = complaint_submit()

    with pytest.raises(ValidationError) as caught:
        services.complaint_add_message(
            complaint=complaint, actor=care, visibility="internal", body=""
        )
    assert codes(caught.value, "body") == ["required"]
    with pytest.raises(ValidationError):
        services.complaint_add_message(complaint=complaint, actor=care, visibility="all", body="x")
    assert not complaint.messages.exists()


# The acknowledgement -----------------------------------------------------------------------


def test_the_acknowledgement_is_emailed_once_with_the_tracking_code(
    eager: None, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        complaint = complaint_submit()

    [email] = mail.outbox
    assert email.to == ["bao.tran@example.vn"]
    assert complaint.tracking_code in email.subject
    assert complaint.tracking_code in email.body
    assert "/complaints/status/" in email.body
    complaint.refresh_from_db()
    assert complaint.acknowledged_at is not None
    assert complaint.events.filter(action=ComplaintEvent.Action.ACKNOWLEDGED).count() == 1
    assert emails.acknowledgement_send(complaint_id=complaint.pk) is False
    assert len(mail.outbox) == 1


def test_no_acknowledgement_without_an_email(
    eager: None, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        complaint_submit(email="")
    assert callbacks == []
    assert mail.outbox == []


# Duplicates --------------------------------------------------------------------------------


def test_a_duplicate_points_to_the_original_which_goes_on(legal: Any) -> None:
    original = complaint_submit()
    copy = complaint_submit()

    services.complaint_mark_duplicate(complaint=copy, actor=legal, original=original)

    copy.refresh_from_db()
    assert copy.status == S.DUPLICATE
    assert copy.duplicate_of == original
    assert copy.closed_at is not None
    assert last_event(copy).detail == original.tracking_code
    original.refresh_from_db()
    assert original.status == S.RECEIVED
    assert list(original.duplicates.all()) == [copy]


def test_a_complaint_cannot_duplicate_itself_or_a_duplicate(legal: Any) -> None:
    original = complaint_submit()
    copy = complaint_submit()
    third = complaint_submit()
    services.complaint_mark_duplicate(complaint=copy, actor=legal, original=original)

    with pytest.raises(ValidationError) as caught:
        services.complaint_mark_duplicate(complaint=third, actor=legal, original=third)
    assert codes(caught.value, "original") == ["self"]
    with pytest.raises(ValidationError) as caught:
        services.complaint_mark_duplicate(complaint=third, actor=legal, original=copy)
    assert codes(caught.value, "original") == ["chain"]
    third.refresh_from_db()
    assert third.status == S.RECEIVED


# Linking the customer ----------------------------------------------------------------------


def test_matching_customers_by_phone_and_by_email(care: Any) -> None:
    by_phone = CustomerFactory(phone="+84 912 345 678", email="khac@example.vn")
    by_email = CustomerFactory(phone="0987 654 321", email="Bao.Tran@Example.vn")
    CustomerFactory(phone="0903 000 111", email="nguoi.khac@example.vn")
    complaint = complaint_submit(phone="0912.345.678", email="BAO.TRAN@example.vn")

    assert selectors.matching_customers(complaint) == [by_phone, by_email]
    assert selectors.matching_customers(complaint_submit(email="")) == [by_phone]
    assert selectors.matching_customers(complaint_submit(phone="")) == [by_email]

    services.complaint_link_customer(complaint=complaint, customer=by_phone, actor=care)

    complaint.refresh_from_db()
    assert complaint.customer == by_phone
    assert complaint.customer_linked_by == care
    assert complaint.customer_linked_at is not None
    event = last_event(complaint)
    assert event.action == ComplaintEvent.Action.CUSTOMER_LINKED
    assert event.actor == care
    assert list(by_phone.complaints.all()) == [complaint]


def test_an_erased_customer_is_neither_matched_nor_linked(care: Any) -> None:
    from retention.erasure import customer_erase

    customer = CustomerFactory(phone="0912 345 678")
    complaint = complaint_submit()
    customer_erase(customer=customer)

    assert selectors.matching_customers(complaint) == []
    with pytest.raises(ValidationError) as caught:
        services.complaint_link_customer(complaint=complaint, customer=customer, actor=care)
    assert codes(caught.value, "customer") == ["erased"]


def test_decree356_art5_without_an_email_the_acknowledgement_is_a_recorded_call() -> None:
    care = role_member("customer_care", "cskh-goi")
    complaint = complaint_submit(email="", when=timezone.now() - datetime.timedelta(hours=2))
    assert complaint.acknowledged_at is None  # no email: nothing was sent
    with pytest.raises(ValidationError) as refused:
        services.complaint_acknowledge_by_call(
            complaint=complaint, actor=care, called_at=None, summary=""
        )
    assert set(refused.value.error_dict) == {"called_at", "summary"}
    called = timezone.now() - datetime.timedelta(minutes=10)
    services.complaint_acknowledge_by_call(
        complaint=complaint,
        actor=care,
        called_at=called,
        summary="Đã báo mã tra cứu, hạn trả lời và trang tra cứu.",
    )
    complaint.refresh_from_db()
    assert complaint.acknowledged_at == called
    event = complaint.events.get(action=ComplaintEvent.Action.ACKNOWLEDGED)
    assert event.actor == care and event.at == called
    assert "Đã báo mã tra cứu" in event.detail
    with pytest.raises(ValidationError):
        services.complaint_acknowledge_by_call(
            complaint=complaint, actor=care, called_at=called, summary="Lần hai"
        )
