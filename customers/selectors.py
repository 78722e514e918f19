"""Reads: what pages and exports show."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from customers.models import Consent, Controller, Customer, PolicyVersion


def controller_get() -> Controller | None:
    """The controller profile (there is one; None before it is set up)."""
    return Controller.objects.order_by("id").first()


def policy_version_current() -> PolicyVersion | None:
    """The policy in effect today: the latest whose effective date has come."""
    return (
        PolicyVersion.objects.filter(effective_from__lte=timezone.localdate())
        .order_by("-effective_from", "-id")
        .first()
    )


def consent_list_for_customer(*, customer: Customer) -> QuerySet[Consent]:
    return (
        Consent.objects.filter(customer=customer)
        .select_related("purpose", "policy_version", "recorded_by")
        .order_by("purpose__code")
    )


@dataclass(frozen=True)
class ConsentReceipt:
    """What the printable receipt shows (Law 91/2025/QH15 Art. 9(2); Decree 356/2025 Art. 6: consent
    in a form that can be printed or copied)."""

    customer: Customer
    controller: Controller | None
    consents: list[Consent]
    issued_at: object


def consent_receipt_get(*, customer: Customer) -> ConsentReceipt:
    return ConsentReceipt(
        customer=customer,
        controller=controller_get(),
        consents=list(consent_list_for_customer(customer=customer)),
        issued_at=timezone.now(),
    )
