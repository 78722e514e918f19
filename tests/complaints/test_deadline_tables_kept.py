"""Each process keeps the deadline rules and holidays, under a version shared by every process
(complaints.deadlines): a complaint reads no table, a write is counted by the next complaint
here at once and on every other node once it commits, and a write rolled back is not kept."""

from __future__ import annotations

import datetime
import zoneinfo
from typing import Any

import pytest
from django.core.cache import cache
from django.db import transaction

from complaints import deadlines
from complaints.holidays import public_holiday_save
from complaints.models import Complaint, DeadlineRule, PublicHoliday
from tests.factories import complaint_submit, role_member

pytestmark = pytest.mark.django_db

HCM = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
FRIDAY = datetime.datetime(2026, 3, 6, 16, 0, tzinfo=HCM)  # a March week without holidays
MONDAY = datetime.date(2026, 3, 9)
OTHER = Complaint.Kind.OTHER_COMPLAINT


def end_of(year: int, month: int, day: int) -> datetime.datetime:
    return datetime.datetime(year, month, day, 23, 59, 59, tzinfo=HCM)


@pytest.fixture
def legal(db: None) -> Any:
    return role_member("legal_compliance", "phap-che")


def test_a_complaint_reads_neither_table_once_they_are_kept(
    django_assert_num_queries: Any,
) -> None:
    deadlines.terms_for(OTHER)  # read once by this process
    with django_assert_num_queries(0):
        terms = deadlines.terms_for(OTHER)
        due = deadlines.acknowledge_due(OTHER, FRIDAY, terms=terms)
    assert due == end_of(2026, 3, 10)


def test_a_holiday_saved_here_counts_for_the_next_complaint(legal: Any) -> None:
    assert complaint_submit(when=FRIDAY).acknowledge_due_at == end_of(2026, 3, 10)

    public_holiday_save(holiday=PublicHoliday(date=MONDAY, name="Nghỉ bù"), actor=legal)

    assert complaint_submit(when=FRIDAY).acknowledge_due_at == end_of(2026, 3, 11)


def test_a_write_commits_a_new_version_for_every_other_process(
    legal: Any, django_capture_on_commit_callbacks: Any
) -> None:
    before = deadlines._shared_version()
    rule = DeadlineRule.objects.get(kind=OTHER)
    rule.resolve_days = 20
    with django_capture_on_commit_callbacks(execute=True):
        deadlines.deadline_rule_save(rule=rule, actor=legal)
    assert deadlines._shared_version() != before
    assert complaint_submit(kind=OTHER, when=FRIDAY).due_at == end_of(2026, 3, 26)


def test_another_nodes_change_is_read_once_its_version_is(legal: Any) -> None:
    assert complaint_submit(kind=OTHER, when=FRIDAY).due_at == end_of(2026, 4, 5)  # 30 days
    # Another node changes the rule: past this process's signals, as its own process would.
    DeadlineRule.objects.filter(kind=OTHER).update(resolve_days=20)
    # Until that node's commit changes the version, this process counts with what it kept…
    assert complaint_submit(kind=OTHER, when=FRIDAY).due_at == end_of(2026, 4, 5)
    cache.set(deadlines.VERSION_KEY, "set by the other node's commit", timeout=None)
    # … and from then on with the new rule.
    assert complaint_submit(kind=OTHER, when=FRIDAY).due_at == end_of(2026, 3, 26)


def test_a_write_rolled_back_is_not_kept(legal: Any) -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        public_holiday_save(holiday=PublicHoliday(date=MONDAY, name="Nghỉ bù"), actor=legal)
        assert complaint_submit(when=FRIDAY).acknowledge_due_at == end_of(2026, 3, 11)
        raise RuntimeError("the admin's save failed further on")

    assert not PublicHoliday.objects.filter(date=MONDAY).exists()
    assert complaint_submit(when=FRIDAY).acknowledge_due_at == end_of(2026, 3, 10)


def test_a_version_lost_from_the_cache_is_set_again() -> None:
    cache.delete(deadlines.VERSION_KEY)
    version = deadlines._shared_version()
    assert version and cache.get(deadlines.VERSION_KEY) == version
