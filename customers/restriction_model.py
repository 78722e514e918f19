"""The Restriction model (customers.restrictions holds its services): a customer's data may not
be processed — for every purpose, or for one — while it is in force (Law 91/2025/QH15 Art.
4(1)(d): the right to restrict processing and to object to it). Kept in a module of its own so
that customers/models.py imports it without a cycle (its foreign keys name their models)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from customers import personal_data
from customers.kernel.text import local_date
from customers.personal_data import Category, Erasure, LegalItem, PersonalField


@personal_data.declare(
    personal={
        "customer": PersonalField(
            Category.IDENTITY, legal=LegalItem.OTHER_BASIC, erasure=Erasure.DELETE_ROW
        ),
        "reason": PersonalField(
            Category.FREE_TEXT, legal=LegalItem.OTHER_BASIC, erasure=Erasure.DELETE_ROW
        ),
        "lift_reason": PersonalField(
            Category.FREE_TEXT, legal=LegalItem.OTHER_BASIC, erasure=Erasure.DELETE_ROW
        ),
    },
    non_personal=["reference"],
)
class Restriction(models.Model):
    """While in force (not lifted): disclosures and hand-overs of the customer's data are
    refused, and exports leave the customer out — for every purpose, or for the one named."""

    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        related_name="restrictions",
        verbose_name=_("customer"),
    )
    purpose = models.ForeignKey(
        "customers.Purpose",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("purpose"),
        help_text=_("Empty: all processing is restricted."),
    )
    reason = models.TextField(_("reason"))
    reference = models.CharField(
        _("request"), max_length=40, blank=True, help_text=_("E.g. the tracking code KN-…")
    )
    placed_at = models.DateTimeField(_("placed at"), default=timezone.now)
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("placed by"),
    )
    lifted_at = models.DateTimeField(_("lifted at"), null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("lifted by"),
    )
    lift_reason = models.TextField(_("why it was lifted"), blank=True)

    history = HistoricalRecords()

    class Meta:
        app_label = "customers"
        verbose_name = _("restriction of processing")
        verbose_name_plural = _("restrictions of processing")
        ordering = ["-placed_at", "-id"]
        indexes = [models.Index(fields=["customer", "lifted_at"], name="restriction_in_force")]

    def __str__(self) -> str:
        scope = self.purpose.name if self.purpose_id else _("all processing")  # type: ignore[union-attr]  # purpose_id implies a purpose
        return f"#{self.customer_id} · {scope} · {local_date(self.placed_at)}"

    @property
    def in_force(self) -> bool:
        return self.lifted_at is None
