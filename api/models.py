"""API keys: created by the administrator, shown once, stored hashed, scoped, revocable."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from customers import personal_data


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
