"""Reads of api/ that the admin's home shows."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from api.models import WebhookDelivery
from customers.kernel.attention import Item


def webhook_attention_items(user: object) -> list[Item]:
    """Webhook deliveries given up after 3 days: to replay once the shop's system is back (a
    partial index holds the failed ones)."""
    if not user.has_perm("api.view_webhookdelivery"):  # type: ignore[attr-defined]  # a user
        return []
    count = WebhookDelivery.objects.filter(status=WebhookDelivery.Status.FAILED).count()
    return [
        Item(
            _("Webhook deliveries failed"),
            count,
            reverse("admin:api_webhookdelivery_changelist") + "?status__exact=failed",
            tone="danger" if count else "",
            section=_("Jobs and deliveries"),
        )
    ]
