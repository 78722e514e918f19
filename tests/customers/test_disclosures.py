"""Third parties (seeds §4): a disclosure goes out only as the recipient's contract, the
customer's consent or the law allows, and each one is recorded with its access-log row; the
shipping hand-over gives the shipper exactly its allowed fields; the customer can be told who
received their data."""

from __future__ import annotations

import datetime
import os
import re
import zoneinfo
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import clear_url_caches, reverse
from django.utils import translation

from customers import disclosures, services
from customers.models import AccessLog, Channel, Customer, Disclosure, Order, Purpose, Recipient
from customers.personal_data import DataItem
from tests.factories import CustomerFactory, PurposeFactory, StaffFactory, eml_bytes, png_bytes

pytestmark = pytest.mark.django_db

HCM = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = png_bytes()
SHIPPER_ITEMS = [DataItem.NAME, DataItem.PHONE, DataItem.DELIVERY_ADDRESS]


@pytest.fixture(autouse=True)
def _english(settings: Any) -> Iterator[None]:
    """Messages are asserted in English (the admin speaks LANGUAGE_CODE); the shipper's CSV is
    Vietnamese whatever the staff member's language."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield
    clear_url_caches()


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


# People and parties ------------------------------------------------------------------------


def _staff(username: str, *codenames: str) -> Any:
    user = StaffFactory(username=username, is_superuser=False)
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="customers", codename__in=codenames)
    )
    return user


@pytest.fixture
def clerk(db: None) -> Any:
    """Customer care: may record disclosures, not to authorities."""
    return _staff("cskh-lan", "add_disclosure")


@pytest.fixture
def dpo(db: None) -> Any:
    """Legal & compliance: may also record disclosures to state authorities."""
    return _staff("phap-che-binh", "add_disclosure", "record_authority_disclosure")


@pytest.fixture
def fulfilment(db: None) -> Purpose:
    return PurposeFactory(
        code="order-fulfilment",
        name_vi="Xử lý và giao đơn hàng",
        name_en="Order fulfilment",
        legal_basis=Purpose.LegalBasis.CONTRACT,
    )


@pytest.fixture
def sharing(db: None) -> Purpose:
    return PurposeFactory(
        code="partner-sharing",
        name_vi="Chia sẻ với đối tác",
        name_en="Sharing with partners",
        legal_basis=Purpose.LegalBasis.CONSENT,
    )


@pytest.fixture
def legal(db: None) -> Purpose:
    return PurposeFactory(
        code="legal-obligations",
        name_vi="Nghĩa vụ pháp lý",
        name_en="Legal obligations",
        legal_basis=Purpose.LegalBasis.LEGAL_OBLIGATION,
    )


def _recipient(**fields: Any) -> Recipient:
    return disclosures.recipient_save(recipient=Recipient(**fields), actor=None)


@pytest.fixture
def shipper(fulfilment: Purpose) -> Recipient:
    return _recipient(
        name="Giao Hàng Nhanh",
        kind=Recipient.Kind.SHIPPER,
        purpose=fulfilment,
        contract_reference="HĐ-2026/GHN-01",
        allowed_items=[DataItem.DELIVERY_ADDRESS, DataItem.NAME, DataItem.PHONE],
    )


@pytest.fixture
def partner(sharing: Purpose) -> Recipient:
    return _recipient(
        name="Đối tác Bảo hành Sao Mai",
        kind=Recipient.Kind.PARTNER,
        purpose=sharing,
        contract_reference="HĐ-2026/SM-07",
        allowed_items=[DataItem.NAME, DataItem.PHONE],
    )


@pytest.fixture
def police(legal: Purpose) -> Recipient:
    return _recipient(
        name="Cơ quan CSĐT Công an TP. Hồ Chí Minh",
        kind=Recipient.Kind.AUTHORITY,
        purpose=legal,
        allowed_items=list(DataItem.values),
    )


@pytest.fixture
def customer(db: None) -> Customer:
    return CustomerFactory(full_name="Nguyễn Văn An", phone="0912 853 984", email="an@example.vn")


def _scan(content: bytes = PDF, name: str = "Yêu cầu số 123.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, "application/pdf")


def _request(**overrides: Any) -> dict[str, Any]:
    return {
        "request_issuer": "Cơ quan CSĐT Công an TP. Hồ Chí Minh",
        "request_number": "123/CSĐT-PC02",
        "request_date": datetime.date(2026, 11, 2),
        "request_scan": _scan(),
        **overrides,
    }


def _refusal(**kwargs: Any) -> ValidationError:
    with pytest.raises(ValidationError) as refused:
        disclosures.disclosure_create(**kwargs)
    return refused.value


def _nothing_written() -> None:
    assert not Disclosure.objects.exists()
    assert not AccessLog.objects.exists()


# Refusals ----------------------------------------------------------------------------------


def test_an_item_outside_the_recipients_list_is_refused_by_name(
    clerk: Any, customer: Customer, shipper: Recipient
) -> None:
    error = _refusal(
        actor=clerk,
        customer=customer,
        recipient=shipper,
        items=[DataItem.NAME, DataItem.EMAIL, DataItem.PHONE],
    )

    assert error.message_dict["items"] == [
        "Giao Hàng Nhanh may receive: Name, Phone number, Delivery address. "
        "Not allowed: Email address."
    ]
    _nothing_written()


def test_a_hand_over_the_customer_asked_for_needs_no_purpose_consent_but_its_evidence(
    clerk: Any, dpo: Any, customer: Customer, partner: Recipient, police: Recipient
) -> None:
    """Seed 004 §4 ("other parties when you agree or ask"); Law 91/2025 Art. 17(1)(a)."""
    disclosure = disclosures.disclosure_create(
        actor=clerk,
        customer=customer,
        recipient=partner,
        items=["name", "phone"],
        customer_instruction="  Yêu cầu KN-7Q2M4X: gửi thông tin cho đối tác bảo hành  ",
    )
    assert disclosure.legal_basis == Purpose.LegalBasis.CONSENT
    assert disclosure.customer_instruction.startswith("Yêu cầu KN-7Q2M4X")
    assert disclosure.history.get().history_user == clerk

    error = _refusal(
        actor=dpo,
        customer=customer,
        recipient=police,
        items=["name"],
        customer_instruction="Email của khách",
        **_request(),
    )
    assert error.message_dict["customer_instruction"] == [
        "A state authority receives data on its written request, not on the customer's."
    ]


def test_a_partner_needs_the_customers_granted_consent(
    clerk: Any, customer: Customer, partner: Recipient, sharing: Purpose, policy: Any
) -> None:
    disclose = {"actor": clerk, "customer": customer, "recipient": partner, "items": ["name"]}

    error = _refusal(**disclose)
    assert error.message_dict[NON_FIELD_ERRORS] == [
        "Nguyễn Văn An has not consented to “Sharing with partners”: nothing may be shared."
    ]
    _nothing_written()

    consent = services.consent_grant(
        customer=customer, purpose=sharing, channel=Channel.PHONE, form_reference="CALL-1"
    )
    services.consent_withdraw(
        consent=consent,
        channel=Channel.EMAIL,
        withdrawal_evidence_file=SimpleUploadedFile("rut-lai.eml", eml_bytes()),
        when=datetime.datetime(2026, 11, 20, 9, tzinfo=HCM),
    )

    error = _refusal(**disclose)
    assert error.message_dict[NON_FIELD_ERRORS] == [
        "Nguyễn Văn An withdrew consent to “Sharing with partners” on 20/11/2026: "
        "nothing may be shared."
    ]
    assert [e.code for e in error.error_dict[NON_FIELD_ERRORS]] == ["consent_withdrawn"]
    _nothing_written()


def test_an_authority_needs_its_written_request_with_a_scan(
    dpo: Any, customer: Customer, police: Recipient
) -> None:
    error = _refusal(actor=dpo, customer=customer, recipient=police, items=["name", "phone"])

    assert error.message_dict == {
        "request_issuer": ["Give the body that issued the request."],
        "request_number": ["Give the request's document number."],
        "request_date": ["Give the date of the request."],
        "request_scan": ["Attach a scan of the written request."],
    }
    _nothing_written()


def test_only_legal_and_compliance_records_a_disclosure_to_an_authority(
    clerk: Any, customer: Customer, police: Recipient
) -> None:
    with pytest.raises(PermissionDenied, match="Only Legal & compliance"):
        disclosures.disclosure_create(
            actor=clerk, customer=customer, recipient=police, items=["name"], **_request()
        )
    _nothing_written()


@pytest.mark.parametrize("actor", ["staff without the permission", "nobody"])
def test_a_disclosure_needs_the_right_to_record_one(
    actor: str, customer: Customer, shipper: Recipient
) -> None:
    user = _staff("sales-tuan", "view_customer", "view_disclosure") if actor != "nobody" else None
    with pytest.raises(PermissionDenied, match="You may not record disclosures"):
        disclosures.disclosure_create(
            actor=user, customer=customer, recipient=shipper, items=["name"]
        )
    with pytest.raises(PermissionDenied):
        disclosures.shipper_handover(actor=user, orders=[], recipient=shipper)
    _nothing_written()


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (
            b"<html><script>alert(1)</script></html>",
            "yeu-cau.pdf",
            "The scan must be a PDF, JPEG or PNG file; “yeu-cau.pdf” is none of these.",
        ),
        (b"PK\x03\x04 a word document", "yeu-cau.docx", "The scan must be a PDF, JPEG or PNG"),
        (PDF + b"\0" * (10 * 1024 * 1024), "big.pdf", "a scan may be at most 10 MB"),
    ],
)
def test_the_scan_must_be_a_pdf_or_an_image_of_at_most_10_mb(
    dpo: Any, customer: Customer, police: Recipient, content: bytes, name: str, message: str
) -> None:
    error = _refusal(
        actor=dpo,
        customer=customer,
        recipient=police,
        items=["name"],
        **_request(request_scan=_scan(content, name)),
    )

    assert list(error.message_dict) == ["request_scan"]
    assert message in error.message_dict["request_scan"][0]
    _nothing_written()


def test_an_inactive_recipient_receives_nothing(
    clerk: Any, customer: Customer, shipper: Recipient
) -> None:
    shipper.is_active = False
    disclosures.recipient_save(recipient=shipper, actor=None)

    error = _refusal(actor=clerk, customer=customer, recipient=shipper, items=["name"])

    assert error.message_dict["recipient"] == ["Giao Hàng Nhanh is no longer an active recipient."]
    _nothing_written()


def test_nothing_of_an_erased_customer_goes_out(
    clerk: Any, customer: Customer, shipper: Recipient
) -> None:
    Customer.objects.filter(pk=customer.pk).update(status=Customer.Status.ERASED)
    customer.refresh_from_db()

    error = _refusal(actor=clerk, customer=customer, recipient=shipper, items=["name"])

    assert [e.code for e in error.error_dict["customer"]] == ["customer_not_active"]
    _nothing_written()


def test_a_legal_obligation_is_towards_authorities_only(
    clerk: Any, customer: Customer, legal: Purpose
) -> None:
    with pytest.raises(ValidationError) as refused:
        _recipient(
            name="Công ty Thu hộ",
            kind=Recipient.Kind.PARTNER,
            purpose=legal,
            contract_reference="HĐ-1",
            allowed_items=["name"],
        )
    assert "Only a state authority" in refused.value.message_dict["purpose"][0]

    # A recipient written around the service is still refused at disclosure time.
    collector = Recipient.objects.create(
        name="Công ty Thu hộ",
        kind=Recipient.Kind.PARTNER,
        purpose=legal,
        contract_reference="HĐ-1",
        allowed_items=["name"],
    )
    error = _refusal(actor=clerk, customer=customer, recipient=collector, items=["name"])
    assert [e.code for e in error.error_dict["recipient"]] == ["legal_obligation_not_authority"]
    _nothing_written()


def test_a_recipient_names_what_it_may_receive_and_its_contract(fulfilment: Purpose) -> None:
    with pytest.raises(ValidationError) as refused:
        _recipient(name="Viettel Post", kind=Recipient.Kind.SHIPPER, purpose=fulfilment)

    assert refused.value.message_dict == {
        "allowed_items": ["Choose the data this recipient may receive."],
        "contract_reference": [
            "A third party other than a state authority receives data only under a contract: "
            "give its reference."
        ],
    }
    assert not Recipient.objects.exists()


# Allowed -----------------------------------------------------------------------------------


def _one_disclose_row(staff: Any, customer: Customer) -> AccessLog:
    row = AccessLog.objects.get()
    assert (row.staff, row.customer, row.action) == (staff, customer, AccessLog.Action.DISCLOSE)
    return row


def test_a_shipper_receives_under_the_contract_without_consent(
    clerk: Any, customer: Customer, shipper: Recipient, fulfilment: Purpose
) -> None:
    disclosure = disclosures.disclosure_create(
        actor=clerk,
        customer=customer,
        recipient=shipper,
        items=[DataItem.PHONE, DataItem.NAME],
        ip_address="203.0.113.7",
    )

    stored = Disclosure.objects.get()
    assert stored == disclosure
    assert (stored.items, stored.purpose, stored.legal_basis, stored.approved_by) == (
        ["name", "phone"],
        fulfilment,
        Purpose.LegalBasis.CONTRACT,
        clerk,
    )
    row = _one_disclose_row(clerk, customer)
    # The items by their names (in the staff's language: English in this module).
    assert (row.detail, row.ip_address) == (
        "to Giao Hàng Nhanh: Name, Phone number",
        "203.0.113.7",
    )
    assert "853" not in row.detail  # names the items, never their values


def test_a_partner_receives_with_the_customers_consent(
    clerk: Any, customer: Customer, partner: Recipient, sharing: Purpose, policy: Any
) -> None:
    services.consent_grant(
        customer=customer, purpose=sharing, channel=Channel.PHONE, form_reference="CALL-2"
    )

    disclosure = disclosures.disclosure_create(
        actor=clerk, customer=customer, recipient=partner, items=["name", "phone"]
    )

    assert disclosure.legal_basis == Purpose.LegalBasis.CONSENT
    _one_disclose_row(clerk, customer)


def test_an_authority_receives_on_its_written_request(
    dpo: Any, customer: Customer, police: Recipient
) -> None:
    disclosure = disclosures.disclosure_create(
        actor=dpo,
        customer=customer,
        recipient=police,
        items=["tax_id", "name", "orders"],
        **_request(),
    )

    disclosure.refresh_from_db()
    assert (disclosure.request_number, disclosure.request_date) == (
        "123/CSĐT-PC02",
        datetime.date(2026, 11, 2),
    )
    assert disclosure.legal_basis == Purpose.LegalBasis.LEGAL_OBLIGATION
    assert disclosure.items == ["name", "tax_id", "orders"]
    # Stored under a random name with the extension of its content, never the sent name.
    assert re.fullmatch(r"[0-9a-f]{32}\.pdf", os.path.basename(disclosure.request_scan.name))
    with disclosure.request_scan.open("rb") as scan:
        assert scan.read() == PDF
    _one_disclose_row(dpo, customer)


def test_a_png_photo_of_the_request_will_do(
    dpo: Any, customer: Customer, police: Recipient
) -> None:
    scan = SimpleUploadedFile("anh-chup.JPG", PNG, "image/jpeg")  # the name says JPEG; it is PNG

    disclosure = disclosures.disclosure_create(
        actor=dpo,
        customer=customer,
        recipient=police,
        items=["name"],
        **_request(request_scan=scan),
    )

    assert re.fullmatch(r"[0-9a-f]{32}\.png", os.path.basename(disclosure.request_scan.name))


# The shipping hand-over --------------------------------------------------------------------


def _order(customer: Customer | None, reference: str, hour: int, **fields: Any) -> Order:
    values = {
        "recipient_name": customer.full_name if customer else "Khách lẻ",
        "delivery_phone": "0903 123 456",
        "delivery_address": "5 Đồng Khởi, Phường Sài Gòn, TP. Hồ Chí Minh",
        "total_vnd": 1_250_000,
        **fields,
    }
    return services.order_create(
        customer=customer,
        reference=reference,
        ordered_at=datetime.datetime(2026, 11, 23, hour, tzinfo=HCM),
        **values,
    )


@pytest.fixture
def tuyet(db: None) -> Customer:
    return CustomerFactory(
        full_name="Nguyễn Thị Ánh Tuyết",
        phone="0912 853 984",
        email="anh.tuyet@example.vn",
        tax_code="079190001234",
    )


@pytest.fixture
def frozen() -> Iterator[None]:
    with time_machine.travel(datetime.datetime(2026, 11, 23, 15, 30, tzinfo=HCM), tick=False):
        yield


def test_the_shipper_csv_byte_for_byte(
    frozen: None, clerk: Any, shipper: Recipient, tuyet: Customer
) -> None:
    binh = CustomerFactory(full_name="Trần Văn Bình", phone="0987 654 321")
    first = _order(
        tuyet,
        "DH-2026-0001",
        8,
        delivery_phone="+84912853984",
        delivery_address="12 Đường Trần Hưng Đạo, Phường Cầu Ông Lãnh, TP. Hồ Chí Minh",
    )
    second = _order(
        binh,
        "DH-2026-0002",
        9,
        delivery_phone="0987654321",
        delivery_address='Số 7 hẻm "Cây Me", Phường Bến Nghé, TP. Hồ Chí Minh',
    )
    third = _order(binh, "DH-2026-0003", 10, delivery_phone="028 3822 1234")

    handover = disclosures.shipper_handover(
        actor=clerk,
        orders=Order.objects.filter(pk__in=[third.pk, first.pk, second.pk]),
        recipient=shipper,
    )

    assert handover.content == (
        b"\xef\xbb\xbf"
        + "Mã đơn,Tên người nhận,Điện thoại giao hàng,Địa chỉ giao hàng\r\n".encode()
        + "DH-2026-0001,Nguyễn Thị Ánh Tuyết,0912 853 984,"
        '"12 Đường Trần Hưng Đạo, Phường Cầu Ông Lãnh, TP. Hồ Chí Minh"\r\n'.encode()
        + "DH-2026-0002,Trần Văn Bình,0987 654 321,"
        '"Số 7 hẻm ""Cây Me"", Phường Bến Nghé, TP. Hồ Chí Minh"\r\n'.encode()
        + "DH-2026-0003,Trần Văn Bình,028 3822 1234,"
        '"5 Đồng Khởi, Phường Sài Gòn, TP. Hồ Chí Minh"\r\n'.encode()
    )
    text = handover.content.decode("utf-8-sig")
    for absent in ("@", "anh.tuyet", "079190001234", "1250000", "1.250.000", "Email", "thuế"):
        assert absent not in text
    assert handover.filename == "SHIP-20261123-0001-giao-hang-nhanh.csv"
    assert handover.skipped == []

    # One disclosure per customer, even for Bình's two orders, under one reference.
    recorded = Disclosure.objects.order_by("customer__full_name")
    assert [(d.customer, d.items, d.batch_reference) for d in recorded] == [
        (tuyet, ["name", "phone", "delivery_address"], "SHIP-20261123-0001"),
        (binh, ["name", "phone", "delivery_address"], "SHIP-20261123-0001"),
    ]
    assert recorded.get(customer=binh).notes == "Orders: DH-2026-0002, DH-2026-0003"
    assert sorted(
        AccessLog.objects.filter(action=AccessLog.Action.DISCLOSE).values_list(
            "customer_id", flat=True
        )
    ) == sorted([tuyet.pk, binh.pk])

    again = disclosures.shipper_handover(actor=clerk, orders=[first], recipient=shipper)
    assert again.batch_reference == "SHIP-20261123-0002"


def test_a_shipper_allowed_the_amounts_gets_them_for_cash_on_delivery(
    clerk: Any, fulfilment: Purpose, tuyet: Customer
) -> None:
    cod = _recipient(
        name="Viettel Post",
        kind=Recipient.Kind.SHIPPER,
        purpose=fulfilment,
        contract_reference="HĐ-VTP-3",
        allowed_items=[*SHIPPER_ITEMS, DataItem.ORDERS],
    )
    order = _order(tuyet, "DH-9", 8)

    handover = disclosures.shipper_handover(actor=clerk, orders=[order], recipient=cod)

    header, row = handover.content.decode("utf-8-sig").splitlines()
    assert header.endswith(",Tổng tiền (VNĐ)")
    assert row.endswith(",1250000")
    assert Disclosure.objects.get().items == ["name", "phone", "delivery_address", "orders"]


def test_orders_that_cannot_go_are_skipped_with_a_reason(
    clerk: Any, shipper: Recipient, tuyet: Customer
) -> None:
    gone = CustomerFactory(full_name="Lê Thị Mất")
    orders = [
        _order(tuyet, "DH-OK", 8),
        _order(None, "DH-WALKIN", 9),
        _order(gone, "DH-ERASED", 10),
        _order(tuyet, "DH-CANCELLED", 11, status=Order.Status.CANCELLED),
        _order(tuyet, "DH-NOPHONE", 12, delivery_phone=""),
    ]
    Customer.objects.filter(pk=gone.pk).update(status=Customer.Status.ERASED)

    preview = disclosures.shipper_handover_preview(orders=orders)
    handover = disclosures.shipper_handover(actor=clerk, orders=orders, recipient=shipper)

    expected = [
        ("DH-WALKIN", "no customer on record: a hand-over is recorded against a customer"),
        ("DH-ERASED", "the customer is being or has been erased"),
        ("DH-CANCELLED", "the order is cancelled"),
        ("DH-NOPHONE", "the order has no delivery phone"),
    ]
    assert [(s.reference, s.reason) for s in preview.skipped] == expected
    assert [(s.reference, s.reason) for s in handover.skipped] == expected
    assert [o.reference for o in handover.orders] == ["DH-OK"]
    assert "DH-WALKIN" not in handover.content.decode("utf-8-sig")
    assert Disclosure.objects.get().customer == tuyet


def test_a_hand_over_with_nothing_to_give_records_nothing(
    clerk: Any, shipper: Recipient, police: Recipient
) -> None:
    walk_in = _order(None, "DH-WALKIN", 9)

    with pytest.raises(ValidationError, match="None of the selected orders can be handed over"):
        disclosures.shipper_handover(actor=clerk, orders=[walk_in], recipient=shipper)
    with pytest.raises(ValidationError, match="is not a shipper"):
        disclosures.shipper_handover(actor=clerk, orders=[walk_in], recipient=police)
    _nothing_written()


def test_a_cell_excel_would_run_as_a_formula_is_written_as_text(
    clerk: Any, shipper: Recipient, tuyet: Customer
) -> None:
    order = _order(tuyet, "DH-1", 8, recipient_name='=HYPERLINK("http://x.example","Bấm")')

    handover = disclosures.shipper_handover(actor=clerk, orders=[order], recipient=shipper)

    assert ',"\'=HYPERLINK(""http://x.example"",""Bấm"")",' in handover.content.decode("utf-8-sig")


# "Who received my data" ----------------------------------------------------------------------


def test_the_report_lists_every_disclosure_newest_first(
    controller: Any,
    dpo: Any,
    customer: Customer,
    shipper: Recipient,
    police: Recipient,
) -> None:
    disclosures.disclosure_create(
        actor=dpo,
        customer=customer,
        recipient=shipper,
        items=SHIPPER_ITEMS,
        when=datetime.datetime(2026, 10, 1, 9, tzinfo=HCM),
    )
    disclosures.disclosure_create(
        actor=dpo,
        customer=customer,
        recipient=police,
        items=["name", "phone"],
        when=datetime.datetime(2026, 11, 5, 9, tzinfo=HCM),
        **_request(),
    )

    report = disclosures.disclosure_report_get(customer=customer)

    assert report.controller == controller
    assert [
        (line.recipient, line.recipient_kind, line.items, line.legal_basis, line.purpose)
        for line in report.lines
    ] == [
        (
            "Cơ quan CSĐT Công an TP. Hồ Chí Minh",
            "State authority",
            ["Name", "Phone number"],
            "Legal obligation",
            "Legal obligations",
        ),
        (
            "Giao Hàng Nhanh",
            "Shipper",
            ["Name", "Phone number", "Delivery address"],
            "Contract",
            "Order fulfilment",
        ),
    ]
    assert (report.lines[0].request_number, report.lines[0].request_date) == (
        "123/CSĐT-PC02",
        datetime.date(2026, 11, 2),
    )


# The admin ---------------------------------------------------------------------------------


def _url(name: str, *args: Any) -> str:
    return reverse(f"admin:customers_{name}", args=args)


def test_a_recipient_is_added_with_checkboxes_for_what_it_may_receive(
    admin_client: Client, superuser: Any, fulfilment: Purpose
) -> None:
    page = admin_client.get(_url("recipient_add")).content.decode()
    assert 'type="checkbox" name="allowed_items" value="delivery_address"' in page

    response = admin_client.post(
        _url("recipient_add"),
        {
            "name": "Giao Hàng Tiết Kiệm",
            "kind": Recipient.Kind.SHIPPER,
            "purpose": str(fulfilment.pk),
            "contract_reference": "HĐ-GHTK-2026",
            "contract_date": "2026-01-15",
            "allowed_items": ["phone", "delivery_address", "name"],
            "country": "VN",  # the select's default, as a browser posts it
            "is_active": "on",
        },
    )

    assert response.status_code == 302
    recipient = Recipient.objects.get()
    assert recipient.allowed_items == ["name", "phone", "delivery_address"]
    assert recipient.history.get().history_user == superuser


def test_a_recipient_refused_by_the_service_keeps_what_was_typed(
    admin_client: Client, legal: Purpose
) -> None:
    response = admin_client.post(
        _url("recipient_add"),
        {
            "name": "Giao Hàng Tiết Kiệm",
            "kind": Recipient.Kind.SHIPPER,
            "purpose": str(legal.pk),
            "contract_reference": "HĐ-GHTK-2026",
            "allowed_items": ["name"],
            "country": "VN",
            "is_active": "on",
        },
    )

    assert response.status_code == 200
    form = response.context["adminform"].form
    assert "Only a state authority" in " ".join(form.errors["purpose"])
    assert form["contract_reference"].value() == "HĐ-GHTK-2026"
    assert not Recipient.objects.exists()


def _disclosure_form(customer: Customer, recipient: Recipient, **fields: Any) -> dict[str, Any]:
    return {
        "customer": str(customer.pk),
        "recipient": str(recipient.pk),
        "items": ["name", "phone"],
        "request_issuer": "",
        "request_number": "",
        "request_date": "",
        "notes": "",
        **fields,
    }


def test_legal_and_compliance_records_an_authoritys_request_with_its_scan(
    client: Client, customer: Customer, police: Recipient
) -> None:
    dpo = _staff(
        "phap-che-hoa",
        "add_disclosure",
        "view_disclosure",
        "record_authority_disclosure",
        "view_customer",
        "view_full_personal_data",
    )
    client.force_login(dpo)
    form = _disclosure_form(
        customer,
        police,
        request_issuer="Viện Kiểm sát nhân dân TP. Hồ Chí Minh",
        request_number="45/VKS-P1",
        request_date="2026-11-02",
        request_scan=_scan(),
        notes="Giao bản in tại trụ sở.",
    )

    response = client.post(_url("disclosure_add"), form, REMOTE_ADDR="198.51.100.4")

    assert response.status_code == 302
    disclosure = Disclosure.objects.get()
    assert (disclosure.approved_by, disclosure.request_number, disclosure.items) == (
        dpo,
        "45/VKS-P1",
        ["name", "phone"],
    )
    assert AccessLog.objects.get(action=AccessLog.Action.DISCLOSE).ip_address == "198.51.100.4"

    page = client.get(_url("disclosure_change", disclosure.pk)).content.decode()
    assert "Name, Phone number" in page
    assert _url("disclosure_scan", disclosure.pk) in page
    scan = client.get(_url("disclosure_scan", disclosure.pk))
    assert scan.status_code == 200
    assert scan["Content-Type"] == "application/pdf"
    assert b"".join(scan.streaming_content) == PDF
    views = AccessLog.objects.filter(action=AccessLog.Action.VIEW, customer=customer)
    assert sorted(views.values_list("detail", flat=True)) == [
        f"disclosure #{disclosure.pk}",
        f"the authority's request scanned for disclosure #{disclosure.pk}",
    ]


def test_staff_without_the_full_view_see_disclosures_masked_and_no_scan(
    client: Client, dpo: Any, customer: Customer, police: Recipient
) -> None:
    disclosure = disclosures.disclosure_create(
        actor=dpo, customer=customer, recipient=police, items=["name"], **_request()
    )
    client.force_login(_staff("cskh-kim", "view_disclosure", "view_customer"))

    listing = client.get(_url("disclosure_changelist")).content.decode()
    page = client.get(_url("disclosure_change", disclosure.pk)).content.decode()

    for html in (listing, page):
        assert "Nguyễn V. A." in html
        assert "Nguyễn Văn An" not in html
    assert _url("disclosure_scan", disclosure.pk) not in page
    assert client.get(_url("disclosure_scan", disclosure.pk)).status_code == 403


def test_a_refused_disclosure_is_a_form_error_and_writes_nothing(
    client: Client, customer: Customer, police: Recipient, partner: Recipient, policy: Any
) -> None:
    clerk = _staff("cskh-mai", "add_disclosure", "view_disclosure")
    client.force_login(clerk)

    response = client.post(
        _url("disclosure_add"),
        _disclosure_form(
            customer,
            police,
            request_issuer="Công an quận 1",
            request_number="7/CAQ1",
            request_date="2026-11-02",
            request_scan=_scan(),
        ),
    )
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert "Only Legal & compliance" in " ".join(form.errors["recipient"])
    assert form["request_number"].value() == "7/CAQ1"

    response = client.post(_url("disclosure_add"), _disclosure_form(customer, partner))
    assert response.status_code == 200
    errors = " ".join(response.context["adminform"].form.non_field_errors())
    assert "Nguyễn Văn An has not consented to “Sharing with partners”" in errors

    response = client.post(
        _url("disclosure_add"), _disclosure_form(customer, partner, items=["name", "email"])
    )
    assert "Not allowed: Email address." in " ".join(
        response.context["adminform"].form.errors["items"]
    )
    _nothing_written()


def test_a_disclosure_is_evidence_never_changed_or_deleted(
    admin_client: Client, dpo: Any, customer: Customer, shipper: Recipient
) -> None:
    disclosure = disclosures.disclosure_create(
        actor=dpo, customer=customer, recipient=shipper, items=["name"]
    )

    assert admin_client.post(_url("disclosure_change", disclosure.pk), {}).status_code == 403
    response = admin_client.post(_url("disclosure_delete", disclosure.pk), {"post": "yes"})
    assert response.status_code == 403
    actions = admin_client.get(_url("disclosure_changelist")).context["action_form"]
    assert actions is None or "delete_selected" not in dict(actions.fields["action"].choices)
    assert Disclosure.objects.filter(pk=disclosure.pk).exists()


def test_disclosures_found_by_customer_id_and_hand_over_reference(
    admin_client: Client, clerk: Any, shipper: Recipient, tuyet: Customer, customer: Customer
) -> None:
    first = disclosures.shipper_handover(
        actor=clerk, orders=[_order(tuyet, "DH-1", 8)], recipient=shipper
    )
    disclosures.disclosure_create(actor=clerk, customer=customer, recipient=shipper, items=["name"])

    def found(term: str) -> list[Customer]:
        response = admin_client.get(_url("disclosure_changelist"), {"q": term})
        return [d.customer for d in response.context["cl"].result_list]

    assert found(f"#{customer.pk}") == [customer]
    assert found(str(tuyet.pk)) == [tuyet]
    assert found(first.batch_reference.lower()) == [tuyet]


@pytest.mark.parametrize("model", ["recipient", "disclosure"])
def test_list_pages_run_a_bounded_number_of_queries(
    admin_client: Client,
    django_assert_max_num_queries: Any,
    clerk: Any,
    dpo: Any,
    shipper: Recipient,
    police: Recipient,
    fulfilment: Purpose,
    model: str,
) -> None:
    def grow(n: int) -> None:
        for _ in range(n):
            customer = CustomerFactory()
            disclosures.disclosure_create(
                actor=clerk, customer=customer, recipient=shipper, items=["name"]
            )
            disclosures.disclosure_create(
                actor=dpo, customer=customer, recipient=police, items=["name"], **_request()
            )
            _recipient(
                name=f"Shipper {customer.pk}",
                kind=Recipient.Kind.SHIPPER,
                purpose=fulfilment,
                contract_reference=f"HĐ-{customer.pk}",
                allowed_items=SHIPPER_ITEMS,
            )

    url = _url(f"{model}_changelist")
    grow(2)
    admin_client.get(url)  # warm per-process caches (content types)
    with django_assert_max_num_queries(10) as few:
        assert admin_client.get(url).status_code == 200
    grow(20)
    with django_assert_max_num_queries(len(few)):
        response = admin_client.get(url)
    assert len(response.context["cl"].result_list) > 4


# Wired into the customers admin by customers/admin/customers.py ----------------------------


def _select(client: Client, orders: list[Order], **extra: str) -> Any:
    return client.post(
        _url("order_changelist"),
        {"action": "hand_over_to_shipper", "_selected_action": [o.pk for o in orders], **extra},
    )


def test_the_order_action_asks_for_the_shipper_then_downloads_the_csv(
    client: Client, shipper: Recipient, tuyet: Customer
) -> None:
    clerk = _staff("cskh-thu", "add_disclosure", "view_order", "view_full_personal_data")
    client.force_login(clerk)
    ready = _order(tuyet, "DH-2026-0001", 8)
    walk_in = _order(None, "DH-WALKIN", 9)

    step_one = _select(client, [ready, walk_in])

    assert step_one.status_code == 200
    page = step_one.content.decode()
    assert "Giao Hàng Nhanh — Name, Phone number, Delivery address" in page
    assert "DH-2026-0001 — Nguyễn Thị Ánh Tuyết" in page
    assert "DH-WALKIN: no customer on record" in page
    assert not Disclosure.objects.exists()

    step_two = _select(client, [ready, walk_in], post="yes", recipient=str(shipper.pk))

    assert step_two.status_code == 200
    assert step_two["Content-Type"] == "text/csv; charset=utf-8"
    batch = Disclosure.objects.get().batch_reference
    assert step_two["Content-Disposition"] == (
        f'attachment; filename="{batch}-giao-hang-nhanh.csv"'
    )
    assert step_two.content.startswith(b"\xef\xbb\xbf")
    assert "DH-2026-0001,Nguyễn Thị Ánh Tuyết" in step_two.content.decode("utf-8-sig")
    listing = client.get(_url("order_changelist"))
    shown = " ".join(str(m) for m in listing.context["messages"])
    assert f"{batch}: 1 order of 1 customer handed over" in shown
    assert "1 order was not handed over: DH-WALKIN" in shown


def test_the_order_action_is_only_for_those_who_may_disclose(
    client: Client, shipper: Recipient, tuyet: Customer
) -> None:
    sales = _staff("sales-an", "view_order")
    client.force_login(sales)
    order = _order(tuyet, "DH-1", 8)

    choices = client.get(_url("order_changelist")).context["action_form"]
    assert choices is None or "hand_over_to_shipper" not in dict(choices.fields["action"].choices)
    response = _select(client, [order], post="yes", recipient=str(shipper.pk))
    assert not response.get("Content-Disposition")
    _nothing_written()


def test_who_received_my_data_page_lists_every_disclosure_and_is_logged(
    client: Client,
    controller: Any,
    dpo: Any,
    customer: Customer,
    shipper: Recipient,
    police: Recipient,
) -> None:
    disclosures.disclosure_create(
        actor=dpo,
        customer=customer,
        recipient=shipper,
        items=SHIPPER_ITEMS,
        when=datetime.datetime(2026, 10, 1, 9, tzinfo=HCM),
    )
    disclosures.disclosure_create(
        actor=dpo,
        customer=customer,
        recipient=police,
        items=["name", "phone"],
        when=datetime.datetime(2026, 11, 5, 9, tzinfo=HCM),
        **_request(),
    )
    care = _staff("cskh-ha", "view_customer", "view_full_personal_data")
    client.force_login(care)

    response = client.get(_url("customer_disclosure_report", customer.pk))

    assert response.status_code == 200
    page = response.content.decode()
    for shown in (
        "Who received your data",
        controller.legal_name,
        "Nguyễn Văn An",
        "Giao Hàng Nhanh",
        "Name, Phone number, Delivery address",
        "01/10/2026",
        "Contract",
        "Cơ quan CSĐT Công an TP. Hồ Chí Minh",
        "05/11/2026",
        "Legal obligation",
        "123/CSĐT-PC02",
        "02/11/2026",
        "window.print()",
    ):
        assert shown in page, shown
    printed = AccessLog.objects.get(action=AccessLog.Action.PRINT)
    assert (printed.staff, printed.customer) == (care, customer)

    # Without the full view: the customer's name masked, who received what in full; no print.
    client.force_login(_staff("sales-ha", "view_customer"))
    page = client.get(_url("customer_disclosure_report", customer.pk)).content.decode()
    assert ("Nguyễn V. A." in page, "Nguyễn Văn An" in page) == (True, False)
    assert "Giao Hàng Nhanh" in page
    assert AccessLog.objects.filter(action=AccessLog.Action.PRINT).count() == 1

    client.force_login(_staff("no-customers", "add_disclosure"))
    assert client.get(_url("customer_disclosure_report", customer.pk)).status_code == 403


def test_decree356_art4_2_an_authoritys_request_is_opened_by_legal_only(
    client: Client, dpo: Any, customer: Customer, police: Recipient
) -> None:
    """Investigation data is sensitive (Art. 4(1)(g)): staff who see disclosures in full but do
    not record the authorities' requests cannot open the scan; the access is not logged."""
    disclosure = disclosures.disclosure_create(
        actor=dpo, customer=customer, recipient=police, items=["name"], **_request()
    )
    client.force_login(
        _staff("cskh-hoa", "view_disclosure", "view_customer", "view_full_personal_data")
    )
    assert client.get(_url("disclosure_scan", disclosure.pk)).status_code == 403
    assert not AccessLog.objects.filter(action=AccessLog.Action.VIEW).exists()
    from tests.factories import role_member

    client.force_login(role_member("legal_compliance", "phap-che-mai"))
    assert client.get(_url("disclosure_scan", disclosure.pk)).status_code == 200
