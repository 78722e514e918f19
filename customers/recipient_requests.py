"""Requests to act: when a customer withdraws consent, is restricted, corrected or erased, every
recipient that received their data is asked to do the same, within the law's period, and its
confirmation is recorded (Decree 356/2025/NĐ-CP Art. 5(2)–(4); Law 91/2025/QH15 Art. 14(3)).

The request is opened in the transaction of the change that causes it (so it is never lost and
never made for a change that rolled back), then sent: by webhook when the recipient has an
endpoint for it (the API app says so, registered from above), else by email to its contact,
else it waits for staff (a call or a letter). The recipient confirms through a signed link (a
page, or the API), or staff record what it said. A request past its due date unconfirmed is
overdue. The customer's own request, while such requests are open, takes the law's longer
period (the complaints app, registered from above, links them).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.utils import bulk_create_with_history

from customers.kernel import events
from customers.kernel.text import local_date, local_datetime
from customers.kernel.writes import (
    Actor,
    copy_saved,
    lock,
    queue_after_commit,
    require_permission,
    save,
    staff_or_none,
)
from customers.models import Customer, Disclosure, Purpose, Recipient
from customers.personal_data import DataItem, personal_fields
from customers.recipient_request_model import RecipientRequest

Action = RecipientRequest.Action
Cause = RecipientRequest.Cause
Status = RecipientRequest.Status

# Days from the customer's request (or from the change, when nobody asked), the day itself not
# counted (Civil Code 2015 Art. 147).
PERIOD_DAYS: dict[str, int] = {
    Action.STOP: 20,  # Decree 356/2025 Art. 5(2): a processor or third party stops in 20 days
    Action.RESTRICT: 20,  # Art. 5(2): restriction is asked under the same clause
    Action.CORRECT: 15,  # Art. 5(3)
    Action.DELETE: 30,  # Art. 5(4)
}
ARTICLE: dict[str, Promise] = {
    Action.STOP: gettext_lazy("Decree 356/2025/NĐ-CP Art. 5(2)"),
    Action.RESTRICT: gettext_lazy("Decree 356/2025/NĐ-CP Art. 5(2)"),
    Action.CORRECT: gettext_lazy("Decree 356/2025/NĐ-CP Art. 5(3)"),
    Action.DELETE: gettext_lazy("Decree 356/2025/NĐ-CP Art. 5(4)"),
}
# Reminded this long before the due date, once.
REMIND_BEFORE = datetime.timedelta(days=3)
TOKEN_SALT = "pdpdesk.recipient-request.confirm"  # noqa: S105  # a signing salt, not a secret
PERM_CONFIRM = "customers.change_recipientrequest"

# Registered from above -----------------------------------------------------------------------

# recipient id -> the recipient has an active webhook endpoint for requests (api.webhooks).
_webhook_for: list[Callable[[int], bool]] = []
# (customer ids, action) -> per customer, the tracking code and receipt time of their open
# request of that kind, now marked as involving a third party (complaints.recipient_links).
RequestLink = Callable[[Sequence[int], str], dict[int, tuple[str, datetime.datetime]]]
_request_links: list[RequestLink] = []


def register_webhook_check(check: Callable[[int], bool]) -> None:
    if check not in _webhook_for:
        _webhook_for.append(check)


def register_request_link(link: RequestLink) -> None:
    if link not in _request_links:
        _request_links.append(link)


# Opening -------------------------------------------------------------------------------------


def _due(start: datetime.datetime, action: str) -> datetime.datetime:
    last_day = timezone.localtime(start).date() + datetime.timedelta(days=PERIOD_DAYS[action])
    naive = datetime.datetime.combine(last_day, datetime.time(23, 59, 59))
    return timezone.make_aware(naive, timezone.get_default_timezone())


def _channel(recipient: Recipient) -> str:
    if any(check(recipient.pk) for check in _webhook_for):
        return RecipientRequest.Channel.WEBHOOK
    if recipient.contact_email:
        return RecipientRequest.Channel.EMAIL
    return RecipientRequest.Channel.STAFF


def _fields_items() -> dict[str, str]:
    """A Customer field -> the data item it carries (the personal-data declaration)."""
    return {
        name: str(field.item)
        for name, field in personal_fields(Customer).items()
        if field.item is not None
    }


def recipient_requests_open(
    *,
    customer_ids: Sequence[int],
    action: str,
    cause: str,
    purpose: Purpose | None = None,
    changed_fields: Iterable[str] = (),
    reference: str = "",
    actor: Actor = None,
) -> list[RecipientRequest]:
    """Ask every recipient that received these customers' data (under ``purpose``, or carrying
    a changed field's item for a correction) to act. State authorities are told nothing: they
    received under the law, not under our instruction. A recipient already asked the same for
    the customer and not yet confirmed is not asked twice. Call inside the change's transaction."""
    disclosures = Disclosure.objects.filter(customer_id__in=list(customer_ids)).exclude(
        recipient__kind=Recipient.Kind.AUTHORITY
    )
    if purpose is not None:
        disclosures = disclosures.filter(purpose=purpose)
    changed_items: set[str] = set()
    if action == Action.CORRECT:
        by_field = _fields_items()
        changed_items = {by_field[name] for name in changed_fields if name in by_field}
        if not changed_items:
            return []
    grouped: dict[tuple[int, int], tuple[list[int], set[str]]] = defaultdict(lambda: ([], set()))
    for pk, customer_id, recipient_id, items in disclosures.order_by("id").values_list(
        "pk", "customer_id", "recipient_id", "items"
    ):
        given = set(items or [])
        if changed_items and not given & changed_items:
            continue  # it never received what changed
        ids, held = grouped[(customer_id, recipient_id)]
        ids.append(pk)
        held |= given & changed_items if changed_items else given
    if not grouped:
        return []
    already = set(
        RecipientRequest.objects.filter(
            customer_id__in=list(customer_ids), action=action, purpose=purpose
        )
        .exclude(status=Status.CONFIRMED)
        .values_list("customer_id", "recipient_id")
    )
    recipients = Recipient.objects.in_bulk({recipient_id for _c, recipient_id in grouped})
    asked_customers = sorted({customer_id for customer_id, _r in grouped})
    linked: dict[int, tuple[str, datetime.datetime]] = {}
    for link in _request_links:
        linked |= link(asked_customers, action)
    channels = {pk: _channel(recipient) for pk, recipient in recipients.items()}
    now = timezone.now()
    opened: list[RecipientRequest] = []
    for (customer_id, recipient_id), (ids, held) in grouped.items():
        if (customer_id, recipient_id) in already:
            continue
        linked_reference, start = linked.get(customer_id, (reference, now))
        channel = channels[recipient_id]
        by_webhook = channel == RecipientRequest.Channel.WEBHOOK
        opened.append(
            RecipientRequest(
                recipient=recipients[recipient_id],
                customer_id=customer_id,
                action=action,
                cause=cause,
                purpose=purpose,
                items=[item for item in DataItem.values if item in held],
                disclosure_ids=ids,
                reference=linked_reference[:40],
                requested_at=now,
                due_at=_due(start, action),
                channel=channel,
                # A webhook is sent by the delivery the event creates (its own log and retries).
                status=Status.SENT if by_webhook else Status.TO_SEND,
                sent_at=now if by_webhook else None,
            )
        )
    created = bulk_create_with_history(
        opened, RecipientRequest, default_user=staff_or_none(actor), default_date=now
    )
    for request in created:
        if request.channel == RecipientRequest.Channel.WEBHOOK:
            _emit(request)
        elif request.channel == RecipientRequest.Channel.EMAIL:
            queue_after_commit("customers.tasks.send_recipient_request", request.pk)
    return created


def _emit(request: RecipientRequest) -> None:
    events.emit(
        events.EventName.RECIPIENT_REQUESTED,
        customer_id=request.customer_id,
        recipient_request_id=request.pk,
        recipient_id=request.recipient_id,
    )


# The signed confirmation link ------------------------------------------------------------------


def confirmation_token(request: RecipientRequest) -> str:
    return signing.dumps(request.pk, salt=TOKEN_SALT, compress=True)


def request_for_token(token: str) -> RecipientRequest | None:
    try:
        pk = signing.loads(token, salt=TOKEN_SALT)
    except signing.BadSignature:
        return None
    return (
        RecipientRequest.objects.select_related("recipient", "purpose").filter(pk=pk).first()
        if isinstance(pk, int)
        else None
    )


def confirmation_url(request: RecipientRequest) -> str:
    from customers.selectors import public_base_url

    return public_base_url() + reverse(
        "customers:recipient_request_confirm", args=[confirmation_token(request)]
    )


def payload(request: RecipientRequest) -> dict[str, Any]:
    """What a recipient's system is told: ids and what it already holds, nothing more."""
    return {
        "recipient_request_id": request.pk,
        "action": request.action,
        "cause": request.cause,
        "purpose_code": request.purpose.code if request.purpose_id and request.purpose else None,
        "items": request.items,
        "disclosures": request.disclosure_ids,
        "due_at": request.due_at.isoformat(),
        "confirm_url": confirmation_url(request),
    }


# Sending by email ----------------------------------------------------------------------------


def recipient_request_send_email(*, request_id: int, reminder: bool = False) -> bool:
    """Email the recipient's contact (called by the task). False when there is nothing to send."""
    from django.core.mail import EmailMessage
    from django.template.loader import render_to_string
    from django.utils import translation

    from customers.selectors import controller_get

    request = (
        RecipientRequest.objects.select_related("recipient", "purpose")
        .filter(pk=request_id)
        .exclude(status=Status.CONFIRMED)
        .first()
    )
    if request is None or not request.recipient.contact_email:
        return False
    disclosures = Disclosure.objects.filter(pk__in=request.disclosure_ids).order_by("disclosed_at")
    with translation.override("vi"):
        controller = controller_get()
        context = {
            "request": request,
            "controller": controller,
            "reminder": reminder,
            "article": ARTICLE[request.action],
            "due": local_date(request.due_at),
            "disclosures": [
                {
                    "id": disclosure.pk,
                    "date": local_datetime(disclosure.disclosed_at),
                    "reference": disclosure.batch_reference,
                    "items": disclosure.item_labels,
                }
                for disclosure in disclosures
            ],
            "items": [str(DataItem(item).label) for item in request.items],
            "confirm_url": confirmation_url(request),
        }
        subject = _("Personal data: %(action)s — request no. %(number)d") % {
            "action": request.get_action_display().lower(),
            "number": request.pk,
        }
        if reminder:
            subject = _("Reminder: %(subject)s") % {"subject": subject}
        body = render_to_string("customers/email/recipient_request.txt", context)
    EmailMessage(subject=subject, body=body, to=[request.recipient.contact_email]).send()
    now = timezone.now()
    changes: dict[str, Any] = {"reminded_at": now} if reminder else {"sent_at": now}
    if request.status == Status.TO_SEND:
        changes["status"] = Status.SENT
    RecipientRequest.objects.filter(pk=request.pk).update(**changes, last_error="")
    return True


def recipient_requests_remind_due(*, now: datetime.datetime | None = None) -> int:
    """Every hour: remind once the recipients whose request is due within REMIND_BEFORE."""
    moment = now or timezone.now()
    due_soon = RecipientRequest.objects.filter(
        status=Status.SENT, reminded_at__isnull=True, due_at__lte=moment + REMIND_BEFORE
    ).select_related("recipient")
    count = 0
    for request in due_soon.iterator():
        if request.channel == RecipientRequest.Channel.EMAIL:
            queue_after_commit("customers.tasks.send_recipient_request", request.pk, True)
        elif request.channel == RecipientRequest.Channel.WEBHOOK:
            _emit(request)
        RecipientRequest.objects.filter(pk=request.pk).update(reminded_at=moment)
        count += 1
    return count


# Confirmation and staff steps ----------------------------------------------------------------


@transaction.atomic
def recipient_request_confirm(
    *,
    request: RecipientRequest,
    via: str,
    by_name: str = "",
    note: str = "",
    actor: Actor = None,
) -> RecipientRequest:
    """The recipient says it did what was asked. Through the signed link or the API (whoever
    holds the link sent to its contact), or recorded by staff (what it said, and who took it)."""
    if via == RecipientRequest.Via.STAFF:
        require_permission(actor, PERM_CONFIRM, _("Your role may not record confirmations."))
        if not note.strip():
            raise ValidationError(
                {
                    "confirmation_note": ValidationError(
                        _("Write what the recipient confirmed, and how (call, letter…)."),
                        code="required",
                    )
                }
            )
    stored = lock(request)
    if stored.status == Status.CONFIRMED:
        raise ValidationError(
            _("This request was already confirmed on %(date)s."),
            code="already_confirmed",
            params={"date": local_datetime(stored.confirmed_at)},
        )
    stored.status = Status.CONFIRMED
    stored.confirmed_at = timezone.now()
    stored.confirmed_via = via
    stored.confirmed_by_name = by_name.strip()[:200]
    stored.confirmation_note = note.strip()
    stored.confirmed_by_staff = staff_or_none(actor) if via == RecipientRequest.Via.STAFF else None
    save(stored, actor=actor)
    copy_saved(request, stored)
    return stored


@transaction.atomic
def recipient_request_mark_sent(
    *, request: RecipientRequest, actor: Actor, note: str
) -> RecipientRequest:
    """Staff told a recipient without email or webhook (a call, a letter)."""
    require_permission(actor, PERM_CONFIRM, _("Your role may not do that."))
    stored = lock(request)
    if stored.status != Status.TO_SEND:
        raise ValidationError(_("This request was already sent."), code="already_sent")
    if not note.strip():
        raise ValidationError(
            {"sent_how": ValidationError(_("Say how the recipient was told."), code="required")}
        )
    stored.status = Status.SENT
    stored.sent_at = timezone.now()
    stored.sent_how = note.strip()[:300]
    save(stored, actor=actor)
    copy_saved(request, stored)
    return stored


def open_requests_for(customer_id: int) -> QuerySet[RecipientRequest]:
    return (
        RecipientRequest.objects.filter(customer_id=customer_id)
        .exclude(status=Status.CONFIRMED)
        .select_related("recipient")
        .order_by("due_at")
    )
