"""Webhooks: each event is signed and delivered to the endpoints subscribed to it, in order per
endpoint, retried with backoff for 3 days (the schedule of Standard Webhooks), logged per
delivery, replayable by staff.

Signature (https://www.standardwebhooks.com): ``webhook-signature: v1,<base64 HMAC-SHA256 of
"<webhook-id>.<webhook-timestamp>.<body>">`` with the endpoint's secret (``whsec_<base64>``)."""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import json
import secrets
import urllib.error
import urllib.request
import uuid
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from api.models import WebhookDelivery, WebhookEndpoint
from customers import recipient_requests
from customers.kernel.events import EventName
from customers.kernel.locks import job_lock
from customers.kernel.writes import Actor, queue_after_commit, require_permission, save
from customers.models import Customer, Disclosure, RecipientRequest

# After the first try: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, then every 10 h until 3 days.
BACKOFF = (
    datetime.timedelta(seconds=5),
    datetime.timedelta(minutes=5),
    datetime.timedelta(minutes=30),
    datetime.timedelta(hours=2),
    datetime.timedelta(hours=5),
    datetime.timedelta(hours=10),
)
GIVE_UP_AFTER = datetime.timedelta(days=3)
TIMEOUT_SECONDS = 10
PERM_MANAGE = "api.add_webhookendpoint"


def _backoff() -> tuple[datetime.timedelta, ...]:
    """The schedule; a test's worker is given a faster one (WEBHOOK_RETRY_SECONDS)."""
    seconds = getattr(settings, "WEBHOOK_RETRY_SECONDS", None)
    if seconds:
        return tuple(datetime.timedelta(seconds=s) for s in seconds)
    return BACKOFF


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{message_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


@transaction.atomic
def webhook_endpoint_create(
    *, name: str, url: str, events: list[str], actor: Actor, recipient: Any = None
) -> WebhookEndpoint:
    require_permission(actor, PERM_MANAGE, _("Only the administrator adds webhook endpoints."))
    unknown = sorted(set(events) - set(EventName.values))
    if unknown or not events:
        raise ValidationError(
            {"events": ValidationError(_("Choose the events to send."), code="required")}
        )
    endpoint = WebhookEndpoint(
        name=name, url=url, events=sorted(set(events)), recipient=recipient, secret=new_secret()
    )
    save(endpoint, actor=actor)
    return endpoint


def has_endpoints_for(name: str) -> bool:
    """Some active endpoint wants this event (a query on a table of a few rows)."""
    return any(
        name in events
        for events in WebhookEndpoint.objects.filter(is_active=True).values_list(
            "events", flat=True
        )
    )


def _payload(
    endpoint: WebhookEndpoint, name: str, customer: Customer | None, ids: dict[str, Any], at: str
) -> dict[str, Any]:
    """Ids and what the endpoint's system already holds, nothing more: the shop's own systems
    get the shop's customer id; a recipient gets pdpdesk's id and the disclosures it received."""
    data: dict[str, Any] = {key: value for key, value in ids.items() if value is not None}
    if name == EventName.RECIPIENT_REQUESTED:
        request = (
            RecipientRequest.objects.select_related("purpose")
            .filter(pk=int(ids.get("recipient_request_id") or 0))
            .first()
        )
        data = {"customer_id": customer.pk if customer else None}
        if request is not None:
            data |= recipient_requests.payload(request)
        return {"type": name, "timestamp": at, "data": data}
    if name == EventName.CUSTOMER_ERASED and endpoint.recipient_id is not None:
        data.pop("shop_id", None)  # the shop's id is for the shop's own systems
    if customer is not None:
        data["customer_id"] = customer.pk
        if endpoint.recipient_id is None:
            if name != EventName.CUSTOMER_ERASED:  # erased: the id read before it was hashed
                data["shop_id"] = customer.external_id or None
        else:
            data["disclosures"] = list(
                Disclosure.objects.filter(
                    customer=customer, recipient_id=endpoint.recipient_id
                ).values_list("pk", flat=True)[:100]
            )
    return {"type": name, "timestamp": at, "data": data}


def event_fan_out(name: str, customer_id: int | None, ids: dict[str, Any], at: str) -> list[int]:
    """Called once per event (its task): one delivery per endpoint subscribed to it. A request's
    customer is found from the request (it may be linked in the transaction that filed it)."""
    if customer_id is None and "tracking_code" in ids:
        from complaints.models import Complaint

        customer_id = (
            Complaint.objects.filter(tracking_code=ids["tracking_code"])
            .values_list("customer_id", flat=True)
            .first()
        )
    customer = Customer.objects.filter(pk=customer_id).first() if customer_id else None
    endpoints = [
        endpoint
        for endpoint in WebhookEndpoint.objects.filter(is_active=True)
        if name in endpoint.events
    ]
    if name == EventName.RECIPIENT_REQUESTED:
        # A request to act goes to the recipient asked, and to nobody else.
        endpoints = [e for e in endpoints if e.recipient_id == ids.get("recipient_id")]
    elif customer is None:
        # An event about nobody in particular goes to the shop's own systems only.
        endpoints = [endpoint for endpoint in endpoints if endpoint.recipient_id is None]
    elif any(endpoint.recipient_id for endpoint in endpoints):
        received = set(
            Disclosure.objects.filter(customer=customer).values_list("recipient_id", flat=True)
        )
        # A recipient hears only of the customers whose data it received.
        endpoints = [e for e in endpoints if e.recipient_id is None or e.recipient_id in received]
    created = [
        WebhookDelivery.objects.create(
            endpoint=endpoint,
            customer=customer,
            event=name,
            message_id=f"msg_{uuid.uuid4().hex}",
            payload=_payload(endpoint, name, customer, ids, at),
        )
        for endpoint in endpoints
    ]
    return [delivery.pk for delivery in created]


def event_prepare(
    name: str, customer_id: int | None, ids: dict[str, Any], at: str
) -> tuple[list[int]] | None:
    """In the transaction of the write (customers.kernel.events): the deliveries are created
    there, and the outbox queues their sending."""
    created = event_fan_out(name, customer_id, ids, at)
    return (created,) if created else None


def recipient_has_endpoint(recipient_id: int) -> bool:
    """The recipient's system is told of requests to act by webhook (else by email)."""
    return any(
        EventName.RECIPIENT_REQUESTED in events
        for events in WebhookEndpoint.objects.filter(
            is_active=True, recipient_id=recipient_id
        ).values_list("events", flat=True)
    )


def _forget_shop_id(delivery: WebhookDelivery) -> None:
    """An erased customer's shop id is kept only until its delivery is over."""
    if delivery.event == EventName.CUSTOMER_ERASED:
        delivery.payload.get("data", {}).pop("shop_id", None)


def _attempt(delivery: WebhookDelivery) -> tuple[int | None, str]:
    body = json.dumps(delivery.payload, ensure_ascii=False, separators=(",", ":")).encode()
    timestamp = int(timezone.now().timestamp())
    request = urllib.request.Request(  # noqa: S310  # the administrator's http(s) endpoint
        delivery.endpoint.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "pdpdesk-webhooks/1",
            "webhook-id": delivery.message_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": sign(
                delivery.endpoint.secret, delivery.message_id, timestamp, body
            ),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310  # see above
            return response.status, ""
    except urllib.error.HTTPError as error:
        return error.code, f"HTTP {error.code}"
    except (urllib.error.URLError, OSError) as error:
        return None, str(getattr(error, "reason", error))[:300]


def deliver_endpoint(endpoint_id: int, *, now: datetime.datetime | None = None) -> int:
    """Deliver the endpoint's due deliveries, oldest first, stopping at the first one not yet
    due or that fails again (the next keep their order). One worker per endpoint at a time."""
    delivered = 0
    with job_lock(f"webhooks:{endpoint_id}", timeout=300) as lock:
        if lock is None:
            return 0
        pending = WebhookDelivery.objects.filter(
            endpoint_id=endpoint_id, status=WebhookDelivery.Status.PENDING
        ).select_related("endpoint")
        for delivery in pending.order_by("id"):
            moment = now or timezone.now()
            if delivery.next_attempt_at > moment:
                break
            status_code, error = _attempt(delivery)
            delivery.attempts += 1
            delivery.last_status_code = status_code
            delivery.last_error = error
            if status_code is not None and 200 <= status_code < 300:
                delivery.status = WebhookDelivery.Status.DELIVERED
                delivery.delivered_at = timezone.now()
                delivery.last_error = ""
                _forget_shop_id(delivery)
                delivery.save()
                delivered += 1
                continue
            schedule = _backoff()
            wait = schedule[min(delivery.attempts - 1, len(schedule) - 1)]
            if moment + wait - delivery.created_at > GIVE_UP_AFTER:
                delivery.status = WebhookDelivery.Status.FAILED
                _forget_shop_id(delivery)
                delivery.save()
                continue  # given up: the next may go
            delivery.next_attempt_at = moment + wait
            delivery.save()
            break
    return delivered


def deliver_due(*, now: datetime.datetime | None = None) -> int:
    """Every minute: the endpoints with a delivery due."""
    moment = now or timezone.now()
    endpoint_ids = (
        WebhookDelivery.objects.filter(
            status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=moment
        )
        .values_list("endpoint_id", flat=True)
        .distinct()
    )
    return sum(deliver_endpoint(endpoint_id, now=now) for endpoint_id in list(endpoint_ids))


@transaction.atomic
def webhook_endpoint_deactivate(*, endpoint: WebhookEndpoint, actor: Actor) -> WebhookEndpoint:
    require_permission(actor, "api.change_webhookendpoint", _("Your role may not do that."))
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    endpoint.is_active = False
    save(endpoint, actor=actor)
    return endpoint


def queue_delivery(delivery_ids: list[int]) -> None:
    """Try these deliveries' endpoints soon (after the commit), not at the next minute's run."""
    for endpoint_id in set(
        WebhookDelivery.objects.filter(pk__in=delivery_ids).values_list("endpoint_id", flat=True)
    ):
        queue_after_commit("api.tasks.webhook_deliver_endpoint", endpoint_id)


@transaction.atomic
def webhook_replay(*, delivery: WebhookDelivery, actor: Actor) -> WebhookDelivery:
    """Send a delivery again (the receiver lost it, or it was given up), as a new delivery with
    the same webhook-id, so that a receiver that has it can tell."""
    require_permission(actor, "api.change_webhookdelivery", _("Your role may not replay webhooks."))
    return WebhookDelivery.objects.create(
        endpoint=delivery.endpoint,
        customer=delivery.customer,
        event=delivery.event,
        message_id=delivery.message_id,
        payload=delivery.payload,
        replay_of=delivery,
    )
