"""MonthlyTally: how many of a thing happened in a month (consents granted and withdrawn per
purpose, hand-overs per recipient), kept by the services as they write, so that the admin's
trends read a few hundred small rows instead of counting the consents or the disclosures. Kept
in a module of its own so that customers/models.py imports it without a cycle."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from customers import personal_data


@personal_data.declare(personal={}, non_personal=["metric", "key"])
class MonthlyTally(models.Model):
    class Metric(models.TextChoices):
        CONSENT_GRANTED = "consent_granted", _("Consents granted")
        CONSENT_WITHDRAWN = "consent_withdrawn", _("Consents withdrawn")
        DISCLOSURE = "disclosure", _("Hand-overs")

    metric = models.CharField(_("what"), max_length=30, choices=Metric.choices)
    # The purpose's code, or the recipient's id: what the month's count is broken down by.
    key = models.CharField(_("of"), max_length=100)
    month = models.DateField(_("month"))
    count = models.PositiveIntegerField(_("count"), default=0)

    class Meta:
        app_label = "customers"
        verbose_name = _("monthly count")
        verbose_name_plural = _("monthly counts")
        constraints = [
            models.UniqueConstraint(fields=["metric", "month", "key"], name="monthly_tally_key")
        ]

    def __str__(self) -> str:
        return f"{self.metric} {self.key} {self.month:%m/%Y}"
