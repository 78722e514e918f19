"""What complaints/ reads: the customers a complaint may be from, a complaint found by its
tracking code and the contact it was filed with, the complaints due a reminder, and who may be
assigned one."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet

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
