"""What complaints adds to a customer's summary (customers.customer_summary): their open
complaints and requests, the nearest due first. Registered in ComplaintsConfig.ready."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from complaints.models import PENDING_STATUSES, Complaint
from customers.customer_summary import SHOWN, SummaryItem, SummarySection, shown_rows
from customers.kernel.text import local_date
from customers.models import Customer


def open_complaints_section(user: Any, customer: Customer) -> list[SummarySection]:
    if not user.has_perm("complaints.view_complaint"):
        return []
    rows = list(
        Complaint.objects.filter(customer=customer, status__in=PENDING_STATUSES)
        .order_by("due_at", "id")
        .only("tracking_code", "kind", "status", "due_at")[: SHOWN + 1]
    )
    shown, more = shown_rows(rows)
    items = [
        SummaryItem(
            _("%(code)s %(kind)s, due %(due)s")
            % {
                "code": complaint.tracking_code,
                "kind": complaint.get_kind_display(),
                "due": local_date(complaint.due_at) if complaint.due_at else "—",
            },
            reverse("admin:complaints_complaint_change", args=[complaint.pk]),
        )
        for complaint in shown
    ]
    list_url = (
        f"{reverse('admin:complaints_complaint_changelist')}?open=open"
        f"&customer__id__exact={customer.pk}"
    )
    return [
        SummarySection(
            "complaints",
            _("Open complaints and requests"),
            items,
            empty=_("None open."),
            list_url=list_url,
            more=more,
        )
    ]
