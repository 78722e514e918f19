"""Celery tasks of customers/: they take ids, load, and call a service."""

from celery import shared_task

from customers import recipient_requests
from customers.kernel import outbox
from customers.kernel.locks import job_lock
from customers.services import consent_receipt_send_email


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_consent_receipt(customer_id: int) -> bool:
    """Email a customer the receipt of their consents (Law 91/2025 Art. 9, Decree 356 Art. 6)."""
    return consent_receipt_send_email(customer_id=customer_id)


@shared_task(acks_late=True, soft_time_limit=50, time_limit=55)
def deliver_outbox() -> int:
    """Every minute: publish the tasks a broker that was down missed (customers.kernel.outbox)."""
    with job_lock("deliver_outbox", timeout=120) as lock:
        if lock is None:
            return 0
        return outbox.deliver_pending()


@shared_task(soft_time_limit=50, time_limit=55)
def relay_outbox() -> int:
    """Every few seconds with OUTBOX_PUBLISH_ON_COMMIT off: publish what the requests recorded.
    No lock: two runs at once take different rows (customers.kernel.outbox)."""
    return outbox.relay()


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_recipient_request(request_id: int, reminder: bool = False) -> bool:
    """Email a recipient's contact what it is asked to do (Decree 356/2025 Art. 5(2)–(4))."""
    return recipient_requests.recipient_request_send_email(request_id=request_id, reminder=reminder)


@shared_task(acks_late=True, soft_time_limit=300, time_limit=330)
def remind_recipient_requests() -> int:
    """Every hour: remind the recipients whose request is due within 3 days."""
    with job_lock("remind_recipient_requests", timeout=600) as lock:
        if lock is None:
            return 0
        return recipient_requests.recipient_requests_remind_due()
