"""Erasure requests: received → identity verified → approved (Legal & compliance) → executed, or
refused with a legal exception and the reason emailed to the customer."""

from __future__ import annotations

import datetime
import zoneinfo
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from complaints.models import DeadlineRule
from customers import roles
from customers.models import Controller, Customer
from retention import selectors, services
from retention.models import ErasureReceipt, ErasureRequest, LegalHold
from tests.factories import CustomerFactory, StaffFactory

pytestmark = pytest.mark.django_db

RECEIVED_AT = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
HCM = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
DUE_AT = datetime.datetime(2026, 3, 22, 23, 59, 59, tzinfo=HCM)


def member_of(role: str) -> Any:
    user = StaffFactory.create(username=f"user-{role}")
    user.groups.add(roles.group_for(role))
    return user


@pytest.fixture
def legal() -> Any:
    return member_of(roles.LEGAL_COMPLIANCE)


@pytest.fixture
def cskh() -> Any:
    return member_of(roles.CUSTOMER_CARE)


@pytest.fixture
def customer() -> Customer:
    return CustomerFactory.create(full_name="Lê Thị Hoa", email="hoa.le@example.vn")


def _codes(error: ValidationError) -> set[str]:
    if hasattr(error, "error_dict"):
        return {e.code for errors in error.error_dict.values() for e in errors if e.code}
    return {e.code for e in error.error_list if e.code}


def _verified(customer: Customer, cskh: Any) -> ErasureRequest:
    request = services.erasure_request_create(
        customer=customer, source=ErasureRequest.Source.COMPLAINT, actor=cskh
    )
    return services.erasure_request_verify(
        request=request, actor=cskh, note="CCCD xuất trình tại quầy"
    )


# Received -----------------------------------------------------------------------------------


def test_a_request_is_due_20_days_after_it_was_received(customer: Customer, cskh: Any) -> None:
    request = services.erasure_request_create(
        customer=customer, source=ErasureRequest.Source.COMPLAINT, actor=cskh, when=RECEIVED_AT
    )
    assert request.status == ErasureRequest.Status.RECEIVED
    assert request.received_by == cskh
    # Decree 356/2025 Art. 5(4): 20 days, from the day after receipt (2/3, 16:00 in Vietnam).
    assert request.due_at == DUE_AT
    # Received is not approved: the customer is still served as before.
    customer.refresh_from_db()
    assert customer.status == Customer.Status.ACTIVE
    assert request.history.latest().history_user == cskh


def test_the_due_date_comes_from_the_deadline_table(customer: Customer) -> None:
    """Legal's shorter period for a deletion is the erasure request's too (no separate setting)."""
    DeadlineRule.objects.filter(kind="deletion").update(resolve_days=12)
    request = services.erasure_request_create(
        customer=customer, source=ErasureRequest.Source.RULE, when=RECEIVED_AT
    )
    assert request.due_at == datetime.datetime(2026, 3, 14, 23, 59, 59, tzinfo=HCM)


def test_a_second_open_request_is_refused_naming_the_first(customer: Customer, cskh: Any) -> None:
    first = services.erasure_request_create(
        customer=customer, source=ErasureRequest.Source.STAFF, actor=cskh
    )
    with pytest.raises(ValidationError) as refused:
        services.erasure_request_create(
            customer=customer, source=ErasureRequest.Source.COMPLAINT, actor=cskh
        )
    assert _codes(refused.value) == {"open_request"}
    assert f"#{first.pk}" in refused.value.messages[0]
    assert ErasureRequest.objects.filter(customer=customer).count() == 1


def test_a_new_request_may_follow_a_refused_one(customer: Customer, cskh: Any, legal: Any) -> None:
    first = services.erasure_request_create(
        customer=customer, source=ErasureRequest.Source.STAFF, actor=cskh
    )
    services.erasure_request_refuse(
        request=first,
        actor=legal,
        exception=ErasureRequest.LegalException.CONTRACT,
        reason="Đơn hàng DH-1024 đang được giao; yêu cầu lại sau khi nhận hàng.",
    )
    second = services.erasure_request_create(
        customer=customer, source=ErasureRequest.Source.COMPLAINT, actor=cskh
    )
    assert second.status == ErasureRequest.Status.RECEIVED


def test_an_erased_customer_gets_no_request(cskh: Any) -> None:
    erased = CustomerFactory.create()
    Customer.objects.filter(pk=erased.pk).update(status=Customer.Status.ERASED)
    erased.refresh_from_db()
    with pytest.raises(ValidationError) as refused:
        services.erasure_request_create(
            customer=erased, source=ErasureRequest.Source.STAFF, actor=cskh
        )
    assert _codes(refused.value) == {"customer_erased"}


def test_sales_may_not_record_a_request(customer: Customer) -> None:
    with pytest.raises(PermissionDenied):
        services.erasure_request_create(
            customer=customer,
            source=ErasureRequest.Source.STAFF,
            actor=member_of(roles.SALES),
        )


# Verified -----------------------------------------------------------------------------------


def test_verification_says_how_and_who(customer: Customer, cskh: Any) -> None:
    request = _verified(customer, cskh)
    assert request.status == ErasureRequest.Status.VERIFIED
    assert request.verified_by == cskh
    assert request.verified_at is not None
    assert request.verification_note == "CCCD xuất trình tại quầy"
    assert request.history.latest().history_user == cskh


def test_verification_without_a_note_is_refused(customer: Customer, cskh: Any) -> None:
    request = services.erasure_request_create(
        customer=customer, source=ErasureRequest.Source.STAFF, actor=cskh
    )
    with pytest.raises(ValidationError) as refused:
        services.erasure_request_verify(request=request, actor=cskh, note="   ")
    assert _codes(refused.value) == {"note_required"}
    request.refresh_from_db()
    assert request.status == ErasureRequest.Status.RECEIVED


def test_a_request_is_verified_once(customer: Customer, cskh: Any) -> None:
    request = _verified(customer, cskh)
    with pytest.raises(ValidationError) as refused:
        services.erasure_request_verify(request=request, actor=cskh, note="gọi lại")
    assert _codes(refused.value) == {"not_received"}


# Approved -----------------------------------------------------------------------------------


def test_legal_approves_a_verified_request_and_the_customer_is_pending(
    customer: Customer, cskh: Any, legal: Any
) -> None:
    request = _verified(customer, cskh)
    services.erasure_request_approve(request=request, actor=legal)

    request.refresh_from_db()
    assert request.status == ErasureRequest.Status.APPROVED
    assert request.approved_by == legal
    assert request.approved_at is not None
    customer.refresh_from_db()
    assert customer.status == Customer.Status.ERASURE_PENDING
    assert customer.history.latest().history_user == legal
    assert list(selectors.requests_due_for_execution()) == [request]


def test_approval_before_verification_is_refused(customer: Customer, cskh: Any, legal: Any) -> None:
    request = services.erasure_request_create(
        customer=customer, source=ErasureRequest.Source.STAFF, actor=cskh
    )
    with pytest.raises(ValidationError) as refused:
        services.erasure_request_approve(request=request, actor=legal)
    assert _codes(refused.value) == {"not_verified"}
    assert "xác minh danh tính" in refused.value.messages[0]
    request.refresh_from_db()
    assert request.status == ErasureRequest.Status.RECEIVED


@pytest.mark.parametrize("role", [roles.CUSTOMER_CARE, roles.SALES, roles.ADMINISTRATOR])
def test_only_legal_may_approve(customer: Customer, cskh: Any, role: str) -> None:
    request = _verified(customer, cskh)
    with pytest.raises(PermissionDenied):
        services.erasure_request_approve(
            request=request, actor=cskh if role == roles.CUSTOMER_CARE else member_of(role)
        )
    request.refresh_from_db()
    assert request.status == ErasureRequest.Status.VERIFIED
    customer.refresh_from_db()
    assert customer.status == Customer.Status.ACTIVE


def test_a_held_customers_request_cannot_be_approved(
    customer: Customer, cskh: Any, legal: Any
) -> None:
    request = _verified(customer, cskh)
    services.legal_hold_place(
        customer=customer,
        actor=legal,
        reason=LegalHold.Reason.INVESTIGATION,
        reference="123/CSĐT-PC02",
    )
    with pytest.raises(ValidationError) as refused:
        services.erasure_request_approve(request=request, actor=legal)
    assert _codes(refused.value) == {"legal_hold"}
    assert "123/CSĐT-PC02" in refused.value.messages[0]
    request.refresh_from_db()
    assert request.status == ErasureRequest.Status.VERIFIED
    customer.refresh_from_db()
    assert customer.status == Customer.Status.ACTIVE


def test_a_hold_placed_after_approval_keeps_the_request_from_the_executor(
    customer: Customer, cskh: Any, legal: Any
) -> None:
    request = services.erasure_request_approve(request=_verified(customer, cskh), actor=legal)
    hold = services.legal_hold_place(
        customer=customer, actor=legal, reason=LegalHold.Reason.DISPUTE
    )
    request.refresh_from_db()
    assert request.status == ErasureRequest.Status.APPROVED
    assert list(selectors.requests_due_for_execution()) == []

    services.legal_hold_lift(hold=hold, actor=legal, reason="Tranh chấp đã hòa giải xong.")
    assert list(selectors.requests_due_for_execution()) == [request]


# Executed -----------------------------------------------------------------------------------


def test_the_executor_closes_an_approved_request_once(
    customer: Customer, cskh: Any, legal: Any
) -> None:
    request = services.erasure_request_approve(request=_verified(customer, cskh), actor=legal)
    receipt = ErasureReceipt.objects.create(
        customer=customer, request=request, job="retention.tasks.execute_erasure_requests"
    )
    services.erasure_request_mark_executed(request=request, receipt=receipt)
    services.erasure_request_mark_executed(request=request, receipt=receipt)  # again: no-op

    request.refresh_from_db()
    assert request.status == ErasureRequest.Status.EXECUTED
    assert request.executed_at == receipt.erased_at
    assert request.history.filter(status=ErasureRequest.Status.EXECUTED).count() == 1
    assert list(selectors.requests_due_for_execution()) == []


def test_a_request_not_approved_is_not_executed(customer: Customer, cskh: Any) -> None:
    request = _verified(customer, cskh)
    receipt = ErasureReceipt.objects.create(customer=customer, job="test")
    with pytest.raises(ValidationError) as refused:
        services.erasure_request_mark_executed(request=request, receipt=receipt)
    assert _codes(refused.value) == {"not_approved"}


# Refused ------------------------------------------------------------------------------------


def test_a_refusal_needs_a_legal_exception_and_a_reason(
    customer: Customer, cskh: Any, legal: Any
) -> None:
    request = _verified(customer, cskh)
    with pytest.raises(ValidationError) as refused:
        services.erasure_request_refuse(request=request, actor=legal, exception="", reason=" ")
    assert set(refused.value.error_dict) == {"refusal_exception", "refusal_reason"}
    assert _codes(refused.value) == {"exception_required", "reason_required"}
    request.refresh_from_db()
    assert request.status == ErasureRequest.Status.VERIFIED


def test_customer_care_may_not_refuse(customer: Customer, cskh: Any) -> None:
    request = _verified(customer, cskh)
    with pytest.raises(PermissionDenied):
        services.erasure_request_refuse(
            request=request,
            actor=cskh,
            exception=ErasureRequest.LegalException.LAW_FORBIDS,
            reason="x",
        )


def test_a_refusal_is_recorded_and_emailed_in_vietnamese(
    customer: Customer,
    cskh: Any,
    legal: Any,
    controller: Controller,
    django_capture_on_commit_callbacks: Any,
) -> None:
    request = _verified(customer, cskh)
    with django_capture_on_commit_callbacks() as callbacks:
        services.erasure_request_refuse(
            request=request,
            actor=legal,
            exception=ErasureRequest.LegalException.LAW_FORBIDS,
            reason="Hóa đơn của Quý khách phải lưu trữ 10 năm theo Luật Kế toán.",
        )
    assert len(callbacks) == 1  # the notice is queued once the refusal is committed

    request.refresh_from_db()
    assert request.status == ErasureRequest.Status.REFUSED
    assert request.refused_by == legal
    assert request.refusal_exception == ErasureRequest.LegalException.LAW_FORBIDS
    customer.refresh_from_db()
    assert customer.status == Customer.Status.ACTIVE  # a refused request erases nothing

    assert services.erasure_refusal_notify(request_id=request.pk) is True
    (email,) = mail.outbox
    assert email.to == ["hoa.le@example.vn"]
    assert "Phản hồi yêu cầu xóa dữ liệu cá nhân" in email.subject
    assert "Mitexco" in email.subject
    assert "Lê Thị Hoa" in email.body
    assert "Công ty Cổ phần Thương mại Mỹ Tho" in email.body
    assert "điểm đ khoản 1 Điều 19" in email.body  # the ground, with its article
    assert "khoản 2 Điều 14 Luật Bảo vệ dữ liệu cá nhân số 91/2025/QH15" in email.body
    assert "13/2023" not in email.body
    assert "Hóa đơn của Quý khách phải lưu trữ 10 năm theo Luật Kế toán." in email.body
    assert "dpo@mitexco.example.vn" in email.body


def test_no_email_for_a_request_not_refused_or_a_customer_without_email(
    cskh: Any, legal: Any
) -> None:
    no_email = CustomerFactory.create(email="")
    request = _verified(no_email, cskh)
    assert services.erasure_refusal_notify(request_id=request.pk) is False
    services.erasure_request_refuse(
        request=request,
        actor=legal,
        exception=ErasureRequest.LegalException.ABUSIVE,
        reason="Yêu cầu lặp lại lần thứ mười trong ngày.",
    )
    assert services.erasure_refusal_notify(request_id=request.pk) is False
    assert mail.outbox == []


def test_refusing_an_approved_request_makes_the_customer_active_again(
    customer: Customer, cskh: Any, legal: Any
) -> None:
    request = services.erasure_request_approve(request=_verified(customer, cskh), actor=legal)
    services.erasure_request_refuse(
        request=request,
        actor=legal,
        exception=ErasureRequest.LegalException.STATE_AGENCY,
        reason="Cơ quan điều tra yêu cầu giữ dữ liệu.",
    )
    customer.refresh_from_db()
    assert customer.status == Customer.Status.ACTIVE
    assert list(selectors.requests_due_for_execution()) == []
    with pytest.raises(ValidationError) as refused:
        services.erasure_request_approve(request=request, actor=legal)
    assert _codes(refused.value) == {"not_verified"}


# Overdue ------------------------------------------------------------------------------------


def test_open_requests_are_overdue_the_moment_after_their_due_time(
    customer: Customer, cskh: Any
) -> None:
    request = services.erasure_request_create(
        customer=customer, source=ErasureRequest.Source.COMPLAINT, actor=cskh, when=RECEIVED_AT
    )
    due = DUE_AT
    assert list(selectors.open_requests_overdue(due - datetime.timedelta(days=1))) == []
    assert list(selectors.open_requests_overdue(due)) == []
    assert list(selectors.open_requests_overdue(due + datetime.timedelta(seconds=1))) == [request]


def test_a_closed_request_is_never_overdue(customer: Customer, cskh: Any, legal: Any) -> None:
    with time_machine.travel(RECEIVED_AT, tick=False):
        request = _verified(customer, cskh)
        services.erasure_request_refuse(
            request=request,
            actor=legal,
            exception=ErasureRequest.LegalException.STATE_AGENCY,
            reason="Thông tin đã được công khai theo quy định.",
        )
    later = timezone.now() + datetime.timedelta(days=365)
    assert list(selectors.open_requests_overdue(later)) == []


# The whole way, through the erasure engine ------------------------------------------------


def test_received_verified_approved_executed_through_the_engine(
    customer: Customer, cskh: Any, legal: Any
) -> None:
    from retention.erasure import customer_erase

    request = services.erasure_request_approve(request=_verified(customer, cskh), actor=legal)
    receipt = customer_erase(customer=customer, request=request, actor=legal)

    assert receipt is not None
    request.refresh_from_db()
    assert request.status == ErasureRequest.Status.EXECUTED
    assert request.executed_at == receipt.erased_at
    assert request.verification_note == ""  # erased with the customer (free text)
    customer.refresh_from_db()
    assert customer.status == Customer.Status.ERASED
    with pytest.raises(ValidationError):
        services.erasure_request_create(customer=customer, source=ErasureRequest.Source.STAFF)


def test_a_refused_request_erases_nothing(customer: Customer, cskh: Any, legal: Any) -> None:
    from retention.erasure import customer_erase

    request = services.erasure_request_refuse(
        request=_verified(customer, cskh),
        actor=legal,
        exception=ErasureRequest.LegalException.LAW_FORBIDS,
        reason="Hóa đơn phải lưu trữ 10 năm.",
    )
    with pytest.raises(ValidationError):
        customer_erase(customer=customer, request=request, actor=legal)
    customer.refresh_from_db()
    assert customer.status == Customer.Status.ACTIVE
    assert customer.full_name == "Lê Thị Hoa"


@pytest.mark.parametrize(
    "ground",
    [
        ErasureRequest.LegalException.IDENTITY_NOT_VERIFIED,
        ErasureRequest.LegalException.PUBLIC_BY_LAW,
        ErasureRequest.LegalException.LIFE_OR_HEALTH,
    ],
)
def test_law91_art14_2_a_refusal_rests_on_a_ground_in_force(
    customer: Customer, cskh: Any, legal: Any, ground: str
) -> None:
    """Decree 13/2023's grounds (repealed) and an unverified identity (no ground: the request
    waits for the verification) are refused; the request stays open."""
    request = _verified(customer, cskh)
    with pytest.raises(ValidationError) as refused:
        services.erasure_request_refuse(request=request, actor=legal, exception=ground, reason="x")
    assert "refusal_exception" in refused.value.error_dict
    request.refresh_from_db()
    assert request.status == ErasureRequest.Status.VERIFIED


def test_law91_art14_5_a_refusal_reaches_the_customer_by_email_or_by_a_recorded_call(
    customer: Customer, cskh: Any, legal: Any, controller: Controller
) -> None:
    """Told once by email; without an email address staff call and record it."""
    request = _verified(customer, cskh)
    services.erasure_request_refuse(
        request=request,
        actor=legal,
        exception=ErasureRequest.LegalException.CONTRACT,
        reason="Đơn hàng đang được bảo hành.",
    )
    assert services.erasure_refusal_notify(request_id=request.pk) is True
    assert services.erasure_refusal_notify(request_id=request.pk) is False  # once
    request.refresh_from_db()
    assert request.refusal_told_at is not None and request.refusal_told_how

    no_email = CustomerFactory.create(email="")
    silent = _verified(no_email, cskh)
    services.erasure_request_refuse(
        request=silent,
        actor=legal,
        exception=ErasureRequest.LegalException.CONTRACT,
        reason="Đơn hàng đang được bảo hành.",
    )
    assert services.erasure_refusal_notify(request_id=silent.pk) is False
    with pytest.raises(ValidationError) as refused:
        services.erasure_refusal_told_by_call(
            request=silent, actor=cskh, called_at=None, summary=""
        )
    assert set(refused.value.error_dict) == {"called_at", "summary"}
    called = timezone.now() - datetime.timedelta(minutes=3)
    services.erasure_refusal_told_by_call(
        request=silent, actor=cskh, called_at=called, summary="Đã báo căn cứ và lý do từ chối."
    )
    silent.refresh_from_db()
    assert silent.refusal_told_at == called and "Đã báo căn cứ" in silent.refusal_told_how
    with pytest.raises(ValidationError):
        services.erasure_refusal_told_by_call(
            request=silent, actor=cskh, called_at=called, summary="Lần hai"
        )
