"""Reads: what pages and exports show."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db.models import QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from customers.models import Consent, Controller, Customer, PolicyVersion, Purpose


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
    """What the printable receipt shows: what Law 91/2025/QH15 Art. 9(2) makes a condition of a
    valid consent (the data items and purpose, the controller, the person's rights and
    obligations), the policy shown with its public address, a number per consent; advertising
    terms (Art. 28(3)); the sensitive-data notice (Decree 356/2025 Art. 6(4))."""

    customer: Customer
    controller: Controller | None
    consents: list[Consent]
    issued_at: object
    base_url: str = ""
    request_form_url: str = ""


def public_base_url() -> str:
    """The public site's address for links in documents and emails ("" when not configured:
    the links are then paths)."""
    return str(getattr(settings, "PUBLIC_BASE_URL", "")).rstrip("/")


def consent_receipt_get(*, customer: Customer, base_url: str | None = None) -> ConsentReceipt:
    base = public_base_url() if base_url is None else base_url.rstrip("/")
    try:
        # The request form belongs to the complaints app, above this one: found by its URL name.
        form_path = reverse("complaints:new")
    except NoReverseMatch:
        form_path = ""
    return ConsentReceipt(
        customer=customer,
        controller=controller_get(),
        consents=list(consent_list_for_customer(customer=customer)),
        issued_at=timezone.now(),
        base_url=base,
        request_form_url=f"{base}{form_path}" if form_path else "",
    )


@dataclass(frozen=True)
class ProcessingCheck:
    """May the shop process this customer's data for this purpose now? ``reason`` says why:
    "granted", "legal_basis" (a contract or legal duty, no consent needed), "no_consent",
    "withdrawn", "restricted", "not_active", "unknown_customer"."""

    allowed: bool
    reason: str
    customer_ids: tuple[int, ...] = ()
    granted_at: object = None
    policy_version: str = ""


def processing_check(*, purpose: Purpose, customers: list[Customer]) -> ProcessingCheck:
    """Law 91/2025/QH15 Art. 9(4)(c), Art. 10: consent holds until withdrawn, and a restriction
    stops processing. Several customers may share an email or phone: the shop may process only
    when every one of them may be (the cautious answer; one "no" is enough to stop a send)."""
    from customers.restrictions import restriction_for

    if not customers:
        return ProcessingCheck(False, "unknown_customer")
    ids = tuple(customer.pk for customer in customers)
    if any(customer.status != Customer.Status.ACTIVE for customer in customers):
        return ProcessingCheck(False, "not_active", ids)
    if any(restriction_for(pk, purpose.pk) is not None for pk in ids):
        return ProcessingCheck(False, "restricted", ids)
    if purpose.legal_basis != Purpose.LegalBasis.CONSENT:
        return ProcessingCheck(True, "legal_basis", ids)
    consents = {
        consent.customer_id: consent
        for consent in Consent.objects.filter(customer_id__in=ids, purpose=purpose).select_related(
            "policy_version"
        )
    }
    for pk in ids:
        consent = consents.get(pk)
        if consent is None:
            return ProcessingCheck(False, "no_consent", ids)
        if not consent.is_granted:
            return ProcessingCheck(False, "withdrawn", ids)
    latest = max(consents.values(), key=lambda consent: consent.granted_at)
    return ProcessingCheck(True, "granted", ids, latest.granted_at, latest.policy_version.version)
