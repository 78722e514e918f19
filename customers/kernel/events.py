"""What happened to a customer's data that other systems may need to know: a consent granted or
withdrawn, a correction, a restriction, a request received or resolved.

The apps that own the data emit; the apps above subscribe (the API's webhooks register a task in
their AppConfig.ready), so a lower app never names an upper one. An event is queued through the
outbox (customers.kernel.outbox) in the transaction of the write, once per subscriber: it is
never lost, never sent for a write that rolled back, and carries ids, never personal data.
"""

from __future__ import annotations

from collections.abc import Callable
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
    REQUEST_RECEIVED = "request.received", _("Request received")
    REQUEST_RESOLVED = "request.resolved", _("Request resolved")


_subscribers: dict[str, Callable[[str], bool]] = {}


def subscribe(task: str, *, wants: Callable[[str], bool]) -> None:
    """``task(name, customer_id, ids, occurred_at)`` is queued for every event ``wants(name)``
    accepts at that moment (no task at all while nobody listens: the demo's thousand consents
    queue none)."""
    _subscribers[task] = wants


def emit(name: EventName, *, customer_id: int | None, **ids: Any) -> None:
    """``ids``: named ``<thing>_id`` or ``<thing>_code`` (a purpose's code, a request's tracking
    code); those without a value are left out."""
    occurred_at = timezone.now().isoformat()
    given = {key: value for key, value in ids.items() if value is not None}
    for task, wants in _subscribers.items():
        if wants(str(name)):
            queue_after_commit(task, str(name), customer_id, given, occurred_at)
