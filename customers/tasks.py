"""Celery tasks of customers/: they take ids, load, and call a service."""

from celery import shared_task

from customers.services import consent_receipt_send_email


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_consent_receipt(customer_id: int) -> bool:
    """Email a customer the receipt of their consents (Decree 13/2023 Art. 11(3))."""
    return consent_receipt_send_email(customer_id=customer_id)
