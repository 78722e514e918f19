"""The writes of complaints/: the public form, the staff's steps, notes and replies. Admin,
public views and tasks all call these; what a request does to the customer's data is in
data_requests.py and identity_codes.py, the reads in selectors.py, the emails in emails.py,
breach incidents in incidents.py, the deadline table's write in deadlines.py, the holiday list's
in holidays.py.

The workflow (seed 004 §7): received → (awaiting the customer ↔) classified and routed →
resolved (answered by phone or email) → closed; or rejected, or a duplicate of another. Every
step writes a ComplaintEvent naming who and when; the complaint's history says what changed.
A wrong step is refused with a ValidationError (a message and a code), a step the staff member's
role may not take with PermissionDenied.
"""

from __future__ import annotations

import datetime
import functools
import logging
from collections.abc import Callable, Sequence
from typing import Any, ParamSpec, TypeVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from complaints import deadlines, evidence
from complaints.models import (
    PENDING_STATUSES,
    REQUEST_KINDS,
    Complaint,
    ComplaintEvent,
    ComplaintMessage,
    Department,
    Evidence,
    Kind,
    ResponseChannel,
    Status,
)
from customers.kernel import events
from customers.kernel.text import fold_vietnamese, local_date, staff_text
from customers.kernel.writes import (
    Actor,
    appended_together,
    call_errors,
    copy_saved,
    create,
    insert_one,
    lock,
    queue_after_commit,
    require_permission,
    required_text,
    save,
    staff_or_none,
)
from customers.models import Channel, Customer, Purpose
from customers.restrictions import restriction_place
from customers.validators import normalize_phone, null_character_error

logger = logging.getLogger(__name__)
P = ParamSpec("P")
R = TypeVar("R")

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


# Who filed a complaint is checked when it is received and never changes in a step; once the
# customer is erased the contacts are keyed hashes, which no longer look like a phone or an
# email, and the complaint must still move (the deletion request is answered and closed).
_FILED_CONTACTS = ["submitter_phone", "submitter_email"]


def complaint_save_step(complaint: Complaint, *, actor: Actor) -> None:
    save(complaint, actor=actor, exclude=_FILED_CONTACTS)


def complaint_event_record(
    complaint: Complaint,
    *,
    action: str,
    actor: Actor = None,
    from_status: str = "",
    to_status: str = "",
    detail: str = "",
    at: datetime.datetime | None = None,
) -> None:
    insert_one(
        ComplaintEvent(
            complaint=complaint,
            action=action,
            actor=staff_or_none(actor),
            from_status=from_status,
            to_status=to_status,
            detail=detail,
            at=at or timezone.now(),
        ),
        returning=False,  # nobody reads an event's id as it is written
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
    complaint_save_step(stored, actor=actor)
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

# A tracking code is 10 random characters of 32 (2^50 codes): rather than ask the table before
# every complaint whether its code is taken, the table's unique index refuses a clash, and the
# complaint is recorded again with a new code. One clash in a million million complaints.
CODE_TRIES = 3


def _new_code_on_clash(func: Callable[P, R]) -> Callable[P, R]:
    @functools.wraps(func)
    def recorded(*args: P.args, **kwargs: P.kwargs) -> R:
        for attempt in range(1, CODE_TRIES + 1):
            try:
                return func(*args, **kwargs)
            except IntegrityError as error:
                if "tracking_code" not in str(error) or attempt == CODE_TRIES:
                    raise
                logger.warning("tracking code taken: complaint recorded again with a new one")
        raise AssertionError("unreachable")

    return recorded


@_new_code_on_clash
@transaction.atomic
def complaint_submit(
    *,
    name: str,
    phone: str = "",
    email: str = "",
    kind: str,
    description: str,
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
        submitter_name_folded=fold_vietnamese(name),
        submitter_phone=phone,
        submitter_email=email,
        description=description,
        received_at=received_at,
        acknowledge_due_at=deadlines.acknowledge_due(kind, received_at, terms=terms),
        due_at=deadlines.resolve_due(kind, received_at, terms=terms),
    )
    # The history row, the event and the outbox row go to PostgreSQL in one round trip.
    with appended_together():
        create(complaint, actor=actor, unique=False)  # the code's uniqueness: _new_code_on_clash
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
            detail=staff_text(Channel(channel).label),
            at=received_at,
        )
        if email:
            queue_after_commit(TASK_ACKNOWLEDGE, complaint.pk)
        if kind in REQUEST_KINDS:
            # The customer is found when the event is sent: a request filed from the shop account
            # is linked in the same transaction.
            events.emit(
                events.EventName.REQUEST_RECEIVED,
                customer_id=None,
                tracking_code=complaint.tracking_code,
            )
    return complaint


def complaint_acknowledge(
    *,
    complaint: Complaint,
    actor: Actor = None,
    how: str = "",
    at: datetime.datetime | None = None,
) -> Complaint:
    """Record that the customer was answered with the procedure, the deadline and how to follow
    (Decree 356/2025 Art. 5(2)–(5): within 2 working days): by the acknowledgement email once it
    is sent, or by staff's call. Nothing else (routing, reading) acknowledges."""
    with transaction.atomic():
        stored = lock(complaint)
        if stored.acknowledged_at is not None:
            copy_saved(complaint, stored)
            return stored
        if actor is not None:
            require_permission(actor, PERM_CHANGE, _("Your role may not change complaints."))
        stored.acknowledged_at = at or timezone.now()
        complaint_save_step(stored, actor=actor)
        complaint_event_record(
            stored,
            action=ComplaintEvent.Action.ACKNOWLEDGED,
            actor=actor,
            detail=how,
            at=stored.acknowledged_at,
        )
        copy_saved(complaint, stored)
        return stored


def complaint_acknowledge_by_call(
    *, complaint: Complaint, actor: Actor, called_at: datetime.datetime | None, summary: str
) -> Complaint:
    """The acknowledgement of a complaint without an email address: staff called the customer
    and told them the procedure, the deadline and how to follow; when, and what was said."""
    require_permission(actor, PERM_CHANGE, _("Your role may not change complaints."))
    errors = call_errors(
        called_at=called_at,
        summary=summary,
        fields=("called_at", "summary"),
        missing_call=_("Enter when you called."),
        missing_summary=_(
            "Write what you told the customer (the procedure, the deadline, how to follow)."
        ),
        not_before=complaint.received_at,
        not_before_message=_("The call cannot be before the complaint was received."),
    )
    if errors:
        raise ValidationError(errors)
    if complaint.acknowledged_at is not None:
        raise ValidationError(_("The customer was already answered."), code="acknowledged")
    how = f"{staff_text(ResponseChannel.PHONE.label)}: {summary.strip()}"
    return complaint_acknowledge(complaint=complaint, actor=actor, how=how, at=called_at)


# Matching ---------------------------------------------------------------------------------


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
    complaint_save_step(stored, actor=actor)
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
    if stored.kind == Kind.STOP_MARKETING and stored.status in PENDING_STATUSES:
        _stop_marketing_at_once(stored, customer, actor=actor)
    copy_saved(complaint, stored)
    return stored


def _stop_marketing_at_once(complaint: Complaint, customer: Customer, *, actor: Actor) -> None:
    """An objection to marketing takes effect at once (Law 91/2025/QH15 Art. 28; Art. 4(1)(d)):
    every advertising purpose is restricted as soon as the request is linked to the customer —
    restricting harms nobody, so it does not wait for the identity check — and the request goes
    on to withdraw the consents."""
    reason = staff_text(
        gettext_noop("Request %(code)s: stop marketing"), code=complaint.tracking_code
    )
    for purpose in Purpose.objects.filter(is_advertising=True, is_active=True):
        restriction_place(
            customer=customer,
            actor=actor,
            reason=reason,
            purpose=purpose,
            reference=complaint.tracking_code,
        )


# The steps --------------------------------------------------------------------------------


@transaction.atomic
def complaint_route(
    *,
    complaint: Complaint,
    actor: Actor,
    department: str | Department,
    assignee: Any = None,
    kind: str | None = None,
    third_party_involved: bool | None = None,
    note: str = "",
) -> Complaint:
    """Step 2: classify (the kind may be corrected), route to a department and an assignee.
    The due date follows the kind and whether a third party must also act."""
    require_permission(actor, PERM_ROUTE, _("Your role may not route complaints."))
    stored, from_status = _move(complaint, Status.ROUTED, actor=actor)
    code = department.code if isinstance(department, Department) else department
    routed_to = Department.objects.filter(code=code, is_active=True).first()
    if routed_to is None:
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
    stored.department = routed_to
    stored.assignee = assignee
    stored.due_at = deadlines.resolve_due(
        stored.kind,
        stored.received_at,
        third_party=stored.third_party_involved,
        extension_days=stored.extension_days,
    )
    if note.strip():
        ComplaintMessage.objects.create(
            complaint=stored,
            visibility=ComplaintMessage.Visibility.INTERNAL,
            body=note.strip(),
            author=staff_or_none(actor),
        )
    detail = routed_to.name
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
        errors = call_errors(
            called_at=phone_call_at,
            summary=phone_call_summary,
            fields=("phone_call_at", "phone_call_summary"),
            missing_call=_("When did you call the customer?"),
            missing_summary=_("Summarise what was said on the call."),
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
    if stored.kind in REQUEST_KINDS:
        events.emit(
            events.EventName.REQUEST_RESOLVED,
            customer_id=stored.customer_id,
            tracking_code=stored.tracking_code,
        )
    return _finish_move(
        stored,
        complaint,
        from_status,
        actor=actor,
        detail=staff_text(ResponseChannel(response_channel).label),
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
    """The one extension the law allows, within the kind's cap (complaints.law), with its
    reason, which the customer is told."""
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
    complaint_save_step(stored, actor=actor)
    complaint_event_record(
        stored, action=ComplaintEvent.Action.EXTENDED, actor=actor, detail=stored.extension_reason
    )
    # The person is told the reason and the new date (Decree 356/2025 Art. 5(2)–(5)): on the
    # status page, and by email when there is an address.
    _customer_message(stored, _extension_notice(stored), actor=actor)
    copy_saved(complaint, stored)
    return stored


def _extension_notice(complaint: Complaint) -> str:
    from django.utils import translation

    with translation.override(complaint.language or settings.LANGUAGE_CODE):
        return _(
            "We need more time to handle your request, and the law allows us one extension. "
            "The reason: %(reason)s. We will answer by %(due)s at the latest."
        ) % {"reason": complaint.extension_reason, "due": local_date(complaint.due_at)}


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


# Departments --------------------------------------------------------------------------------


@transaction.atomic
def department_save(*, department: Department, actor: Actor) -> Department:
    """Add or change a department complaints are routed to (Legal & compliance keep the list).
    Switched off rather than deleted: the complaints routed to it keep it."""
    permission = "complaints.change_department" if department.pk else "complaints.add_department"
    require_permission(actor, permission, _("Your role may not change the list of departments."))
    save(department, actor=actor)
    return department
