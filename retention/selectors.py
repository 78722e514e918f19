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


# The admin's home -------------------------------------------------------------------------------


def retention_attention_items(user: object, now: datetime.datetime | None = None) -> list[object]:
    """Erasure requests to verify (customer care) and to approve (Legal & compliance), the legal
    holds in force, and the purge runs that failed in the last 7 days. Each count is over an
    index (the status, the active holds, the failed runs)."""
    from django.db.models import Count, Q
    from django.urls import reverse
    from django.utils import timezone
    from django.utils.translation import gettext_lazy as _

    from customers.kernel.attention import Item
    from retention.models import PurgeRun

    now = now or timezone.now()
    items: list[object] = []
    has_perm = user.has_perm  # type: ignore[attr-defined]  # a user
    if has_perm("retention.view_erasurerequest"):
        counts = ErasureRequest.objects.filter(
            status__in=(ErasureRequest.Status.RECEIVED, ErasureRequest.Status.VERIFIED)
        ).aggregate(
            received=Count("pk", filter=Q(status=ErasureRequest.Status.RECEIVED)),
            verified=Count("pk", filter=Q(status=ErasureRequest.Status.VERIFIED)),
        )
        requests = reverse("admin:retention_erasurerequest_changelist")
        section = _("Erasure")
        items.append(
            Item(
                _("Erasure requests to verify"),
                counts["received"],
                f"{requests}?status__exact=received",
                section=section,
            )
        )
        if has_perm("retention.approve_erasurerequest"):
            items.append(
                Item(
                    _("Erasure requests to approve"),
                    counts["verified"],
                    f"{requests}?status__exact=verified",
                    tone="warning" if counts["verified"] else "",
                    section=section,
                )
            )
    if has_perm("retention.view_legalhold"):
        items.append(
            Item(
                _("Legal holds in force"),
                legal_holds_active().count(),
                reverse("admin:retention_legalhold_changelist") + "?active=yes",
                section=_("Erasure"),
            )
        )
    if has_perm("retention.view_purgerun"):
        from django.utils.http import urlencode

        # The bounds the list's "Past 7 days" date filter uses (DateFieldListFilter).
        midnight = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
        since = midnight - datetime.timedelta(days=7)
        until = midnight + datetime.timedelta(days=1)
        failed = PurgeRun.objects.filter(
            status=PurgeRun.Status.FAILED, started_at__gte=since, started_at__lt=until
        )
        count = failed.count()
        query = {
            "status__exact": "failed",
            "started_at__gte": str(since),
            "started_at__lt": str(until),
        }
        items.append(
            Item(
                _("Purge runs failed in the last 7 days"),
                count,
                reverse("admin:retention_purgerun_changelist") + "?" + urlencode(query),
                tone="danger" if count else "",
                section=_("Jobs and deliveries"),
            )
        )
    return items


def erasure_trends(months: list[datetime.date]) -> list[object]:
    """Customers erased per month (the receipts, over their erased-at index)."""
    from django.db.models import Count
    from django.db.models.functions import TruncMonth
    from django.utils import timezone
    from django.utils.translation import gettext_lazy as _

    from customers.kernel.attention import Series, Trend
    from retention.models import ErasureReceipt

    start = timezone.make_aware(datetime.datetime.combine(months[0], datetime.time()))
    values = [0.0] * len(months)
    index = {month: position for position, month in enumerate(months)}
    rows = (
        ErasureReceipt.objects.filter(erased_at__gte=start)
        .annotate(month=TruncMonth("erased_at"))
        .values("month")
        .annotate(total=Count("pk"))
    )
    for row in rows:
        position = index.get(timezone.localtime(row["month"]).date().replace(day=1))
        if position is not None:
            values[position] += row["total"]
    return [Trend(_("Customers erased per month"), months, [Series(_("Erased"), values)])]
