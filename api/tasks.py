"""Celery tasks of the API app: they take ids, load, and call api.webhooks."""

from celery import shared_task

from api import webhooks


@shared_task(acks_late=True)
def webhook_deliver_created(delivery_ids: list[int]) -> int:
    """The deliveries an event created in its write's transaction (api.webhooks.event_prepare),
    tried at once."""
    endpoints = set(
        webhooks.WebhookDelivery.objects.filter(pk__in=delivery_ids).values_list(
            "endpoint_id", flat=True
        )
    )
    return sum(webhooks.deliver_endpoint(endpoint_id) for endpoint_id in endpoints)


@shared_task(acks_late=True)
def webhook_event(name: str, customer_id: int | None, ids: dict, occurred_at: str) -> int:
    """An event queued before the deliveries were created in the write's transaction (outbox
    rows of an earlier version): its deliveries created, then tried at once."""
    created = webhooks.event_fan_out(name, customer_id, ids, occurred_at)
    endpoints = set(
        webhooks.WebhookDelivery.objects.filter(pk__in=created).values_list(
            "endpoint_id", flat=True
        )
    )
    return sum(webhooks.deliver_endpoint(endpoint_id) for endpoint_id in endpoints)


@shared_task(acks_late=True, soft_time_limit=50, time_limit=55)
def webhook_deliver_due() -> int:
    """Every minute: the retries that are due."""
    return webhooks.deliver_due()


@shared_task(acks_late=True)
def webhook_deliver_endpoint(endpoint_id: int) -> int:
    """One endpoint's due deliveries (a replay asked from the admin)."""
    return webhooks.deliver_endpoint(endpoint_id)
