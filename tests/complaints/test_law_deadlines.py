"""Decree 356/2025/NĐ-CP Art. 5, article by article: the periods of a data subject's requests,
counted in days from the day after receipt, the law's period as the table's upper bound, one
extension within the cap, and the migration that brought the table and the open requests to the
law. The clock crosses weekends and Tết 2027."""

from __future__ import annotations

import datetime
import importlib
import zoneinfo
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from complaints import deadlines, law, services
from complaints.models import Complaint, ComplaintEvent, DeadlineRule, Kind, PublicHoliday
from retention import services as retention_services
from retention.models import ErasureRequest
from tests.factories import CustomerFactory, complaint_submit, role_member

pytestmark = pytest.mark.django_db

HCM = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
# Friday 4 December 2026, afternoon in Vietnam.
FRIDAY = datetime.datetime(2026, 12, 4, 15, 0, tzinfo=HCM)
# Tết Đinh Mùi: Saturday 6 February 2027; the days off around it, as the Government sets them.
TET_2027 = [datetime.date(2027, 2, day) for day in (4, 5, 8, 9, 10)]


def end_of(year: int, month: int, day: int) -> datetime.datetime:
    return datetime.datetime(year, month, day, 23, 59, 59, tzinfo=HCM)


@pytest.fixture
def legal(db: None) -> Any:
    return role_member("legal_compliance", "phap-che")


def submitted(kind: str, when: datetime.datetime = FRIDAY) -> Complaint:
    return complaint_submit(kind=kind, when=when)


def test_decree356_art5_3_access_is_10_days() -> None:
    # Received Friday 4/12: day 1 is Saturday 5/12, day 10 is Monday 14/12 (weekends count).
    assert submitted("access").due_at == end_of(2026, 12, 14)
    assert submitted("correction").due_at == end_of(2026, 12, 14)


def test_decree356_art5_3_access_is_15_days_when_a_third_party_must_act(legal: Any) -> None:
    complaint = submitted("access")
    routed = services.complaint_route(
        complaint=complaint, actor=legal, department="legal_compliance", third_party_involved=True
    )
    assert routed.due_at == end_of(2026, 12, 19)


def test_decree356_art5_2_withdraw_restrict_object_are_15_days() -> None:
    for kind in ("withdraw_consent", "stop_marketing", "restrict_object"):
        assert submitted(kind).due_at == end_of(2026, 12, 19), kind


def test_decree356_art5_4_deletion_is_20_days_and_the_erasure_request_follows_it(
    legal: Any,
) -> None:
    complaint = submitted("deletion")
    assert complaint.due_at == end_of(2026, 12, 24)
    assert deadlines.resolve_due("deletion", FRIDAY, third_party=True) == end_of(2027, 1, 3)
    # An erasure request filed by staff or a rule: the table's period, not a separate setting.
    customer = CustomerFactory(actor=legal)
    request = retention_services.erasure_request_create(
        customer=customer, source=ErasureRequest.Source.STAFF, actor=legal, when=FRIDAY
    )
    assert request.due_at == end_of(2026, 12, 24)


def test_decree356_art5_5_protective_measures_are_15_days() -> None:
    complaint = submitted(Kind.PROTECTIVE_MEASURES)
    assert complaint.due_at == end_of(2026, 12, 19)
    assert Kind.PROTECTIVE_MEASURES in dict(Complaint._meta.get_field("kind").choices)


def test_decree356_art5_acknowledgement_is_2_working_days_across_tet_2027() -> None:
    for day in TET_2027:  # seeded from the calendar by the migration; made sure of here
        PublicHoliday.objects.get_or_create(date=day, defaults={"name": "Tết Nguyên đán"})
    # Received Wednesday 3/2/2027: Thursday 4 and Friday 5 are Tết days, then the weekend, then
    # 8–10 off: the 2 working days are Thursday 11 and Friday 12.
    complaint = submitted("access", when=datetime.datetime(2027, 2, 3, 10, 0, tzinfo=HCM))
    assert complaint.acknowledge_due_at == end_of(2027, 2, 12)
    # The 10 days of the answer are days, Tết included: 13/2.
    assert complaint.due_at == end_of(2027, 2, 13)


@pytest.mark.parametrize(
    ("kind", "cap"), [("access", 10), ("withdraw_consent", 15), ("deletion", 20)]
)
def test_decree356_art5_one_extension_within_the_cap(legal: Any, kind: str, cap: int) -> None:
    complaint = submitted(kind)
    with pytest.raises(ValidationError) as refused:
        services.complaint_extend(complaint=complaint, actor=legal, days=cap + 1, reason="Phức tạp")
    assert "days" in refused.value.error_dict
    extended = services.complaint_extend(
        complaint=complaint, actor=legal, days=cap, reason="Cần đối chiếu với đơn vị vận chuyển"
    )
    assert extended.due_at == deadlines.resolve_due(kind, FRIDAY) + datetime.timedelta(days=cap)
    with pytest.raises(ValidationError):
        services.complaint_extend(complaint=complaint, actor=legal, days=1, reason="Lần hai")


def _rule(kind: str) -> DeadlineRule:
    return DeadlineRule.objects.get(kind=kind)


def test_decree356_art5_legal_may_shorten_a_period_never_lengthen_it(legal: Any) -> None:
    rule = _rule("access")
    rule.resolve_days = 11
    with pytest.raises(ValidationError) as refused:
        deadlines.deadline_rule_save(rule=rule, actor=legal)
    [message] = refused.value.message_dict["resolve_days"]
    assert "10" in message and "356/2025" in message
    for field, value in (
        ("acknowledge_working_days", 3),
        ("max_extension_days", 11),
        ("third_party_resolve_days", 16),
        ("resolve_unit", DeadlineRule.Unit.WORKING_DAYS),
    ):
        rule = _rule("access")
        setattr(rule, field, value)
        with pytest.raises(ValidationError) as refused:
            deadlines.deadline_rule_save(rule=rule, actor=legal)
        assert field in refused.value.error_dict, field
    rule = _rule("access")
    rule.resolve_days = 7
    deadlines.deadline_rule_save(rule=rule, actor=legal)
    assert submitted("access").due_at == end_of(2026, 12, 11)
    # A complaint kind has no period in the law: the company's choice.
    rule = _rule("other_complaint")
    rule.resolve_days = 45
    deadlines.deadline_rule_save(rule=rule, actor=legal)


def test_decree356_art5_the_table_is_at_the_law_after_the_migration() -> None:
    for kind, terms in law.LEGAL_TERMS.items():
        rule = _rule(kind)
        assert (rule.resolve_days, rule.third_party_resolve_days, rule.max_extension_days) == (
            terms.resolve_days,
            terms.third_party_days,
            terms.max_extension_days,
        ), kind
        assert rule.acknowledge_working_days == 2
        assert "356/2025" in rule.note


def test_decree356_art5_the_migration_brings_open_requests_to_the_law() -> None:
    """An access request told 15 days before the correction is due 10 days after receipt, with
    an event saying why; one already within the law, or answered, is left as it was."""
    migration = importlib.import_module("complaints.migrations.0009_legal_deadlines")
    told_15_days = submitted("access")
    Complaint.objects.filter(pk=told_15_days.pk).update(due_at=end_of(2026, 12, 19))
    within = submitted("access")
    answered = submitted("correction")
    Complaint.objects.filter(pk=answered.pk).update(due_at=end_of(2026, 12, 19), status="resolved")
    rule = _rule("access")
    DeadlineRule.objects.filter(pk=rule.pk).update(resolve_days=15, third_party_resolve_days=None)

    migration._rules_to_the_law(DeadlineRule)
    migration._open_requests_to_the_law(Complaint, ComplaintEvent)

    told_15_days.refresh_from_db()
    assert told_15_days.due_at == end_of(2026, 12, 14)
    [event] = told_15_days.events.filter(action=ComplaintEvent.Action.DEADLINE_CORRECTED)
    assert "19/12/2026" in event.detail and "14/12/2026" in event.detail
    assert "Điều 5 khoản 3" in event.detail
    assert not within.events.filter(action=ComplaintEvent.Action.DEADLINE_CORRECTED).exists()
    answered.refresh_from_db()
    assert answered.due_at == end_of(2026, 12, 19)
    assert _rule("access").resolve_days == 10


def test_decree356_art5_the_extension_is_told_with_its_reason(
    legal: Any, client: Any, django_capture_on_commit_callbacks: Any, monkeypatch: Any
) -> None:
    """Once, by email and on the status page, in the person's language, with the new date."""
    from django.core import mail

    from config.celery_app import app as celery_app

    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)
    complaint = complaint_submit(kind="access", when=FRIDAY, language="en")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.complaint_extend(
            complaint=complaint, actor=legal, days=10, reason="the shipper must check its records"
        )
    [sent] = mail.outbox
    assert "the shipper must check its records" in sent.body and "24/12/2026" in sent.body
    page = client.post(
        "/en/complaints/status/",
        {"tracking_code": complaint.tracking_code, "contact": complaint.submitter_email},
    ).content.decode()
    assert "the shipper must check its records" in page and "24/12/2026" in page
