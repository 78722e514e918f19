"""Restriction of processing and objection (Law 91/2025/QH15 Art. 4(1)(d), Art. 28): while a
restriction is in force, nothing of the customer goes out — disclosures and hand-overs are
refused with a message, exports leave the customer out — except what the law obliges (an
authority's request); "stop marketing" restricts the advertising purposes at once; who placed
and lifted it, and why, stays in the history."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from complaints import services as complaint_services
from customers import disclosures, exports, restrictions, roles
from customers.models import Customer, Purpose, Recipient
from customers.personal_data import DataItem
from tests.factories import CustomerFactory, StaffFactory, complaint_submit

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def member_of(role: str) -> Any:
    user = StaffFactory(username=f"user-{role}")
    user.groups.add(roles.group_for(role))
    return user


@pytest.fixture
def world(controller: Any, policy: Any) -> dict[str, Any]:
    fulfilment = Purpose.objects.create(
        code="order-fulfilment",
        name_vi="Giao hàng",
        name_en="Order fulfilment",
        legal_basis=Purpose.LegalBasis.CONTRACT,
    )
    legal_purpose = Purpose.objects.create(
        code="legal-obligations",
        name_vi="Nghĩa vụ pháp lý",
        name_en="Legal obligations",
        legal_basis=Purpose.LegalBasis.LEGAL_OBLIGATION,
    )
    return {
        "fulfilment": fulfilment,
        "shipper": Recipient.objects.create(
            name="Giao Hàng Nhanh",
            kind=Recipient.Kind.SHIPPER,
            purpose=fulfilment,
            allowed_items=[DataItem.NAME, DataItem.PHONE, DataItem.DELIVERY_ADDRESS],
        ),
        "police": Recipient.objects.create(
            name="Cơ quan CSĐT Công an TP. Hồ Chí Minh",
            kind=Recipient.Kind.AUTHORITY,
            purpose=legal_purpose,
            allowed_items=list(DataItem.values),
        ),
        "customer": CustomerFactory(full_name="Lê Thị Hoa", phone="0912 853 984"),
        "care": member_of(roles.CUSTOMER_CARE),
        "legal": member_of(roles.LEGAL_COMPLIANCE),
    }


def to_shipper(world: dict[str, Any]) -> Any:
    return disclosures.disclosure_create(
        actor=world["care"],
        customer=world["customer"],
        recipient=world["shipper"],
        items=[DataItem.NAME],
    )


def test_law91_art4_1_d_a_restriction_stops_disclosures_until_lifted(world: dict[str, Any]) -> None:
    restriction = restrictions.restriction_place(
        customer=world["customer"],
        actor=world["care"],
        reason="Khách phản đối xử lý qua điện thoại",
    )
    with pytest.raises(ValidationError) as refused:
        to_shipper(world)
    assert [error.code for error in refused.value.error_dict["customer"]] == ["restricted"]
    # An authority's written request is a legal obligation (Law 91/2025 Art. 19(1)(c)).
    disclosures.disclosure_create(
        actor=world["legal"],
        customer=world["customer"],
        recipient=world["police"],
        items=[DataItem.NAME],
        request_issuer="Cơ quan CSĐT Công an TP. Hồ Chí Minh",
        request_number="123/CSĐT-PC02",
        request_date=datetime.date(2026, 11, 2),
        request_scan=SimpleUploadedFile("yeu-cau.pdf", PDF, "application/pdf"),
    )
    # Customer care places; only Legal & compliance lifts, with the reason.
    with pytest.raises(PermissionDenied):
        restrictions.restriction_lift(restriction=restriction, actor=world["care"], reason="x")
    with pytest.raises(ValidationError):
        restrictions.restriction_lift(restriction=restriction, actor=world["legal"], reason=" ")
    restrictions.restriction_lift(
        restriction=restriction, actor=world["legal"], reason="Khách rút lại yêu cầu"
    )
    assert to_shipper(world).pk is not None
    history = restriction.history.order_by("history_date")
    assert [row.history_user for row in history] == [world["care"], world["legal"]]


def test_a_restriction_for_one_purpose_stops_only_that_purpose(world: dict[str, Any]) -> None:
    restrictions.restriction_place(
        customer=world["customer"],
        actor=world["care"],
        reason="Phản đối giao dữ liệu cho đơn vị vận chuyển",
        purpose=world["fulfilment"],
    )
    with pytest.raises(ValidationError):
        to_shipper(world)
    assert restrictions.restriction_for(world["customer"].pk, None) is None
    # Placing the same again changes nothing.
    again = restrictions.restriction_place(
        customer=world["customer"],
        actor=world["care"],
        reason="Lần hai",
        purpose=world["fulfilment"],
    )
    assert world["customer"].restrictions.count() == 1 and again.reason != "Lần hai"


def test_an_export_leaves_a_restricted_customer_out(world: dict[str, Any]) -> None:
    other = CustomerFactory(full_name="Hoàng Văn Nam", phone="0987 654 321")
    restrictions.restriction_place(
        customer=world["customer"], actor=world["care"], reason="Hạn chế"
    )
    data = exports.customer_export_csv(actor=world["legal"], customers=[world["customer"], other])
    text = data.decode("utf-8-sig")
    assert "Hoàng Văn Nam" in text and "Lê Thị Hoa" not in text


def test_law91_art28_stop_marketing_restricts_the_advertising_purposes_at_once(
    world: dict[str, Any],
) -> None:
    advertising = Purpose.objects.create(
        code="marketing-sms",
        name_vi="Tin nhắn quảng cáo",
        name_en="Marketing SMS",
        legal_basis=Purpose.LegalBasis.CONSENT,
        is_advertising=True,
    )
    customer: Customer = world["customer"]
    request = complaint_submit(phone="0912 853 984", kind="stop_marketing")
    complaint_services.complaint_link_customer(
        complaint=request, customer=customer, actor=world["care"]
    )
    [restriction] = restrictions.restrictions_in_force([customer.pk])
    assert restriction.purpose == advertising and restriction.reference == request.tracking_code
    assert restrictions.restriction_for(customer.pk, world["fulfilment"].pk) is None
