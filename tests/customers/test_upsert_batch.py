"""The batch upsert (the API's batch of 1,000, the import's chunks) answers and records each row
exactly as one customer_upsert per row would: the same result, the same field errors, the same
history rows under the same staff member, the same events and requests to the recipients that
hold a corrected item (Decree 356/2025 Art. 5(3)); the same batch twice changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from api import webhooks
from api.models import WebhookDelivery
from customers import disclosures, services
from customers.models import Customer, Purpose, Recipient, RecipientRequest
from customers.personal_data import DataItem
from customers.roles import CUSTOMER_CARE
from retention.erasure import customer_erase
from tests.factories import PurposeFactory, role_member

pytestmark = pytest.mark.django_db

# Compared between the two paths; the rest (ids, the shop id's prefix, times) differ by design.
HISTORY_FIELDS = (
    "history_type",
    "history_user_id",
    "history_change_reason",
    "full_name",
    "name_folded",
    "email",
    "phone",
    "address",
    "tax_code",
    "kind",
    "contact_person",
    "source_channel",
    "status",
    "notes",
)


@pytest.fixture
def partner(db: None, superuser: Any) -> Recipient:
    sharing = PurposeFactory(
        code="partner-sharing",
        name_vi="Chia sẻ",
        name_en="Sharing",
        legal_basis=Purpose.LegalBasis.CONTRACT,
    )
    webhooks.webhook_endpoint_create(
        name="Shop CRM",
        url="http://127.0.0.1:9/hook",
        events=["customer.corrected", "recipient.requested"],
        actor=superuser,
    )
    return disclosures.recipient_save(
        recipient=Recipient(
            name="Đối tác Bảo hành Sao Mai",
            kind=Recipient.Kind.PARTNER,
            purpose=sharing,
            contract_reference="HĐ-2026/SM-07",
            allowed_items=[DataItem.NAME, DataItem.PHONE],
            contact_email="dpo@saomai.vn",
        ),
        actor=None,
    )


def _existing(prefix: str, partner: Recipient, actor: Any) -> None:
    """The same customers before each path: one the partner received, one unchanged, one erased."""
    held, _r = services.customer_upsert(
        external_id=f"{prefix}-held", full_name="Trần Thị Bình", phone="0912853984", actor=actor
    )
    disclosures.disclosure_create(
        actor=role_member(CUSTOMER_CARE, f"cskh-{prefix}"),
        customer=held,
        recipient=partner,
        items=[DataItem.NAME, DataItem.PHONE],
        batch_reference=f"SM-{prefix}",
    )
    services.customer_upsert(
        external_id=f"{prefix}-same", full_name="Lê Văn Cường", email="cuong@ex.vn", actor=actor
    )
    gone, _r = services.customer_upsert(
        external_id=f"{prefix}-gone", full_name="Phạm Thu", email="thu@ex.vn", actor=actor
    )
    customer_erase(customer=gone, actor=actor)


def _rows(prefix: str) -> list[dict[str, Any]]:
    return [
        {
            "external_id": f"{prefix}-new",
            "full_name": "  Nguyễn   Văn An ",
            "phone": "+84 912 000 111",
        },
        {"external_id": f"{prefix}-held", "full_name": "Trần Thị Bình", "phone": "0987 654 321"},
        {"external_id": f"{prefix}-same", "full_name": "Lê Văn Cường", "email": "CUONG@ex.vn"},
        {"external_id": f"{prefix}-gone", "full_name": "Phạm Thu", "email": "thu@ex.vn"},
        {"external_id": f"{prefix}-badphone", "full_name": "Hoàng Văn Đức", "phone": "0123"},
        {"external_id": f"{prefix}-nocontact", "full_name": "Vũ Thị Em"},
        {"external_id": f"{prefix}-nul", "full_name": "Đỗ\x00 Giang", "phone": "0912000222"},
        {
            "external_id": f"{prefix}-org",
            "full_name": "Công ty An Phát",
            "kind": "individual",
            "contact_person": "Chị Hoa",
            "email": "ap@ex.vn",
        },
        {"external_id": "  ", "full_name": "Không mã", "email": "x@ex.vn"},
        {"external_id": f"{prefix}-new", "full_name": "Nguyễn Văn An", "email": "an@ex.vn"},
    ]


def _one_by_one(rows: list[dict[str, Any]], actor: Any) -> list[tuple[str, Any]]:
    answers = []
    for row in rows:
        fields = {name: value for name, value in row.items() if name != "external_id"}
        try:
            with transaction.atomic():
                _customer, result = services.customer_upsert(
                    external_id=row["external_id"], actor=actor, **fields
                )
            answers.append((result, None))
        except ValidationError as error:
            answers.append(("refused", _codes(error)))
    return answers


def _codes(error: ValidationError) -> dict[str, list[tuple[str, str]]]:
    return {
        field: [(e.code or "", str(e.message % e.params if e.params else e.message)) for e in errs]
        for field, errs in error.error_dict.items()
    }


def _recorded(prefix: str) -> dict[str, Any]:
    """Per customer of the path (by the shop id without its prefix): the history rows, the
    webhook deliveries and the requests to recipients."""
    found: dict[str, Any] = {}
    for customer in Customer.objects.filter(external_id__startswith=f"{prefix}-"):
        key = customer.external_id.removeprefix(f"{prefix}-")
        history = customer.history.order_by("history_id").values_list(*HISTORY_FIELDS)
        deliveries = sorted(
            (
                d.event,
                sorted(set(d.payload["data"]) - {"customer_id", "shop_id", "recipient_request_id"}),
            )
            for d in WebhookDelivery.objects.filter(payload__data__customer_id=customer.pk)
        )
        asked = list(
            RecipientRequest.objects.filter(customer=customer).values_list(
                "recipient_id", "action", "cause", "items", "status", "channel"
            )
        )
        found[key] = (list(history), deliveries, asked)
    return found


def test_a_batch_records_each_row_as_one_upsert_per_row_would(
    partner: Recipient, superuser: Any
) -> None:
    _existing("one", partner, superuser)
    _existing("all", partner, superuser)

    single = _one_by_one(_rows("one"), superuser)
    batch = services.customer_upsert_batch(rows=_rows("all"), actor=superuser)

    assert [(o.result, _codes(o.error) if o.error else None) for o in batch] == single
    assert [result for result, _e in single] == [
        "created",
        "updated",
        "unchanged",
        "refused",
        "refused",
        "refused",
        "refused",
        "refused",
        "refused",
        "updated",
    ]
    assert _recorded("all") == _recorded("one")
    held = _recorded("all")["held"]
    assert [row[0] for row in held[0]] == ["+", "~"]  # created, then the phone corrected
    assert held[0][-1][1] == superuser.pk  # under the caller's name
    assert held[2][0][1] == RecipientRequest.Action.CORRECT  # the partner asked to correct
    assert held[2][0][3] == [DataItem.PHONE]


def test_the_same_batch_twice_changes_nothing(partner: Recipient, superuser: Any) -> None:
    _existing("all", partner, superuser)
    services.customer_upsert_batch(rows=_rows("all"), actor=superuser)
    before = _recorded("all")
    again = services.customer_upsert_batch(rows=_rows("all")[:3], actor=superuser)
    assert [o.result for o in again] == ["unchanged", "unchanged", "unchanged"]
    assert _recorded("all") == before


def test_a_batch_of_two_hundred_costs_a_few_statements_not_a_dozen_per_row(
    superuser: Any, django_assert_max_num_queries: Any
) -> None:
    def rows(run: str, n: int) -> list[dict[str, Any]]:
        return [
            {"external_id": f"{run}-{i}", "full_name": f"Khách {i}", "phone": f"09{i:08d}"}
            for i in range(n)
        ]

    services.customer_upsert_batch(rows=rows("warm", 1), actor=superuser)
    # The lookup, the erased ids, the INSERTs of customers and of history rows (SQLite splits
    # them by its limit on parameters), the events: was 13 statements a row.
    with django_assert_max_num_queries(16):
        created = services.customer_upsert_batch(rows=rows("a", 200), actor=superuser)
    assert {o.result for o in created} == {"created"}
    with django_assert_max_num_queries(16):
        updated = services.customer_upsert_batch(
            rows=[{**row, "email": "moi@ex.vn"} for row in rows("a", 200)], actor=superuser
        )
    assert {o.result for o in updated} == {"updated"}
    assert Customer.history.filter(external_id__startswith="a-").count() == 400
