"""What retention adds to a customer's summary (customers.customer_summary): an active legal
hold and an open erasure request. Registered in RetentionConfig.ready."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from customers.customer_summary import SHOWN, SummaryItem, SummarySection, filtered_list
from customers.kernel.text import local_date
from customers.models import Customer
from retention.models import ErasureRequest, LegalHold
from retention.selectors import OPEN_STATUSES

HELD = gettext_lazy(
    "A legal hold freezes this customer's data: keep everything as it is; "
    "nothing may be erased until the hold is lifted."
)


def retention_sections(user: Any, customer: Customer) -> list[SummarySection]:
    sections = []
    if user.has_perm("retention.view_legalhold"):
        holds = list(
            LegalHold.objects.filter(customer=customer, lifted_at__isnull=True).order_by(
                "placed_at", "id"
            )[:SHOWN]
        )
        sections.append(
            SummarySection(
                "legal_hold",
                _("Legal hold"),
                [
                    SummaryItem(
                        _("%(reason)s%(reference)s, since %(date)s")
                        % {
                            "reason": hold.get_reason_display(),
                            "reference": f" {hold.reference}" if hold.reference else "",
                            "date": local_date(hold.placed_at),
                        },
                        reverse("admin:retention_legalhold_change", args=[hold.pk]),
                    )
                    for hold in holds
                ],
                empty=_("None active."),
                list_url=filtered_list("admin:retention_legalhold_changelist", customer.pk),
                # retention.erasure: no rule and no request erases a held customer.
                freezes=str(HELD) if holds else "",
            )
        )
    elif LegalHold.objects.filter(customer=customer, lifted_at__isnull=True).exists():
        # Whoever may edit the customer is told, even without the list of holds.
        sections.append(SummarySection("legal_hold", "", freezes=str(HELD), visible=False))
    if user.has_perm("retention.view_erasurerequest"):
        open_requests = list(
            ErasureRequest.objects.filter(customer=customer, status__in=OPEN_STATUSES).order_by(
                "received_at", "id"
            )[:SHOWN]
        )
        sections.append(
            SummarySection(
                "erasure_request",
                _("Erasure requests"),
                [
                    SummaryItem(
                        _("#%(id)s %(status)s, due %(due)s")
                        % {
                            "id": request.pk,
                            "status": request.get_status_display(),
                            "due": local_date(request.due_at),
                        },
                        reverse("admin:retention_erasurerequest_change", args=[request.pk]),
                    )
                    for request in open_requests
                ],
                empty=_("None open."),
                list_url=filtered_list("admin:retention_erasurerequest_changelist", customer.pk),
            )
        )
    return sections
