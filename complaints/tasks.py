"""Celery tasks of complaints/: they take ids (or nothing, when scheduled) and call the services.

send_deadline_reminders runs hourly from the database schedule (migration 0002). The others are
queued by the services once the transaction that made their work has committed. Each is safe to
run twice: what was sent is recorded and not sent again.
"""

from __future__ import annotations

from celery import shared_task

from complaints import services


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_acknowledgement(complaint_id: int) -> bool:
    """Tell the customer their complaint arrived, with its tracking code."""
    return services.acknowledgement_send(complaint_id=complaint_id)


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_customer_message(message_id: int) -> bool:
    """Email a reply meant for the customer."""
    return services.customer_message_send(message_id=message_id)


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_data_export(complaint_id: int) -> bool:
    """Email the customer the copy of their data an access request asked for."""
    return services.data_export_send(complaint_id=complaint_id)


@shared_task(acks_late=True)
def send_deadline_reminders() -> int:
    """Email assignees their complaints due within a day and those overdue (hourly)."""
    return services.deadline_reminders_send()
