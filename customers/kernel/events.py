"""What happened to a customer's data that other systems may need to know: a consent granted or
withdrawn, a correction, a restriction, a request received or resolved.

The apps that own the data emit; the apps above subscribe (the API's webhooks register a task in
their AppConfig.ready), so a lower app never names an upper one. An event is queued through the
outbox (customers.kernel.outbox) in the transaction of the write, once per subscriber: it is
never lost, never sent for a write that rolled back, and carries ids, never personal data.

A subscriber with ``prepare`` does its part inside the write's transaction (the webhooks create
their deliveries there) and the outbox carries only what ``prepare`` returned: an erasure's
event names the shop's id of a customer whose row no longer holds it, and that id must not wait
in the outbox's arguments.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers.kernel.writes import queue_after_commit


class EventName(models.TextChoices):
    CONSENT_GRANTED = "consent.granted", _("Consent granted")
    CONSENT_WITHDRAWN = "consent.withdrawn", _("Consent withdrawn")
    CUSTOMER_CORRECTED = "customer.corrected", _("Customer's data corrected")
    CUSTOMER_RESTRICTED = "customer.restricted", _("Processing restricted")
    CUSTOMER_ERASED = "customer.erased", _("Customer's data erased")
    # A recipient asked to stop, restrict, correct or delete (customers.recipient_requests).
    RECIPIENT_REQUESTED = "recipient.requested", _("A recipient is asked to act")
    REQUEST_RECEIVED = "request.received", _("Request received")
    REQUEST_RESOLVED = "request.resolved", _("Request resolved")


Prepare = Callable[[str, "int | None", dict[str, Any], str], "tuple[Any, ...] | None"]
_subscribers: dict[str, tuple[Callable[[str], bool], Prepare | None]] = {}


def subscribe(task: str, *, wants: Callable[[str], bool], prepare: Prepare | None = None) -> None:
    """``task(name, customer_id, ids, occurred_at)`` is queued for every event ``wants(name)``
    accepts at that moment (no task at all while nobody listens: the demo's thousand consents
    queue none). With ``prepare``: it is called with those arguments in the transaction, and
    ``task(*what it returned)`` is queued (nothing when it returned None)."""
    _subscribers[task] = (wants, prepare)


def emit(name: EventName, *, customer_id: int | None, **ids: Any) -> None:
    """``ids``: named ``<thing>_id`` or ``<thing>_code`` (a purpose's code, a request's tracking
    code); those without a value are left out."""
    emit_many(name, [(customer_id, ids)])


def emit_many(name: EventName, events: Sequence[tuple[int | None, dict[str, Any]]]) -> None:
    """The same event for many customers (an erasure batch): each subscriber asked once."""
    occurred_at = timezone.now().isoformat()
    for task, (wants, prepare) in _subscribers.items():
        if not events or not wants(str(name)):
            continue
        for customer_id, ids in events:
            given = {key: value for key, value in ids.items() if value is not None}
            if prepare is None:
                queue_after_commit(task, str(name), customer_id, given, occurred_at)
            elif (arguments := prepare(str(name), customer_id, given, occurred_at)) is not None:
                queue_after_commit(task, *arguments)
