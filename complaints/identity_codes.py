"""The requester confirms they are the customer with a one-time code (the other way to verify a
data-subject request besides staff recording a call back, an ID seen or the shop account).

The code goes to the phone number or email *on record* for the customer the request is linked
to, never to a contact typed on the form (whoever typed it may not be the customer). The task
that sends it makes it (six digits, from ``secrets``) and keeps only a keyed hash, so no log,
outbox row or broker message holds it. It lasts CODE_MINUTES, allows MAX_TRIES wrong tries,
and a request gets at most SENDS_PER_HOUR codes. A right code records the verification on the
request, with its history event, as complaint_verify_identity does for staff.
"""

from __future__ import annotations

import datetime
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from complaints.emails import controller_context
from complaints.models import (
    PENDING_STATUSES,
    REQUEST_KINDS,
    Complaint,
    ComplaintEvent,
    IdentityCode,
    IdentityMethod,
)
from complaints.services import complaint_event_record, complaint_save_step
from customers.kernel.sms import sms_send
from customers.kernel.text import local_datetime
from customers.kernel.writes import copy_saved, lock, queue_after_commit
from customers.masking import mask_email, mask_phone
from customers.models import Customer

CODE_MINUTES = 10
MAX_TRIES = 5
SENDS_PER_HOUR = 3
TASK_SEND_CODE = "complaints.tasks.send_identity_code"


@dataclass(frozen=True)
class Destination:
    channel: str
    shown: str  # masked: "0983 *** 721", "t***@example.vn"


def _hash(code_id: int, code: str) -> str:
    return salted_hmac("complaints.identity_code", f"{code_id}:{code}").hexdigest()


def _customer_to_verify(complaint: Complaint) -> Customer | None:
    """The customer a request may be confirmed as by a code, or None when no code applies: not
    a request about one's data, no longer handled, not linked yet, or already verified."""
    if (
        complaint.kind not in REQUEST_KINDS
        or complaint.status not in PENDING_STATUSES
        or complaint.identity_verified_at is not None
        or complaint.customer_id is None
    ):
        return None
    customer = Customer.objects.filter(pk=complaint.customer_id).first()
    if customer is None or customer.status == Customer.Status.ERASED:
        return None
    return customer


def _destinations(customer: Customer) -> list[Destination]:
    found = []
    if customer.phone:
        found.append(Destination(IdentityCode.Channel.SMS, mask_phone(customer.phone)))
    if customer.email:
        found.append(Destination(IdentityCode.Channel.EMAIL, mask_email(customer.email)))
    return found


def identity_code_destinations(complaint: Complaint) -> list[Destination]:
    """Where a code can be sent to confirm this request (empty when none applies)."""
    customer = _customer_to_verify(complaint)
    return _destinations(customer) if customer is not None else []


def identity_code_pending(complaint: Complaint) -> IdentityCode | None:
    """The code asked for last, while it can still be typed (or is being sent)."""
    code = complaint.identity_codes.filter(used_at__isnull=True).first()
    if code is None or (code.expires_at is not None and code.expires_at <= timezone.now()):
        return None
    if code.attempts >= MAX_TRIES:
        return None
    return code


@transaction.atomic
def identity_code_request(*, complaint: Complaint, channel: str) -> IdentityCode:
    """Ask for a code by ``channel`` (sms or email, to the contact on record); it is sent once
    this commits. A new code replaces any earlier one."""
    stored = lock(complaint)
    customer = _customer_to_verify(stored)
    offered = {d.channel for d in _destinations(customer)} if customer is not None else set()
    if channel not in offered:
        raise ValidationError(
            _("A code cannot be sent this way for this request: call our hotline."),
            code="no_destination",
        )
    now = timezone.now()
    recent = stored.identity_codes.filter(created_at__gt=now - datetime.timedelta(hours=1))
    if recent.count() >= SENDS_PER_HOUR:
        next_at = recent.order_by("created_at").first().created_at + datetime.timedelta(hours=1)  # type: ignore[union-attr]  # count() ≥ 1
        raise ValidationError(
            _("We have sent %(count)d codes within the hour: you can ask again at %(time)s.")
            % {"count": SENDS_PER_HOUR, "time": local_datetime(next_at)},
            code="too_many_codes",
        )
    stored.identity_codes.filter(used_at__isnull=True).update(expires_at=now)
    code = IdentityCode.objects.create(complaint=stored, channel=channel, created_at=now)
    complaint_event_record(
        stored,
        action=ComplaintEvent.Action.IDENTITY_CODE_SENT,
        detail=str(IdentityCode.Channel(channel).label),
        at=now,
    )
    queue_after_commit(TASK_SEND_CODE, code.pk)
    return code


def identity_code_send(*, code_id: int) -> bool:
    """Make the code and send it (the task): once — a code already sent, replaced or expired is
    not sent again. The hash is saved in the transaction the message is sent in, so a message
    the gateway refused leaves no code to type and the task's retry sends a new one."""
    with transaction.atomic():
        code = IdentityCode.objects.select_for_update().filter(pk=code_id).first()
        if code is None or code.sent_at is not None or code.expires_at is not None:
            return False
        complaint = Complaint.objects.get(pk=code.complaint_id)
        customer = _customer_to_verify(complaint)
        if customer is None:
            return False
        secret = f"{secrets.randbelow(10**6):06d}"
        now = timezone.now()
        code.code_hash = _hash(code.pk, secret)
        code.sent_at = now
        code.expires_at = now + datetime.timedelta(minutes=CODE_MINUTES)
        code.save(update_fields=["code_hash", "sent_at", "expires_at"])
        _deliver(code, complaint, customer, secret)
    return True


def _deliver(code: IdentityCode, complaint: Complaint, customer: Customer, secret: str) -> None:
    with translation.override(complaint.language or settings.LANGUAGE_CODE):
        company = controller_context()["company_short"]
        text = (f"{company}: " if company else "") + _(
            "Your code to confirm request %(tracking)s is %(code)s. It is valid for "
            "%(minutes)d minutes. Do not give it to anyone, including our staff."
        ) % {
            "tracking": complaint.tracking_code,
            "code": secret,
            "minutes": CODE_MINUTES,
        }
        subject = _("Your code to confirm request %(tracking)s") % {
            "tracking": complaint.tracking_code
        }
        footer = _(
            "Type it on the status page where you asked for it. If you did not ask for it, "
            "someone has your tracking code: call our hotline."
        )
    if code.channel == IdentityCode.Channel.SMS:
        sms_send(to=customer.phone, text=text)
    else:
        EmailMessage(subject=str(subject), body=f"{text}\n\n{footer}\n", to=[customer.email]).send()


def identity_code_confirm(*, complaint: Complaint, code: str) -> Complaint:
    """The requester typed ``code``: the request is verified when it is the code sent last,
    in time, within the tries. A wrong code counts (the count survives the refusal)."""
    typed = "".join(ch for ch in (code or "") if ch.isdigit())
    with transaction.atomic():
        stored = lock(complaint)
        pending = identity_code_pending(stored) if _customer_to_verify(stored) else None
        if pending is None or pending.sent_at is None:
            refusal = _on_code(
                _("This code has expired or was replaced: ask for a new one."), "expired"
            )
        elif len(typed) != 6 or not constant_time_compare(
            _hash(pending.pk, typed), pending.code_hash
        ):
            pending.attempts += 1
            pending.save(update_fields=["attempts"])
            left = MAX_TRIES - pending.attempts
            refusal = _on_code(
                _("This is not the code we sent. %(left)d tries left.") % {"left": left}
                if left
                else _("This is not the code we sent, and no tries are left: ask for a new one."),
                "wrong_code",
            )
        else:
            now = timezone.now()
            pending.used_at = now
            pending.save(update_fields=["used_at"])
            _record_verified(stored, pending, now)
            copy_saved(complaint, stored)
            return stored
    raise refusal


def _on_code(message: str, code: str) -> ValidationError:
    return ValidationError({"code": ValidationError(message, code=code)})


def _record_verified(complaint: Complaint, code: IdentityCode, now: datetime.datetime) -> None:
    with translation.override(settings.LANGUAGE_CODE):  # the staff's language, as notes are
        note = _("%(channel)s (sent %(sent)s), typed on the status page at %(typed)s.") % {
            "channel": code.get_channel_display(),
            "sent": local_datetime(code.sent_at) if code.sent_at else "",
            "typed": local_datetime(now),
        }
        method_label = str(IdentityMethod.ONE_TIME_CODE.label)
    complaint.identity_verified_at = now
    complaint.identity_verified_by = None
    complaint.identity_method = IdentityMethod.ONE_TIME_CODE
    complaint.identity_note = note
    complaint_save_step(complaint, actor=None)
    complaint_event_record(
        complaint, action=ComplaintEvent.Action.IDENTITY_VERIFIED, detail=method_label, at=now
    )
