"""A customer's request and the requests to act it causes (customers.recipient_requests): while
a recipient must stop, restrict, correct or delete too, the customer's request of that kind takes
the law's longer period, counted from its receipt (Decree 356/2025/NĐ-CP Art. 5(2)–(4): 20, 15,
30 days), and the requests to act take its tracking code and due date."""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.db import transaction
from django.utils.translation import gettext_noop

from complaints import deadlines
from complaints.models import OPEN_STATUSES, Complaint, ComplaintEvent, Kind
from complaints.services import complaint_event_record, complaint_save_step
from customers.kernel.text import local_date, staff_text
from customers.models import RecipientRequest

Action = RecipientRequest.Action
# The kinds of request that the recipient's action carries out.
KINDS_FOR_ACTION: dict[str, tuple[str, ...]] = {
    Action.STOP: (Kind.WITHDRAW_CONSENT, Kind.STOP_MARKETING, Kind.RESTRICT_OBJECT),
    Action.RESTRICT: (Kind.RESTRICT_OBJECT,),
    Action.CORRECT: (Kind.CORRECTION,),
    Action.DELETE: (Kind.DELETION,),
}


@transaction.atomic
def request_link(
    customer_ids: Sequence[int], action: str
) -> dict[int, tuple[str, datetime.datetime]]:
    """Per customer, their open request this action carries out (the latest), now with the
    longer period: its tracking code and receipt time (the requests to act are due with it).
    One query for a whole erasure batch; customers without such a request are left out."""
    found: dict[int, tuple[str, datetime.datetime]] = {}
    open_requests = (
        Complaint.objects.select_for_update()
        .filter(
            customer_id__in=list(customer_ids),
            kind__in=KINDS_FOR_ACTION.get(action, ()),
            status__in=OPEN_STATUSES,
        )
        .order_by("customer_id", "-received_at")
    )
    for complaint in open_requests:
        if complaint.customer_id is None or complaint.customer_id in found:
            continue
        _take_longer_period(complaint)
        found[complaint.customer_id] = (complaint.tracking_code, complaint.received_at)
    return found


def _take_longer_period(complaint: Complaint) -> None:
    if not complaint.third_party_involved:
        complaint.third_party_involved = True
        complaint.due_at = deadlines.resolve_due(
            complaint.kind,
            complaint.received_at,
            third_party=True,
            extension_days=complaint.extension_days,
        )
        complaint_save_step(complaint, actor=None)
        complaint_event_record(
            complaint,
            action=ComplaintEvent.Action.THIRD_PARTIES_ASKED,
            detail=staff_text(
                gettext_noop("Recipients of the data were asked to act: due %(date)s."),
                date=local_date(complaint.due_at),
            ),
        )
