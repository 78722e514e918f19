"""The whole customer at a glance, at the top of their page: what stops or limits what staff may
do with their data (a legal hold, a restriction, an erasure under way), what is open (complaints
and requests), what they agreed to and who received their data, each linked to its list.

customers is the lowest app: it owns the registry and the sections about its own records; the
apps above register theirs in their AppConfig.ready (complaints its open complaints, retention
its legal holds and erasure requests), so that customers never names them. Each section reads a
handful of rows with a LIMIT: the page's queries do not grow with a customer's history.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from customers.kernel.text import local_date
from customers.models import Consent, Customer, Disclosure
from customers.restrictions import restrictions_in_force

# At most this many rows of a kind are listed; the section's link shows them all.
SHOWN = 5


@dataclass(frozen=True)
class SummaryItem:
    text: str
    url: str = ""


@dataclass(frozen=True)
class SummarySection:
    """One line of the summary: a title, a few items, the link to the filtered list. ``freezes``
    says why staff editing the customer must be careful (shown as a warning message too)."""

    key: str
    title: str
    items: Sequence[SummaryItem] = ()
    empty: str = ""
    list_url: str = ""
    freezes: str = ""
    more: bool = False  # more rows than shown
    # False: the role may not read these records, but is still told what freezes the customer.
    visible: bool = True


SummaryProvider = Callable[[Any, Customer], Sequence[SummarySection]]
_PROVIDERS: list[SummaryProvider] = []


def register_summary(provider: SummaryProvider) -> None:
    """A higher app adds its sections (called from its AppConfig.ready; once each)."""
    if provider not in _PROVIDERS:
        _PROVIDERS.append(provider)


@dataclass(frozen=True)
class CustomerSummary:
    every_section: list[SummarySection] = field(default_factory=list)

    @property
    def sections(self) -> list[SummarySection]:
        return [section for section in self.every_section if section.visible]

    @property
    def freezes(self) -> list[str]:
        return [section.freezes for section in self.every_section if section.freezes]


def customer_summary(*, user: Any, customer: Customer) -> CustomerSummary:
    """Every section the user's role may read, customers' own first."""
    sections: list[SummarySection] = []
    for provider in (_own_sections, *_PROVIDERS):
        sections.extend(provider(user, customer))
    return CustomerSummary(sections)


def filtered_list(name: str, customer_id: int, lookup: str = "customer__id__exact") -> str:
    return f"{reverse(name)}?{lookup}={customer_id}"


def shown_rows(rows: Sequence[Any]) -> tuple[Sequence[Any], bool]:
    """The first SHOWN of rows read with LIMIT SHOWN + 1, and whether there were more."""
    return rows[:SHOWN], len(rows) > SHOWN


def _own_sections(user: Any, customer: Customer) -> list[SummarySection]:
    sections: list[SummarySection] = []
    if customer.status == Customer.Status.ERASURE_PENDING:
        sections.append(
            SummarySection(
                "erasure_pending",
                _("Erasure pending"),
                empty=_("An approved erasure request will erase this customer."),
                # customers.services refuses changes from the shop's systems meanwhile.
                freezes=_(
                    "This customer is being erased: what you change now will be erased with "
                    "the rest."
                ),
            )
        )
    if user.has_perm("customers.view_restriction"):
        sections.append(_restrictions(customer))
    elif restrictions_in_force([customer.pk]).exists():
        # Whoever may edit the customer is told, even without the list of restrictions.
        sections.append(SummarySection("restriction", "", freezes=str(RESTRICTED), visible=False))
    if user.has_perm("customers.view_consent"):
        sections.append(_consents(customer))
    if user.has_perm("customers.view_disclosure"):
        sections.append(_disclosures(customer))
    return sections


# Law 91/2025/QH15 Art. 4(1)(d): nothing goes out while it is in force.
RESTRICTED = gettext_lazy(
    "Processing of this customer's data is restricted: nothing may be disclosed or "
    "exported until the restriction is lifted."
)


def _restrictions(customer: Customer) -> SummarySection:
    rows = list(
        restrictions_in_force([customer.pk])
        .select_related("purpose")
        .order_by("placed_at")[: SHOWN + 1]
    )
    shown, more = shown_rows(rows)
    items = [
        SummaryItem(
            _("since %(date)s: %(scope)s")
            % {
                "date": local_date(restriction.placed_at),
                "scope": restriction.purpose.name if restriction.purpose else _("all processing"),
            },
            reverse("admin:customers_restriction_change", args=[restriction.pk]),
        )
        for restriction in shown
    ]
    return SummarySection(
        "restriction",
        _("Restriction of processing"),
        items,
        empty=_("None in force."),
        list_url=filtered_list("admin:customers_restriction_changelist", customer.pk),
        freezes=str(RESTRICTED) if items else "",
        more=more,
    )


def _consents(customer: Customer) -> SummarySection:
    # One consent per customer and purpose: as many rows as purposes, at most.
    rows = list(
        Consent.objects.filter(customer=customer)
        .select_related("purpose")
        .order_by("purpose__code")
        .only("status", "granted_at", "withdrawn_at", "purpose__name_vi", "purpose__name_en")[
            : SHOWN * 4 + 1
        ]
    )
    items = []
    for consent in rows[: SHOWN * 4]:
        if consent.status == Consent.Status.WITHDRAWN:
            text = _("%(purpose)s: withdrawn on %(date)s") % {
                "purpose": consent.purpose.name,
                "date": local_date(consent.withdrawn_at),
            }
        else:
            text = _("%(purpose)s: granted on %(date)s") % {
                "purpose": consent.purpose.name,
                "date": local_date(consent.granted_at),
            }
        items.append(
            SummaryItem(text, reverse("admin:customers_consent_change", args=[consent.pk]))
        )
    return SummarySection(
        "consents",
        _("Consents"),
        items,
        empty=_("No consent recorded."),
        list_url=filtered_list("admin:customers_consent_changelist", customer.pk),
        more=len(rows) > SHOWN * 4,
    )


def _disclosures(customer: Customer) -> SummarySection:
    rows = list(
        Disclosure.objects.filter(customer=customer)
        .select_related("recipient")
        .order_by("-disclosed_at", "-id")
        .only("disclosed_at", "recipient__name")[: SHOWN + 1]
    )
    shown, more = shown_rows(rows)
    items = [
        SummaryItem(
            _("%(recipient)s on %(date)s")
            % {"recipient": disclosure.recipient.name, "date": local_date(disclosure.disclosed_at)},
            reverse("admin:customers_disclosure_change", args=[disclosure.pk]),
        )
        for disclosure in shown
    ]
    return SummarySection(
        "disclosures",
        _("Last disclosures"),
        items,
        empty=_("Never disclosed."),
        list_url=filtered_list("admin:customers_disclosure_changelist", customer.pk),
        more=more,
    )
