"""Deadlines of complaints and requests: 2 working days to acknowledge, the kind's period, one
extension with a reason — read from the DeadlineRule table and the holiday list (the law's
periods article by article: test_law_deadlines.py)."""

from __future__ import annotations

import datetime
import zoneinfo
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from complaints import deadlines, services
from complaints.models import Complaint, ComplaintEvent, DeadlineRule, PublicHoliday
from tests.factories import complaint_submit, role_member

pytestmark = pytest.mark.django_db

HCM = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
# A week of March 2026 without holidays: Friday 6, Saturday 7, Monday 9 … Wednesday 11.
FRIDAY = datetime.datetime(2026, 3, 6, 16, 0, tzinfo=HCM)
SATURDAY = datetime.datetime(2026, 3, 7, 10, 0, tzinfo=HCM)


def end_of(year: int, month: int, day: int) -> datetime.datetime:
    return datetime.datetime(year, month, day, 23, 59, 59, tzinfo=HCM)


def codes(error: ValidationError, field: str | None = None) -> list[str | None]:
    if field is not None:
        return [item.code for item in error.error_dict[field]]
    return [item.code for item in error.error_list]


@pytest.fixture
def legal(db: None) -> Any:
    return role_member("legal_compliance", "phap-che")


@pytest.fixture
def care(db: None) -> Any:
    return role_member("customer_care", "cskh")


# Acknowledge: 2 working days --------------------------------------------------------------


def test_received_on_friday_is_acknowledged_by_the_end_of_tuesday() -> None:
    complaint = complaint_submit(when=FRIDAY)

    assert complaint.acknowledge_due_at == end_of(2026, 3, 10)
    assert complaint.acknowledge_due_at.astimezone(HCM).strftime("%A %H:%M") == "Tuesday 23:59"


def test_the_day_is_vietnams_even_when_utc_is_still_the_day_before() -> None:
    # 18:30 UTC Thursday is 01:30 Friday in Vietnam: counted from Friday, not Thursday.
    late = datetime.datetime(2026, 3, 5, 18, 30, tzinfo=datetime.UTC)

    complaint = complaint_submit(when=late)

    assert complaint.acknowledge_due_at == end_of(2026, 3, 10)


def test_a_public_holiday_on_monday_moves_the_acknowledgement_to_wednesday() -> None:
    PublicHoliday.objects.create(date=datetime.date(2026, 3, 9), name="Nghỉ bù")

    complaint = complaint_submit(when=FRIDAY)

    assert complaint.acknowledge_due_at == end_of(2026, 3, 11)


def test_received_on_saturday_is_acknowledged_by_tuesday() -> None:
    complaint = complaint_submit(when=SATURDAY)

    assert complaint.acknowledge_due_at == end_of(2026, 3, 10)


def test_tet_holidays_of_the_default_calendar_are_skipped() -> None:
    # Friday 13/02/2026; Tết: 16–20/02 are holidays (migration 0002), so Monday 23 and Tuesday 24.
    complaint = complaint_submit(when=datetime.datetime(2026, 2, 13, 9, 0, tzinfo=HCM))

    assert complaint.acknowledge_due_at == end_of(2026, 2, 24)


# Resolve: 15 days, 20 with a third party --------------------------------------------------


def test_withdrawal_of_consent_is_due_in_15_days(care: Any) -> None:
    complaint = complaint_submit(kind=Complaint.Kind.WITHDRAW_CONSENT, when=FRIDAY)

    assert complaint.due_at == end_of(2026, 3, 21)


def test_withdrawal_of_consent_with_a_third_party_is_due_in_20_days(care: Any) -> None:
    complaint = complaint_submit(kind=Complaint.Kind.WITHDRAW_CONSENT, when=FRIDAY)

    services.complaint_route(
        complaint=complaint,
        actor=care,
        department=Complaint.Department.SALES_MARKETING,
        assignee=care,
        third_party_involved=True,
    )

    complaint.refresh_from_db()
    assert complaint.due_at == end_of(2026, 3, 26)


def test_a_rule_in_working_days_skips_weekends_and_holidays(legal: Any) -> None:
    # A complaint kind: the company's choice (a request's period is the law's days).
    rule = DeadlineRule.objects.get(kind=Complaint.Kind.OTHER_COMPLAINT)
    rule.resolve_days = 10
    rule.resolve_unit = DeadlineRule.Unit.WORKING_DAYS
    deadlines.deadline_rule_save(rule=rule, actor=legal)

    complaint = complaint_submit(kind=Complaint.Kind.OTHER_COMPLAINT, when=FRIDAY)
    # Monday 9 … Friday 13 and Monday 16 … Friday 20.
    assert complaint.due_at == end_of(2026, 3, 20)

    PublicHoliday.objects.create(date=datetime.date(2026, 3, 18), name="Ngày nghỉ")
    later = complaint_submit(kind=Complaint.Kind.OTHER_COMPLAINT, when=FRIDAY)
    assert later.due_at == end_of(2026, 3, 23)


def test_changing_the_rule_changes_new_complaints_not_old_ones(legal: Any, care: Any) -> None:
    before = complaint_submit(kind=Complaint.Kind.OTHER_COMPLAINT, when=FRIDAY)
    assert before.due_at == end_of(2026, 4, 5)  # 30 days by default

    rule = DeadlineRule.objects.get(kind=Complaint.Kind.OTHER_COMPLAINT)
    rule.resolve_days = 10
    rule.acknowledge_working_days = 1
    deadlines.deadline_rule_save(rule=rule, actor=legal)

    after = complaint_submit(kind=Complaint.Kind.OTHER_COMPLAINT, when=FRIDAY)
    assert after.due_at == end_of(2026, 3, 16)
    assert after.acknowledge_due_at == end_of(2026, 3, 9)
    before.refresh_from_db()
    assert before.due_at == end_of(2026, 4, 5)


def test_only_legal_changes_the_deadline_table(care: Any) -> None:
    rule = DeadlineRule.objects.get(kind=Complaint.Kind.ACCESS)
    rule.resolve_days = 5
    with pytest.raises(PermissionDenied):
        deadlines.deadline_rule_save(rule=rule, actor=care)
    assert DeadlineRule.objects.get(kind=Complaint.Kind.ACCESS).resolve_days == 10


def test_a_third_party_deadline_shorter_than_the_plain_one_is_refused(legal: Any) -> None:
    rule = DeadlineRule.objects.get(kind=Complaint.Kind.WITHDRAW_CONSENT)
    rule.third_party_resolve_days = 10
    with pytest.raises(ValidationError) as caught:
        deadlines.deadline_rule_save(rule=rule, actor=legal)
    assert codes(caught.value, "third_party_resolve_days") == ["shorter"]


def test_a_kind_without_a_rule_gets_the_legal_defaults() -> None:
    DeadlineRule.objects.filter(kind=Complaint.Kind.CORRECTION).delete()

    assert deadlines.acknowledge_due(Complaint.Kind.CORRECTION, FRIDAY) == end_of(2026, 3, 10)
    # Decree 356/2025 Art. 5(3): 10 days.
    assert deadlines.resolve_due(Complaint.Kind.CORRECTION, FRIDAY) == end_of(2026, 3, 16)


# Extension: once, at most max_extension_days, with a reason -------------------------------


def test_one_extension_with_a_reason_moves_the_due_date(legal: Any) -> None:
    complaint = complaint_submit(kind=Complaint.Kind.WITHDRAW_CONSENT, when=FRIDAY)

    services.complaint_extend(
        complaint=complaint, actor=legal, days=15, reason="Đối tác vận chuyển chưa phản hồi"
    )

    assert complaint.due_at == end_of(2026, 4, 5)
    assert complaint.extension_days == 15
    event = complaint.events.get(action=ComplaintEvent.Action.EXTENDED)
    assert event.actor == legal
    assert event.detail == "Đối tác vận chuyển chưa phản hồi"

    with pytest.raises(ValidationError) as caught:
        services.complaint_extend(complaint=complaint, actor=legal, days=1, reason="Lần nữa")
    assert codes(caught.value) == ["already_extended"]
    complaint.refresh_from_db()
    assert complaint.due_at == end_of(2026, 4, 5)


@pytest.mark.parametrize("days", [0, 16, -1])
def test_an_extension_beyond_the_rule_is_refused(legal: Any, days: int) -> None:
    complaint = complaint_submit(kind=Complaint.Kind.WITHDRAW_CONSENT, when=FRIDAY)

    with pytest.raises(ValidationError) as caught:
        services.complaint_extend(complaint=complaint, actor=legal, days=days, reason="Lý do")

    assert codes(caught.value, "days") == ["days"]
    complaint.refresh_from_db()
    assert complaint.extension_days == 0
    assert complaint.due_at == end_of(2026, 3, 21)


def test_the_maximum_extension_comes_from_the_rule(legal: Any) -> None:
    rule = DeadlineRule.objects.get(kind=Complaint.Kind.ACCESS)
    rule.max_extension_days = 5
    deadlines.deadline_rule_save(rule=rule, actor=legal)
    complaint = complaint_submit(kind=Complaint.Kind.ACCESS, when=FRIDAY)

    with pytest.raises(ValidationError) as caught:
        services.complaint_extend(complaint=complaint, actor=legal, days=6, reason="Lý do")
    assert codes(caught.value, "days") == ["days"]

    services.complaint_extend(complaint=complaint, actor=legal, days=5, reason="Lý do")
    assert complaint.due_at == end_of(2026, 3, 21)


def test_an_extension_needs_a_reason(legal: Any) -> None:
    complaint = complaint_submit(kind=Complaint.Kind.WITHDRAW_CONSENT, when=FRIDAY)

    with pytest.raises(ValidationError) as caught:
        services.complaint_extend(complaint=complaint, actor=legal, days=10, reason="   ")

    assert codes(caught.value, "reason") == ["required"]
    assert not complaint.events.filter(action=ComplaintEvent.Action.EXTENDED).exists()


def test_customer_care_cannot_extend(care: Any) -> None:
    complaint = complaint_submit(kind=Complaint.Kind.WITHDRAW_CONSENT, when=FRIDAY)

    with pytest.raises(PermissionDenied):
        services.complaint_extend(complaint=complaint, actor=care, days=5, reason="Lý do")


def test_rerouting_keeps_the_extension(legal: Any) -> None:
    complaint = complaint_submit(kind=Complaint.Kind.WITHDRAW_CONSENT, when=FRIDAY)
    services.complaint_extend(complaint=complaint, actor=legal, days=10, reason="Lý do")

    services.complaint_route(
        complaint=complaint,
        actor=legal,
        department=Complaint.Department.LEGAL_COMPLIANCE,
        third_party_involved=True,
    )

    assert complaint.due_at == end_of(2026, 4, 5)  # 20 days, then 10 more


# The clock moves --------------------------------------------------------------------------


def test_a_complaint_becomes_overdue_after_the_last_moment_of_its_day() -> None:
    with time_machine.travel(FRIDAY, tick=False):
        complaint = complaint_submit(kind=Complaint.Kind.WITHDRAW_CONSENT)
    assert complaint.received_at == FRIDAY
    assert complaint.due_at == end_of(2026, 3, 21)

    with time_machine.travel(datetime.datetime(2026, 3, 21, 23, 59, tzinfo=HCM), tick=False):
        assert not complaint.is_overdue()
    with time_machine.travel(datetime.datetime(2026, 3, 22, 0, 0, 1, tzinfo=HCM), tick=False):
        assert complaint.is_overdue()
        assert Complaint.objects.filter(due_at__lt=datetime.datetime.now(tz=HCM)).count() == 1
