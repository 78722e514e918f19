"""API keys: created by the administrator, shown once, stored hashed, scoped, revocable."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from customers import personal_data
from customers.personal_data import Category, Erasure, LegalItem, PersonalField


class Scope(models.TextChoices):
    """What a key may do. Each scope is a set of Django permissions held by the key's own user,
    so the services' permission checks and the history's attribution apply to a key as to staff."""

    CUSTOMERS_WRITE = "customers:write", _("Create and update customers")
    ORDERS_WRITE = "orders:write", _("Create and update orders")
    CONSENTS_WRITE = "consents:write", _("Record and withdraw consents")
    CONSENTS_READ = "consents:read", _("Read consents and check them before processing")
    REQUESTS_WRITE = "requests:write", _("File data-subject requests")
    REQUESTS_READ = "requests:read", _("Read the status of requests")


SCOPE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    Scope.CUSTOMERS_WRITE: ("customers.add_customer", "customers.change_customer"),
    Scope.ORDERS_WRITE: ("customers.add_order", "customers.change_order"),
    Scope.CONSENTS_WRITE: ("customers.add_consent", "customers.change_consent"),
    Scope.CONSENTS_READ: ("customers.view_consent",),
    Scope.REQUESTS_WRITE: ("complaints.add_complaint",),
    Scope.REQUESTS_READ: ("complaints.view_complaint",),
}


def _no_scopes() -> list[str]:
    return []


@personal_data.declare(
    personal={},
    non_personal=["name", "prefix", "secret_hash", "scopes", "rate_limit_per_minute"],
)
class ApiKey(models.Model):
    name = models.CharField(
        _("name"),
        max_length=100,
        unique=True,
        help_text=_("Who uses it, e.g. “Website checkout” or “Email marketing tool”."),
    )
    prefix = models.CharField(_("key prefix"), max_length=12, unique=True, editable=False)
    secret_hash = models.CharField(max_length=64, editable=False)
    scopes = models.JSONField(_("scopes"), default=_no_scopes)
    rate_limit_per_minute = models.PositiveIntegerField(
        _("requests per minute"),
        default=600,
        help_text=_("Calls beyond it are refused with 429 until the minute ends."),
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="api_key",
        editable=False,
        verbose_name=_("acts as"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        editable=False,
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, editable=False)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        editable=False,
        verbose_name=_("revoked by"),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


def _no_events() -> list[str]:
    return []


@personal_data.declare(personal={}, non_personal=["name", "url", "events", "secret"])
class WebhookEndpoint(models.Model):
    """Where a system is told of events: the shop's own systems (no recipient) or a recipient
    that received customers' data. Signed as Standard Webhooks sign (webhook-id,
    webhook-timestamp, webhook-signature: HMAC-SHA256 with the endpoint's secret)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    url = models.URLField(_("URL"), max_length=500)
    recipient = models.ForeignKey(
        "customers.Recipient",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="webhook_endpoints",
        verbose_name=_("recipient"),
        help_text=_(
            "Empty for the shop's own systems (they are sent the shop's customer id); a "
            "recipient is sent pdpdesk's ids and what it received only."
        ),
    )
    events = models.JSONField(_("events"), default=_no_events)
    secret = models.CharField(_("signing secret"), max_length=80, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


@personal_data.declare(
    personal={
        "customer": PersonalField(
            Category.IDENTITY, legal=LegalItem.OTHER_BASIC, erasure=Erasure.DELETE_ROW
        ),
        # The shop's customer id, for the shop's own systems.
        "payload": PersonalField(
            Category.ONLINE_ID, legal=LegalItem.DIGITAL_ACCOUNT, erasure=Erasure.DELETE_ROW
        ),
    },
    non_personal=["event", "message_id", "status", "last_error"],
)
class WebhookDelivery(models.Model):
    """One event for one endpoint: its signed body and every attempt's outcome. Retried with
    backoff for 3 days, in order per endpoint; staff replay one from the admin."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be delivered")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Given up after 3 days")

    endpoint = models.ForeignKey(
        WebhookEndpoint,
        on_delete=models.PROTECT,
        related_name="deliveries",
        verbose_name=_("endpoint"),
    )
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("customer"),
    )
    event = models.CharField(_("event"), max_length=40)
    message_id = models.CharField(_("webhook-id"), max_length=40, db_index=True)
    payload = models.JSONField(_("payload"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_status_code = models.PositiveIntegerField(_("last HTTP status"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    replay_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="replays",
        verbose_name=_("replay of"),
    )

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-id"]
        indexes = [
            models.Index(
                fields=["endpoint", "id"],
                name="webhook_pending_idx",
                condition=models.Q(status="pending"),
            ),
            models.Index(
                fields=["id"], name="webhook_failed_idx", condition=models.Q(status="failed")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.endpoint} ({self.message_id})"
