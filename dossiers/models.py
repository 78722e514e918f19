"""The assessments of the small-enterprise exemption, kept each time the answer changes: the DPO
can show when the company stopped being exempt, and why."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers import personal_data
from customers.models import EnterpriseSize


@personal_data.declare(
    personal={},
    non_personal=["enterprise_size", "sensitive_items", "reasons"],
)
class ExemptionAssessment(models.Model):
    """Whether Law 91/2025/QH15 Art. 21, 22 and 33(2) (the impact-assessment dossier and the
    DPO's appointment) bind the company, as assessed at one moment."""

    assessed_at = models.DateTimeField(_("assessed at"), default=timezone.now, db_index=True)
    subjects_count = models.PositiveBigIntegerField(_("data subjects processed (cumulative)"))
    sensitive_items = models.JSONField(_("sensitive data processed"), default=list, blank=True)
    enterprise_size = models.CharField(
        _("size of the business"), max_length=20, choices=EnterpriseSize.choices, blank=True
    )
    sells_processing_services = models.BooleanField(
        _("sells personal-data processing services"), default=False
    )
    exempt = models.BooleanField(_("exempt"))
    exempt_until = models.DateField(_("exempt until"), null=True, blank=True)
    # The reasons as codes (dossiers.exemption.REASONS): shown in the reader's language.
    reasons = models.JSONField(_("reasons"), default=list)

    class Meta:
        verbose_name = _("exemption assessment")
        verbose_name_plural = _("exemption assessments")
        ordering = ["-assessed_at", "-id"]

    def __str__(self) -> str:
        from customers.kernel.text import local_datetime

        return local_datetime(self.assessed_at)
