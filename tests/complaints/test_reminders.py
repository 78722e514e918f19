"""Assignees are reminded of their complaints due within a day and of those overdue, the queue
(customer care) of those nobody is assigned to, and both of an acknowledgement (2 working days)
not given yet: one email each, listing them, at most once a day per complaint, by an hourly job
in the database schedule."""

from __future__ import annotations

import datetime
import zoneinfo
from typing import Any

import pytest
import time_machine
from django.core import mail
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from complaints import services
from complaints.models import Complaint, ComplaintEvent
from complaints.tasks import send_deadline_reminders
from tests.factories import complaint_submit, role_member

pytestmark = pytest.mark.django_db

HCM = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime.datetime(2026, 3, 20, 9, 0, tzinfo=HCM)
WITHDRAW = Complaint.Kind.WITHDRAW_CONSENT  # 15 calendar days


def days_ago(days: int) -> datetime.datetime:
    return NOW - datetime.timedelta(days=days)


def assigned(
    assignee: Any, received: datetime.datetime, *, acknowledged: bool = True, **fields: Any
) -> Complaint:
    complaint = complaint_submit(kind=WITHDRAW, when=received, **fields)
    if acknowledged:  # as the acknowledgement email records it once sent
        services.complaint_acknowledge(complaint=complaint, how="Email")
    services.complaint_route(
        complaint=complaint,
        actor=assignee,
        department=Complaint.Department.CUSTOMER_CARE,
        assignee=assignee,
    )
    return complaint


@pytest.fixture
def lan(db: None) -> Any:
    return role_member("customer_care", "cskh-lan")


@pytest.fixture
def binh(db: None) -> Any:
    return role_member("legal_compliance", "phap-che-binh")


def test_each_assignee_gets_one_email_listing_their_due_and_overdue_complaints(
    lan: Any, binh: Any
) -> None:
    with time_machine.travel(NOW, tick=False):
        due_tonight = assigned(lan, days_ago(15))  # due 20/03 23:59:59
        overdue = assigned(lan, days_ago(18))  # due 17/03
        later = assigned(lan, days_ago(5))  # due 30/03
        binhs = assigned(binh, days_ago(16))  # due 19/03: overdue
        unassigned = complaint_submit(kind=WITHDRAW, when=days_ago(20))
        services.complaint_acknowledge(complaint=unassigned, how="Email")
        closed = assigned(lan, days_ago(20))
        services.complaint_resolve(
            complaint=closed,
            actor=lan,
            resolution="Đã ngừng",
            response_channel=Complaint.ResponseChannel.PHONE,
            phone_call_at=NOW - datetime.timedelta(hours=1),
            phone_call_summary="Đã gọi",
        )
        services.complaint_close(complaint=closed, actor=lan)
        mail.outbox.clear()

        reminded = send_deadline_reminders()

    assert reminded == 4
    by_recipient = {tuple(email.to): email for email in mail.outbox}
    assert set(by_recipient) == {(lan.email,), (binh.email,)}
    to_lan = by_recipient[(lan.email,)].body
    assert due_tonight.tracking_code in to_lan
    assert overdue.tracking_code in to_lan
    # Nobody is assigned to it: the queue (customer care, Lan's group) is reminded.
    assert unassigned.tracking_code in to_lan
    for absent in (later, binhs, closed):
        assert absent.tracking_code not in to_lan
    to_binh = by_recipient[(binh.email,)].body
    assert binhs.tracking_code in to_binh
    assert due_tonight.tracking_code not in to_binh
    assert "20/03/2026 23:59" in to_lan
    assert "17/03/2026 23:59" in to_lan
    for complaint in (due_tonight, overdue, binhs, unassigned):
        complaint.refresh_from_db()
        assert complaint.reminded_at == NOW
        assert complaint.events.filter(action=ComplaintEvent.Action.REMINDED).count() == 1
    for complaint in (later, closed):
        complaint.refresh_from_db()
        assert complaint.reminded_at is None


def test_not_again_within_20_hours_but_again_the_next_day(lan: Any) -> None:
    with time_machine.travel(NOW, tick=False):
        complaint = assigned(lan, days_ago(18))
        mail.outbox.clear()
        assert send_deadline_reminders() == 1
    assert len(mail.outbox) == 1

    for hours in (1, 5, 19):
        with time_machine.travel(NOW + datetime.timedelta(hours=hours), tick=False):
            assert send_deadline_reminders() == 0
    assert len(mail.outbox) == 1

    with time_machine.travel(NOW + datetime.timedelta(days=1), tick=False):
        assert send_deadline_reminders() == 1
    assert len(mail.outbox) == 2
    assert complaint.tracking_code in mail.outbox[1].body
    assert complaint.events.filter(action=ComplaintEvent.Action.REMINDED).count() == 2


def test_a_complaint_becomes_due_within_a_day_as_the_clock_moves(lan: Any) -> None:
    with time_machine.travel(NOW, tick=False):
        complaint = assigned(lan, days_ago(13))  # due 22/03 23:59:59
        mail.outbox.clear()
        assert send_deadline_reminders() == 0
    with time_machine.travel(datetime.datetime(2026, 3, 21, 23, 59, 59, tzinfo=HCM), tick=False):
        assert send_deadline_reminders() == 1
    [email] = mail.outbox
    assert complaint.tracking_code in email.body


def test_decree356_art5_an_acknowledgement_not_given_is_reminded(lan: Any, binh: Any) -> None:
    """Received Wednesday 18/3: the answer with the procedure is due Friday 20/3. Neither the
    email nor a call recorded it: the assignee, or the queue when nobody is assigned, hears."""
    wednesday = datetime.datetime(2026, 3, 18, 10, 0, tzinfo=HCM)
    with time_machine.travel(NOW, tick=False):
        not_answered = assigned(binh, wednesday, acknowledged=False, email="")
        in_the_queue = complaint_submit(kind=WITHDRAW, when=wednesday, email="")
        answered = assigned(binh, wednesday)
        mail.outbox.clear()
        assert send_deadline_reminders() == 2
    by_recipient = {tuple(email.to): email.body for email in mail.outbox}
    assert not_answered.tracking_code in by_recipient[(binh.email,)]
    assert in_the_queue.tracking_code in by_recipient[(lan.email,)]
    assert answered.tracking_code not in "".join(by_recipient.values())
    assert "20/03/2026 23:59" in by_recipient[(binh.email,)]


def test_the_job_is_in_the_database_schedule_hourly() -> None:
    task = PeriodicTask.objects.get(task="complaints.tasks.send_deadline_reminders")

    assert task.enabled
    assert task.interval is not None
    assert (task.interval.every, task.interval.period) == (1, IntervalSchedule.HOURS)
