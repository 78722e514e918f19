"""Customers by the shop's own id: one at a time (PUT, idempotent) or up to 1,000 in a call."""

from __future__ import annotations

from typing import Any, Literal

from django.db import transaction
from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from api import errors
from api.auth import need
from api.lookups import log_access, path_value
from api.models import Scope
from api.schemas import PROBLEMS, FieldError, Text, given_fields
from customers import restrictions, services
from customers.models import Customer

router = Router()

BATCH_LIMIT = 1000


class CustomerIn(Schema):
    """What the shop knows of the customer. A field left out is not changed; an empty string
    clears it."""

    full_name: Text(255, 1)  # type: ignore[valid-type]
    kind: Literal["individual", "organization"] | None = None
    contact_person: Text(255) | None = None  # type: ignore[valid-type]
    email: Text(254) | None = None  # type: ignore[valid-type]
    phone: Text(40) | None = None  # type: ignore[valid-type]
    address: Text(2000) | None = None  # type: ignore[valid-type]
    tax_code: Text(20) | None = None  # type: ignore[valid-type]


class CustomerBatchRow(CustomerIn):
    shop_id: Text(64, 1)  # type: ignore[valid-type]


class CustomerBatchIn(Schema):
    customers: list[CustomerBatchRow] = Field(min_length=1, max_length=BATCH_LIMIT)


class CustomerOut(Schema):
    id: int
    shop_id: str
    result: Literal["created", "updated", "unchanged"]
    restricted: bool = Field(
        description="Processing is restricted (Law 91/2025 Art. 4(1)(d)): do not process."
    )


class BatchRowOut(Schema):
    index: int
    shop_id: str
    result: Literal["created", "updated", "unchanged", "refused"]
    id: int | None = None
    errors: list[FieldError] = []


class BatchOut(Schema):
    results: list[BatchRowOut]
    created: int
    updated: int
    unchanged: int
    refused: int


def _upsert(actor: Any, shop_id: str, fields: dict[str, Any]) -> tuple[Customer, str]:
    fields.setdefault("source_channel", "web_form")
    return services.customer_upsert(external_id=shop_id, actor=actor, **fields)


@router.post(
    "/batch",
    response={200: BatchOut, **PROBLEMS},
    summary="Create or update up to 1,000 customers; each row answered",
)
def customer_batch(request: HttpRequest, payload: CustomerBatchIn) -> Any:
    """Each row is written whole or not at all: a refused row never stops the others."""
    actor = need(request, Scope.CUSTOMERS_WRITE)
    batch = []
    for row in payload.customers:
        fields = given_fields(row, exclude={"shop_id"})
        fields.setdefault("source_channel", "web_form")
        batch.append({"external_id": row.shop_id, **fields})
    outcomes = services.customer_upsert_batch(rows=batch, actor=actor)
    rows: list[dict[str, Any]] = []
    written: list[int] = []
    for index, (row, outcome) in enumerate(zip(payload.customers, outcomes, strict=True)):
        if outcome.error is not None:
            rows.append(
                {
                    "index": index,
                    "shop_id": row.shop_id,
                    "result": "refused",
                    "errors": errors.field_errors(outcome.error),
                }
            )
            continue
        assert outcome.customer is not None  # every row not refused has its customer
        written.append(outcome.customer.pk)
        rows.append(
            {
                "index": index,
                "shop_id": row.shop_id,
                "result": outcome.result,
                "id": outcome.customer.pk,
            }
        )
    log_access(actor, written, "POST /customers/batch")
    counts = {key: sum(1 for row in rows if row["result"] == key) for key in RESULTS}
    return {"results": rows, **counts}


@router.put(
    "/{shop_id}",
    response={200: CustomerOut, 201: CustomerOut, **PROBLEMS},
    summary="Create or update a customer by the shop's id",
)
def customer_put(request: HttpRequest, shop_id: str, payload: CustomerIn) -> Any:
    actor = need(request, Scope.CUSTOMERS_WRITE)
    path_value(shop_id, field="shop_id", max_length=64)
    with transaction.atomic():
        customer, result = _upsert(actor, shop_id, given_fields(payload, exclude=set()))
        log_access(actor, [customer.pk], "PUT /customers")
    status = 201 if result == "created" else 200
    return Status(status, _out(customer, result))


RESULTS = ("created", "updated", "unchanged", "refused")


def _out(customer: Customer, result: str) -> dict[str, Any]:
    return {
        "id": customer.pk,
        "shop_id": customer.external_id,
        "result": result,
        "restricted": bool(restrictions.restricted_customer_ids([customer.pk])),
    }
