"""The RecipientRequest model (customers.recipient_requests holds its services): a recipient that
received a customer's data is asked to stop, restrict, correct or delete it, with the law's
deadline, and its confirmation is recorded (Decree 356/2025/NĐ-CP Art. 5(2)–(4); Law 91/2025/QH15
Art. 14(3)). Kept in a module of its own so that customers/models.py imports it without a cycle."""

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
        # The request is the evidence that the recipient was told (kept, by id only).
        "customer": PersonalField(
            Category.IDENTITY, legal=LegalItem.OTHER_BASIC, erasure=Erasure.KEEP
        ),
        "confirmation_note": PersonalField(
            Category.FREE_TEXT, legal=LegalItem.OTHER_BASIC, erasure=Erasure.CLEAR
        ),
    },
    non_personal=[
        "action",
        "cause",
        "items",
        "disclosure_ids",
        "reference",
        "channel",
        "status",
        "confirmed_via",
        "last_error",
        "sent_how",
        "confirmed_by_name",
    ],
)
class RecipientRequest(models.Model):
    """One recipient asked to act on one customer's data, until it confirms."""

    class Action(models.TextChoices):
        # Decree 356/2025 Art. 5(2): stop processing, 20 days.
        STOP = "stop", _("Stop processing")
        RESTRICT = "restrict", _("Restrict processing")
        # Art. 5(3): correct, 15 days.
        CORRECT = "correct", _("Correct the data")
        # Art. 5(4): delete, 30 days.
        DELETE = "delete", _("Delete the data")

    class Cause(models.TextChoices):
        CONSENT_WITHDRAWN = "consent_withdrawn", _("The customer withdrew consent")
        RESTRICTED = "restricted", _("Processing was restricted")
        CORRECTED = "corrected", _("The customer's data was corrected")
        ERASED = "erased", _("The customer's data was erased")

    class Channel(models.TextChoices):
        WEBHOOK = "webhook", _("Webhook")
        EMAIL = "email", _("Email to the recipient's contact")
        STAFF = "staff", _("Staff (phone or letter)")

    class Status(models.TextChoices):
        TO_SEND = "to_send", _("To be sent")
        SENT = "sent", _("Sent, awaiting confirmation")
        CONFIRMED = "confirmed", _("Confirmed")

    class Via(models.TextChoices):
        LINK = "link", _("The signed confirmation link")
        API = "api", _("The API")
        STAFF = "staff", _("Recorded by staff")

    recipient = models.ForeignKey(
        "customers.Recipient",
        on_delete=models.PROTECT,
        related_name="requests",
        verbose_name=_("recipient"),
    )
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        related_name="recipient_requests",
        verbose_name=_("customer"),
    )
    action = models.CharField(_("asked to"), max_length=20, choices=Action.choices)
    cause = models.CharField(_("because"), max_length=30, choices=Cause.choices)
    purpose = models.ForeignKey(
        "customers.Purpose",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("purpose"),
        help_text=_("Empty: every purpose."),
    )
    # The data items concerned (a correction names those changed) and the hand-overs that
    # carried them: what the recipient already holds, nothing more.
    items = models.JSONField(_("data concerned"), default=list, blank=True)
    disclosure_ids = models.JSONField(_("disclosures"), default=list, blank=True)
    reference = models.CharField(
        _("request"), max_length=40, blank=True, help_text=_("E.g. the tracking code KN-…")
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    due_at = models.DateTimeField(_("due"), db_index=True)
    channel = models.CharField(_("sent by"), max_length=20, choices=Channel.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.TO_SEND, db_index=True
    )
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    sent_how = models.CharField(
        _("how it was sent"), max_length=300, blank=True, help_text=_("A call, a letter…")
    )
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    confirmed_via = models.CharField(
        _("confirmed through"), max_length=20, choices=Via.choices, blank=True
    )
    confirmed_by_name = models.CharField(_("confirmed by"), max_length=200, blank=True)
    confirmed_by_staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    confirmation_note = models.TextField(_("what the recipient said"), blank=True)

    history = HistoricalRecords()

    class Meta:
        app_label = "customers"
        verbose_name = _("request to a recipient")
        verbose_name_plural = _("requests to recipients")
        ordering = ["-requested_at", "-id"]
        indexes = [
            models.Index(
                fields=["due_at"],
                name="recipient_request_open_idx",
                condition=~models.Q(status="confirmed"),
            ),
            models.Index(fields=["customer", "-requested_at"], name="recipient_request_cust_idx"),
        ]

    def __str__(self) -> str:
        action = self.get_action_display()
        return f"{self.recipient} — {action} #{self.customer_id} ({local_date(self.requested_at)})"

    @property
    def item_labels(self) -> list[str]:
        from customers.personal_data import DataItem

        return [str(DataItem(item).label) for item in self.items if item in DataItem.values]

    @property
    def is_open(self) -> bool:
        return self.status != self.Status.CONFIRMED

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.due_at < timezone.now()
