"""Every write of complaints/: the public form, the staff's steps, the actions on the customer's
data that requests ask for, the deadline table and the holiday list. Admin, public views and
tasks all call these.

The workflow (seed 004 §7): received → (awaiting the customer ↔) classified and routed →
resolved (answered by phone or email) → closed; or rejected, or a duplicate of another. Every
step writes a ComplaintEvent naming who and when; the complaint's history says what changed.
A wrong step is refused with a ValidationError (a message and a code), a step the staff member's
role may not take with PermissionDenied.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints import deadlines, evidence
from complaints.models import (
    PENDING_STATUSES,
    Complaint,
    ComplaintEvent,
    ComplaintMessage,
    DeadlineRule,
    Evidence,
    Kind,
    PublicHoliday,
    ResponseChannel,
    Status,
    normalize_tracking_code,
)
from customers.kernel.text import local_date, local_datetime
from customers.kernel.writes import (
    Actor,
    copy_saved,
    lock,
    queue_after_commit,
    require_permission,
    required_text,
    save,
    staff_or_none,
)
from customers.models import Channel, Consent, Customer
from customers.validators import normalize_phone, null_character_error

logger = logging.getLogger(__name__)

MAX_NAME = 255
MAX_DESCRIPTION = 10_000

# Which step may follow which (anything else is refused with a message).
TRANSITIONS: dict[str, tuple[str, ...]] = {
    Status.RECEIVED: (Status.ROUTED, Status.AWAITING_CUSTOMER, Status.REJECTED, Status.DUPLICATE),
    Status.AWAITING_CUSTOMER: (Status.RECEIVED, Status.ROUTED, Status.REJECTED, Status.DUPLICATE),
    Status.ROUTED: (
        Status.ROUTED,  # routed again to another department or assignee
        Status.AWAITING_CUSTOMER,
        Status.RESOLVED,
        Status.REJECTED,
        Status.DUPLICATE,
    ),
    Status.RESOLVED: (Status.CLOSED, Status.ROUTED),  # routed again: the answer did not settle it
    Status.CLOSED: (),
    Status.REJECTED: (),
    Status.DUPLICATE: (),
}

PERM_CHANGE = "complaints.change_complaint"
PERM_ADD = "complaints.add_complaint"
PERM_ROUTE = "complaints.route_complaint"
PERM_RESOLVE = "complaints.resolve_complaint"
PERM_REJECT = "complaints.reject_complaint"
PERM_EXTEND = "complaints.extend_complaint"

TASK_ACKNOWLEDGE = "complaints.tasks.send_acknowledgement"
TASK_CUSTOMER_MESSAGE = "complaints.tasks.send_customer_message"
TASK_DATA_EXPORT = "complaints.tasks.send_data_export"


# Helpers ----------------------------------------------------------------------------------


def _staff_text(label: Any) -> str:
    """A label stored in an event's detail, in the staff's language (the admin's), whatever
    language the request that caused it spoke (the public form in English, a command)."""
    from django.utils import translation

    with translation.override(settings.LANGUAGE_CODE):
        return str(label)


def complaint_event_record(
    complaint: Complaint,
    *,
    action: str,
    actor: Actor = None,
    from_status: str = "",
    to_status: str = "",
    detail: str = "",
    at: datetime.datetime | None = None,
) -> ComplaintEvent:
    return ComplaintEvent.objects.create(
        complaint=complaint,
        action=action,
        actor=staff_or_none(actor),
        from_status=from_status,
        to_status=to_status,
        detail=detail,
        at=at or timezone.now(),
    )


def _move(
    complaint: Complaint, to_status: str, *, actor: Actor, detail: str = ""
) -> tuple[Complaint, str]:
    """Check the step, lock the complaint; the locked copy and the status it left."""
    stored = lock(complaint)
    if to_status not in TRANSITIONS.get(stored.status, ()):
        raise ValidationError(
            _("A complaint that is “%(from)s” cannot become “%(to)s”."),
            code="bad_transition",
            params={"from": stored.get_status_display(), "to": Status(to_status).label},
        )
    from_status = stored.status
    stored.status = to_status
    return stored, from_status


def _finish_move(
    stored: Complaint,
    target: Complaint,
    from_status: str,
    *,
    actor: Actor,
    detail: str = "",
) -> Complaint:
    save(stored, actor=actor)
    complaint_event_record(
        stored,
        action=ComplaintEvent.Action.TRANSITION,
        actor=actor,
        from_status=from_status,
        to_status=stored.status,
        detail=detail,
    )
    copy_saved(target, stored)
    return stored


def _clean_contact(phone: str, email: str) -> tuple[str, str]:
    errors: dict[str, list[ValidationError]] = {}
    phone = (phone or "").strip()
    email = (email or "").strip().lower()
    if phone:
        try:
            phone = normalize_phone(phone)
        except ValidationError as error:
            errors["phone"] = [error]
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = [
                ValidationError(
                    _("Enter a valid email address, for example ten@example.vn."),
                    code="invalid_email",
                )
            ]
    if not phone and not email and not errors:
        message = _("Give a phone number or an email address, so that we can answer you.")
        errors["phone"] = [ValidationError(message, code="no_contact")]
        errors["email"] = [ValidationError(message, code="no_contact")]
    if errors:
        raise ValidationError(errors)
    return phone, email


def _assignee_check(assignee: Any) -> None:
    if assignee is None:
        return
    if not (assignee.is_active and assignee.is_staff and assignee.has_perm(PERM_RESOLVE)):
        raise ValidationError(
            {
                "assignee": ValidationError(
                    _("%(name)s cannot resolve complaints: choose a member of a role that can."),
                    code="assignee_cannot_resolve",
                    params={"name": assignee.get_username()},
                )
            }
        )


# Receiving --------------------------------------------------------------------------------


@transaction.atomic
def complaint_submit(
    *,
    name: str,
    phone: str = "",
    email: str = "",
    kind: str,
    description: str,
    consent_to_process: bool,
    files: Sequence[Any] = (),
    language: str = "",
    channel: str = Channel.WEB_FORM,
    actor: Actor = None,
    when: datetime.datetime | None = None,
) -> Complaint:
    """Record a complaint or request: from the public form (no actor) or entered by staff from a
    call, an email or a letter (an actor with complaints.add_complaint). The acknowledgement is
    emailed after commit when an email address was given."""
    if actor is not None:
        require_permission(actor, PERM_ADD, _("Your role may not record complaints."))
    errors: dict[str, list[ValidationError]] = {}
    name = " ".join((name or "").split())
    description = (description or "").strip()
    # Checked here, not only by full_clean(), so that the message lands on the form's fields.
    if "\x00" in name:
        errors["name"] = [null_character_error()]
    elif not name:
        errors["name"] = [ValidationError(_("Tell us your name."), code="required")]
    elif len(name) > MAX_NAME:
        errors["name"] = [
            ValidationError(
                _("Keep the name under %(max)d characters."),
                code="too_long",
                params={"max": MAX_NAME},
            )
        ]
    if kind not in Kind.values:
        errors["kind"] = [ValidationError(_("Choose what your message is about."), code="kind")]
    if "\x00" in description:
        errors["description"] = [null_character_error()]
    elif not description:
        errors["description"] = [
            ValidationError(_("Describe what happened or what you ask for."), code="required")
        ]
    elif len(description) > MAX_DESCRIPTION:
        errors["description"] = [
            ValidationError(
                _("Keep the description under %(max)d characters."),
                code="too_long",
                params={"max": MAX_DESCRIPTION},
            )
        ]
    if not consent_to_process:
        errors["consent_to_process"] = [
            ValidationError(
                _("We can only handle your complaint if you agree that we process its data."),
                code="consent_required",
            )
        ]
    try:
        phone, email = _clean_contact(phone, email)
    except ValidationError as error:
        for field, messages in error.error_dict.items():
            errors.setdefault(field, []).extend(messages)
    checked: list[evidence.CheckedFile] = []
    try:
        checked = evidence.check_files(files)
    except ValidationError as error:
        errors["evidence"] = error.error_list
    if errors:
        raise ValidationError(errors)

    received_at = when or timezone.now()
    terms = deadlines.terms_for(kind)
    complaint = Complaint(
        kind=kind,
        channel=channel,
        language=language or settings.LANGUAGE_CODE,
        submitter_name=name,
        submitter_phone=phone,
        submitter_email=email,
        description=description,
        consent_to_process=True,
        received_at=received_at,
        acknowledge_due_at=deadlines.acknowledge_due(kind, received_at, terms=terms),
        due_at=deadlines.resolve_due(kind, received_at, terms=terms),
    )
    save(complaint, actor=actor)
    for item in checked:
        record = Evidence(
            complaint=complaint,
            original_name=str(getattr(item.upload, "name", "") or "").replace("\x00", "")[:255]
            or "evidence",
            content_type=item.content_type,
            size=item.size,
            sha256=item.sha256,
            uploaded_at=received_at,
        )
        item.upload.seek(0)
        record.file.save(
            str(getattr(item.upload, "name", "") or "evidence"), item.upload, save=False
        )
        record.save()
    complaint_event_record(
        complaint,
        action=ComplaintEvent.Action.RECEIVED,
        actor=actor,
        to_status=Status.RECEIVED,
        detail=_staff_text(Channel(channel).label),
        at=received_at,
    )
    if email:
        queue_after_commit(TASK_ACKNOWLEDGE, complaint.pk)
    return complaint


def complaint_acknowledge(*, complaint: Complaint, actor: Actor = None, how: str = "") -> Complaint:
    """Record that the customer was told their complaint arrived (the email, or staff's call)."""
    with transaction.atomic():
        stored = lock(complaint)
        if stored.acknowledged_at is not None:
            copy_saved(complaint, stored)
            return stored
        if actor is not None:
            require_permission(actor, PERM_CHANGE, _("Your role may not change complaints."))
        stored.acknowledged_at = timezone.now()
        save(stored, actor=actor)
        complaint_event_record(
            stored, action=ComplaintEvent.Action.ACKNOWLEDGED, actor=actor, detail=how
        )
        copy_saved(complaint, stored)
        return stored


# Matching ---------------------------------------------------------------------------------


def matching_customers(complaint: Complaint) -> list[Customer]:
    """Active customers whose phone or email is the one the complaint was filed with: staff
    confirm one before it is linked."""
    match = Q()
    if complaint.submitter_phone:
        match |= Q(phone=complaint.submitter_phone)
    if complaint.submitter_email:
        match |= Q(email=complaint.submitter_email)
    if not match:
        return []
    return list(
        Customer.objects.filter(match).exclude(status=Customer.Status.ERASED).order_by("pk")[:20]
    )


@transaction.atomic
def complaint_link_customer(*, complaint: Complaint, customer: Customer, actor: Actor) -> Complaint:
    require_permission(actor, PERM_CHANGE, _("Your role may not change complaints."))
    stored = lock(complaint)
    if customer.status == Customer.Status.ERASED:
        raise ValidationError(
            {"customer": ValidationError(_("This customer has been erased."), code="erased")}
        )
    if stored.customer_id == customer.pk:
        copy_saved(complaint, stored)
        return stored
    stored.customer = customer
    stored.customer_linked_at = timezone.now()
    stored.customer_linked_by = staff_or_none(actor)
    save(stored, actor=actor)
    # A complaint is contact with the customer: the inactivity rule counts from it.
    from customers.services import customer_touch

    customer_touch(customer=customer, when=stored.received_at)
    # The versions recorded before the link (the submission) hold the same person's name,
    # contact and description: they name the customer too, because erasure finds history rows
    # through their customer column (SPEC: nothing that should be erased survives anywhere).
    # customer_linked_at stays empty in them, so the history still tells when the link was made.
    stored.history.filter(customer__isnull=True).update(customer=customer)
    complaint_event_record(
        stored,
        action=ComplaintEvent.Action.CUSTOMER_LINKED,
        actor=actor,
        detail=f"#{customer.pk}",
    )
    copy_saved(complaint, stored)
    return stored


# The steps --------------------------------------------------------------------------------


@transaction.atomic
def complaint_route(
    *,
    complaint: Complaint,
    actor: Actor,
    department: str,
    assignee: Any = None,
    kind: str | None = None,
    third_party_involved: bool | None = None,
    note: str = "",
) -> Complaint:
    """Step 2: classify (the kind may be corrected), route to a department and an assignee.
    The due date follows the kind and whether a third party must also act."""
    require_permission(actor, PERM_ROUTE, _("Your role may not route complaints."))
    stored, from_status = _move(complaint, Status.ROUTED, actor=actor)
    if department not in Complaint.Department.values:
        raise ValidationError(
            {"department": ValidationError(_("Choose a department."), code="department")}
        )
    _assignee_check(assignee)
    if kind is not None:
        if kind not in Kind.values:
            raise ValidationError({"kind": ValidationError(_("Choose a kind."), code="kind")})
        stored.kind = kind
    if third_party_involved is not None:
        stored.third_party_involved = third_party_involved
    stored.department = department
    stored.assignee = assignee
    stored.due_at = deadlines.resolve_due(
        stored.kind,
        stored.received_at,
        third_party=stored.third_party_involved,
        extension_days=stored.extension_days,
    )
    if stored.acknowledged_at is None:
        # Routing is done after reading it: the complaint is acknowledged by now at the latest.
        stored.acknowledged_at = timezone.now()
    if note.strip():
        ComplaintMessage.objects.create(
            complaint=stored,
            visibility=ComplaintMessage.Visibility.INTERNAL,
            body=note.strip(),
            author=staff_or_none(actor),
        )
    detail = _staff_text(Complaint.Department(department).label)
    if assignee is not None:
        detail = f"{detail} — {assignee.get_username()}"
    return _finish_move(stored, complaint, from_status, actor=actor, detail=str(detail))


@transaction.atomic
def complaint_await_customer(*, complaint: Complaint, actor: Actor, message: str) -> Complaint:
    """Ask the customer for details or evidence (seed 000: the customer brings evidence). The
    question is a reply to the customer: on the status page, and emailed when we have an
    email."""
    require_permission(actor, PERM_CHANGE, _("Your role may not change complaints."))
    text = required_text(
        message,
        field="message",
        message=_("Write what you need from the customer."),
        code="required",
    )
    stored, from_status = _move(complaint, Status.AWAITING_CUSTOMER, actor=actor)
    _customer_message(stored, text, actor=actor)
    return _finish_move(stored, complaint, from_status, actor=actor)


@transaction.atomic
def complaint_resume(*, complaint: Complaint, actor: Actor, note: str = "") -> Complaint:
    """The customer answered: back to received, to be routed."""
    require_permission(actor, PERM_CHANGE, _("Your role may not change complaints."))
    stored, from_status = _move(complaint, Status.RECEIVED, actor=actor)
    if note.strip():
        ComplaintMessage.objects.create(
            complaint=stored,
            visibility=ComplaintMessage.Visibility.INTERNAL,
            body=note.strip(),
            author=staff_or_none(actor),
        )
    return _finish_move(stored, complaint, from_status, actor=actor)


@transaction.atomic
def complaint_resolve(
    *,
    complaint: Complaint,
    actor: Actor,
    resolution: str,
    response_channel: str,
    phone_call_at: datetime.datetime | None = None,
    phone_call_summary: str = "",
) -> Complaint:
    """Step 3: the result, and how it was answered — a phone call (its time and a summary) or
    an email to the customer, sent from here once this is committed. The result is shown on
    the status page either way."""
    require_permission(actor, PERM_RESOLVE, _("Your role may not resolve complaints."))
    stored, from_status = _move(complaint, Status.RESOLVED, actor=actor)
    text = required_text(
        resolution,
        field="resolution",
        message=_("Write the result the customer is told."),
        code="required",
    )
    errors: dict[str, ValidationError] = {}
    if response_channel == ResponseChannel.PHONE:
        if phone_call_at is None:
            errors["phone_call_at"] = ValidationError(
                _("When did you call the customer?"), code="required"
            )
        elif phone_call_at > timezone.now() + datetime.timedelta(minutes=5):
            errors["phone_call_at"] = ValidationError(
                _("The call cannot be in the future."), code="future"
            )
        if not (phone_call_summary or "").strip():
            errors["phone_call_summary"] = ValidationError(
                _("Summarise what was said on the call."), code="required"
            )
        if not stored.submitter_phone:
            errors["response_channel"] = ValidationError(
                _("The complaint has no phone number: answer by email."), code="no_phone"
            )
    elif response_channel == ResponseChannel.EMAIL:
        if not stored.submitter_email:
            errors["response_channel"] = ValidationError(
                _("The complaint has no email address: answer by phone."), code="no_email"
            )
    else:
        errors["response_channel"] = ValidationError(
            _("Choose how the customer was answered."), code="required"
        )
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    stored.resolution = text
    stored.response_channel = response_channel
    stored.resolved_at = now
    if response_channel == ResponseChannel.PHONE:
        stored.phone_call_at = phone_call_at
        stored.phone_call_summary = phone_call_summary.strip()
    _customer_message(stored, text, actor=actor, email=response_channel == ResponseChannel.EMAIL)
    return _finish_move(
        stored,
        complaint,
        from_status,
        actor=actor,
        detail=_staff_text(ResponseChannel(response_channel).label),
    )


@transaction.atomic
def complaint_close(*, complaint: Complaint, actor: Actor) -> Complaint:
    require_permission(actor, PERM_CHANGE, _("Your role may not change complaints."))
    stored, from_status = _move(complaint, Status.CLOSED, actor=actor)
    stored.closed_at = timezone.now()
    return _finish_move(stored, complaint, from_status, actor=actor)


@transaction.atomic
def complaint_reject(*, complaint: Complaint, actor: Actor, reason: str) -> Complaint:
    """Refuse a complaint (not about personal data, abusive, …): the reason is told to the
    customer."""
    require_permission(actor, PERM_REJECT, _("Your role may not reject complaints."))
    text = required_text(
        reason,
        field="reason",
        message=_("Write why the complaint is rejected; the customer is told."),
        code="required",
    )
    stored, from_status = _move(complaint, Status.REJECTED, actor=actor)
    stored.rejection_reason = text
    stored.closed_at = timezone.now()
    _customer_message(stored, text, actor=actor)
    return _finish_move(stored, complaint, from_status, actor=actor)


@transaction.atomic
def complaint_mark_duplicate(
    *, complaint: Complaint, actor: Actor, original: Complaint
) -> Complaint:
    """The same matter was filed before: this one is closed and points to the original, which
    goes on."""
    require_permission(actor, PERM_REJECT, _("Your role may not mark complaints as duplicates."))
    if original.pk == complaint.pk:
        raise ValidationError(
            {"original": ValidationError(_("A complaint cannot duplicate itself."), code="self")}
        )
    original = Complaint.objects.get(pk=original.pk)
    if original.status == Status.DUPLICATE:
        raise ValidationError(
            {
                "original": ValidationError(
                    _("%(code)s is itself a duplicate: link to the complaint it duplicates."),
                    code="chain",
                    params={"code": original.tracking_code},
                )
            }
        )
    stored, from_status = _move(complaint, Status.DUPLICATE, actor=actor)
    stored.duplicate_of = original
    stored.closed_at = timezone.now()
    return _finish_move(stored, complaint, from_status, actor=actor, detail=original.tracking_code)


@transaction.atomic
def complaint_extend(*, complaint: Complaint, actor: Actor, days: int, reason: str) -> Complaint:
    """The one extension the law allows (at most 15 days by default), with its reason."""
    require_permission(actor, PERM_EXTEND, _("Your role may not extend deadlines."))
    stored = lock(complaint)
    terms = deadlines.terms_for(stored.kind)
    errors: dict[str, ValidationError] = {}
    if stored.status not in PENDING_STATUSES:
        raise ValidationError(
            _("Only a complaint still being handled can be extended."), code="not_pending"
        )
    if stored.extension_days:
        raise ValidationError(
            _("The deadline was already extended once (on %(date)s); the law allows one."),
            code="already_extended",
            params={"date": local_date(stored.extended_at)} if stored.extended_at else {"date": ""},
        )
    if not isinstance(days, int) or days < 1 or days > terms.max_extension_days:
        errors["days"] = ValidationError(
            _("Extend by 1 to %(max)d days."),
            code="days",
            params={"max": terms.max_extension_days},
        )
    if not (reason or "").strip():
        errors["reason"] = ValidationError(_("Write why more time is needed."), code="required")
    if errors:
        raise ValidationError(errors)
    stored.extension_days = days
    stored.extension_reason = reason.strip()
    stored.extended_at = timezone.now()
    stored.due_at = deadlines.resolve_due(
        stored.kind,
        stored.received_at,
        third_party=stored.third_party_involved,
        extension_days=days,
    )
    save(stored, actor=actor)
    complaint_event_record(
        stored, action=ComplaintEvent.Action.EXTENDED, actor=actor, detail=stored.extension_reason
    )
    copy_saved(complaint, stored)
    return stored


# Notes and replies ------------------------------------------------------------------------


def _customer_message(
    complaint: Complaint, text: str, *, actor: Actor, email: bool = True
) -> ComplaintMessage:
    message = ComplaintMessage.objects.create(
        complaint=complaint,
        visibility=ComplaintMessage.Visibility.CUSTOMER,
        body=text,
        author=staff_or_none(actor),
    )
    if email and complaint.submitter_email:
        queue_after_commit(TASK_CUSTOMER_MESSAGE, message.pk)
    return message


@transaction.atomic
def complaint_add_message(
    *, complaint: Complaint, actor: Actor, visibility: str, body: str
) -> ComplaintMessage:
    """An internal note, or a reply to the customer (status page, and email when we have one)."""
    require_permission(actor, PERM_CHANGE, _("Your role may not change complaints."))
    text = required_text(body, field="body", message=_("Write the text."), code="required")
    stored = lock(complaint)
    if visibility == ComplaintMessage.Visibility.CUSTOMER:
        return _customer_message(stored, text, actor=actor)
    if visibility != ComplaintMessage.Visibility.INTERNAL:
        raise ValidationError({"visibility": ValidationError(_("Choose who sees it."), code="vis")})
    return ComplaintMessage.objects.create(
        complaint=stored, visibility=visibility, body=text, author=staff_or_none(actor)
    )


# Lookup by the customer -------------------------------------------------------------------


def complaint_find_for_customer(*, tracking_code: str, contact: str) -> Complaint | None:
    """The complaint with this code filed with this phone or email, or None — the same None
    whether the code is unknown or the contact does not match (no enumeration). After an
    erasure the contact is kept as a keyed hash: the customer still finds the outcome."""
    from customers.personal_data import keyed_hash

    code = normalize_tracking_code(tracking_code)
    text = (contact or "").strip()
    if not code or not text:
        return None
    complaint = Complaint.objects.filter(tracking_code=code).first()
    if complaint is None:
        # Spend about the same work as a real match, so timing tells nothing either.
        keyed_hash(text)
        return None
    candidates: set[str] = set()
    if "@" in text:
        email = text.lower()
        candidates |= {email, keyed_hash(email)}
        stored = complaint.submitter_email
    else:
        try:
            phone = normalize_phone(text)
        except ValidationError:
            return None
        length = Complaint._meta.get_field("submitter_phone").max_length
        candidates |= {phone, keyed_hash(phone, length=length)}
        stored = complaint.submitter_phone
    return complaint if stored and stored in candidates else None


# The deadline table and the holidays ------------------------------------------------------


@transaction.atomic
def deadline_rule_save(*, rule: DeadlineRule, actor: Actor) -> DeadlineRule:
    """Change a kind's deadline. Complaints already received keep the due date they were given;
    new ones and re-routed ones follow the new rule."""
    require_permission(
        actor, "complaints.change_deadlinerule", _("Your role may not change deadlines.")
    )
    if (
        rule.third_party_resolve_days is not None
        and rule.third_party_resolve_days < rule.resolve_days
    ):
        raise ValidationError(
            {
                "third_party_resolve_days": ValidationError(
                    _("With a third party the time cannot be shorter than without."),
                    code="shorter",
                )
            }
        )
    save(rule, actor=actor)
    return rule


@transaction.atomic
def public_holiday_save(*, holiday: PublicHoliday, actor: Actor) -> PublicHoliday:
    permission = "complaints.change_publicholiday" if holiday.pk else "complaints.add_publicholiday"
    require_permission(
        actor, permission, _("Your role may not change the list of public holidays.")
    )
    save(holiday, actor=actor)
    return holiday


@transaction.atomic
def public_holiday_delete(*, holiday: PublicHoliday, actor: Actor) -> None:
    require_permission(
        actor,
        "complaints.delete_publicholiday",
        _("Your role may not change the list of public holidays."),
    )
    if staff_or_none(actor) is not None:
        holiday._history_user = actor  # type: ignore[attr-defined]
    holiday.delete()


# Reminders --------------------------------------------------------------------------------


def complaints_needing_reminder(now: datetime.datetime) -> Any:
    """Assigned complaints still pending that are due within a day or overdue, not reminded in
    the last 20 hours (the task runs hourly: each assignee hears once a day per complaint)."""
    return (
        Complaint.objects.filter(
            status__in=PENDING_STATUSES,
            assignee__isnull=False,
            due_at__lte=now + datetime.timedelta(days=1),
        )
        .filter(
            Q(reminded_at__isnull=True) | Q(reminded_at__lte=now - datetime.timedelta(hours=20))
        )
        .select_related("assignee")
        .order_by("assignee_id", "due_at")
    )


def deadline_reminders_send(*, now: datetime.datetime | None = None) -> int:
    """Email each assignee one list of their complaints due within a day and overdue; returns
    how many complaints were reminded."""
    from django.core.mail import EmailMessage
    from django.template.loader import render_to_string
    from django.utils import translation

    now = now or timezone.now()
    by_assignee: dict[Any, list[Complaint]] = {}
    for complaint in complaints_needing_reminder(now):
        by_assignee.setdefault(complaint.assignee, []).append(complaint)
    reminded = 0
    base_url = getattr(settings, "PUBLIC_BASE_URL", "").rstrip("/")
    for assignee, items in by_assignee.items():
        if not assignee.email or not assignee.is_active:
            logger.warning("deadline reminder: assignee %s has no email", assignee.pk)
            continue
        with translation.override(settings.LANGUAGE_CODE):
            rows = [
                {
                    "complaint": complaint,
                    "overdue": complaint.due_at < now,
                    "due": local_datetime(complaint.due_at),
                    "url": base_url + _admin_path(complaint),
                }
                for complaint in items
            ]
            overdue = sum(1 for row in rows if row["overdue"])
            subject = _("%(count)d complaint(s) due within a day, %(overdue)d overdue") % {
                "count": len(rows) - overdue,
                "overdue": overdue,
            }
            body = render_to_string(
                "complaints/email/deadline_reminder.txt", {"rows": rows, "assignee": assignee}
            )
        with transaction.atomic():
            EmailMessage(subject=str(subject), body=body, to=[assignee.email]).send()
            ids = [complaint.pk for complaint in items]
            Complaint.objects.filter(pk__in=ids).update(reminded_at=now)
            ComplaintEvent.objects.bulk_create(
                [
                    ComplaintEvent(
                        complaint=complaint,
                        action=ComplaintEvent.Action.REMINDED,
                        at=now,
                        detail=assignee.get_username(),
                    )
                    for complaint in items
                ]
            )
        reminded += len(items)
    return reminded


# Emails to the customer -------------------------------------------------------------------


def _controller_context() -> dict[str, Any]:
    from customers.selectors import controller_get

    controller = controller_get()
    return {
        "controller": controller,
        "company_short": (controller.short_name or controller.legal_name) if controller else "",
        "status_url": getattr(settings, "PUBLIC_BASE_URL", "").rstrip("/"),
    }


def _status_path(language: str) -> str:
    """The status page in the customer's language (SPEC: /complaints/status/, /en/… in
    English); the fixed path if the page's URL name is not routed in this process."""
    from django.urls import NoReverseMatch, reverse
    from django.utils import translation

    with translation.override(language):
        try:
            return reverse("complaints:status")
        except NoReverseMatch:
            prefix = "" if language == settings.LANGUAGE_CODE else f"/{language}"
            return f"{prefix}/complaints/status/"


def _admin_path(complaint: Complaint) -> str:
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse("admin:complaints_complaint_change", args=[complaint.pk])
    except NoReverseMatch:  # the complaints admin is not registered in this process
        return ""


def acknowledgement_send(*, complaint_id: int) -> bool:
    """Email the customer that their complaint arrived, with its tracking code and due date."""
    from django.core.mail import EmailMessage
    from django.template.loader import render_to_string
    from django.utils import translation

    complaint = Complaint.objects.filter(pk=complaint_id).first()
    if complaint is None or not complaint.submitter_email or "@" not in complaint.submitter_email:
        return False
    if (
        complaint.acknowledged_at is not None
        and complaint.events.filter(action=ComplaintEvent.Action.ACKNOWLEDGED).exists()
    ):
        return False  # sent before (a task delivered twice)
    context = _controller_context()
    with translation.override(complaint.language):
        context.update(
            {
                "complaint": complaint,
                "due": local_date(complaint.due_at),
                "status_url": context["status_url"] + _status_path(complaint.language),
            }
        )
        subject = _("We have received your message (%(kind)s) — %(code)s") % {
            "kind": complaint.get_kind_display().lower(),
            "code": complaint.tracking_code,
        }
        body = render_to_string("complaints/email/acknowledgement.txt", context)
    EmailMessage(subject=str(subject), body=body, to=[complaint.submitter_email]).send()
    complaint_acknowledge(complaint=complaint, how=_("Email"))
    return True


def customer_message_send(*, message_id: int) -> bool:
    """Email a reply to the customer (once: the time it was sent is recorded)."""
    from django.core.mail import EmailMessage
    from django.template.loader import render_to_string
    from django.utils import translation

    message = (
        ComplaintMessage.objects.select_related("complaint")
        .filter(pk=message_id, visibility=ComplaintMessage.Visibility.CUSTOMER)
        .first()
    )
    if message is None or message.emailed_at is not None:
        return False
    complaint = message.complaint
    if not complaint.submitter_email or "@" not in complaint.submitter_email:
        return False
    context = _controller_context()
    with translation.override(complaint.language):
        context.update(
            {
                "complaint": complaint,
                "message": message,
                "status_url": context["status_url"] + _status_path(complaint.language),
            }
        )
        subject = _("Reply to your message (%(kind)s) — %(code)s") % {
            "kind": complaint.get_kind_display().lower(),
            "code": complaint.tracking_code,
        }
        body = render_to_string("complaints/email/reply.txt", context)
    EmailMessage(subject=str(subject), body=body, to=[complaint.submitter_email]).send()
    with transaction.atomic():
        now = timezone.now()
        ComplaintMessage.objects.filter(pk=message.pk).update(emailed_at=now)
        complaint_event_record(complaint, action=ComplaintEvent.Action.REPLY_SENT, at=now)
    return True


# Requests act on the data -----------------------------------------------------------------


def _linked_customer(complaint: Complaint) -> Customer:
    if complaint.customer_id is None:
        raise ValidationError(
            _("Link the complaint to a customer first (check the phone or email)."),
            code="no_customer",
        )
    customer = Customer.objects.get(pk=complaint.customer_id)
    if customer.status == Customer.Status.ERASED:
        raise ValidationError(_("This customer has been erased."), code="erased")
    return customer


def complaint_lock_for_request(complaint: Complaint) -> tuple[Complaint, Customer]:
    """The complaint locked, and the customer it is linked to, for a step that acts on the
    customer's data: only while the request is being handled, and once staff linked it."""
    stored = lock(complaint)
    _pending_request(stored)
    return stored, _linked_customer(stored)


def _pending_request(complaint: Complaint) -> None:
    if complaint.status not in PENDING_STATUSES:
        raise ValidationError(
            _("The complaint is “%(status)s”: act on the data while it is being handled."),
            code="not_pending",
            params={"status": complaint.get_status_display()},
        )


@transaction.atomic
def complaint_send_data_export(*, complaint: Complaint, actor: Actor) -> Complaint:
    """Access request: email the customer a copy of their data (a readable page and a JSON
    file), built from the personal-data declaration, once this is committed."""
    require_permission(actor, PERM_RESOLVE, _("Your role may not answer requests."))
    require_permission(
        actor,
        "customers.view_full_personal_data",
        _("Your role may not see customers' data in full."),
    )
    stored, customer = complaint_lock_for_request(complaint)
    if not (stored.submitter_email or customer.email):
        raise ValidationError(
            _(
                "Neither the complaint nor the customer has an email address: print the page and "
                "hand it over instead."
            ),
            code="no_email",
        )
    from customers.models import AccessLog
    from customers.services import access_log_record

    access_log_record(
        staff=actor,
        customer_ids=[customer.pk],
        action=AccessLog.Action.EXPORT,
        detail=_("Access request %(code)s") % {"code": stored.tracking_code},
    )
    complaint_event_record(
        stored,
        action=ComplaintEvent.Action.DATA_EXPORTED,
        actor=actor,
        detail=stored.submitter_email or customer.email,
    )
    queue_after_commit(TASK_DATA_EXPORT, stored.pk)
    copy_saved(complaint, stored)
    return stored


def data_export_send(*, complaint_id: int) -> bool:
    """Email the export (called by the task): the page and the JSON file as attachments."""
    from django.core.mail import EmailMessage
    from django.template.loader import render_to_string
    from django.utils import translation

    from complaints import data_export

    complaint = Complaint.objects.filter(pk=complaint_id, customer__isnull=False).first()
    if complaint is None or complaint.customer is None:
        return False
    customer = complaint.customer
    address = complaint.submitter_email or customer.email
    if not address or customer.status == Customer.Status.ERASED:
        return False
    context = _controller_context()
    with translation.override(complaint.language):
        export = data_export.customer_data(customer)
        page = data_export.render_html(export)
        subject = _("A copy of your personal data — %(code)s") % {"code": complaint.tracking_code}
        body = render_to_string(
            "complaints/email/data_export.txt", {**context, "complaint": complaint}
        )
    email = EmailMessage(subject=str(subject), body=body, to=[address])
    email.attach("personal-data.html", page, "text/html")
    email.attach("personal-data.json", data_export.render_json(export), "application/json")
    email.send()
    return True


@transaction.atomic
def complaint_withdraw_consents(
    *, complaint: Complaint, actor: Actor, consents: Iterable[Consent]
) -> list[Consent]:
    """Withdraw consent / stop marketing: withdraws through the consent service, recorded on
    the complaint."""
    from customers.services import consent_withdraw

    require_permission(actor, "customers.change_consent", _("Your role may not withdraw consents."))
    require_permission(actor, PERM_RESOLVE, _("Your role may not answer requests."))
    stored, customer = complaint_lock_for_request(complaint)
    chosen = list(consents)
    if not chosen:
        raise ValidationError(
            {"consents": ValidationError(_("Choose the consents to withdraw."), code="required")}
        )
    withdrawn: list[Consent] = []
    for consent in chosen:
        if consent.customer_id != customer.pk:
            raise ValidationError(
                {
                    "consents": ValidationError(
                        _("That consent is another customer's."), code="other"
                    )
                }
            )
        withdrawn.append(
            consent_withdraw(
                consent=consent,
                channel=stored.channel,
                actor=actor,
                reason=_("Request %(code)s") % {"code": stored.tracking_code},
            )
        )
    complaint_event_record(
        stored,
        action=ComplaintEvent.Action.CONSENT_WITHDRAWN,
        actor=actor,
        detail=", ".join(str(consent.purpose) for consent in withdrawn),
    )
    copy_saved(complaint, stored)
    return withdrawn


def staff_who_can_resolve() -> Any:
    """Active staff members who may be assigned complaints."""
    from django.contrib.auth.models import Permission

    user_model = get_user_model()
    permission = Permission.objects.filter(
        content_type__app_label="complaints", codename="resolve_complaint"
    ).first()
    match = Q(is_superuser=True)
    if permission is not None:
        match |= Q(user_permissions=permission) | Q(groups__permissions=permission)
    return (
        user_model.objects.filter(match, is_active=True, is_staff=True)
        .distinct()
        .order_by("username")
    )
