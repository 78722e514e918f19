"""Complaints and data-subject requests (SPEC.md, complaints/).

One Complaint per complaint or request, whatever the channel. The three steps every seed policy
describes (seed 004 §7): received → classified and routed → resolved (answered by phone and/or
email), then closed. Writes go through complaints.services; the deadlines are configuration
(DeadlineRule, PublicHoliday), computed in complaints.deadlines.
"""

from __future__ import annotations

import datetime
import secrets
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop, pgettext_lazy
from simple_history.models import HistoricalRecords

from complaints import law
from customers import personal_data
from customers.fields import PhoneNumberField
from customers.kernel.files import random_name
from customers.kernel.text import local_date, local_datetime
from customers.models import Channel, Customer
from customers.personal_data import Category, DataItem, Erasure, LegalItem, PersonalField

# Crockford's base32 without I, L, O, U: nothing to misread when a customer types the code.
TRACKING_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
TRACKING_PREFIX = "KN"
TRACKING_LENGTH = 10  # 50 random bits: unguessable, and lookups need the contact too


def new_tracking_code() -> str:
    body = "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(TRACKING_LENGTH))
    return f"{TRACKING_PREFIX}-{body[:5]}-{body[5:]}"


def normalize_tracking_code(value: str) -> str:
    """What a customer typed ("kn 7q3x0-ab1cd", with O for 0, I or L for 1) as stored."""
    text = "".join(ch for ch in (value or "").upper() if ch.isalnum())
    text = text.translate(str.maketrans("OIL", "011"))
    if text.startswith(TRACKING_PREFIX):
        text = text[len(TRACKING_PREFIX) :]
    if len(text) != TRACKING_LENGTH:
        return ""
    return f"{TRACKING_PREFIX}-{text[:5]}-{text[5:]}"


def evidence_upload_to(instance: Evidence, filename: str) -> str:
    """A random name (customers.kernel.files): the uploaded name may itself be personal. The
    original name is kept in a declared field, erased with the rest."""
    return random_name(instance.content_type, folder=f"complaints/evidence/{timezone.now():%Y/%m}")


class Kind(models.TextChoices):
    # Complaints about misuse of personal data (seeds §7).
    DISCLOSURE_WITHOUT_CONSENT = (
        "disclosure_without_consent",
        _("Disclosure to a third party without my consent"),
    )
    USE_BEYOND_PURPOSE = "use_beyond_purpose", _("Use beyond the stated purpose")
    SUSPECTED_LEAK = "suspected_leak", _("Suspected leak of my data")
    OTHER_COMPLAINT = "other_complaint", _("Other complaint")
    # Data-subject requests (Law 91/2025/QH15 Art. 4(1); periods in Decree 356/2025 Art. 5).
    ACCESS = "access", _("Access my data")
    CORRECTION = "correction", _("Correct my data")
    DELETION = "deletion", _("Delete my data")
    WITHDRAW_CONSENT = "withdraw_consent", _("Withdraw my consent")
    STOP_MARKETING = "stop_marketing", _("Stop marketing to me")
    RESTRICT_OBJECT = "restrict_object", _("Restrict or object to processing")
    # Law 91/2025 Art. 4(1)(e); Decree 356/2025 Art. 5(5).
    PROTECTIVE_MEASURES = "protective_measures", _("Apply measures to protect my data")


COMPLAINT_KINDS = (
    Kind.DISCLOSURE_WITHOUT_CONSENT,
    Kind.USE_BEYOND_PURPOSE,
    Kind.SUSPECTED_LEAK,
    Kind.OTHER_COMPLAINT,
)
REQUEST_KINDS = (
    Kind.ACCESS,
    Kind.CORRECTION,
    Kind.DELETION,
    Kind.WITHDRAW_CONSENT,
    Kind.STOP_MARKETING,
    Kind.RESTRICT_OBJECT,
    Kind.PROTECTIVE_MEASURES,
)


class IdentityMethod(models.TextChoices):
    """How staff made sure the requester is the customer."""

    CALL_BACK = "call_back", _("Called back on the phone number on record")
    ID_IN_PERSON = "id_in_person", _("Citizen ID seen in person")
    SHOP_ACCOUNT = "shop_account", _("Sent from the customer's signed-in shop account")
    ONE_TIME_CODE = "one_time_code", _("One-time code sent to the phone or email on record")


class RepresentativeRelation(models.TextChoices):
    """Who may act for the customer (Law 91/2025/QH15 Art. 24(2); Civil Code 2015 Art. 136)."""

    PARENT = "parent", _("Parent of a child")
    GUARDIAN = "guardian", _("Guardian")
    OTHER = "other", _("Other legal representative")


# What staff may record; a one-time code is recorded only by the customer typing it.
STAFF_IDENTITY_METHODS = [
    (method.value, method.label)
    for method in IdentityMethod
    if method != IdentityMethod.ONE_TIME_CODE
]


def grouped_kind_choices() -> list[tuple[object, list[tuple[str, object]]]]:
    """The kinds in two groups, as a select shows them."""
    return [
        (_("Complaints"), [(kind.value, kind.label) for kind in COMPLAINT_KINDS]),
        (_("Requests about my data"), [(kind.value, kind.label) for kind in REQUEST_KINDS]),
    ]


# What the list holds when it is empty (seed 004 §7: customer care, and the departments a
# complaint is passed to), as staff read them; the same as complaints/migrations/0020 made.
DEFAULT_DEPARTMENTS = {
    "customer_care": "Chăm sóc khách hàng",
    "sales_marketing": "Kinh doanh và tiếp thị",
    "legal_compliance": "Pháp chế và tuân thủ",
    "it_security": "Công nghệ thông tin và an ninh",
    "logistics": "Đơn hàng và giao hàng",
}


@personal_data.declare(personal={}, non_personal=["code", "name"])
class Department(models.Model):
    """A department complaints are routed to (seed 004 §7, step 2): a list Legal & compliance
    keeps. A department no longer used is switched off, never deleted: the complaints routed
    to it keep it."""

    # The departments the first migration created, by code (complaints/migrations/0020).
    CUSTOMER_CARE = "customer_care"
    SALES_MARKETING = "sales_marketing"
    LEGAL_COMPLIANCE = "legal_compliance"
    IT_SECURITY = "it_security"
    LOGISTICS = "logistics"

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=120)
    is_active = models.BooleanField(
        _("active"), default=True, help_text=_("Only active departments are offered for routing.")
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Status(models.TextChoices):
    RECEIVED = "received", _("Received")
    AWAITING_CUSTOMER = "awaiting_customer", _("Awaiting the customer")
    ROUTED = "routed", _("Classified and routed")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")
    REJECTED = "rejected", _("Rejected")
    DUPLICATE = "duplicate", _("Duplicate")


# Still being handled: its customer's data is needed, its deadline runs.
OPEN_STATUSES = (Status.RECEIVED, Status.AWAITING_CUSTOMER, Status.ROUTED, Status.RESOLVED)
# The clock counts for these: the answer is not given yet.
PENDING_STATUSES = (Status.RECEIVED, Status.AWAITING_CUSTOMER, Status.ROUTED)


class ResponseChannel(models.TextChoices):
    PHONE = "phone", _("Phone call")
    EMAIL = "email", _("Email")


@personal_data.declare(personal={}, non_personal=["kind", "resolve_unit", "note"])
class DeadlineRule(models.Model):
    """How long each kind may take. For a request the law's period is the upper bound
    (complaints.law, Decree 356/2025 Art. 5): Legal & compliance may shorten it, never lengthen
    it; the complaint kinds are the company's choice."""

    class Unit(models.TextChoices):
        CALENDAR_DAYS = "calendar", _("Calendar days")
        WORKING_DAYS = "working", _("Working days")

    kind = models.CharField(_("kind"), max_length=40, choices=Kind.choices, unique=True)
    acknowledge_working_days = models.PositiveSmallIntegerField(
        _("acknowledge within (working days)"), default=2
    )
    resolve_days = models.PositiveSmallIntegerField(_("resolve within"))
    resolve_unit = models.CharField(
        _("counted in"), max_length=10, choices=Unit.choices, default=Unit.CALENDAR_DAYS
    )
    third_party_resolve_days = models.PositiveSmallIntegerField(
        _("resolve within, when a third party must also act"),
        null=True,
        blank=True,
        help_text=_("Empty: the same as without a third party."),
    )
    max_extension_days = models.PositiveSmallIntegerField(
        _("one extension of at most (days)"), default=15
    )
    note = models.CharField(_("legal basis / note"), max_length=255, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("deadline rule")
        verbose_name_plural = _("deadline rules")
        ordering = ["kind"]

    def __str__(self) -> str:
        return str(Kind(self.kind).label) if self.kind in Kind.values else self.kind

    def clean(self) -> None:  # the law's periods as upper bounds
        terms = law.legal_terms(self.kind)
        if terms is None:
            return
        errors: dict[str, ValidationError] = {}

        def at_most(field: str, value: int | None, limit: int, unit: Any) -> None:
            if value is not None and value > limit:
                errors[field] = ValidationError(
                    _("At most %(limit)d %(unit)s: %(article)s."),
                    code="above_the_law",
                    params={"limit": limit, "unit": unit, "article": terms.article},
                )

        at_most(
            "acknowledge_working_days",
            self.acknowledge_working_days,
            law.ACKNOWLEDGE_WORKING_DAYS,
            _("working days"),
        )
        at_most("resolve_days", self.resolve_days, terms.resolve_days, _("days"))
        at_most(
            "third_party_resolve_days",
            self.third_party_resolve_days,
            terms.third_party_days or terms.resolve_days,
            _("days"),
        )
        at_most("max_extension_days", self.max_extension_days, terms.max_extension_days, _("days"))
        if self.resolve_unit == self.Unit.WORKING_DAYS:
            # Working days would end later than the law's days (Civil Code 2015 Art. 147).
            errors["resolve_unit"] = ValidationError(
                _("The law counts this period in days, not working days: %(article)s."),
                code="above_the_law",
                params={"article": terms.article},
            )
        if errors:
            raise ValidationError(errors)


@personal_data.declare(personal={}, non_personal=["name"])
class PublicHoliday(models.Model):
    """A day off that deadlines counted in working days skip (Labour Code 2019 Art. 112, and the
    Government's yearly notice of Tết and the days swapped around it)."""

    date = models.DateField(_("date"), unique=True)
    name = models.CharField(_("name"), max_length=120)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("public holiday")
        verbose_name_plural = _("public holidays")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{local_date(self.date)} {self.name}"


@personal_data.declare(personal={}, non_personal=["year"])
class HolidayYear(models.Model):
    """Legal & compliance confirmed a year's list of public holidays (the package's days, and
    the Government's notice of the swapped days and of the National Day day chosen): the
    November job warns them while next year's list is not confirmed."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), default=timezone.now)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("confirmed by"),
    )

    class Meta:
        verbose_name = _("confirmed holiday list")
        verbose_name_plural = _("confirmed holiday lists")
        ordering = ["-year"]

    def __str__(self) -> str:
        return str(self.year)


@personal_data.declare(
    personal={
        # The link to the customer goes with erasure; the record of how the request was
        # handled stays (it proves the promise was kept) without the person in it.
        "customer": PersonalField(
            Category.IDENTITY, legal=LegalItem.OTHER_BASIC, erasure=Erasure.CLEAR
        ),
        "submitter_name": PersonalField(
            Category.IDENTITY, legal=LegalItem.NAME, erasure=Erasure.REDACT, item=DataItem.NAME
        ),
        "submitter_name_folded": PersonalField(
            Category.IDENTITY, legal=LegalItem.NAME, erasure=Erasure.CLEAR
        ),
        # Hashed, not cleared: the customer can still follow the outcome of their request
        # with the tracking code and the phone or email it was filed with.
        "submitter_phone": PersonalField(
            Category.CONTACT,
            legal=LegalItem.NUMBERS,
            erasure=Erasure.KEYED_HASH,
            item=DataItem.PHONE,
        ),
        "submitter_email": PersonalField(
            Category.CONTACT,
            legal=LegalItem.OTHER_BASIC,
            erasure=Erasure.KEYED_HASH,
            item=DataItem.EMAIL,
        ),
        "description": PersonalField(
            Category.FREE_TEXT,
            legal=LegalItem.OTHER_BASIC,
            erasure=Erasure.REDACT,
            item=DataItem.NOTES,
        ),
        "resolution": PersonalField(
            Category.FREE_TEXT, legal=LegalItem.OTHER_BASIC, erasure=Erasure.REDACT
        ),
        "phone_call_summary": PersonalField(
            Category.FREE_TEXT, legal=LegalItem.OTHER_BASIC, erasure=Erasure.REDACT
        ),
        "extension_reason": PersonalField(
            Category.FREE_TEXT, legal=LegalItem.OTHER_BASIC, erasure=Erasure.REDACT
        ),
        "rejection_reason": PersonalField(
            Category.FREE_TEXT, legal=LegalItem.OTHER_BASIC, erasure=Erasure.REDACT
        ),
        # How staff checked who is asking ("called back 0912 *** 984"): it may name the person.
        "identity_note": PersonalField(
            Category.FREE_TEXT, legal=LegalItem.OTHER_BASIC, erasure=Erasure.REDACT, internal=True
        ),
        # A parent or guardian filing for the customer (Law 91/2025/QH15 Art. 24(2)).
        "representative_name": PersonalField(
            Category.IDENTITY, legal=LegalItem.NAME, erasure=Erasure.REDACT
        ),
        "representative_proof": PersonalField(
            Category.FREE_TEXT, legal=LegalItem.OTHER_BASIC, erasure=Erasure.REDACT
        ),
    },
    non_personal=[
        "identity_method",
        "representative_relation",
        "tracking_code",
        "kind",
        "channel",
        "language",
        "status",
        "department",
        "response_channel",
    ],
)
class Complaint(models.Model):
    """A complaint or data-subject request, from the public form or recorded by staff."""

    Kind = Kind
    Status = Status
    Department = Department
    ResponseChannel = ResponseChannel

    tracking_code = models.CharField(
        _("tracking code"), max_length=20, unique=True, default=new_tracking_code, editable=False
    )
    kind = models.CharField(_("kind"), max_length=40, choices=Kind.choices, db_index=True)
    channel = models.CharField(
        _("received by"), max_length=20, choices=Channel.choices, default=Channel.WEB_FORM
    )
    language = models.CharField(
        _("language of the customer"),
        max_length=8,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
    )
    submitter_name = models.CharField(_("name"), max_length=255)
    # Lower case without diacritics, kept by the services, so that the queue finds "Nguyễn Văn
    # An" by "nguyen van an" through an index (trigram on PostgreSQL).
    submitter_name_folded = models.CharField(max_length=255, editable=False, default="")
    submitter_phone = PhoneNumberField(_("phone"), blank=True, db_index=True)
    submitter_email = models.EmailField(_("email"), blank=True, db_index=True)
    description = models.TextField(_("description"))
    # Asked on the form before 2026. Handling a complaint or request is the company's legal
    # duty (Law 91/2025/QH15 Art. 4(4)–(5)): no consent is asked for it any more.
    consent_to_process = models.BooleanField(
        _("agreed that the complaint's data is processed to handle it (asked before 2026)"),
        default=False,
    )
    customer = models.ForeignKey(
        Customer,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints",
        verbose_name=_("customer"),
        help_text=_("Linked by staff after checking the phone or email."),
    )
    customer_linked_at = models.DateTimeField(_("customer linked at"), null=True, blank=True)
    customer_linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("customer linked by"),
    )

    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.RECEIVED, db_index=True
    )
    # The column keeps the department's code (to_field): what was routed before the list of
    # departments became rows reads the same.
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        to_field="code",
        db_column="department",
        null=True,
        blank=True,
        related_name="complaints",
        verbose_name=_("department"),
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_complaints",
        verbose_name=_("assignee"),
    )
    third_party_involved = models.BooleanField(
        _("a processor or third party must also act"), default=False
    )

    received_at = models.DateTimeField(_("received at"), default=timezone.now, db_index=True)
    acknowledge_due_at = models.DateTimeField(_("acknowledge by"))
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    due_at = models.DateTimeField(_("due at"), db_index=True)
    extension_days = models.PositiveSmallIntegerField(_("extended by (days)"), default=0)
    extension_reason = models.TextField(_("reason for the extension"), blank=True)
    extended_at = models.DateTimeField(_("extended at"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("assignee last reminded at"), null=True, blank=True)

    resolution = models.TextField(
        _("result"), blank=True, help_text=_("Shown to the customer on the status page.")
    )
    response_channel = models.CharField(
        _("answered by"), max_length=10, choices=ResponseChannel.choices, blank=True
    )
    phone_call_at = models.DateTimeField(_("phone call at"), null=True, blank=True)
    phone_call_summary = models.TextField(_("summary of the call"), blank=True)
    # Nothing personal is shown or sent for a request before the requester is known to be the
    # customer (Law 91/2025 Art. 4; Decree 356/2025 Art. 5: a request made by the proper
    # procedure).
    identity_verified_at = models.DateTimeField(_("identity verified at"), null=True, blank=True)
    identity_verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("identity verified by"),
    )
    identity_method = models.CharField(
        _("how the identity was verified"),
        max_length=20,
        choices=IdentityMethod.choices,
        blank=True,
    )
    identity_note = models.TextField(_("identity check note"), blank=True)
    # Law 91/2025/QH15 Art. 24(2): for a child, or a person without (full) legal capacity, the
    # legal representative exercises the rights, with the proof of representation recorded.
    representative_name = models.CharField(_("legal representative"), max_length=255, blank=True)
    representative_relation = models.CharField(
        _("representing as"), max_length=20, choices=RepresentativeRelation.choices, blank=True
    )
    representative_proof = models.TextField(_("proof of representation"), blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    rejection_reason = models.TextField(_("reason for rejecting"), blank=True)
    duplicate_of = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="duplicates",
        verbose_name=_("duplicate of"),
    )
    # A substantiated leak or misuse is a breach to notify (Law 91/2025/QH15 Art. 23(3)(a), (b)).
    incident = models.ForeignKey(
        "Incident",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="source_complaints",
        verbose_name=_("breach incident opened from it"),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("complaint or request")
        verbose_name_plural = _("complaints and requests")
        ordering = ["-received_at", "-id"]
        permissions = [
            ("route_complaint", gettext_noop("Can classify and route complaints")),
            ("resolve_complaint", gettext_noop("Can resolve complaints")),
            ("reject_complaint", gettext_noop("Can reject complaints or mark them duplicate")),
            ("extend_complaint", gettext_noop("Can extend a complaint's deadline")),
        ]
        indexes = [
            models.Index(fields=["status", "due_at"], name="complaint_status_due"),
            # The home's counts read the pending complaints only (a few among many closed).
            models.Index(
                fields=["due_at"],
                name="complaint_pending_due",
                condition=models.Q(status__in=["received", "awaiting_customer", "routed"]),
            ),
        ]

    def __str__(self) -> str:
        return self.tracking_code

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def is_overdue(self, now: datetime.datetime | None = None) -> bool:
        return self.status in PENDING_STATUSES and self.due_at < (now or timezone.now())


@personal_data.declare(
    personal={
        # Photos of ID cards (Art. 4(1)(i)), screenshots of private messages (Art. 4(1)(c)).
        "file": PersonalField(
            Category.FREE_TEXT,
            legal=LegalItem.ID_ACCOUNT_AND_CARD,
            erasure=Erasure.DELETE_ROW,
        ),
        "original_name": PersonalField(
            Category.FREE_TEXT, legal=LegalItem.OTHER_BASIC, erasure=Erasure.DELETE_ROW
        ),
        "sha256": PersonalField(
            Category.FREE_TEXT, legal=LegalItem.OTHER_BASIC, erasure=Erasure.DELETE_ROW
        ),
    },
    non_personal=["content_type"],
)
class Evidence(models.Model):
    """A file the customer sent with a complaint (seed 000: the customer brings evidence).
    Stored under a random name, never served publicly: staff download it through a
    permission-checked view."""

    complaint = models.ForeignKey(
        Complaint, on_delete=models.CASCADE, related_name="evidence", verbose_name=_("complaint")
    )
    file = models.FileField(_("file"), upload_to=evidence_upload_to, max_length=200)
    original_name = models.CharField(_("file name as sent"), max_length=255)
    content_type = models.CharField(_("type"), max_length=40)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name


@personal_data.declare(
    personal={
        "body": PersonalField(
            Category.FREE_TEXT, legal=LegalItem.OTHER_BASIC, erasure=Erasure.REDACT
        )
    },
    non_personal=["visibility"],
)
class ComplaintMessage(models.Model):
    """An internal note (staff only) or a reply meant for the customer: only replies reach the
    status page and the customer's email."""

    class Visibility(models.TextChoices):
        INTERNAL = "internal", _("Internal note")
        CUSTOMER = "customer", _("Reply to the customer")

    complaint = models.ForeignKey(
        Complaint, on_delete=models.CASCADE, related_name="messages", verbose_name=_("complaint")
    )
    visibility = models.CharField(_("visibility"), max_length=10, choices=Visibility.choices)
    body = models.TextField(_("text"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("author"),
    )
    created_at = models.DateTimeField(_("written at"), default=timezone.now)
    emailed_at = models.DateTimeField(_("emailed to the customer at"), null=True, blank=True)

    class Meta:
        verbose_name = _("note or reply")
        verbose_name_plural = _("notes and replies")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_visibility_display()} {local_datetime(self.created_at)}"


@personal_data.declare(
    personal={
        "detail": PersonalField(
            Category.FREE_TEXT, legal=LegalItem.OTHER_BASIC, erasure=Erasure.REDACT
        )
    },
    non_personal=["action", "from_status", "to_status"],
)
class ComplaintEvent(models.Model):
    """Who did what to a complaint, and when: each transition, link, extension and action on
    the customer's data. Written by the services only."""

    class Action(models.TextChoices):
        RECEIVED = "received", _("Received")
        ACKNOWLEDGED = "acknowledged", _("Acknowledgement sent")
        TRANSITION = "transition", _("Status changed")
        CUSTOMER_LINKED = "customer_linked", _("Customer linked")
        EXTENDED = "extended", _("Deadline extended")
        REPLY_SENT = "reply_sent", _("Reply emailed")
        DATA_EXPORTED = "data_exported", _("Data export sent")
        CONSENT_WITHDRAWN = "consent_withdrawn", _("Consent withdrawn")
        ERASURE_REQUESTED = "erasure_requested", _("Erasure request filed")
        REMINDED = "reminded", _("Assignee reminded")
        IDENTITY_VERIFIED = "identity_verified", _("Identity verified")
        IDENTITY_CODE_SENT = "identity_code_sent", _("Identity code sent")
        REPRESENTATIVE_RECORDED = "representative_recorded", _("Legal representative recorded")
        DEADLINE_CORRECTED = "deadline_corrected", _("Deadline corrected to the law's")
        INCIDENT_OPENED = "incident_opened", _("Breach incident opened")
        THIRD_PARTIES_ASKED = "third_parties_asked", _("Recipients asked to act")
        # Law 91/2025/QH15 Art. 15(2)(a): what the copy of the data left out, as evidence.
        DATA_WITHHELD = "data_withheld", _("Withheld from the copy of the data")

    complaint = models.ForeignKey(
        Complaint, on_delete=models.CASCADE, related_name="events", verbose_name=_("complaint")
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    action = models.CharField(_("action"), max_length=30, choices=Action.choices)
    from_status = models.CharField(_("from"), max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=20, choices=Status.choices, blank=True)
    detail = models.TextField(_("detail"), blank=True)

    class Meta:
        verbose_name = _("complaint event")
        verbose_name_plural = _("complaint events")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {local_datetime(self.at)}"


@personal_data.declare(personal={}, non_personal=["channel", "code_hash", "attempts"])
class IdentityCode(models.Model):
    """A one-time code sent to the phone or email *on record* of the customer a request is
    linked to, never to a contact typed on the form; the requester types it on the status page
    to confirm they are that customer. The code itself is made by the task that sends it and
    kept only as a keyed hash: it is in no log, outbox row or broker message."""

    class Channel(models.TextChoices):
        SMS = "sms", _("Text message to the phone number on record")
        EMAIL = "email", _("Email to the address on record")

    complaint = models.ForeignKey(
        Complaint,
        on_delete=models.CASCADE,
        related_name="identity_codes",
        verbose_name=_("complaint"),
    )
    channel = models.CharField(_("sent by"), max_length=10, choices=Channel.choices)
    created_at = models.DateTimeField(_("asked for at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    code_hash = models.CharField(_("code (keyed hash)"), max_length=64, blank=True)
    attempts = models.PositiveSmallIntegerField(_("wrong tries"), default=0)
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("identity code")
        verbose_name_plural = _("identity codes")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {local_datetime(self.created_at)}"


# Breach incidents ---------------------------------------------------------------------------

# Law 91/2025/QH15 Art. 23 and Decree 356/2025/NĐ-CP Art. 28: a breach is
# notified to the Ministry of Public Security's data-protection department (A05) within 72 hours
# of its detection.
AUTHORITY_NOTICE_HOURS = 72
# When the Legal & compliance group is warned that the notice is not sent yet.
INCIDENT_REMINDER_HOURS = (24, 48, 66)


@personal_data.declare(
    # The DPO is a named employee (as on the controller profile); the incident's texts describe
    # the event and must not name customers (the people affected are IncidentCustomer rows).
    personal={
        "contact_name": PersonalField(
            Category.IDENTITY, legal=LegalItem.NAME, erasure=Erasure.KEEP
        ),
        # The organisations and people involved in the act (an intruder, a processor, an
        # employee) as the authority is told them (Decree 356/2025 Art. 28(1)(a)).
        "parties_involved": PersonalField(
            Category.FREE_TEXT, legal=LegalItem.OTHER_BASIC, erasure=Erasure.KEEP
        ),
    },
    non_personal=[
        "reference",
        "title",
        "status",
        "description",
        "cause",
        "place",
        "categories",
        "selection",
        "consequences",
        "measures_taken",
        "measures_planned",
        "contact_title",
        "contact_phone",
        "contact_email",
        "data_quantities",
        "attachments",
        "authority_reference",
        "late_reason",
        "notice_subject",
        "notice_text",
        "reminders_sent",
    ],
)
class Incident(models.Model):
    """A personal-data breach (seed 001 §7: the company notifies the authorities and the
    customers). Describes the event, not the people: the people affected are IncidentCustomer
    rows. Only Legal & compliance and administrators see incidents."""

    class Status(models.TextChoices):
        OPEN = "open", _("Detected, authority not yet notified")
        AUTHORITY_NOTIFIED = "authority_notified", _("Authority notified")
        CLOSED = "closed", _("Closed")

    reference = models.CharField(
        pgettext_lazy("incident", "reference"), max_length=20, unique=True, editable=False
    )
    title = models.CharField(_("title"), max_length=255)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    detected_at = models.DateTimeField(_("detected at"), db_index=True)
    occurred_at = models.DateTimeField(
        _("occurred at"), null=True, blank=True, help_text=_("Empty: not known (yet).")
    )
    description = models.TextField(_("what happened"))
    cause = models.TextField(_("cause"), blank=True)
    place = models.CharField(
        _("where"), max_length=255, blank=True, help_text=_("The system, site or office.")
    )
    # Category values of customers.personal_data.Category.
    categories = models.JSONField(_("categories of data affected"), default=list, blank=True)
    # Decree 356/2025 Art. 28(1)(a): the types of personal data *and the quantity* concerned:
    # {category value: number of records}.
    data_quantities = models.JSONField(_("quantity of data per category"), default=dict, blank=True)
    parties_involved = models.TextField(
        _("organisations and people involved"),
        blank=True,
        help_text=_(
            "Who took part in the act or is concerned by it (an intruder, a processor, a "
            "partner). Not the customers affected: they are chosen in a step."
        ),
    )
    attachments = models.TextField(
        _("documents attached to the notice"),
        blank=True,
        help_text=_("One document per line (the confirmation minutes, a log extract …)."),
    )
    # How the affected customers were chosen: {"kind": "recipient", "recipient": 3, ...}.
    selection = models.JSONField(
        _("how the affected customers were chosen"), default=dict, blank=True
    )
    affected_count = models.PositiveIntegerField(_("customers affected"), default=0)
    consequences = models.TextField(_("likely consequences"), blank=True)
    measures_taken = models.TextField(_("measures taken"), blank=True)
    measures_planned = models.TextField(_("measures planned"), blank=True)
    # The person responsible, as the notice names them (the company's DPO by default).
    contact_name = models.CharField(_("person responsible"), max_length=255, blank=True)
    contact_title = models.CharField(_("their position"), max_length=255, blank=True)
    contact_phone = models.CharField(_("their phone"), max_length=30, blank=True)
    contact_email = models.EmailField(_("their email"), blank=True)
    authority_notified_at = models.DateTimeField(_("authority notified at"), null=True, blank=True)
    authority_reference = models.CharField(
        _("notice reference (number, dispatch)"), max_length=255, blank=True
    )
    late_reason = models.TextField(_("reason the notice was late"), blank=True)
    # Hours (24, 48, 66) at which Legal & compliance were warned.
    reminders_sent = models.JSONField(_("reminders sent (hours)"), default=list, blank=True)
    notice_subject = models.CharField(
        _("subject of the customers' notice"), max_length=255, blank=True
    )
    notice_text = models.TextField(_("text of the customers' notice"), blank=True)
    notifying_started_at = models.DateTimeField(
        _("notifying customers started at"), null=True, blank=True
    )
    notifying_finished_at = models.DateTimeField(
        _("notifying customers finished at"), null=True, blank=True
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("breach incident")
        verbose_name_plural = _("breach incidents")
        ordering = ["-detected_at", "-id"]
        permissions = [
            ("notify_incident", gettext_noop("Can notify the authority and customers of a breach"))
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def authority_due_at(self) -> object:
        import datetime

        return self.detected_at + datetime.timedelta(hours=AUTHORITY_NOTICE_HOURS)


@personal_data.declare(
    # Who was affected goes with the customer's erasure; the incident keeps its counts.
    personal={
        "customer": PersonalField(
            Category.IDENTITY, legal=LegalItem.OTHER_BASIC, erasure=Erasure.DELETE_ROW
        )
    },
    non_personal=["channel", "error"],
)
class IncidentCustomer(models.Model):
    """One customer affected by an incident, and how they were told: by email (sent at), or on
    the list for a phone call (no email address) until staff record the call."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        PHONE = "phone", _("Phone call")

    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, related_name="affected", verbose_name=_("incident")
    )
    customer = models.ForeignKey(
        Customer,
        on_delete=models.CASCADE,
        related_name="incidents",
        verbose_name=_("customer"),
    )
    channel = models.CharField(_("told by"), max_length=10, choices=Channel.choices, blank=True)
    notified_at = models.DateTimeField(_("told at"), null=True, blank=True, db_index=True)
    error = models.CharField(_("last error"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("affected customer")
        verbose_name_plural = _("affected customers")
        ordering = ["incident", "customer"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "customer"], name="incident_customer_once")
        ]

    def __str__(self) -> str:
        return f"{self.incident_id}/{self.customer_id}"


@personal_data.declare(
    # Who took part: staff, the processor's or the authority's people, named on the minutes.
    personal={
        "participants": PersonalField(Category.IDENTITY, legal=LegalItem.NAME, erasure=Erasure.KEEP)
    },
    non_personal=["place", "breach_confirmed", "scope", "measures"],
)
class IncidentConfirmation(models.Model):
    """The minutes confirming that a breach occurred (biên bản xác nhận, Law 91/2025/QH15
    Art. 23(2)): when and where, who took part, and what they confirmed — the breach, its
    scope, the measures. Recorded by complaints.incidents; printed and signed."""

    incident = models.ForeignKey(
        Incident,
        on_delete=models.PROTECT,
        related_name="confirmations",
        verbose_name=_("incident"),
    )
    held_at = models.DateTimeField(_("held at"))
    place = models.CharField(_("place"), max_length=255)
    participants = models.TextField(
        _("participants"), help_text=_("One per line: full name, position, organisation.")
    )
    breach_confirmed = models.TextField(_("the breach confirmed"))
    scope = models.TextField(_("its scope"))
    measures = models.TextField(_("the measures"))
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    class Meta:
        verbose_name = _("confirmation minutes")
        verbose_name_plural = _("confirmation minutes")
        ordering = ["incident", "held_at", "id"]

    def __str__(self) -> str:
        return f"{self.incident.reference} {local_datetime(self.held_at)}"
