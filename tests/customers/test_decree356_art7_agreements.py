"""Agreements with recipients (Decree 356/2025/NĐ-CP Art. 7(1)): the seven contents are each
located, the signed file is checked by its content, and a hand-over outside the agreement's
term is refused with the date; one ending within 30 days is flagged in the list."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from customers import agreements, disclosures
from customers.agreement_model import CONTENTS, RecipientAgreement
from customers.models import Purpose, Recipient
from customers.roles import CUSTOMER_CARE, LEGAL_COMPLIANCE
from tests.factories import CustomerFactory, PurposeFactory, pdf_bytes, role_member

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 12, 2)


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def shipper(db: None) -> Recipient:
    return disclosures.recipient_save(
        recipient=Recipient(
            name="Giao Hàng Nhanh",
            kind=Recipient.Kind.SHIPPER,
            purpose=PurposeFactory(code="ship", legal_basis=Purpose.LegalBasis.CONTRACT),
            contract_reference="HĐ-GHN-1",
            allowed_items=["name", "phone"],
        ),
        actor=None,
    )


def _contents() -> dict[str, str]:
    return {name: f"Điều {number}" for number, (name, _label) in enumerate(CONTENTS, start=2)}


def _agreement(shipper: Recipient, **fields: Any) -> RecipientAgreement:
    return agreements.agreement_save(
        agreement=RecipientAgreement(
            recipient=shipper,
            **{
                "reference": "HĐ-GHN-2026",
                "starts_on": datetime.date(2026, 1, 1),
                **_contents(),
                **fields,
            },
        ),
        actor=role_member(LEGAL_COMPLIANCE, f"phap-che-{RecipientAgreement.objects.count()}"),
    )


def test_each_of_the_seven_contents_must_be_located(shipper: Recipient) -> None:
    with pytest.raises(ValidationError) as refused:
        _agreement(shipper, states_breach_cooperation="", states_legal_basis=" ")
    assert set(refused.value.message_dict) == {"states_breach_cooperation", "states_legal_basis"}
    assert "(g)" in refused.value.message_dict["states_breach_cooperation"][0]
    assert not RecipientAgreement.objects.exists()


def test_the_signed_file_is_checked_by_its_content(shipper: Recipient) -> None:
    with pytest.raises(ValidationError) as refused:
        agreements.agreement_save(
            agreement=RecipientAgreement(
                recipient=shipper, reference="X", starts_on=TODAY, **_contents()
            ),
            actor=role_member(LEGAL_COMPLIANCE, "phap-che-tep"),
            upload=SimpleUploadedFile("hop-dong.pdf", b"MZ\x90\x00 not a pdf"),
        )
    assert "file" in refused.value.message_dict
    kept = agreements.agreement_save(
        agreement=RecipientAgreement(
            recipient=shipper, reference="Y", starts_on=TODAY, **_contents()
        ),
        actor=role_member(LEGAL_COMPLIANCE, "phap-che-tep-2"),
        upload=SimpleUploadedFile("hop-dong-nguyen-van-a.pdf", pdf_bytes()),
    )
    assert kept.file.name.endswith(".pdf") and "nguyen" not in kept.file.name


@time_machine.travel(datetime.datetime(2026, 12, 2, 10), tick=False)
def test_a_hand_over_after_the_agreement_ended_is_refused(shipper: Recipient) -> None:
    _agreement(shipper, ends_on=datetime.date(2026, 11, 30))
    clerk = role_member(CUSTOMER_CARE, "cskh-giao")
    with pytest.raises(ValidationError) as refused:
        disclosures.disclosure_create(
            actor=clerk, customer=CustomerFactory(), recipient=shipper, items=["name"]
        )
    assert refused.value.message_dict["recipient"] == [
        "Thỏa thuận với Giao Hàng Nhanh (HĐ-GHN-2026) đã hết hiệu lực ngày 30/11/2026: không "
        "được chuyển giao dữ liệu cho đến khi ghi nhận thỏa thuận mới (khoản 1 Điều 7 Nghị định "
        "356/2025/NĐ-CP)."
    ]
    _agreement(shipper, reference="HĐ-GHN-2027", starts_on=datetime.date(2026, 12, 1))
    disclosures.disclosure_create(
        actor=clerk, customer=CustomerFactory(), recipient=shipper, items=["name"]
    )


@time_machine.travel(datetime.datetime(2026, 12, 2, 10), tick=False)
def test_an_agreement_ending_within_30_days_is_flagged(shipper: Recipient, client: Client) -> None:
    ending = _agreement(shipper, ends_on=datetime.date(2026, 12, 20))
    later = _agreement(shipper, reference="HĐ-KHAC", ends_on=datetime.date(2027, 6, 30))
    client.force_login(role_member(LEGAL_COMPLIANCE, "phap-che-danh-sach"))
    page = client.get(
        reverse("admin:customers_recipientagreement_changelist"), {"term": "ending"}
    ).content.decode()
    assert "sắp hết hạn" in page
    assert reverse("admin:customers_recipientagreement_change", args=[ending.pk]) in page
    assert reverse("admin:customers_recipientagreement_change", args=[later.pk]) not in page
