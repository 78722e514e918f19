"""Celery tasks of complaints/: they take ids (or nothing, when scheduled) and call the services.

send_deadline_reminders runs hourly from the database schedule (migration 0002). The others are
queued by the services once the transaction that made their work has committed. The
acknowledgement and the replies record when they were sent and are not sent twice; a data
export whose worker died after sending may be emailed a second time (the same copy).
"""

from __future__ import annotations

import logging
import time

from celery import shared_task

from complaints import emails, holidays, identity_codes, incidents
from customers.kernel.locks import job_lock

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_acknowledgement(complaint_id: int) -> bool:
    """Tell the customer their complaint arrived, with its tracking code."""
    return emails.acknowledgement_send(complaint_id=complaint_id)


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_customer_message(message_id: int) -> bool:
    """Email a reply meant for the customer."""
    return emails.customer_message_send(message_id=message_id)


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_data_export(complaint_id: int) -> bool:
    """Email the customer the copy of their data an access request asked for."""
    return emails.data_export_send(complaint_id=complaint_id)


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_identity_code(code_id: int) -> bool:
    """Text or email the requester a one-time code, to the phone or email on record."""
    return identity_codes.identity_code_send(code_id=code_id)


@shared_task(acks_late=True)
def check_next_year_holidays() -> bool:
    """In November: next year's public holidays seeded, and Legal warned until confirmed."""
    return holidays.next_year_check()


# A run never takes this long; a run killed without releasing the lock blocks no longer.
REMINDER_LOCK_SECONDS = 30 * 60


@shared_task(acks_late=True, soft_time_limit=20 * 60, time_limit=25 * 60)
def send_deadline_reminders() -> int:
    """Email assignees their complaints due within a day and those overdue (hourly). Two runs
    never overlap (the scheduled jobs' lock): an assignee is not reminded twice."""
    with job_lock("send_deadline_reminders", timeout=REMINDER_LOCK_SECONDS) as lock:
        if lock is None:
            logger.warning("send_deadline_reminders skipped: another run holds its lock")
            return 0
        return emails.deadline_reminders_send()


# Breach incidents ---------------------------------------------------------------------------

NOTIFY_LOCK_SECONDS = 30 * 60
# One run tells customers for at most this long, then queues the next run and ends: well
# inside the time limits below, so a big incident is never cut off by the soft time limit
# (which could land between an email and its record).
NOTIFY_RUN_SECONDS = 15 * 60


@shared_task(acks_late=True, soft_time_limit=20 * 60, time_limit=25 * 60)
def send_incident_reminders() -> int:
    """Warn Legal & compliance at 24, 48 and 66 hours while A05 is not notified (every 15
    minutes, from the database schedule). Two runs never overlap: a warning is sent once."""
    with job_lock("send_incident_reminders", timeout=REMINDER_LOCK_SECONDS) as lock:
        if lock is None:
            logger.warning("send_incident_reminders skipped: another run holds its lock")
            return 0
        return incidents.incident_reminders_send()


@shared_task(
    acks_late=True,
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=8,
    soft_time_limit=20 * 60,
    time_limit=25 * 60,
)
def notify_incident_customers(incident_id: int) -> int:
    """Email the affected customers batch after batch (those without email go on the phone
    list). Started again, it resumes where it stopped; one run per incident at a time (a run
    whose worker died stops beating, and the next one takes its lock over)."""
    told = 0
    more = False
    started = time.monotonic()
    with job_lock(f"notify_incident_{incident_id}", timeout=NOTIFY_LOCK_SECONDS) as lock:
        if lock is None:
            logger.warning("incident %s: another run is telling its customers", incident_id)
            return 0
        while handled := incidents.incident_notify_batch(incident_id=incident_id):
            told += handled
            lock.beat()
            if time.monotonic() - started > NOTIFY_RUN_SECONDS:
                more = True
                break
    if more:  # after the lock is released, or the next run would find it held
        notify_incident_customers.delay(incident_id)
    return told
