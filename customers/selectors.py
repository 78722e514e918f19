"""Reads: what pages and exports show."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from customers.kernel.attention import Item, Series, Trend
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


@dataclass(frozen=True)
class CustomerProcessingState:
    """What the check reads of one customer: their status, whether a restriction in force stops
    the purpose, and their consent to it (status "" when they gave none)."""

    customer_id: int
    status: str
    restricted: bool
    consent_status: str = ""
    granted_at: object = None
    policy_version: str = ""


def processing_check(*, purpose: Purpose, customers: list[Customer]) -> ProcessingCheck:
    """Law 91/2025/QH15 Art. 9(4)(c), Art. 10: consent holds until withdrawn, and a restriction
    stops processing. Several customers may share an email or phone: the shop may process only
    when every one of them may be (the cautious answer; one "no" is enough to stop a send)."""
    from customers.restrictions import restriction_for

    ids = [customer.pk for customer in customers]
    consents = {
        consent.customer_id: consent
        for consent in Consent.objects.filter(customer_id__in=ids, purpose=purpose).select_related(
            "policy_version"
        )
    }
    states = []
    for customer in customers:
        consent = consents.get(customer.pk)
        states.append(
            CustomerProcessingState(
                customer.pk,
                customer.status,
                restriction_for(customer.pk, purpose.pk) is not None,
                consent.status if consent else "",
                consent.granted_at if consent else None,
                consent.policy_version.version if consent else "",
            )
        )
    return processing_decide(legal_basis=purpose.legal_basis, states=states)


def processing_decide(
    *, legal_basis: str, states: list[CustomerProcessingState]
) -> ProcessingCheck:
    """The answer from what was read (processing_check, or the one statement of
    customers.services.consent_check_logged): the first reason to say no, in this order."""
    if not states:
        return ProcessingCheck(False, "unknown_customer")
    ids = tuple(state.customer_id for state in states)
    if any(state.status != Customer.Status.ACTIVE for state in states):
        return ProcessingCheck(False, "not_active", ids)
    if any(state.restricted for state in states):
        return ProcessingCheck(False, "restricted", ids)
    if legal_basis != Purpose.LegalBasis.CONSENT:
        return ProcessingCheck(True, "legal_basis", ids)
    for state in states:
        if not state.consent_status:
            return ProcessingCheck(False, "no_consent", ids)
        if state.consent_status != Consent.Status.GRANTED:
            return ProcessingCheck(False, "withdrawn", ids)
    latest = max(states, key=lambda state: state.granted_at)  # type: ignore[arg-type,return-value]
    return ProcessingCheck(True, "granted", ids, latest.granted_at, latest.policy_version)


# The admin's home -------------------------------------------------------------------------------


def recipient_request_attention_items(user: Any) -> list[Item]:
    """Requests to act sent to recipients and not confirmed by their deadline (Decree 356/2025
    Art. 5(2)–(4)), over the open requests' partial index."""
    from django.utils.translation import gettext_lazy as _

    from customers.models import RecipientRequest

    if not user.has_perm("customers.view_recipientrequest"):
        return []
    count = (
        RecipientRequest.objects.exclude(status=RecipientRequest.Status.CONFIRMED)
        .filter(due_at__lt=timezone.now())
        .count()
    )
    return [
        Item(
            _("Requests to recipients past their deadline"),
            count,
            reverse("admin:customers_recipientrequest_changelist") + "?deadline=overdue",
            tone="danger" if count else "",
            section=_("Recipients"),
        )
    ]


def consent_trends(months: list[datetime.date]) -> list[Trend]:
    """Consents granted and withdrawn per month, per purpose, from the monthly tallies the
    consent services keep (never a count over the consents)."""
    from django.utils.translation import gettext_lazy as _

    from customers.tallies import Metric, tallies_since

    names = {purpose.code: str(purpose.name) for purpose in Purpose.objects.all()}
    trends: list[Trend] = []
    for metric, title in (
        (Metric.CONSENT_GRANTED, _("Consents granted per month, by purpose")),
        (Metric.CONSENT_WITHDRAWN, _("Consents withdrawn per month, by purpose")),
    ):
        trends.append(
            Trend(
                title, months, _series(tallies_since(metric=metric, since=months[0]), months, names)
            )
        )
    return trends


def disclosure_trends(months: list[datetime.date]) -> list[Trend]:
    """Hand-overs per recipient per month, from the monthly tallies the disclosure service keeps."""
    from django.utils.translation import gettext_lazy as _

    from customers.models import Recipient
    from customers.tallies import Metric, tallies_since

    names = {str(pk): name for pk, name in Recipient.objects.values_list("pk", "name")}
    rows = tallies_since(metric=Metric.DISCLOSURE, since=months[0])
    return [Trend(_("Hand-overs per month, by recipient"), months, _series(rows, months, names))]


def _series(
    rows: list[tuple[datetime.date, str, int]],
    months: list[datetime.date],
    names: dict[str, str],
) -> list[Series]:

    index = {month: position for position, month in enumerate(months)}
    values: dict[str, list[float]] = {}
    for month, key, count in rows:
        if month in index:
            values.setdefault(key, [0.0] * len(months))[index[month]] += count
    return [
        Series(names.get(key, key), values[key])
        for key in sorted(values, key=lambda k: names.get(k, k))
    ]
