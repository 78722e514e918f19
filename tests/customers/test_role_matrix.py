"""Every role × every sensitive action, allowed or refused as README's "Staff roles" table says
(seed 004 §8: staff see only what their role needs)."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile

from customers import disclosures, exports, roles
from customers.models import Customer, Purpose, Recipient
from customers.personal_data import DataItem
from tests.factories import CustomerFactory, StaffFactory

pytestmark = pytest.mark.django_db

ROLES = ["customer_care", "sales", "legal_compliance", "administrator"]
ACTIONS = [
    "view_full_data",
    "export",
    "disclose_to_shipper",
    "disclose_to_authority",
    "edit_consent",
    "delete",
]
# The README's table, as data: (role, action) -> allowed.
ALLOWED = {
    "customer_care": {"view_full_data", "disclose_to_shipper", "edit_consent"},
    "sales": {"export"},
    "legal_compliance": {
        "view_full_data",
        "export",
        "disclose_to_shipper",
        "disclose_to_authority",
        "edit_consent",
    },
    "administrator": {"view_full_data"},
}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def world(controller, policy):
    fulfilment = Purpose.objects.create(
        code="order-fulfilment",
        name_vi="Giao hàng",
        name_en="Order fulfilment",
        legal_basis=Purpose.LegalBasis.CONTRACT,
    )
    legal = Purpose.objects.create(
        code="legal-obligations",
        name_vi="Nghĩa vụ pháp lý",
        name_en="Legal obligations",
        legal_basis=Purpose.LegalBasis.LEGAL_OBLIGATION,
    )
    shipper = Recipient.objects.create(
        name="Giao Hàng Nhanh",
        kind=Recipient.Kind.SHIPPER,
        purpose=fulfilment,
        contract_reference="HĐ-2026/GHN-01",
        allowed_items=[DataItem.NAME, DataItem.PHONE, DataItem.DELIVERY_ADDRESS],
    )
    police = Recipient.objects.create(
        name="Cơ quan CSĐT Công an TP. Hồ Chí Minh",
        kind=Recipient.Kind.AUTHORITY,
        purpose=legal,
        allowed_items=list(DataItem.values),
    )
    customer = CustomerFactory(full_name="Lê Thị Hoa", phone="0912 853 984")
    return {"customer": customer, "shipper": shipper, "police": police}


def member_of(role: str):
    user = StaffFactory(username=f"user-{role}")
    user.groups.add(roles.group_for(role))
    return user


def attempt(action: str, user, client, world) -> bool:
    """True when the action went through, False when it was refused."""
    customer: Customer = world["customer"]
    client.force_login(user)
    if action == "view_full_data":
        response = client.get(f"/admin/customers/customer/{customer.pk}/change/")
        assert response.status_code == 200
        return "0912 853 984" in response.content.decode()
    if action == "export":
        try:
            exports.customer_export_csv(actor=user, customers=[customer])
        except PermissionDenied:
            return False
        return True
    if action in ("disclose_to_shipper", "disclose_to_authority"):
        authority = action == "disclose_to_authority"
        extra = (
            {
                "request_issuer": "Cơ quan CSĐT Công an TP. Hồ Chí Minh",
                "request_number": "123/CSĐT-PC02",
                "request_date": datetime.date(2026, 11, 2),
                "request_scan": SimpleUploadedFile("yeu-cau.pdf", PDF, "application/pdf"),
            }
            if authority
            else {}
        )
        try:
            disclosures.disclosure_create(
                actor=user,
                customer=customer,
                recipient=world["police" if authority else "shipper"],
                items=[DataItem.NAME, DataItem.PHONE],
                **extra,
            )
        except PermissionDenied:
            return False
        return True
    if action == "edit_consent":
        response = client.get("/admin/customers/consent/add/")
        return response.status_code == 200
    if action == "delete":
        response = client.get(f"/admin/customers/customer/{customer.pk}/delete/")
        return response.status_code == 200
    raise AssertionError(action)


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("role", ROLES)
def test_role_may_or_may_not(role: str, action: str, client, world) -> None:
    user = member_of(role)
    assert attempt(action, user, client, world) is (action in ALLOWED[role])


def test_a_staff_member_without_a_role_can_do_none_of_it(client, world) -> None:
    nobody = StaffFactory(username="no-role")
    client.force_login(nobody)
    assert client.get(f"/admin/customers/customer/{world['customer'].pk}/change/").status_code in (
        302,
        403,
    )
    for action in ("export", "disclose_to_shipper", "disclose_to_authority"):
        assert attempt(action, nobody, client, world) is False


def test_the_readme_table_matches_the_roles() -> None:
    """The README tells staff what each role may do; it must say what the code does."""
    from pathlib import Path

    from django.conf import settings

    readme = (Path(settings.BASE_DIR) / "README.md").read_text(encoding="utf-8")
    for role in ROLES:
        assert roles.ROLES[role].group_name in readme
