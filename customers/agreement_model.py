"""The RecipientAgreement model (customers.agreements holds its services): the agreement under
which a recipient receives personal data, with the contents Decree 356/2025/NĐ-CP Art. 7(1)
requires, its file, and its term — a hand-over outside the term is refused (customers.
disclosures). Kept in a module of its own so that customers/models.py imports it without a
cycle."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from customers import personal_data
from customers.kernel.text import local_date

# Decree 356/2025 Art. 7(1)(a)–(g): what the agreement states, each where it says it.
CONTENTS: tuple[tuple[str, object], ...] = (
    ("states_purpose", _("(a) the purpose of the transfer")),
    ("states_subjects_and_items", _("(b) the data subjects and the kinds of data transferred")),
    ("states_period_and_deletion", _("(c) the processing period and deletion after the purpose")),
    ("states_legal_basis", _("(d) the legal basis of the transfer")),
    ("states_protection_duties", _("(đ) the duties to protect the data")),
    ("states_rights_duties", _("(e) the duties towards the data subjects' rights")),
    ("states_breach_cooperation", _("(g) cooperation when a breach is found")),
)
# Flagged this long before its end.
ENDING_SOON = datetime.timedelta(days=30)


@personal_data.declare(
    personal={},
    non_personal=["reference", "file", *(name for name, _label in CONTENTS)],
)
class RecipientAgreement(models.Model):
    recipient = models.ForeignKey(
        "customers.Recipient",
        on_delete=models.PROTECT,
        related_name="agreements",
        verbose_name=_("recipient"),
    )
    reference = models.CharField(_("agreement reference"), max_length=120)
    starts_on = models.DateField(_("in force from"))
    ends_on = models.DateField(
        _("in force until"), null=True, blank=True, help_text=_("Empty: until terminated.")
    )
    file = models.FileField(_("signed agreement"), upload_to="agreements/%Y/", blank=True)
    states_purpose = models.CharField(_("purpose"), max_length=200, blank=True)
    states_subjects_and_items = models.CharField(
        _("data subjects and data"), max_length=200, blank=True
    )
    states_period_and_deletion = models.CharField(
        _("period and deletion"), max_length=200, blank=True
    )
    states_legal_basis = models.CharField(_("legal basis"), max_length=200, blank=True)
    states_protection_duties = models.CharField(_("protection duties"), max_length=200, blank=True)
    states_rights_duties = models.CharField(
        _("duties for the subjects' rights"), max_length=200, blank=True
    )
    states_breach_cooperation = models.CharField(
        _("breach cooperation"), max_length=200, blank=True
    )
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now, editable=False)

    history = HistoricalRecords()

    class Meta:
        app_label = "customers"
        verbose_name = _("agreement with a recipient")
        verbose_name_plural = _("agreements with recipients")
        ordering = ["recipient__name", "-starts_on"]

    def __str__(self) -> str:
        return f"{self.reference} ({self.recipient})"

    def clean(self) -> None:
        super().clean()
        errors: dict[str, ValidationError] = {}
        for name, label in CONTENTS:
            if not str(getattr(self, name) or "").strip():
                errors[name] = ValidationError(
                    _("Say where the agreement states %(content)s (Decree 356/2025 Art. 7(1))."),
                    code="content_missing",
                    params={"content": label},
                )
        if self.ends_on and self.starts_on and self.ends_on < self.starts_on:
            errors["ends_on"] = ValidationError(
                _("It cannot end before it starts (%(start)s)."),
                code="ends_before_start",
                params={"start": local_date(self.starts_on)},
            )
        if errors:
            raise ValidationError(errors)

    def in_force_on(self, day: datetime.date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)

    @property
    def ends_soon(self) -> bool:
        today = timezone.localdate()
        return self.ends_on is not None and today <= self.ends_on <= today + ENDING_SOON
