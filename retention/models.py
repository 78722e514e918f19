"""How long personal data lives, and its end (SPEC.md, retention/).

Writes go through retention.services (requests, holds, rules) and retention.erasure (the one
erasure service, driven by the personal-data declaration).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop, pgettext_lazy
from simple_history.models import HistoricalRecords

from customers import personal_data
from customers.kernel.text import local_datetime, percent_done
from customers.models import Customer
from customers.personal_data import Category, Erasure, LegalItem, PersonalField

# The jobs that write purge runs and erasure receipts (retention/jobs.py), and what staff read
# for each instead of its dotted path.
JOB_EXECUTE_REQUESTS = "execute_erasure_requests"
JOB_PURGE_EXPIRED = "purge_expired"
JOB_ADMIN = "admin"
JOB_ERASURE_REPLAY = "erasure_replay"
TASK_PURGE_EXPIRED = "retention.tasks.purge_expired"
TASK_EXECUTE_REQUESTS = "retention.tasks.execute_erasure_requests"
JOB_LABELS = {
    TASK_PURGE_EXPIRED: _("Nightly purge of expired personal data"),
    TASK_EXECUTE_REQUESTS: _("Execution of approved erasure requests"),
    JOB_EXECUTE_REQUESTS: _("Execution of approved erasure requests"),
    JOB_PURGE_EXPIRED: _("Nightly purge of expired personal data"),
    JOB_ADMIN: _("Erasure run from the admin"),
    JOB_ERASURE_REPLAY: _("Erasure re-applied after a backup was restored"),
}


def job_label(task: str) -> str:
    return str(JOB_LABELS.get(task, task or "—"))


@personal_data.declare(
    personal={},
    non_personal=["code", "name", "description", "target", "clock_start", "action"],
)
class RetentionRule(models.Model):
    """A retention promise that runs by itself (seeds §3), editable by Legal & compliance."""

    class Target(models.TextChoices):
        # Seed 003: removed if the customer has not been in contact for a long time.
        INACTIVE_CUSTOMER = "inactive_customer", _("Inactive customers")
        # Law on Accounting 2015 Art. 41: accounting documents at least 10 years.
        ORDER_ACCOUNTING = "order_accounting", _("Orders (accounting records)")
        # The evidence of a withdrawn consent, kept to prove it, then anonymized.
        WITHDRAWN_CONSENT = "withdrawn_consent", _("Evidence of withdrawn consents")
        # A handled complaint is kept as proof of the answer, then loses the person in it
        # (linked to a customer or not).
        CLOSED_COMPLAINT = "closed_complaint", _("Closed complaints and requests")

    class ClockStart(models.TextChoices):
        LAST_ACTIVITY = "last_activity", _("Last activity of the customer")
        FISCAL_YEAR_END = "fiscal_year_end", _("End of the order's fiscal year")
        CONSENT_WITHDRAWAL = "consent_withdrawal", _("Withdrawal of the consent")
        COMPLAINT_CLOSURE = "complaint_closure", _("Closure of the complaint")

    class Action(models.TextChoices):
        ERASE = "erase", _("Erase the customer's personal data")
        ANONYMIZE = "anonymize", _("Anonymize the record, keep what the law requires")

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=255)
    description = models.TextField(_("description"), blank=True)
    target = models.CharField(_("applies to"), max_length=30, choices=Target.choices)
    clock_start = models.CharField(_("clock starts at"), max_length=30, choices=ClockStart.choices)
    period_months = models.PositiveIntegerField(_("period (months)"))
    action = models.CharField(_("then"), max_length=20, choices=Action.choices)
    is_active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("retention rule")
        verbose_name_plural = _("retention rules")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


@personal_data.declare(
    personal={},
    non_personal=["trigger", "task", "status", "counts", "errors"],
)
class PurgeRun(models.Model):
    """One run of a purge or of the erasure-request executor. Holds no personal data: counts
    per record type and error messages without values."""

    class Trigger(models.TextChoices):
        SCHEDULE = "schedule", _("Schedule")
        COMMAND = "command", _("Command")
        STAFF = "staff", _("Staff")

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        FINISHED = "finished", _("Finished")
        FAILED = "failed", _("Failed")

    trigger = models.CharField(_("trigger"), max_length=20, choices=Trigger.choices)
    task = models.CharField(_("task"), max_length=100)
    dry_run = models.BooleanField(_("dry run"), default=False)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.RUNNING
    )
    started_at = models.DateTimeField(_("started at"), default=timezone.now, db_index=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    customers_erased = models.PositiveIntegerField(_("customers erased"), default=0)
    customers_held = models.PositiveIntegerField(_("customers held back"), default=0)
    # The records the rules reached when the run began, and those handled so far (saved once
    # per batch, with the counts): the progress bar of a run started from the admin.
    total = models.PositiveIntegerField(_("records due"), default=0)
    done = models.PositiveIntegerField(_("records handled"), default=0)
    # {"customers.Customer": 12, "customers.HistoricalCustomer": 40, ...}
    counts = models.JSONField(_("rows per record type"), default=dict, blank=True)
    errors = models.JSONField(_("errors"), default=list, blank=True)

    class Meta:
        verbose_name = _("purge run")
        verbose_name_plural = _("purge runs")
        ordering = ["-started_at", "-id"]
        indexes = [
            models.Index(
                fields=["started_at"],
                name="purgerun_failed_idx",
                condition=models.Q(status="failed"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.task_label} {local_datetime(self.started_at)}"

    @property
    def task_label(self) -> str:
        return job_label(self.task)

    @property
    def duration(self) -> object:
        return (self.finished_at - self.started_at) if self.finished_at else None

    @property
    def percent(self) -> int:
        return percent_done(self.done, self.total, complete=self.status == self.Status.FINISHED)


@personal_data.declare(
    personal={
        # Staff type free text here; it may name the person or their situation.
        "verification_note": PersonalField(
            Category.FREE_TEXT, legal=LegalItem.OTHER_BASIC, erasure=Erasure.CLEAR, internal=True
        ),
        # Sent to the customer; once the customer is erased later (by a rule), it goes too.
        "refusal_reason": PersonalField(
            Category.FREE_TEXT, legal=LegalItem.OTHER_BASIC, erasure=Erasure.CLEAR
        ),
        # How the refusal reached the person ("Email", or the call's summary).
        "refusal_told_how": PersonalField(
            Category.FREE_TEXT, legal=LegalItem.OTHER_BASIC, erasure=Erasure.CLEAR
        ),
    },
    non_personal=["source", "status", "refusal_exception"],
)
class ErasureRequest(models.Model):
    """A request to erase a customer's data: received → identity verified → approved (Legal &
    compliance) → executed, or refused on a ground of Law 91/2025/QH15 Art. 14(2)."""

    class Source(models.TextChoices):
        COMPLAINT = "complaint", _("Customer's request (complaint)")
        STAFF = "staff", _("Staff")
        RULE = "rule", _("Retention rule")

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received")
        VERIFIED = "verified", _("Identity verified")
        APPROVED = "approved", _("Approved")
        EXECUTED = "executed", _("Executed")
        REFUSED = "refused", _("Refused")

    class LegalException(models.TextChoices):
        # Law 91/2025/QH15 Art. 14(2): a deletion request is not carried out in the cases of
        # Art. 19, or when it breaks the principles of Art. 4(3).
        LIFE_OR_RIGHTS = (
            "life_or_rights",
            _(
                "Urgent protection of the life, health, honour, rights or legitimate interests "
                "of you or others (Law 91/2025/QH15 Art. 19(1)(a))"
            ),
        )
        EMERGENCY = (
            "emergency",
            _(
                "An emergency, a threat to national security, or preventing riots, terrorism, "
                "crime and breaches of the law (Law 91/2025/QH15 Art. 19(1)(b))"
            ),
        )
        STATE_AGENCY = (
            "state_agency",
            _("The work of a state agency under the law (Law 91/2025/QH15 Art. 19(1)(c))"),
        )
        CONTRACT = (
            "contract",
            _(
                "Performing your agreement with us, e.g. an open order or a warranty "
                "(Law 91/2025/QH15 Art. 19(1)(d))"
            ),
        )
        LAW_FORBIDS = (
            "law_forbids",
            _(
                "Another law requires keeping it, e.g. accounting records for 10 years "
                "(Law on Accounting 2015 Art. 41; Law 91/2025/QH15 Art. 19(1)(đ))"
            ),
        )
        ABUSIVE = (
            "abusive",
            _(
                "The request does not follow the principles of Law 91/2025/QH15 Art. 4(3) "
                "(it obstructs our legal duties or harms the rights of others)"
            ),
        )
        # Grounds of Decree 13/2023 (repealed on 1 January 2026, Decree 356/2025 Art. 42(2)):
        # kept only for the refusals decided under it; no new refusal may rest on them.
        PUBLIC_BY_LAW = (
            "public_by_law",
            _("Made public in accordance with the law (Decree 13/2023, repealed)"),
        )
        LEGAL_RESEARCH_STATISTICS = (
            "legal_research_statistics",
            _("Needed for legal requirements, research or statistics (Decree 13/2023, repealed)"),
        )
        LIFE_OR_HEALTH = (
            "life_or_health",
            _("Threat to the life or health of a person (Decree 13/2023, repealed)"),
        )
        IDENTITY_NOT_VERIFIED = (
            "identity_not_verified",
            _("The requester's identity was not verified (before 2026; not a legal ground)"),
        )

    # What a refusal may rest on today (Law 91/2025 Art. 14(2)).
    GROUNDS_IN_FORCE = (
        LegalException.LIFE_OR_RIGHTS,
        LegalException.EMERGENCY,
        LegalException.STATE_AGENCY,
        LegalException.CONTRACT,
        LegalException.LAW_FORBIDS,
        LegalException.ABUSIVE,
    )

    customer = models.ForeignKey(
        Customer,
        on_delete=models.PROTECT,
        related_name="erasure_requests",
        verbose_name=_("customer"),
    )
    # The deletion request it was filed from, when it came through the complaint desk.
    complaint = models.OneToOneField(
        "complaints.Complaint",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="erasure_request",
        verbose_name=_("complaint or request"),
    )
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.RECEIVED, db_index=True
    )
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    due_at = models.DateTimeField(_("due at"), db_index=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("received by"),
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("verified by"),
    )
    verification_note = models.TextField(_("how the identity was verified"), blank=True)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    executed_at = models.DateTimeField(_("executed at"), null=True, blank=True)
    refused_at = models.DateTimeField(_("refused at"), null=True, blank=True)
    refused_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("refused by"),
    )
    refusal_exception = models.CharField(
        _("legal exception"), max_length=40, choices=LegalException.choices, blank=True
    )
    refusal_reason = models.TextField(_("reason sent to the customer"), blank=True)
    # Law 91/2025/QH15 Art. 14(5): the person is told why the deletion is not done — by email
    # when there is an address, otherwise by a call staff record.
    refusal_told_at = models.DateTimeField(_("refusal told at"), null=True, blank=True)
    refusal_told_how = models.TextField(_("refusal told how"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("erasure request")
        verbose_name_plural = _("erasure requests")
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["status", "due_at"], name="erasure_status_due_idx")]
        permissions = [
            ("approve_erasurerequest", gettext_noop("Can approve or refuse erasure requests"))
        ]

    def __str__(self) -> str:
        return _("Erasure of customer #%(id)s") % {"id": self.customer_id}


@personal_data.declare(
    personal={
        # The authority's case or the dispute: it names a case, kept while the hold stands.
        "reference": PersonalField(
            Category.FREE_TEXT, legal=LegalItem.OTHER_BASIC, erasure=Erasure.KEEP
        ),
        # A customer is erased only after every hold is lifted; staff notes go with them.
        "note": PersonalField(
            Category.FREE_TEXT, legal=LegalItem.OTHER_BASIC, erasure=Erasure.CLEAR, internal=True
        ),
        "lift_reason": PersonalField(
            Category.FREE_TEXT, legal=LegalItem.OTHER_BASIC, erasure=Erasure.CLEAR
        ),
    },
    non_personal=["reason"],
)
class LegalHold(models.Model):
    """An investigation or a dispute freezes a customer's data: while a hold is active no rule
    and no request erases them. Only Legal & compliance places or lifts one."""

    class Reason(models.TextChoices):
        INVESTIGATION = "investigation", _("Investigation by an authority")
        DISPUTE = "dispute", _("Dispute or litigation")
        OTHER = "other", _("Other legal reason")

    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="legal_holds", verbose_name=_("customer")
    )
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    reference = models.CharField(
        pgettext_lazy("legal hold", "reference"),
        max_length=255,
        blank=True,
        help_text=_("The authority's document or the case number."),
    )
    note = models.TextField(_("note"), blank=True)
    placed_at = models.DateTimeField(_("placed at"), default=timezone.now)
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
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
        verbose_name = _("legal hold")
        verbose_name_plural = _("legal holds")
        ordering = ["-placed_at", "-id"]
        indexes = [
            models.Index(fields=["customer", "lifted_at"], name="legalhold_active_idx"),
            models.Index(
                fields=["placed_at"],
                name="legalhold_in_force_idx",
                condition=models.Q(lifted_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return _("Hold on customer #%(id)s") % {"id": self.customer_id}

    @property
    def is_active(self) -> bool:
        return self.lifted_at is None


@personal_data.declare(
    personal={},
    non_personal=["job", "counts"],
)
class ErasureReceipt(models.Model):
    """What remains of an erasure: what was erased, when and why, without personal data."""

    customer = models.OneToOneField(
        Customer,
        on_delete=models.PROTECT,
        related_name="erasure_receipt",
        verbose_name=_("customer"),
    )
    erased_at = models.DateTimeField(_("erased at"), default=timezone.now, db_index=True)
    rule = models.ForeignKey(
        RetentionRule,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("rule"),
    )
    request = models.OneToOneField(
        ErasureRequest,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="receipt",
        verbose_name=_("request"),
    )
    run = models.ForeignKey(
        PurgeRun,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="receipts",
        verbose_name=_("purge run"),
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("staff member"),
    )
    job = models.CharField(_("job"), max_length=100, blank=True)
    # {"customers.Customer": 1, "customers.HistoricalCustomer": 4, "files": 2, ...}
    counts = models.JSONField(_("rows per record type"), default=dict)

    class Meta:
        verbose_name = _("erasure receipt")
        verbose_name_plural = _("erasure receipts")
        ordering = ["-erased_at", "-id"]

    def __str__(self) -> str:
        return _("Erasure receipt of customer #%(id)s") % {"id": self.customer_id}
