"""What complaints/ reads: the customers a complaint may be from, a complaint found by its
tracking code and the contact it was filed with, the complaints due a reminder, and who may be
assigned one."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import F, Q, QuerySet

from complaints.models import (
    PENDING_STATUSES,
    Complaint,
    normalize_tracking_code,
)
from customers.models import Customer
from customers.validators import normalize_phone


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


def complaints_needing_reminder(now: datetime.datetime) -> Any:
    """Pending complaints whose answer is due within a day or overdue, or whose acknowledgement
    (2 working days) is, assigned or not, not reminded in the last 20 hours (the task runs
    hourly: each one is reminded once a day)."""
    soon = now + datetime.timedelta(days=1)
    return (
        Complaint.objects.filter(status__in=PENDING_STATUSES)
        .filter(Q(due_at__lte=soon) | Q(acknowledged_at__isnull=True, acknowledge_due_at__lte=soon))
        .filter(
            Q(reminded_at__isnull=True) | Q(reminded_at__lte=now - datetime.timedelta(hours=20))
        )
        .select_related("assignee")
        .order_by("assignee_id", "due_at")
    )


def queue_staff() -> list[Any]:
    """Who watches the queue of unassigned complaints: the customer-care group's active members
    with an email address (customers/roles.py)."""
    from customers import roles

    group = roles.group_for(roles.CUSTOMER_CARE)
    return list(group.user_set.filter(is_active=True).exclude(email="").order_by("pk"))


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


def unlinked_complaints_matching(customers: QuerySet[Customer]) -> QuerySet[Complaint]:
    """Complaints that staff never linked to a customer, filed with the phone or the email of
    one of these customers: theirs too, for an erasure (seed 002 §7: deletion on request)."""
    phones = customers.exclude(phone="").values("phone")
    emails = customers.exclude(email="").values("email")
    return Complaint.objects.filter(customer__isnull=True).filter(
        Q(submitter_phone__in=phones) | Q(submitter_email__in=emails)
    )


# The admin's home: what needs doing today, and how the requests went ---------------------------


def deadline_bounds(now: datetime.datetime) -> dict[str, datetime.datetime]:
    """The ends of "due today" and "due in the next 2 days", Vietnam time: the queue's deadline
    filter and the home's counts use the same bounds."""
    from complaints.deadlines import end_of_local_day, local_date

    today = local_date(now)
    return {
        "today_end": end_of_local_day(today),
        "two_days_end": end_of_local_day(today + datetime.timedelta(days=2)),
    }


def complaint_attention_items(user: Any, now: datetime.datetime | None = None) -> list[Any]:
    """The queue's counts, in one query over the pending complaints (a partial index holds
    them): acknowledgements late or to send (2 working days, Decree 356/2025 Art. 5), answers
    overdue, due today or in the next 2 days, unassigned, awaiting the customer, and the
    viewer's own."""
    from django.db.models import Count
    from django.urls import reverse
    from django.utils import timezone
    from django.utils.translation import gettext_lazy as _

    from customers.kernel.attention import Item

    if not user.has_perm("complaints.view_complaint"):
        return []
    now = now or timezone.now()
    bounds = deadline_bounds(now)
    waiting = Q(acknowledged_at__isnull=True)
    counts = Complaint.objects.filter(status__in=PENDING_STATUSES).aggregate(
        ack_late=Count("pk", filter=waiting & Q(acknowledge_due_at__lt=now)),
        ack_due=Count("pk", filter=waiting & Q(acknowledge_due_at__gte=now)),
        overdue=Count("pk", filter=Q(due_at__lt=now)),
        today=Count("pk", filter=Q(due_at__gte=now, due_at__lte=bounds["today_end"])),
        two_days=Count(
            "pk", filter=Q(due_at__gt=bounds["today_end"], due_at__lte=bounds["two_days_end"])
        ),
        unassigned=Count("pk", filter=Q(assignee__isnull=True)),
        awaiting=Count("pk", filter=Q(status="awaiting_customer")),
        mine=Count("pk", filter=Q(assignee=user.pk)),
        mine_overdue=Count("pk", filter=Q(assignee=user.pk, due_at__lt=now)),
    )
    queue = reverse("admin:complaints_complaint_changelist")
    section = _("Complaints and requests")
    rows = [
        ("ack_late", _("Acknowledgements late"), "acknowledgement=late", "danger"),
        (
            "ack_due",
            _("Acknowledgements to send (2 working days)"),
            "acknowledgement=due",
            "warning",
        ),
        ("overdue", _("Overdue"), "deadline=overdue", "danger"),
        ("today", _("Due today"), "deadline=today", "warning"),
        ("two_days", _("Due in the next 2 days"), "deadline=next_2_days", "warning"),
        ("unassigned", _("Not assigned"), "assignee__isnull=True", ""),
        ("awaiting", _("Awaiting the customer"), "status__exact=awaiting_customer", ""),
    ]
    if user.has_perm("complaints.resolve_complaint"):
        rows += [
            ("mine", _("Assigned to me"), "mine=1", ""),
            ("mine_overdue", _("Assigned to me and overdue"), "mine=1&deadline=overdue", "danger"),
        ]
    return [
        Item(
            label=label,
            count=counts[key],
            url=f"{queue}?{query}",
            tone=tone if counts[key] else "",
            section=section,
        )
        for key, label, query, tone in rows
    ]


def incident_attention_items(user: Any, now: datetime.datetime | None = None) -> list[Any]:
    """Each breach whose authority has not been notified, with the hours left of its 72
    (Law 91/2025/QH15 Art. 23(1)): red under 24 hours, and once past."""
    from django.urls import reverse
    from django.utils import timezone
    from django.utils.translation import gettext_lazy as _
    from django.utils.translation import ngettext

    from complaints.models import Incident
    from customers.kernel.attention import Item

    if not user.has_perm("complaints.view_incident"):
        return []
    now = now or timezone.now()
    items: list[Any] = []
    open_incidents = Incident.objects.filter(status=Incident.Status.OPEN).order_by("detected_at")
    shown = 10
    for incident in open_incidents.only("pk", "reference", "title", "detected_at")[: shown + 1]:
        if len(items) == shown:  # an 11th: the list of every open breach, never one dropped
            more = open_incidents.count() - shown
            items.append(
                Item(
                    label=ngettext(
                        "%(count)d more breach not yet notified",
                        "%(count)d more breaches not yet notified",
                        more,
                    )
                    % {"count": more},
                    count=more,
                    url=reverse("admin:complaints_incident_changelist")
                    + f"?status__exact={Incident.Status.OPEN}",
                    tone="danger",
                    section=_("Breaches: 72 hours to notify A05"),
                )
            )
            break
        due: datetime.datetime = incident.authority_due_at  # type: ignore[assignment]  # a datetime
        hours = int((due - now).total_seconds() // 3600)
        if hours >= 0:
            detail = ngettext("%(hours)d hour left", "%(hours)d hours left", hours) % {
                "hours": hours
            }
        else:
            detail = ngettext("%(hours)d hour late", "%(hours)d hours late", -hours) % {
                "hours": -hours
            }
        items.append(
            Item(
                label=f"{incident.reference} — {incident.title[:80]}",
                count=1,
                url=reverse("admin:complaints_incident_change", args=[incident.pk]),
                figure=f"{abs(hours)} h",
                tone="danger" if hours < 24 else "warning",
                detail=detail,
                section=_("Breaches: 72 hours to notify A05"),
            )
        )
    return items


def request_trends(months: list[datetime.date]) -> list[Any]:
    """Requests and complaints received per month by kind, and the share answered on time
    (resolved by their due time, or still pending and not late), over the received-at index."""
    from django.db.models import Count
    from django.db.models.functions import TruncMonth
    from django.utils import timezone
    from django.utils.translation import gettext_lazy as _

    from complaints.models import REQUEST_KINDS, Kind
    from customers.kernel.attention import Series, Trend

    start = timezone.make_aware(
        datetime.datetime.combine(months[0], datetime.time()), timezone.get_default_timezone()
    )
    rows = (
        Complaint.objects.filter(received_at__gte=start)
        .annotate(month=TruncMonth("received_at"))
        .values("month", "kind")
        .annotate(
            total=Count("pk"),
            late=Count(
                "pk",
                filter=Q(resolved_at__gt=F("due_at"))
                | Q(resolved_at__isnull=True, due_at__lt=timezone.now()),
            ),
        )
    )
    index = {month: position for position, month in enumerate(months)}
    by_kind: dict[str, list[float]] = {}
    totals = [0.0] * len(months)
    late = [0.0] * len(months)
    for row in rows:
        position = index.get(timezone.localtime(row["month"]).date().replace(day=1))
        if position is None:
            continue
        group = "request" if row["kind"] in REQUEST_KINDS else "complaint"
        key = row["kind"] if group == "request" else "complaint"
        by_kind.setdefault(key, [0.0] * len(months))[position] += row["total"]
        totals[position] += row["total"]
        late[position] += row["late"]
    series = [Series(Kind(kind).label, by_kind[kind]) for kind in REQUEST_KINDS if kind in by_kind]
    if "complaint" in by_kind:
        series.append(Series(_("Complaints"), by_kind["complaint"]))
    on_time = [
        round(100 * (total - missed) / total, 1) if total else float("nan")
        for total, missed in zip(totals, late, strict=True)
    ]
    return [
        Trend(_("Requests and complaints received per month"), months, series),
        Trend(
            _("Answered on time (%)"),
            months,
            [Series(_("Answered on time"), on_time)],
            unit="percent",
        ),
    ]
