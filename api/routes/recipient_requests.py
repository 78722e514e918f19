"""A recipient's system confirms a request to act (customers.recipient_requests) with the signed
token of the confirmation link it was sent: no API key (the recipient has none; the token is
the proof it was told), and nothing personal in the answer."""

from __future__ import annotations

import datetime
from typing import Any

from django.http import Http404, HttpRequest
from ninja import Router, Schema

from api.lookups import local
from api.schemas import PROBLEMS, Text
from customers import recipient_requests
from customers.models import RecipientRequest

router = Router()


class ConfirmIn(Schema):
    token: Text(500, 1)  # type: ignore[valid-type]
    by_name: Text(200, 1)  # type: ignore[valid-type]
    note: Text(2000) = ""  # type: ignore[valid-type]


class RecipientRequestOut(Schema):
    recipient_request_id: int
    action: str
    status: str
    due_at: datetime.datetime
    confirmed_at: datetime.datetime | None


@router.post(
    "/confirm",
    auth=None,
    response={200: RecipientRequestOut, **PROBLEMS},
    summary="A recipient confirms it did what it was asked",
)
def recipient_request_confirm(request: HttpRequest, payload: ConfirmIn) -> Any:
    asked = recipient_requests.request_for_token(payload.token)
    if asked is None:
        raise Http404
    recipient_requests.recipient_request_confirm(
        request=asked, via=RecipientRequest.Via.API, by_name=payload.by_name, note=payload.note
    )
    return {
        "recipient_request_id": asked.pk,
        "action": asked.action,
        "status": asked.status,
        "due_at": local(asked.due_at),
        "confirmed_at": local(asked.confirmed_at),
    }
