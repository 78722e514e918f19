"""Breach incidents: every write, the 72-hour clock, the reminders, and telling the customers
(seed 001 §7; Law 91/2025/QH15, Decree 356/2025/ND-CP: the Ministry of Public Security's
data-protection department, A05, is notified within 72 hours of detection).

Only Legal & compliance and administrators act on incidents (complaints.*_incident
permissions); each function refuses others with PermissionDenied, and a wrong step with a
ValidationError that says why.
"""

from __future__ import annotations

import datetime
import logging
import math
import re
import smtplib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from complaints.models import (
    AUTHORITY_NOTICE_HOURS,
    INCIDENT_REMINDER_HOURS,
    Complaint,
    ComplaintEvent,
    Incident,
    IncidentConfirmation,
    IncidentCustomer,
    Kind,
)
from complaints.models import Status as ComplaintStatus
from customers.kernel.text import local_date, local_datetime, staff_text
from customers.kernel.writes import (
    Actor,
    copy_saved,
    lock,
    queue_after_commit,
    require_permission,
    save,
    staff_or_none,
)
from customers.models import AccessLog, Customer, Disclosure, Recipient
from customers.personal_data import Category
from customers.validators import phone_search_key

logger = logging.getLogger(__name__)
# Good enough to tell an email from a phone in a pasted line; the match is exact anyway.
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")

PERM_ADD = "complaints.add_incident"
PERM_CHANGE = "complaints.change_incident"
PERM_NOTIFY = "complaints.notify_incident"


def notify_batch_size() -> int:
    """Customers told per batch (settings.INCIDENT_NOTIFY_BATCH_SIZE)."""
    return int(getattr(settings, "INCIDENT_NOTIFY_BATCH_SIZE", 200))


EDITABLE_FIELDS = (
    "title",
    "detected_at",
    "occurred_at",
    "description",
    "cause",
    "place",
    "categories",
    "data_quantities",
    "parties_involved",
    "consequences",
    "measures_taken",
    "measures_planned",
    "contact_name",
    "contact_title",
    "contact_phone",
    "contact_email",
    "attachments",
)


class Selection:
    """How the affected customers are chosen."""

    RECIPIENT = "recipient"  # every customer whose data went to a recipient (in a window)
    ACCESS_WINDOW = "access_window"  # every customer whose data staff opened in a window
    IDS = "ids"  # a list of customer ids
    ALL = "all"  # every customer not erased
    CONTACTS = "contacts"  # the phones and emails of a leaked file (incident_select_by_contacts)

    KINDS = (RECIPIENT, ACCESS_WINDOW, IDS, ALL)


def _require(actor: Actor, permission: str) -> None:
    require_permission(
        actor, permission, _("Only Legal & compliance and administrators act on incidents.")
    )


# The clock --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Clock:
    """Where an incident stands against the 72 hours."""

    due_at: datetime.datetime
    notified_at: datetime.datetime | None
    now: datetime.datetime

    @property
    def remaining(self) -> datetime.timedelta:
        return self.due_at - self.now

    @property
    def is_late(self) -> bool:
        moment = self.notified_at or self.now
        return moment > self.due_at

    @property
    def hours_left(self) -> int:
        """Whole hours left, rounded down (negative once late: -1 in the first hour late)."""
        return math.floor(self.remaining.total_seconds() / 3600)

    def text(self) -> str:
        """What every page shows next to the incident."""
        if self.notified_at is not None:
            if self.notified_at > self.due_at:
                return _("Authority notified on %(at)s — late") % {
                    "at": local_datetime(self.notified_at)
                }
            return _("Authority notified on %(at)s, within 72 hours") % {
                "at": local_datetime(self.notified_at)
            }
        # Rounded down, so that a second past the deadline is already late (as is_late says).
        seconds = math.floor(self.remaining.total_seconds())
        if seconds >= 0:
            return _("%(hours)d h %(minutes)02d min left to notify A05 (due %(due)s)") % {
                "hours": seconds // 3600,
                "minutes": (seconds % 3600) // 60,
                "due": local_datetime(self.due_at),
            }
        late = -seconds
        return _(
            "OVERDUE by %(hours)d h %(minutes)02d min: A05 was due to be notified by %(due)s"
        ) % {
            "hours": late // 3600,
            "minutes": (late % 3600) // 60,
            "due": local_datetime(self.due_at),
        }


def clock(incident: Incident, now: datetime.datetime | None = None) -> Clock:
    return Clock(
        due_at=incident.detected_at + datetime.timedelta(hours=AUTHORITY_NOTICE_HOURS),
        notified_at=incident.authority_notified_at,
        now=now or timezone.now(),
    )


# Recording --------------------------------------------------------------------------------


def _next_reference(detected_at: datetime.datetime) -> str:
    year = timezone.localtime(detected_at).year
    prefix = f"SC-{year}-"
    taken = Incident.objects.filter(reference__startswith=prefix).count()
    return f"{prefix}{taken + 1:03d}"


def _check_fields(incident: Incident) -> None:
    errors: dict[str, ValidationError] = {}
    now = timezone.now() + datetime.timedelta(minutes=5)
    if incident.detected_at and incident.detected_at > now:
        errors["detected_at"] = ValidationError(
            _("The detection cannot be in the future."), code="future"
        )
    if (
        incident.occurred_at
        and incident.detected_at
        and incident.occurred_at > incident.detected_at
    ):
        errors["occurred_at"] = ValidationError(
            _("It cannot have happened after it was detected."), code="after_detection"
        )
    unknown = [value for value in incident.categories or [] if value not in Category.values]
    if not isinstance(incident.categories, list) or unknown:
        errors["categories"] = ValidationError(
            _("Choose the categories from the list."), code="categories"
        )
    quantities = incident.data_quantities
    if quantities is None:
        quantities = incident.data_quantities = {}
    # Decree 356/2025 Art. 28(1)(a): the quantity of data per type the notice states.
    if not isinstance(quantities, dict) or not all(
        isinstance(count, int) and not isinstance(count, bool) and count >= 0
        for count in quantities.values()
    ):
        errors["data_quantities"] = ValidationError(
            _("A quantity is a whole number of records, 0 or more."), code="quantities"
        )
    elif "categories" not in errors and set(quantities) - set(incident.categories or []):
        errors["data_quantities"] = ValidationError(
            _("Give a quantity only for a category ticked as affected."), code="quantities"
        )
    if errors:
        raise ValidationError(errors)


def _default_contact(fields: dict[str, Any]) -> None:
    from customers.selectors import controller_get

    controller = controller_get()
    if controller is None:
        return
    defaults = {
        "contact_name": controller.dpo_name,
        "contact_email": controller.dpo_email or controller.email,
        # As people write it ("0273 3872 466"), not the stored +84 form.
        "contact_phone": controller.dpo_phone_display or controller.phone_display,
    }
    for name, value in defaults.items():
        if not fields.get(name):  # a form's empty field takes the default too
            fields[name] = value


@transaction.atomic
def incident_create(*, actor: Actor, **fields: Any) -> Incident:
    """Record a breach as soon as it is detected: the 72 hours run from ``detected_at``. The
    person responsible defaults to the controller's DPO."""
    _require(actor, PERM_ADD)
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"not incident fields: {sorted(unknown)}")
    _default_contact(fields)
    incident = Incident(created_by=staff_or_none(actor), **fields)
    if incident.detected_at is None:
        incident.detected_at = timezone.now()
    _check_fields(incident)
    incident.reference = _next_reference(incident.detected_at)
    for _attempt in range(3):
        try:
            with transaction.atomic():
                save(incident, actor=actor)
            break
        except (IntegrityError, ValidationError) as error:
            # Two incidents recorded at once took the same number: the database refuses the
            # second (IntegrityError), or full_clean() already sees the first (ValidationError).
            if isinstance(error, ValidationError) and "reference" not in getattr(
                error, "error_dict", {}
            ):
                raise
            incident.pk = None
            incident.reference = _next_reference(incident.detected_at)
    else:
        raise ValidationError(_("Try again: another incident was being recorded."), code="busy")
    return incident


@transaction.atomic
def incident_update(*, incident: Incident, actor: Actor, **fields: Any) -> Incident:
    _require(actor, PERM_CHANGE)
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"not incident fields: {sorted(unknown)}")
    stored = lock(incident)
    if stored.status == Incident.Status.CLOSED:
        raise ValidationError(_("A closed incident cannot be changed."), code="closed")
    if "detected_at" in fields and stored.authority_notified_at is not None:
        raise ValidationError(
            {
                "detected_at": ValidationError(
                    _("The authority was notified: the detection time it was given stays."),
                    code="notified",
                )
            }
        )
    for name, value in fields.items():
        setattr(stored, name, value)
    _check_fields(stored)
    save(stored, actor=actor)
    copy_saved(incident, stored)
    return stored


def _selected_customers(selection: dict[str, Any]) -> QuerySet[Customer]:
    kind = selection.get("kind")
    customers = Customer.objects.exclude(status=Customer.Status.ERASED)
    start = selection.get("from")
    end = selection.get("to")
    window = Q()
    if kind == Selection.RECIPIENT:
        if start:
            window &= Q(disclosed_at__gte=start)
        if end:
            window &= Q(disclosed_at__lt=end)
        disclosed = Disclosure.objects.filter(window, recipient_id=int(selection["recipient"]))
        return customers.filter(pk__in=disclosed.values("customer_id"))
    if kind == Selection.ACCESS_WINDOW:
        opened = AccessLog.objects.filter(at__gte=start, at__lt=end)
        return customers.filter(pk__in=opened.values("customer_id"))
    if kind == Selection.IDS:
        return customers.filter(pk__in=[int(pk) for pk in selection.get("ids", [])])
    return customers


def _selection_check(selection: dict[str, Any]) -> dict[str, Any]:
    kind = selection.get("kind")
    if kind not in Selection.KINDS:
        raise ValidationError({"kind": ValidationError(_("Choose how."), code="kind")})
    if kind == Selection.RECIPIENT:
        recipient = selection.get("recipient")
        recipient = getattr(recipient, "pk", recipient)  # a Recipient or its id
        try:
            recipient_id = int(recipient) if recipient else None
        except (TypeError, ValueError):
            recipient_id = None
        if recipient_id is None or not Recipient.objects.filter(pk=recipient_id).exists():
            raise ValidationError(
                {"recipient": ValidationError(_("Choose the recipient."), code="required")}
            )
        selection = {**selection, "recipient": recipient_id}
    if kind == Selection.ACCESS_WINDOW and not (selection.get("from") and selection.get("to")):
        raise ValidationError(
            {
                "from": ValidationError(
                    _("Give the start and the end of the window."), code="required"
                )
            }
        )
    if selection.get("from") and selection.get("to") and selection["from"] >= selection["to"]:
        raise ValidationError(
            {"to": ValidationError(_("The end must come after the start."), code="order")}
        )
    if kind == Selection.IDS:
        try:
            ids = sorted({int(pk) for pk in selection.get("ids", [])})
        except (TypeError, ValueError):
            raise ValidationError(
                {"ids": ValidationError(_("Customer ids are whole numbers."), code="ids")}
            ) from None
        if not ids:
            raise ValidationError({"ids": ValidationError(_("Give at least one id."), code="ids")})
        missing = set(ids) - set(Customer.objects.filter(pk__in=ids).values_list("pk", flat=True))
        if missing:
            raise ValidationError(
                {
                    "ids": ValidationError(
                        _("No customer has these ids: %(ids)s."),
                        code="unknown_ids",
                        params={"ids": ", ".join(str(pk) for pk in sorted(missing)[:20])},
                    )
                }
            )
        selection = {**selection, "ids": ids}
    return selection


def _json_ready(selection: dict[str, Any]) -> dict[str, Any]:
    return {
        key: (value.isoformat() if isinstance(value, datetime.datetime) else value)
        for key, value in selection.items()
    }


@transaction.atomic
def incident_select_customers(
    *, incident: Incident, actor: Actor, selection: dict[str, Any]
) -> int:
    """Choose the affected customers by a query: a recipient (and a window of disclosure), a
    window of staff access, a list of ids, or all. Adds to those chosen before (a customer
    once); returns how many are affected now. Set-based: one INSERT … SELECT, whatever the
    number of customers."""
    _require(actor, PERM_CHANGE)
    stored = lock(incident)
    if stored.status == Incident.Status.CLOSED:
        raise ValidationError(_("A closed incident cannot be changed."), code="closed")
    selection = _selection_check(selection)
    chosen = _selected_customers(selection).exclude(
        pk__in=IncidentCustomer.objects.filter(incident=stored).values("customer_id")
    )
    _insert_affected(stored, chosen)
    stored.selection = {
        "choices": [*stored.selection.get("choices", []), _json_ready(selection)],
    }
    stored.affected_count = IncidentCustomer.objects.filter(incident=stored).count()
    save(stored, actor=actor)
    copy_saved(incident, stored)
    return stored.affected_count


def _insert_affected(incident: Incident, customers: QuerySet[Customer]) -> None:
    """INSERT INTO affected (incident, customer) SELECT … : no customer is loaded."""
    from django.db import connection

    select_sql, params = customers.values("id").order_by().query.sql_with_params()
    table = IncidentCustomer._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (incident_id, customer_id, channel, error) "  # noqa: S608  # the table name is the model's own; values are parameters
            f"SELECT %s, chosen.id, '', '' FROM ({select_sql}) chosen",
            [incident.pk, *params],
        )


# The authority's notice -------------------------------------------------------------------


@transaction.atomic
def incident_record_authority_notice(
    *,
    incident: Incident,
    actor: Actor,
    sent_at: datetime.datetime,
    reference: str = "",
    late_reason: str = "",
) -> Incident:
    """Record when the notice went to A05 (and its number). After 72 hours the reason for the
    delay is required, as the law asks."""
    _require(actor, PERM_NOTIFY)
    stored = lock(incident)
    if stored.authority_notified_at is not None:
        raise ValidationError(
            _("The authority was already notified on %(at)s."),
            code="already_notified",
            params={"at": local_datetime(stored.authority_notified_at)},
        )
    errors: dict[str, ValidationError] = {}
    if sent_at is None:
        errors["sent_at"] = ValidationError(_("When was the notice sent?"), code="required")
    elif sent_at > timezone.now() + datetime.timedelta(minutes=5):
        errors["sent_at"] = ValidationError(_("It cannot be sent in the future."), code="future")
    elif sent_at < stored.detected_at:
        errors["sent_at"] = ValidationError(
            _("It cannot be sent before the incident was detected."), code="before"
        )
    elif clock(stored, now=sent_at).is_late and not (late_reason or "").strip():
        errors["late_reason"] = ValidationError(
            _("The notice is later than 72 hours after detection: write the reason."),
            code="late_reason_required",
        )
    if errors:
        raise ValidationError(errors)
    stored.authority_notified_at = sent_at
    stored.authority_reference = (reference or "").strip()
    stored.late_reason = (late_reason or "").strip()
    stored.status = Incident.Status.AUTHORITY_NOTIFIED
    save(stored, actor=actor)
    copy_saved(incident, stored)
    return stored


def document_date_line(place: str, moment: datetime.datetime | datetime.date | None) -> str:
    """ "Đồng Tháp, ngày 5 tháng 3 năm 2026", as an administrative document dates itself; dots
    where the place or the date is not known yet (filled in by hand)."""
    blank = "……"
    if isinstance(moment, datetime.datetime):
        moment = timezone.localtime(moment).date()
    return _("%(place)s, day %(day)s month %(month)s year %(year)s") % {
        "place": place or blank,
        "day": moment.day if moment else blank,
        "month": moment.month if moment else blank,
        "year": moment.year if moment else blank,
    }


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def organisation_context() -> dict[str, Any]:
    """Section 1 of Mẫu số 08 (and of 01a, 02a, 03a) and the signature: the controller profile as
    the forms to the authority show it."""
    from customers.selectors import controller_get
    from customers.validators import format_phone_national

    controller = controller_get()
    if controller is None:
        return {"controller": None, "organisation": ""}
    return {
        "controller": controller,
        "organisation": controller.legal_name,
        "transaction_offices": _lines(controller.transaction_offices),
        "registration_kind": controller.get_registration_kind_display(),
        "registration_date": controller.registration_date,
        "controller_phone": format_phone_national(controller.phone),
        "dpo_phone": format_phone_national(controller.dpo_phone),
    }


def notice_context(incident: Incident) -> dict[str, Any]:
    """What the notice to the authority shows, section by section of Mẫu số 08 (Decree
    356/2025 Art. 28(2); its content: Art. 28(1)): the organisation; the act — time, place,
    act, parties involved, data types and quantity, the person responsible, consequences,
    measures; the documents attached; the commitment; the signatory. Rendered in Vietnamese by
    the caller. It names no customer (only how many were affected) and shows no countdown: it
    is the paper sent, not the back office's clock."""
    quantities = incident.data_quantities or {}
    data_rows = [
        {"label": str(Category(value).label), "quantity": quantities.get(value)}
        for value in incident.categories or []
        if value in Category.values
    ]
    attachments = _lines(incident.attachments)
    for minutes in incident.confirmations.order_by("held_at", "pk"):
        # Law 91/2025 Art. 23(2): the minutes confirming the breach go with the notice.
        attachments.append(
            _("Confirmation minutes of the breach, %(date)s")
            % {"date": local_date(minutes.held_at)}
        )
    context = organisation_context()
    return {
        **context,
        "incident": incident,
        "data_rows": data_rows,
        "affected": incident.affected_count,
        "attachments": attachments,
        "detected": local_datetime(incident.detected_at),
        "occurred": local_datetime(incident.occurred_at),
        "date_line": document_date_line(
            context["controller"].document_place if context["controller"] else "",
            incident.authority_notified_at,
        ),
        "measures": [text for text in (incident.measures_taken, incident.measures_planned) if text],
    }


# The confirmation minutes ------------------------------------------------------------------


@transaction.atomic
def incident_record_confirmation(
    *,
    incident: Incident,
    actor: Actor,
    held_at: datetime.datetime,
    place: str,
    participants: str,
    breach_confirmed: str,
    scope: str,
    measures: str,
) -> IncidentConfirmation:
    """Record the minutes confirming that the breach occurred (Law 91/2025/QH15 Art. 23(2)):
    when and where they were drawn up, who took part, and what they confirmed — the breach, its
    scope, the measures. Printed, signed, and attached to the notice to the authority."""
    _require(actor, PERM_CHANGE)
    stored = lock(incident)
    if stored.status == Incident.Status.CLOSED:
        raise ValidationError(_("A closed incident cannot be changed."), code="closed")
    texts = {
        "place": place,
        "participants": participants,
        "breach_confirmed": breach_confirmed,
        "scope": scope,
        "measures": measures,
    }
    errors: dict[str, ValidationError] = {
        name: ValidationError(_("This is part of the minutes: fill it in."), code="required")
        for name, value in texts.items()
        if not (value or "").strip()
    }
    if held_at is None:
        errors["held_at"] = ValidationError(_("When were the minutes drawn up?"), code="required")
    elif held_at > timezone.now() + datetime.timedelta(minutes=5):
        errors["held_at"] = ValidationError(
            _("The minutes cannot be drawn up in the future."), code="future"
        )
    elif held_at < stored.detected_at:
        errors["held_at"] = ValidationError(
            _("The minutes confirm a breach detected on %(at)s: they cannot come before it."),
            code="before",
            params={"at": local_datetime(stored.detected_at)},
        )
    if errors:
        raise ValidationError(errors)
    minutes = IncidentConfirmation(
        incident=stored,
        held_at=held_at,
        recorded_by=staff_or_none(actor),
        **{name: value.strip() for name, value in texts.items()},
    )
    save(minutes, actor=actor)
    return minutes


def confirmation_context(minutes: IncidentConfirmation) -> dict[str, Any]:
    """What the printable minutes show (Law 91/2025 Art. 23(2)), in Vietnamese by the caller."""
    context = organisation_context()
    held = timezone.localtime(minutes.held_at)
    return {
        **context,
        "minutes": minutes,
        "incident": minutes.incident,
        "participants": _lines(minutes.participants),
        "held_time": held.strftime("%H:%M"),
        "held_date": local_date(held),
        "detected": local_datetime(minutes.incident.detected_at),
        "date_line": document_date_line(
            context["controller"].document_place if context["controller"] else "", held
        ),
    }


# An incident from a complaint ---------------------------------------------------------------

# Law 91/2025/QH15 Art. 23(3)(a), (b): a substantiated leak, or data processed beyond its
# purpose, is a breach the authority is told of.
BREACH_COMPLAINT_KINDS = (Kind.SUSPECTED_LEAK, Kind.USE_BEYOND_PURPOSE)
_NOT_SUBSTANTIATED = (ComplaintStatus.REJECTED, ComplaintStatus.DUPLICATE)


def _customer_traces(complaint: Complaint) -> list[str]:
    """What would name the complainant in a text: names (also without accents), emails, and
    the phone numbers' digits."""
    from customers.kernel.text import fold_vietnamese

    customer = complaint.customer
    names = [complaint.submitter_name, customer.full_name if customer else ""]
    emails = [complaint.submitter_email, customer.email if customer else ""]
    phones = [str(complaint.submitter_phone or ""), customer.phone if customer else ""]
    traces = [fold_vietnamese(name) for name in names if len((name or "").strip()) >= 3]
    traces += [email.casefold() for email in emails if email]
    for phone in phones:
        digits = "".join(ch for ch in phone or "" if ch.isdigit())
        if len(digits) >= 8:
            traces.append(digits[-9:])  # the national number without its 0 or +84
    return traces


def _names_the_complainant(text: str, traces: list[str]) -> bool:
    from customers.kernel.text import fold_vietnamese

    folded = fold_vietnamese(text)
    digits = "".join(ch for ch in text if ch.isdigit())
    return any(trace in folded or trace in text.casefold() or trace in digits for trace in traces)


@transaction.atomic
def incident_open_from_complaint(
    *,
    complaint: Complaint,
    actor: Actor,
    substantiated_at: datetime.datetime,
    complainant_affected: bool = True,
    **fields: Any,
) -> Incident:
    """Open the breach incident a substantiated complaint of a leak or of use beyond the
    purpose reveals (Law 91/2025/QH15 Art. 23(3)), through incident_create: detected when the
    complaint substantiated it (the 72 hours of Art. 23(1) run from then), linked to the
    complaint both ways. The incident describes the event, never the complainant: a text naming
    them is refused; the complainant, when affected, is one of the incident's customers."""
    from complaints.services import complaint_event_record, complaint_save_step

    _require(actor, PERM_ADD)
    stored = lock(complaint)
    if stored.kind not in BREACH_COMPLAINT_KINDS:
        raise ValidationError(
            _(
                "Only a complaint of a suspected leak or of use beyond the stated purpose opens "
                "a breach incident; this one is “%(kind)s”."
            ),
            code="kind",
            params={"kind": stored.get_kind_display()},
        )
    if stored.incident_id is not None:
        raise ValidationError(
            _("This complaint already opened the incident %(reference)s."),
            code="linked",
            params={"reference": stored.incident.reference if stored.incident else ""},
        )
    if stored.status in _NOT_SUBSTANTIATED:
        raise ValidationError(
            _("A rejected or duplicate complaint was not substantiated: no incident."),
            code="not_substantiated",
        )
    if substantiated_at is None:
        raise ValidationError(
            {
                "substantiated_at": ValidationError(
                    _("When did the complaint prove to be substantiated?"), code="required"
                )
            }
        )
    if substantiated_at < stored.received_at:
        raise ValidationError(
            {
                "substantiated_at": ValidationError(
                    _("It cannot be substantiated before the complaint was received (%(at)s)."),
                    code="before",
                    params={"at": local_datetime(stored.received_at)},
                )
            }
        )
    traces = _customer_traces(stored)
    named = {
        name: ValidationError(
            _(
                "The incident describes the event and must not name the customer: the "
                "complainant is one of its affected customers instead."
            ),
            code="names_customer",
        )
        for name, value in fields.items()
        if isinstance(value, str) and value and _names_the_complainant(value, traces)
    }
    if named:
        raise ValidationError(named)
    if complainant_affected and stored.customer_id is None:
        raise ValidationError(
            {
                "complainant_affected": ValidationError(
                    _("Link the complaint to its customer first, or untick this."),
                    code="no_customer",
                )
            }
        )
    incident = incident_create(actor=actor, detected_at=substantiated_at, **fields)
    if complainant_affected and stored.customer_id is not None:
        incident_select_customers(
            incident=incident,
            actor=actor,
            selection={"kind": Selection.IDS, "ids": [stored.customer_id]},
        )
    stored.incident = incident
    complaint_save_step(stored, actor=actor)
    complaint_event_record(
        stored,
        action=ComplaintEvent.Action.INCIDENT_OPENED,
        actor=actor,
        detail=staff_text(
            gettext_noop("breach incident %(reference)s opened, substantiated on %(at)s"),
            reference=incident.reference,
            at=local_datetime(substantiated_at),
        ),
    )
    copy_saved(complaint, stored)
    return incident


# Reminders --------------------------------------------------------------------------------


def incident_reminders_send(*, now: datetime.datetime | None = None) -> int:
    """Warn the Legal & compliance group at 24, 48 and 66 hours after detection while the
    authority is not notified; each warning once. Returns how many emails were sent."""
    from django.contrib.auth import get_user_model
    from django.core.mail import EmailMessage
    from django.utils import translation

    from customers import roles

    now = now or timezone.now()
    legal = roles.group_for(roles.LEGAL_COMPLIANCE)
    recipients = list(
        get_user_model()
        .objects.filter(groups=legal, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )
    sent = 0
    earliest = now - datetime.timedelta(hours=AUTHORITY_NOTICE_HOURS * 2)
    for incident in Incident.objects.filter(
        status=Incident.Status.OPEN, authority_notified_at__isnull=True, detected_at__gte=earliest
    ):
        elapsed = (now - incident.detected_at).total_seconds() / 3600
        due = [hours for hours in INCIDENT_REMINDER_HOURS if elapsed >= hours]
        pending = [hours for hours in due if hours not in (incident.reminders_sent or [])]
        if not pending:
            continue
        hours = max(pending)
        with transaction.atomic():
            stored = lock(incident)
            if hours in (stored.reminders_sent or []):
                continue  # another run sent it meanwhile
            stored.reminders_sent = sorted({*(stored.reminders_sent or []), *pending})
            stored.save(update_fields=["reminders_sent"])
            if recipients:
                with translation.override(settings.LANGUAGE_CODE):
                    subject = _(
                        "Breach %(reference)s: %(hours)d hours since detection, A05 not notified"
                    ) % {"reference": stored.reference, "hours": hours}
                    body = _(
                        "%(title)s\n\nDetected on %(detected)s. %(clock)s.\n\n"
                        "The notice to the Ministry of Public Security (A05) is due within 72 "
                        "hours of detection. Print it from the incident's page, send it, and "
                        "record the date it was sent."
                    ) % {
                        "title": stored.title,
                        "detected": local_datetime(stored.detected_at),
                        "clock": clock(stored, now=now).text(),
                    }
                EmailMessage(subject=str(subject), body=str(body), to=recipients).send()
                sent += 1
            else:
                logger.warning("incident %s: no Legal & compliance member has an email", stored.pk)
    return sent


# Telling the customers --------------------------------------------------------------------


@transaction.atomic
def incident_start_notifying(
    *, incident: Incident, actor: Actor, subject: str, text: str
) -> Incident:
    """Save the text staff wrote for the customers and start the task that emails them in
    batches (or lists them for a call). It can be started again to resume: no customer is told
    twice."""
    _require(actor, PERM_NOTIFY)
    stored = lock(incident)
    errors: dict[str, ValidationError] = {}
    if not (subject or "").strip():
        errors["subject"] = ValidationError(_("Write the email's subject."), code="required")
    if not (text or "").strip():
        errors["text"] = ValidationError(_("Write what the customers are told."), code="required")
    if errors:
        raise ValidationError(errors)
    if stored.affected_count == 0:
        raise ValidationError(_("Choose the affected customers first."), code="no_customers")
    stored.notice_subject = subject.strip()
    stored.notice_text = text.strip()
    stored.notifying_started_at = stored.notifying_started_at or timezone.now()
    stored.notifying_finished_at = None
    save(stored, actor=actor)
    queue_after_commit("complaints.tasks.notify_incident_customers", stored.pk)
    copy_saved(incident, stored)
    return stored


def _personalised(text: str, customer: Customer) -> str:
    return text.replace("{name}", customer.full_name or "")


@dataclass(frozen=True)
class NoticePlan:
    """What starting (or resuming) the telling would do now: emails sent, customers to call."""

    emails: int
    calls: int


def _can_email() -> Q:
    return ~Q(customer__email="") & ~Q(customer__status=Customer.Status.ERASED)


def notice_plan(incident: Incident) -> NoticePlan:
    """One aggregate over the customers not yet told: those with an email address get the
    email, the others go on the phone list (incident_notify_batch decides the same way)."""
    from django.db.models import Count

    pending = IncidentCustomer.objects.filter(incident=incident, notified_at__isnull=True)
    email = _can_email() & ~Q(channel=IncidentCustomer.Channel.PHONE)
    counts = pending.aggregate(emails=Count("pk", filter=email), calls=Count("pk", filter=~email))
    return NoticePlan(emails=counts["emails"], calls=counts["calls"])


def notice_preview_customer(incident: Incident) -> Customer | None:
    """The customer the preview is written for: the first one still to be emailed, else the
    first affected."""
    rows = IncidentCustomer.objects.filter(incident=incident).select_related("customer")
    row = (
        rows.filter(_can_email(), notified_at__isnull=True).order_by("pk").first()
        or rows.order_by("pk").first()
    )
    return row.customer if row is not None else None


def notice_personalised(text: str, customer: Customer) -> str:
    return _personalised(text, customer)


def incident_notice_test_send(*, incident: Incident, actor: Actor, subject: str, text: str) -> str:
    """Send the customers' email to the staff member's own address, {name} filled with their
    own name (no customer's data leaves in a test); returns the address it went to."""
    from django.core.mail import EmailMessage

    _require(actor, PERM_NOTIFY)
    user: Any = actor
    address = (getattr(user, "email", "") or "").strip()
    if not address:
        raise ValidationError(
            _("Your account has no email address: ask an administrator to add it."),
            code="no_email",
        )
    name = (user.get_full_name() or user.get_username()).strip()
    try:
        EmailMessage(
            subject=_("[TEST] %(subject)s") % {"subject": subject.strip()},
            body=(text or "").strip().replace("{name}", name),
            to=[address],
        ).send()
    except (smtplib.SMTPException, OSError) as error:  # the mail server refused or is down
        logger.warning("incident test send failed: %s", error.__class__.__name__)
        raise ValidationError(
            _("The test email could not be sent (the mail server did not accept it); try again."),
            code="send_failed",
        ) from error
    return str(address)


# Choosing customers from a leaked file's phones and emails ----------------------------------

_CELL_SEPARATORS = re.compile(r"[\t;,|]+")


@dataclass(frozen=True)
class ContactLine:
    number: int  # 1-based, as the staff member counts the pasted lines
    text: str
    emails: tuple[str, ...]
    phones: tuple[str, ...]  # E.164, as customers' phones are stored


def contact_lines(text: str) -> tuple[list[ContactLine], list[tuple[int, str]]]:
    """Each non-empty line's emails and phones (normalised as customers.validators stores
    them); the lines where neither could be read, by number."""
    lines: list[ContactLine] = []
    unreadable: list[tuple[int, str]] = []
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        emails: list[str] = []
        phones: list[str] = []
        for cell in (part.strip().strip("\"'") for part in _CELL_SEPARATORS.split(line)):
            if not cell:
                continue
            if "@" in cell:
                if _EMAIL.fullmatch(cell):
                    emails.append(cell.lower())
                continue
            number_found = phone_search_key(cell)
            if number_found:
                phones.append(number_found)
        if emails or phones:
            lines.append(ContactLine(number, line, tuple(emails), tuple(phones)))
        else:
            unreadable.append((number, line))
    return lines, unreadable


@dataclass(frozen=True)
class ContactsResult:
    added: int
    affected: int
    matched_lines: int
    unmatched: list[ContactLine]


def unreadable_lines_error(unreadable: list[tuple[int, str]]) -> ValidationError:
    shown = "; ".join(f"{number}: “{line[:60]}”" for number, line in unreadable[:20])
    more = len(unreadable) - 20
    message = _(
        "These lines hold neither a phone number nor an email address (line: text): %(lines)s."
    ) % {"lines": shown}
    if more > 0:
        message += " " + _("And %(count)d more.") % {"count": more}
    return ValidationError(message, code="unreadable")


@transaction.atomic
def incident_select_by_contacts(*, incident: Incident, actor: Actor, text: str) -> ContactsResult:
    """Choose the affected customers by the phones and emails of a leaked file, pasted one
    line per record. A line that holds neither is refused (nothing is chosen); a line that
    matches no customer is returned, for staff to see, never dropped. The incident keeps only
    how many lines matched, not the contacts."""
    _require(actor, PERM_CHANGE)
    stored = lock(incident)
    if stored.status == Incident.Status.CLOSED:
        raise ValidationError(_("A closed incident cannot be changed."), code="closed")
    lines, unreadable = contact_lines(text)
    if unreadable:
        raise ValidationError({"contacts": unreadable_lines_error(unreadable)})
    if not lines:
        raise ValidationError(
            {"contacts": ValidationError(_("Paste at least one phone or email."), code="empty")}
        )
    emails = {email for line in lines for email in line.emails}
    phones = {phone for line in lines for phone in line.phones}
    found = (
        Customer.objects.exclude(status=Customer.Status.ERASED)
        .filter(Q(email__in=emails) | Q(phone__in=phones))
        .values_list("pk", "email", "phone")
    )
    by_email: dict[str, int] = {}
    by_phone: dict[str, int] = {}
    for pk, email, phone in found:
        if email:
            by_email.setdefault(email.lower(), pk)
        if phone:
            by_phone.setdefault(str(phone), pk)
    ids: set[int] = set()
    unmatched: list[ContactLine] = []
    for line in lines:
        hits = {by_email[e] for e in line.emails if e in by_email} | {
            by_phone[p] for p in line.phones if p in by_phone
        }
        if hits:
            ids |= hits
        else:
            unmatched.append(line)
    before = stored.affected_count
    if ids:
        already = IncidentCustomer.objects.filter(incident=stored).values("customer_id")
        _insert_affected(stored, Customer.objects.filter(pk__in=ids).exclude(pk__in=already))
    stored.selection = {
        "choices": [
            *stored.selection.get("choices", []),
            {
                "kind": Selection.CONTACTS,
                "lines": len(lines),
                "matched_lines": len(lines) - len(unmatched),
            },
        ],
    }
    stored.affected_count = IncidentCustomer.objects.filter(incident=stored).count()
    save(stored, actor=actor)
    copy_saved(incident, stored)
    return ContactsResult(
        added=stored.affected_count - before,
        affected=stored.affected_count,
        matched_lines=len(lines) - len(unmatched),
        unmatched=unmatched,
    )


def incident_notify_batch(*, incident_id: int, batch_size: int | None = None) -> int:
    """Tell the next batch of customers not yet told; how many were handled (0: done).

    Each customer in a transaction of its own: the row is locked (a second worker skips it),
    the email sent, and the time recorded, committed together. A worker that dies between the
    email and the commit is the one way a customer could get the email twice; none is ever
    missed: a run started again takes every row still without a time."""
    from django.core.mail import EmailMessage

    incident = Incident.objects.get(pk=incident_id)
    pending = list(
        IncidentCustomer.objects.filter(incident_id=incident_id, notified_at__isnull=True)
        .exclude(channel=IncidentCustomer.Channel.PHONE)
        .order_by("pk")
        .values_list("pk", flat=True)[: batch_size or notify_batch_size()]
    )
    for pk in pending:
        failure: OSError | None = None
        with transaction.atomic():
            row = (
                IncidentCustomer.objects.select_for_update(skip_locked=True)
                .select_related("customer")
                .filter(pk=pk, notified_at__isnull=True)
                .first()
            )
            if row is None:
                continue
            customer = row.customer
            if not customer.email or customer.status == Customer.Status.ERASED:
                row.channel = IncidentCustomer.Channel.PHONE  # on the list for a call
                row.save(update_fields=["channel"])
                continue
            try:
                EmailMessage(
                    subject=incident.notice_subject,
                    body=_personalised(incident.notice_text, customer),
                    to=[customer.email],
                ).send()
            except OSError as error:
                failure = error
            else:
                row.channel = IncidentCustomer.Channel.EMAIL
                row.notified_at = timezone.now()
                row.error = ""
                row.save(update_fields=["channel", "notified_at", "error"])
        if failure is not None:
            # Outside the row's transaction, which the error would otherwise roll back: the
            # admin shows why the customer is still waiting; the task retries.
            IncidentCustomer.objects.filter(pk=pk).update(
                error=f"{type(failure).__name__}: {failure}"[:255]
            )
            raise failure
    if not pending:
        Incident.objects.filter(pk=incident_id, notifying_finished_at__isnull=True).update(
            notifying_finished_at=timezone.now()
        )
    return len(pending)


def phone_list(incident: Incident) -> QuerySet[IncidentCustomer]:
    """The customers to call: no email address, not yet called."""
    return (
        IncidentCustomer.objects.filter(
            incident=incident, channel=IncidentCustomer.Channel.PHONE, notified_at__isnull=True
        )
        .select_related("customer")
        .order_by("pk")
    )


@transaction.atomic
def incident_record_calls(
    *, incident: Incident, actor: Actor, rows: Iterable[IncidentCustomer]
) -> int:
    """Staff called these customers: recorded as told by phone, now."""
    _require(actor, PERM_NOTIFY)
    ids = [row.pk for row in rows]
    return IncidentCustomer.objects.filter(
        incident=incident, pk__in=ids, notified_at__isnull=True
    ).update(channel=IncidentCustomer.Channel.PHONE, notified_at=timezone.now())


@transaction.atomic
def incident_close(*, incident: Incident, actor: Actor) -> Incident:
    _require(actor, PERM_CHANGE)
    stored = lock(incident)
    if stored.authority_notified_at is None:
        raise ValidationError(
            _("Record the notice to the authority before closing the incident."),
            code="not_notified",
        )
    stored.status = Incident.Status.CLOSED
    stored.closed_at = timezone.now()
    save(stored, actor=actor)
    copy_saved(incident, stored)
    return stored
