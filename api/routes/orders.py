"""Orders by the shop's reference, for a customer known by the shop's id."""

from __future__ import annotations

import datetime
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from pydantic import Field

from api.auth import need
from api.lookups import customer_by_shop_id, log_access
from api.models import Scope
from api.schemas import PROBLEMS, Text, given_fields
from customers import services

router = Router()


class OrderIn(Schema):
    customer: Text(64, 1) = Field(description="The shop's id of the customer.")  # type: ignore[valid-type]
    ordered_at: datetime.datetime = Field(
        description="With its offset (+07:00); a time without one is Vietnam's time."
    )
    total_vnd: int = Field(ge=0, le=10**15)
    invoice_number: Text(40) | None = None  # type: ignore[valid-type]
    status: Literal["placed", "delivered", "cancelled", "returned"] | None = None
    recipient_name: Text(255) | None = None  # type: ignore[valid-type]
    delivery_phone: Text(40) | None = None  # type: ignore[valid-type]
    delivery_address: Text(800) | None = None  # type: ignore[valid-type]


class OrderOut(Schema):
    id: int
    reference: str
    customer: str
    result: Literal["created", "updated", "unchanged"]


@router.put(
    "/{reference}",
    response={200: OrderOut, 201: OrderOut, **PROBLEMS},
    summary="Create or update an order by the shop's reference",
)
def order_put(request: HttpRequest, reference: str, payload: OrderIn) -> Any:
    actor = need(request, Scope.ORDERS_WRITE)
    if len(reference) > 40 or "\x00" in reference:
        raise ValidationError(
            {
                "reference": ValidationError(
                    _("Too long: at most %(limit)s characters.") % {"limit": 40}
                )
            }
        )
    fields = given_fields(payload, exclude={"customer"})
    if timezone.is_naive(fields["ordered_at"]):
        fields["ordered_at"] = timezone.make_aware(fields["ordered_at"])
    with transaction.atomic():
        customer = customer_by_shop_id(payload.customer)
        order, result = services.order_upsert(
            reference=reference, customer=customer, actor=actor, **fields
        )
        log_access(actor, [customer.pk], "PUT /orders")
    body = {
        "id": order.pk,
        "reference": order.reference,
        "customer": payload.customer,
        "result": result,
    }
    return Status(201 if result == "created" else 200, body)
