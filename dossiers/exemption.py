"""Does the small-enterprise exemption apply? Law 91/2025/QH15 Art. 38(2)–(3) and Decree
356/2025/NĐ-CP Art. 41: a household business or micro enterprise need not keep the
impact-assessment dossier (Art. 21–22) nor appoint the DPO of Art. 33(2); a small enterprise or
start-up may choose not to for 5 years from 01/01/2026 — unless it sells personal-data processing
services, directly processes sensitive data, or has processed the data of 100,000 data subjects
or more, counted cumulatively (erased ones included: the law counts what was processed).
The cross-border transfer dossier (Art. 20) knows no such exemption.

Assessed every day (a beat task) and on the DPO's page; a change is recorded, and the DPO is
warned when the company stops being exempt.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from complaints.models import Complaint
from customers.models import Customer, EnterpriseSize, Purpose
from customers.personal_data import LegalItem, Sensitivity, legal_sensitivity
from customers.roles import LEGAL_COMPLIANCE, ROLES
from customers.selectors import controller_get
from dossiers.models import ExemptionAssessment

# Decree 356/2025 Art. 41: "từ 100 nghìn chủ thể dữ liệu cá nhân trở lên".
LARGE_NUMBER = 100_000
# Law 91/2025 Art. 38(1)–(2): in force 01/01/2026; small enterprises choose for 5 years.
SMALL_CHOICE_ENDS = datetime.date(2031, 1, 1)

REASONS: dict[str, Promise] = {
    "size_unknown": gettext_lazy(
        "The size of the business is not recorded (the controller profile): the exemption "
        "cannot be assessed, so the duties apply."
    ),
    "medium_or_large": gettext_lazy(
        "A medium or large enterprise: Art. 21, 22 and 33(2) of Law 91/2025/QH15 apply."
    ),
    "household_or_micro": gettext_lazy(
        "A household business or micro enterprise: exempt from Art. 21, 22 and 33(2) of Law "
        "91/2025/QH15 (Art. 38(3); Decree 356/2025/NĐ-CP Art. 41(2))."
    ),
    "small_or_startup": gettext_lazy(
        "A small enterprise or start-up: may choose not to apply Art. 21, 22 and 33(2) until "
        "01/01/2031 (Law 91/2025/QH15 Art. 38(2); Decree 356/2025/NĐ-CP Art. 41(1))."
    ),
    "choice_ended": gettext_lazy(
        "The 5 years in which a small enterprise or start-up could choose ended on 01/01/2031."
    ),
    "sells_services": gettext_lazy(
        "It sells personal-data processing services: the exemption does not apply."
    ),
    "sensitive": gettext_lazy(
        "It directly processes sensitive personal data (Decree 356/2025/NĐ-CP Art. 4): the "
        "exemption does not apply."
    ),
    "large_number": gettext_lazy(
        "It has processed the data of 100,000 data subjects or more (cumulative): the exemption "
        "does not apply (Decree 356/2025/NĐ-CP Art. 41)."
    ),
}


@dataclass(frozen=True)
class Assessment:
    subjects_count: int
    sensitive_items: list[str]
    enterprise_size: str
    sells_processing_services: bool
    exempt: bool
    exempt_until: datetime.date | None
    reasons: list[str] = field(default_factory=list)

    @property
    def subjects_shown(self) -> str:
        return f"{self.subjects_count:,}".replace(",", ".")  # Vietnamese thousands

    @property
    def reason_texts(self) -> list[str]:
        return [str(REASONS[code]) for code in self.reasons if code in REASONS]

    @property
    def sensitive_labels(self) -> list[str]:
        return [str(LegalItem(item).label) for item in self.sensitive_items]

    def same_as(self, kept: ExemptionAssessment | None) -> bool:
        return kept is not None and (
            kept.exempt,
            kept.exempt_until,
            kept.reasons,
            kept.sensitive_items,
            kept.enterprise_size,
            kept.sells_processing_services,
            kept.subjects_count >= LARGE_NUMBER,
        ) == (
            self.exempt,
            self.exempt_until,
            self.reasons,
            self.sensitive_items,
            self.enterprise_size,
            self.sells_processing_services,
            self.subjects_count >= LARGE_NUMBER,
        )


def subjects_processed() -> int:
    """Every customer ever recorded (erased ones stay as rows without their data) and every
    person who wrote to the complaint desk without being a customer: one index-only count each
    on PostgreSQL (the primary keys), under a second at 1M."""
    customers = Customer._base_manager.count()
    strangers = Complaint.objects.filter(customer__isnull=True).count()
    return customers + strangers


def sensitive_items_processed() -> list[str]:
    """The Art. 4 items of the purposes in use."""
    items: set[str] = set()
    for data_items in Purpose.objects.filter(is_active=True).values_list("data_items", flat=True):
        items |= {item for item in data_items or [] if item in LegalItem.values}
    return sorted(item for item in items if legal_sensitivity(item) == Sensitivity.SENSITIVE)


def exemption_assess(*, today: datetime.date | None = None) -> Assessment:
    today = today or timezone.localdate()
    controller = controller_get()
    size = controller.enterprise_size if controller else ""
    sells = bool(controller and controller.sells_processing_services)
    count = subjects_processed()
    sensitive = sensitive_items_processed()
    reasons: list[str] = []
    exempt, until = False, None
    if size in (EnterpriseSize.HOUSEHOLD, EnterpriseSize.MICRO):
        reasons.append("household_or_micro")
        exempt = True
    elif size in (EnterpriseSize.SMALL, EnterpriseSize.STARTUP):
        if today < SMALL_CHOICE_ENDS:
            reasons.append("small_or_startup")
            exempt, until = True, SMALL_CHOICE_ENDS
        else:
            reasons.append("choice_ended")
    elif size:
        reasons.append("medium_or_large")
    else:
        reasons.append("size_unknown")
    if size in (EnterpriseSize.HOUSEHOLD, EnterpriseSize.MICRO, EnterpriseSize.SMALL) or (
        size == EnterpriseSize.STARTUP
    ):
        # The three exceptions to the exemption (Art. 38(2)–(3); Decree 356 Art. 41).
        for code, applies in (
            ("sells_services", sells),
            ("sensitive", bool(sensitive)),
            ("large_number", count >= LARGE_NUMBER),
        ):
            if applies:
                reasons.append(code)
                exempt, until = False, None
    return Assessment(
        subjects_count=count,
        sensitive_items=sensitive,
        enterprise_size=size,
        sells_processing_services=sells,
        exempt=exempt,
        exempt_until=until,
        reasons=reasons,
    )


@transaction.atomic
def exemption_record(*, today: datetime.date | None = None) -> ExemptionAssessment | None:
    """Assess; keep the result when it differs from the last one kept (None when unchanged),
    and warn the DPO when the company has just stopped being exempt."""
    if connection.vendor == "postgresql":
        # One assessment at a time (the daily task and a DPO's click).
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('dossiers.exemption'))")
    assessment = exemption_assess(today=today)
    last = ExemptionAssessment.objects.order_by("-assessed_at", "-id").first()
    if assessment.same_as(last):
        return None
    kept = ExemptionAssessment.objects.create(
        subjects_count=assessment.subjects_count,
        sensitive_items=assessment.sensitive_items,
        enterprise_size=assessment.enterprise_size,
        sells_processing_services=assessment.sells_processing_services,
        exempt=assessment.exempt,
        exempt_until=assessment.exempt_until,
        reasons=assessment.reasons,
    )
    if last is not None and last.exempt and not assessment.exempt:
        transaction.on_commit(lambda: _warn(assessment))
    return kept


def warning_recipients() -> list[str]:
    """The data-protection contact, else Legal & compliance's members."""
    controller = controller_get()
    if controller and controller.dpo_email:
        return [controller.dpo_email]
    return list(
        get_user_model()
        .objects.filter(is_active=True, groups__name=ROLES[LEGAL_COMPLIANCE].group_name)
        .exclude(email="")
        .values_list("email", flat=True)
    )


def _warn(assessment: Assessment) -> None:
    recipients = warning_recipients()
    if not recipients:
        return
    with translation.override(settings.LANGUAGE_CODE):
        lines = [
            _(
                "The small-enterprise exemption no longer applies: the impact-assessment dossier "
                "(Law 91/2025/QH15 Art. 21–22) and the DPO's appointment (Art. 33(2)) are now due."
            ),
            "",
            *assessment.reason_texts,
            "",
            _("Data subjects processed (cumulative): %(count)s.")
            % {"count": assessment.subjects_shown},
        ]
        if assessment.sensitive_labels:
            lines.append(
                _("Sensitive data processed: %(items)s.")
                % {"items": ", ".join(assessment.sensitive_labels)}
            )
        subject = _("Personal data: the small-enterprise exemption no longer applies")
    EmailMessage(subject=subject, body="\n".join(lines), to=recipients).send()
