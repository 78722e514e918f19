"""Reads of retention/: who is held, which requests are due, which are late."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db.models import Exists, OuterRef, QuerySet

from retention.models import ErasureRequest, LegalHold

# A request is open until it is executed or refused.
OPEN_STATUSES = (
    ErasureRequest.Status.RECEIVED,
    ErasureRequest.Status.VERIFIED,
    ErasureRequest.Status.APPROVED,
)


def legal_holds_active() -> QuerySet[LegalHold]:
    return LegalHold.objects.filter(lifted_at__isnull=True)


def legal_hold_active_for(customer_id: int) -> LegalHold | None:
    """The customer's earliest active hold (the one a refusal names), or None."""
    return legal_holds_active().filter(customer_id=customer_id).order_by("placed_at", "id").first()


def customer_is_held(customer_id: int) -> bool:
    """True while an active legal hold freezes the customer's data: nothing erases them."""
    return legal_holds_active().filter(customer_id=customer_id).exists()


def held_customer_ids(customer_ids: Iterable[int]) -> set[int]:
    """Which of these customers are under an active legal hold, in one query."""
    wanted = list(dict.fromkeys(customer_ids))
    if not wanted:
        return set()
    return set(
        legal_holds_active()
        .filter(customer_id__in=wanted)
        .values_list("customer_id", flat=True)
        .distinct()
    )


def erasure_request_open_for(customer_id: int) -> ErasureRequest | None:
    """The customer's open request (received, verified or approved), if any."""
    return (
        ErasureRequest.objects.filter(customer_id=customer_id, status__in=OPEN_STATUSES)
        .order_by("received_at", "id")
        .first()
    )


def requests_due_for_execution() -> QuerySet[ErasureRequest]:
    """Approved requests not executed yet whose customer is not held: what the executor erases.
    A request of a held customer stays approved and waits for the hold to be lifted."""
    held = legal_holds_active().filter(customer_id=OuterRef("customer_id"))
    return (
        ErasureRequest.objects.filter(
            status=ErasureRequest.Status.APPROVED, executed_at__isnull=True
        )
        .exclude(Exists(held))
        .order_by("approved_at", "id")
    )


def open_requests_overdue(now: datetime.datetime) -> QuerySet[ErasureRequest]:
    """Requests still open after their due time (received, verified or approved, not done)."""
    return (
        ErasureRequest.objects.filter(status__in=OPEN_STATUSES, due_at__lt=now)
        .select_related("customer")
        .order_by("due_at", "id")
    )
