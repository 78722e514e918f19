"""The assessments of the small-enterprise exemption, kept each time the answer changes: the DPO
can show when the company stopped being exempt, and why."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop
from simple_history.models import HistoricalRecords

from customers import personal_data
from customers.countries import Country, is_abroad
from customers.models import EnterpriseSize
from customers.personal_data import Category, Erasure, LegalItem, PersonalField


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


def _no_items() -> list[str]:
    return []


ANSWER_DAYS = 15


class TransferExemption(models.TextChoices):
    """Law 91/2025/QH15 Art. 20(6): no transfer dossier is owed for these."""

    AUTHORITY = "authority", _("(a) a transfer by a competent state authority")
    EMPLOYEES_CLOUD = "employees_cloud", _("(b) its own employees' data kept on a cloud service")
    BY_THE_SUBJECT = "by_the_subject", _("(c) the data subjects send their own data abroad")


@personal_data.declare(
    personal={},
    non_personal=[
        "name",
        "provider",
        "country",
        "hosting",
        "data_items",
        "security_measures",
        "transfer_exemption",
    ],
)
class ProcessingSystem(models.Model):
    """Where personal data is stored or processed: the shop's own servers, a cloud, an email or
    marketing service. The register names it per purpose; one abroad is a cross-border transfer
    (Law 91/2025/QH15 Art. 20), with its encryption (Decree 356/2025/NĐ-CP Art. 12(4))."""

    class Hosting(models.TextChoices):
        OWN = "own", _("The company's own servers")
        CLOUD = "cloud", _("A cloud provider's servers")
        SERVICE = "service", _("A provider's online service")

    name = models.CharField(_("name"), max_length=120, unique=True)
    provider = models.CharField(_("provider"), max_length=200, blank=True)
    country = models.CharField(
        _("country where the data is"), max_length=2, choices=Country.choices, default=Country.VN
    )
    hosting = models.CharField(_("hosted on"), max_length=20, choices=Hosting.choices)
    purposes = models.ManyToManyField(
        "customers.Purpose", related_name="systems", verbose_name=_("purposes"), blank=True
    )
    data_items = models.JSONField(_("data items stored"), default=_no_items, blank=True)
    encrypted_in_transit = models.BooleanField(_("encrypted in transit"), default=False)
    encrypted_at_rest = models.BooleanField(_("encrypted at rest"), default=False)
    security_measures = models.TextField(
        _("security measures"),
        blank=True,
        help_text=_("Access control, backups, logging… as the register should state them."),
    )
    # Law 91/2025/QH15 Art. 20(2): the transfer dossier is filed within 60 days of the first day.
    first_transfer_on = models.DateField(
        _("data first sent there on"),
        null=True,
        blank=True,
        help_text=_("For a system abroad: the first day personal data went there."),
    )
    transfer_exemption = models.CharField(
        _("exemption from the transfer dossier"),
        max_length=20,
        choices=TransferExemption.choices,
        blank=True,
    )
    is_active = models.BooleanField(_("in use"), default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("processing system")
        verbose_name_plural = _("processing systems")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        unknown = sorted(set(self.data_items or []) - set(LegalItem.values))
        if not isinstance(self.data_items, list) or unknown:
            raise ValidationError(
                {
                    "data_items": ValidationError(
                        _("Unknown data items: %(items)s."),
                        code="unknown_items",
                        params={"items": ", ".join(unknown)},
                    )
                }
            )

    @property
    def is_abroad(self) -> bool:
        return is_abroad(self.country)


@personal_data.declare(
    personal={
        # The dossier and its covering letter name the DPO and their contact (a named employee,
        # as DpoAppointment keeps them), and so may the changes found (a new contact's name):
        # the filing is the company's evidence of what it told the authority, kept.
        "file": PersonalField(Category.FREE_TEXT, legal=LegalItem.NAME, erasure=Erasure.KEEP),
        "covering_letter": PersonalField(
            Category.FREE_TEXT, legal=LegalItem.NAME, erasure=Erasure.KEEP
        ),
        "change_content": PersonalField(
            Category.FREE_TEXT, legal=LegalItem.NAME, erasure=Erasure.KEEP
        ),
    },
    non_personal=["kind", "form", "number", "reference", "change_reason", "notes"],
)
class DossierFiling(models.Model):
    """One filing of a dossier with the authority (Cục A05, Bộ Công an): the first (Mẫu số 02a for
    the impact assessment, 01a for transfers) or an update (Mẫu số 03a), with the agency's answer
    or its request to complete within 30 days (Decree 356/2025/NĐ-CP Art. 18–20)."""

    class Kind(models.TextChoices):
        IMPACT = "impact", _("Impact assessment (Mẫu số 10)")
        TRANSFER = "transfer", _("Cross-border transfer (Mẫu số 09)")

    class Form(models.TextChoices):
        FIRST = "first", _("First filing (Mẫu số 02a / 01a)")
        UPDATE = "update", _("Update (Mẫu số 03a)")

    kind = models.CharField(_("dossier"), max_length=20, choices=Kind.choices)
    form = models.CharField(_("filed as"), max_length=20, choices=Form.choices)
    filed_on = models.DateField(_("filed on"))
    number = models.CharField(
        _("covering letter no."),
        max_length=60,
        blank=True,
        help_text=_("The company's own number."),
    )
    reference = models.CharField(_("receipt number"), max_length=120, blank=True)
    file = models.FileField(_("the dossier as filed"), upload_to="dossiers/%Y/", blank=True)
    covering_letter = models.FileField(
        _("covering letter"), upload_to="dossiers/%Y/", blank=True, editable=False
    )
    change_content = models.TextField(
        _("what changed"),
        blank=True,
        help_text=_(
            "For an update (Mẫu số 03a § 2); left empty, the changes pdpdesk found since the"
            " last filing."
        ),
    )
    change_reason = models.TextField(_("why it changed"), blank=True)
    accepted_on = models.DateField(
        _("agency found it meets the requirements on"), null=True, blank=True
    )
    completion_requested_on = models.DateField(
        _("agency asked to complete it on"), null=True, blank=True
    )
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("dossier filing")
        verbose_name_plural = _("dossier filings")
        ordering = ["-filed_on", "-id"]

    def __str__(self) -> str:
        from customers.kernel.text import local_date

        return f"{self.get_kind_display()} — {local_date(self.filed_on)}"

    @property
    def answer_due_on(self) -> datetime.date:
        """Decree 356/2025 Art. 19(5): the agency answers within 15 days."""
        return self.filed_on + datetime.timedelta(days=ANSWER_DAYS)


@personal_data.declare(
    personal={
        # The DPO is a named employee; the record is the company's evidence of the appointment.
        "full_name": PersonalField(Category.IDENTITY, legal=LegalItem.NAME, erasure=Erasure.KEEP),
        "email": PersonalField(Category.CONTACT, legal=LegalItem.OTHER_BASIC, erasure=Erasure.KEEP),
        "phone": PersonalField(Category.CONTACT, legal=LegalItem.NUMBERS, erasure=Erasure.KEEP),
    },
    non_personal=[
        "position",
        "appointment_number",
        "appointment_file",
        "education",
        "experience_field",
        "confidentiality_file",
    ],
)
class DpoAppointment(models.Model):
    """The person appointed to protect personal data (Law 91/2025/QH15 Art. 33(2); Decree
    356/2025/NĐ-CP Art. 13): appointed in writing, with a college degree or higher, two years'
    experience in a listed field and training in data protection."""

    class Education(models.TextChoices):
        BELOW_COLLEGE = "below_college", _("Below college")
        COLLEGE = "college", _("College")
        UNIVERSITY = "university", _("University")
        POSTGRADUATE = "postgraduate", _("Postgraduate")

    class ExperienceField(models.TextChoices):
        # Decree 356/2025 Art. 13(2)(b).
        LEGAL = "legal", _("Legal affairs")
        IT = "it", _("Information technology")
        CYBERSECURITY = "cybersecurity", _("Cybersecurity")
        DATA_SECURITY = "data_security", _("Data security")
        RISK = "risk", _("Risk management")
        COMPLIANCE = "compliance", _("Compliance")
        HR = "hr", _("Human resources")
        PERSONNEL = "personnel", _("Personnel organisation")

    full_name = models.CharField(_("full name"), max_length=200)
    position = models.CharField(_("position"), max_length=200)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    appointment_number = models.CharField(_("appointment document no."), max_length=100)
    appointed_on = models.DateField(_("appointed on"))
    ends_on = models.DateField(_("ended on"), null=True, blank=True)
    appointment_file = models.FileField(
        _("the appointment document"), upload_to="dossiers/dpo/", blank=True
    )
    education = models.CharField(_("education"), max_length=20, choices=Education.choices)
    experience_field = models.CharField(
        _("field of experience"), max_length=20, choices=ExperienceField.choices
    )
    experience_years = models.PositiveSmallIntegerField(_("years of experience since graduating"))
    confidentiality_signed_on = models.DateField(
        _("confidentiality agreement signed on"), null=True, blank=True
    )
    confidentiality_file = models.FileField(
        _("confidentiality agreement"), upload_to="dossiers/dpo/", blank=True
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("DPO appointment")
        verbose_name_plural = _("DPO appointments")
        ordering = ["-appointed_on", "-id"]

    def __str__(self) -> str:
        return f"{self.full_name} — {self.position}"

    def clean(self) -> None:
        super().clean()
        errors: dict[str, ValidationError] = {}
        if self.education == self.Education.BELOW_COLLEGE:
            errors["education"] = ValidationError(
                _("The DPO must hold a college degree or higher (Decree 356/2025 Art. 13(2)(a))."),
                code="education",
            )
        if self.experience_years is not None and self.experience_years < 2:
            errors["experience_years"] = ValidationError(
                _("The DPO needs at least 2 years' experience (Decree 356/2025 Art. 13(2)(b))."),
                code="experience",
            )
        if self.ends_on and self.appointed_on and self.ends_on < self.appointed_on:
            errors["ends_on"] = ValidationError(
                _("It cannot end before the appointment."), code="ends_before_start"
            )
        if errors:
            raise ValidationError(errors)

    @property
    def trained(self) -> bool:
        """Decree 356/2025 Art. 13(2)(c): trained in data-protection law and skills."""
        return self.trainings.exists()


@personal_data.declare(personal={}, non_personal=["course", "provider", "certificate_file"])
class DpoTraining(models.Model):
    appointment = models.ForeignKey(
        DpoAppointment,
        on_delete=models.PROTECT,
        related_name="trainings",
        verbose_name=_("DPO appointment"),
    )
    course = models.CharField(_("course"), max_length=255)
    provider = models.CharField(_("provider"), max_length=255, blank=True)
    completed_on = models.DateField(_("completed on"))
    certificate_file = models.FileField(_("certificate"), upload_to="dossiers/dpo/", blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("DPO training")
        verbose_name_plural = _("DPO trainings")
        ordering = ["-completed_on", "-id"]

    def __str__(self) -> str:
        return self.course


class ProcessingService(models.TextChoices):
    """The personal-data processing services a company may sell (Mẫu số 09 § A.II.8, Mẫu số 10
    § A.II.9; Decree 356/2025/NĐ-CP Art. 21)."""

    SYSTEMS = "systems", _("Providing and running systems or software that process for others")
    ANALYTICS = "analytics", _("Analysing and mining personal data")
    SCORING = "scoring", _("Scoring, ranking or rating data subjects' creditworthiness")
    ENCRYPTION = "encryption", _("Encrypting personal data in transit and at rest")
    ONLINE_COLLECTION = (
        "online_collection",
        _("Collecting and processing personal data online from websites, apps and social networks"),
    )
    AUTOMATED = (
        "automated",
        _("Automated processing on big data, AI, blockchain or virtual worlds"),
    )
    HEALTH = "health", _("Processing through health-care or health-tracking apps and services")
    LOCATION = "location", _("Application platforms providing personal location data")
    EDUCATION = (
        "education",
        _(
            "Processing through education apps with monitoring (attendance, filming, behaviour"
            " scoring, emotion recognition)"
        ),
    )


def _no_services() -> list[str]:
    return []


@personal_data.declare(
    personal={},
    non_personal=[
        "kind",
        "business_lines",
        "processing_services",
        "consent_process",
        "data_flow",
        "safety_plan",
        "protection_measures",
        "security_checks",
        "compliance_assessment",
        "overview",
        "receiver_processing",
        "receiver_safety",
        "receiver_measures",
        "receiver_assessment",
        "annexes",
    ],
)
class DossierNarrative(models.Model):
    """What the DPO writes into a dossier beside what pdpdesk computes: one per dossier, its
    history kept. The sections are those of Mẫu số 10 (impact assessment, Decree 356/2025/NĐ-CP
    Art. 19(3)) and Mẫu số 09 (cross-border transfer, Art. 18)."""

    kind = models.CharField(
        _("dossier"), max_length=20, choices=DossierFiling.Kind.choices, unique=True
    )
    business_lines = models.TextField(
        _("business lines that process personal data"),
        blank=True,
        help_text=_("With their registered business-line codes, one per line (§ A.I.4)."),
    )
    branches = models.PositiveIntegerField(_("branches and representative offices"), default=0)
    acts_as_processor = models.BooleanField(
        _("also processes personal data for other companies"),
        default=False,
        help_text=_("Mẫu số 10 § A.II.1.2: the company is a processor for others."),
    )
    acts_as_third_party = models.BooleanField(
        _("also receives personal data as a third party"), default=False
    )
    transfers_for_a_fee = models.BooleanField(
        _("hands personal data over for a fee"), default=False
    )
    trades_on_data_exchange = models.BooleanField(_("trades on a data exchange"), default=False)
    processing_services = models.JSONField(
        _("processing services it sells"), default=_no_services, blank=True
    )
    consent_process = models.TextField(
        _("how consent is asked"),
        blank=True,
        help_text=_("Its content, form and steps for each kind of data subject (§ A.II.4)."),
    )
    data_flow = models.TextField(
        _("the data flows and the systems' diagram"),
        blank=True,
        help_text=_("What pdpdesk lists per purpose is added before this text (§ A.II.2)."),
    )
    safety_plan = models.TextField(_("plan for keeping personal data safe"), blank=True)
    protection_measures = models.TextField(
        _("technical, management and training measures; standards applied"), blank=True
    )
    security_checks = models.TextField(
        _("security checks and assessments"),
        blank=True,
        help_text=_("Their content, what they cover, how often and why."),
    )
    compliance_assessment = models.TextField(
        _("compliance assessments"),
        blank=True,
        help_text=_("Their form, when they were made and their result."),
    )
    overview = models.TextField(
        _("overview of the business and its processing"),
        blank=True,
        help_text=_(
            "Why the processing is needed; its advantages, difficulties and risks (§ A.III.1)."
        ),
    )
    receiver_processing = models.TextField(
        _("how the recipients abroad process and store the data"), blank=True
    )
    receiver_safety = models.TextField(
        _("the recipients' plan for keeping the data safe"), blank=True
    )
    receiver_measures = models.TextField(_("the recipients' protection measures"), blank=True)
    receiver_assessment = models.TextField(
        _("assessment of the recipients' protection"), blank=True
    )
    annexes = models.TextField(
        _("other documents attached"),
        blank=True,
        help_text=_("One per line; the policy, agreements and appointment are listed by pdpdesk."),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("dossier text")
        verbose_name_plural = _("dossier texts")
        ordering = ["kind"]

    def __str__(self) -> str:
        return str(self.get_kind_display())


@personal_data.declare(
    personal={},
    non_personal=[
        "kind",
        "area",
        "aspect",
        "objective",
        "measures",
        "effectiveness",
        "recommendation",
    ],
)
class DossierRisk(models.Model):
    """One impact the DPO assessed, with the five points the forms ask for each (Mẫu số 09 and
    10, § A.III.2): the aspect affected, the objective, the measures applied and proposed, their
    effect, and the measure recommended."""

    class Area(models.TextChoices):
        SUBJECTS = "subjects", _("2.1 Impact on the data subjects")
        SECURITY = "security", _("2.2 Impact on the security of the company's information systems")
        NATIONAL = "national", _("2.3 Impact on national security and social order")

    kind = models.CharField(_("dossier"), max_length=20, choices=DossierFiling.Kind.choices)
    area = models.CharField(_("area"), max_length=20, choices=Area.choices)
    aspect = models.TextField(_("1. The aspect affected and the problem"))
    objective = models.TextField(_("2. The objective"))
    measures = models.TextField(_("3. Measures applied and proposed"))
    effectiveness = models.TextField(_("4. Their effect on those affected"), blank=True)
    recommendation = models.TextField(_("5. The measure recommended"), blank=True)
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("in the dossier"), default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("assessed impact")
        verbose_name_plural = _("assessed impacts")
        ordering = ["kind", "area", "position", "id"]

    def __str__(self) -> str:
        return self.aspect[:80]


@personal_data.declare(
    personal={
        # The figures name the DPO (a named employee, as DpoAppointment keeps them); the
        # findings may name staff. The issued report is the company's evidence: kept.
        "figures": PersonalField(Category.FREE_TEXT, legal=LegalItem.NAME, erasure=Erasure.KEEP),
        "findings": PersonalField(
            Category.FREE_TEXT, legal=LegalItem.OTHER_BASIC, erasure=Erasure.KEEP
        ),
        "measures": PersonalField(
            Category.FREE_TEXT, legal=LegalItem.OTHER_BASIC, erasure=Erasure.KEEP
        ),
        "document": PersonalField(Category.FREE_TEXT, legal=LegalItem.NAME, erasure=Erasure.KEEP),
    },
    non_personal=[],
)
class ComplianceReport(models.Model):
    """The DPO's periodic report on how the company met its obligations over a period (Decree
    356/2025/NĐ-CP Art. 14(1)(c), 14(2)(c)): the figures computed from the records, the DPO's
    findings and proposed measures. A draft recomputes; once issued, its figures and its PDF are
    kept as they were and never change."""

    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    findings = models.TextField(
        _("findings"), blank=True, help_text=_("What the figures show: what went well, what not.")
    )
    measures = models.TextField(
        _("proposed measures"),
        blank=True,
        help_text=_("To comply better, and to prevent and control the risks."),
    )
    next_in_months = models.PositiveSmallIntegerField(
        _("next report after (months)"),
        default=6,
        help_text=_("The next report is due this many months after this period ends."),
    )
    # Filled once, when the report is issued (dossiers.compliance_report.FIGURES_VERSION).
    figures = models.JSONField(_("figures as issued"), default=dict, blank=True, editable=False)
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True, editable=False)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("issued by"),
        editable=False,
    )
    document = models.FileField(
        _("the report as issued (PDF)"),
        upload_to="dossiers/reports/%Y/",
        blank=True,
        editable=False,
    )
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now, editable=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("compliance report")
        verbose_name_plural = _("compliance reports")
        ordering = ["-period_end", "-id"]
        permissions = [("issue_compliancereport", gettext_noop("Can issue compliance reports"))]

    def __str__(self) -> str:
        from customers.kernel.text import local_date

        return _("Compliance report %(start)s – %(end)s") % {
            "start": local_date(self.period_start),
            "end": local_date(self.period_end),
        }

    def clean(self) -> None:
        super().clean()
        if self.period_start and self.period_end and self.period_end < self.period_start:
            raise ValidationError(
                {
                    "period_end": ValidationError(
                        _("The period cannot end before it starts."), code="ends_before_start"
                    )
                }
            )
        if self.next_in_months is not None and not 1 <= self.next_in_months <= 12:
            raise ValidationError(
                {
                    "next_in_months": ValidationError(
                        _("Between 1 and 12 months."), code="next_in_months"
                    )
                }
            )

    @property
    def is_issued(self) -> bool:
        return self.issued_at is not None
