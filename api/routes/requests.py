"""Data-subject requests filed from the customer's signed-in account page of the shop, and their
status (Law 91/2025/QH15 Art. 4; the periods of Decree 356/2025 Art. 5 apply as to any request)."""

from __future__ import annotations

import datetime
from typing import Any, Literal

from django.db import transaction
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from api.auth import need
from api.lookups import customer_by_shop_id, local, log_access, path_value
from api.models import Scope
from api.schemas import PROBLEMS, Text
from complaints.data_requests import request_file_from_shop_account
from complaints.models import REQUEST_KINDS, Complaint, normalize_tracking_code

router = Router()

RequestKind = Literal[tuple(str(kind.value) for kind in REQUEST_KINDS)]  # type: ignore[valid-type]


class RequestIn(Schema):
    customer: Text(64, 1) = Field(description="The shop's id of the signed-in customer.")  # type: ignore[valid-type]
    kind: RequestKind  # type: ignore[valid-type]
    description: Text(5000, 1)  # type: ignore[valid-type]


class RequestOut(Schema):
    tracking_code: str
    kind: str
    status: str
    status_label: str
    received_at: datetime.datetime
    acknowledge_due_at: datetime.datetime
    acknowledged_at: datetime.datetime | None
    due_at: datetime.datetime
    extension_days: int
    resolved_at: datetime.datetime | None


class StatusQuery(Schema):
    customer: Text(64, 1) = Field(description="The shop's id of the customer who filed it.")  # type: ignore[valid-type]


def _out(complaint: Complaint) -> dict[str, Any]:
    return {
        "tracking_code": complaint.tracking_code,
        "kind": complaint.kind,
        "status": complaint.status,
        "status_label": complaint.get_status_display(),
        "received_at": local(complaint.received_at),
        "acknowledge_due_at": local(complaint.acknowledge_due_at),
        "acknowledged_at": local(complaint.acknowledged_at),
        "due_at": local(complaint.due_at),
        "extension_days": complaint.extension_days,
        "resolved_at": local(complaint.resolved_at),
    }


@router.post(
    "/",
    response={201: RequestOut, **PROBLEMS},
    summary="File a request from the customer's signed-in shop account",
)
def request_file(request: HttpRequest, payload: RequestIn) -> Any:
    actor = need(request, Scope.REQUESTS_WRITE)
    with transaction.atomic():
        customer = customer_by_shop_id(payload.customer)
        complaint = request_file_from_shop_account(
            customer=customer,
            kind=payload.kind,
            description=payload.description,
            account=payload.customer,
            actor=actor,
        )
        log_access(actor, [customer.pk], "POST /requests")
    return Status(201, _out(complaint))


@router.get(
    "/{tracking_code}",
    response={200: RequestOut, **PROBLEMS},
    summary="A request's status, for the customer who filed it",
)
def request_status(request: HttpRequest, tracking_code: str, query: Query[StatusQuery]) -> Any:
    actor = need(request, Scope.REQUESTS_READ)
    path_value(tracking_code, field="tracking_code", max_length=20)
    customer = customer_by_shop_id(query.customer)
    code = normalize_tracking_code(tracking_code)
    complaint = (
        Complaint.objects.filter(tracking_code=code, customer=customer).first() if code else None
    )
    if complaint is None:
        # The same answer whether the code does not exist or is another customer's.
        raise Http404(_("No request of this customer has that tracking code."))
    log_access(actor, [customer.pk], "GET /requests")
    return _out(complaint)
