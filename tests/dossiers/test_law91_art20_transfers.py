"""Cross-border transfers (Law 91/2025/QH15 Art. 20; Decree 356/2025/NĐ-CP Art. 12(4)): every
recipient and system abroad is listed with what goes there; the first transfer starts the 60
days to file the dossier, exempted systems do not; a cloud abroad unencrypted is flagged."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from customers import disclosures
from customers.models import Purpose, Recipient
from customers.roles import CUSTOMER_CARE, LEGAL_COMPLIANCE
from dossiers import transfers
from dossiers.models import ProcessingSystem, TransferExemption
from dossiers.services import processing_system_save
from tests.factories import CustomerFactory, PurposeFactory, role_member

pytestmark = pytest.mark.django_db


def _system(**fields: Any) -> ProcessingSystem:
    return processing_system_save(
        system=ProcessingSystem(hosting=ProcessingSystem.Hosting.CLOUD, **fields),
        actor=role_member(LEGAL_COMPLIANCE, f"phap-che-{ProcessingSystem.objects.count()}"),
    )


@time_machine.travel(datetime.datetime(2026, 12, 2, 10), tick=False)
def test_the_first_transfer_abroad_starts_the_60_days(client: Client) -> None:
    _system(name="Máy chủ tại Việt Nam", country="VN", first_transfer_on=datetime.date(2026, 1, 5))
    _system(
        name="Lưu trữ hồ sơ nhân sự",
        country="SG",
        first_transfer_on=datetime.date(2026, 2, 1),
        transfer_exemption=TransferExemption.EMPLOYEES_CLOUD,
        encrypted_in_transit=True,
        encrypted_at_rest=True,
    )
    _system(
        name="Dịch vụ email",
        provider="SendGrid, Inc.",
        country="US",
        data_items=["3.1", "3.7"],
        first_transfer_on=datetime.date(2026, 10, 10),
        encrypted_in_transit=True,
    )

    built = transfers.transfers_build()
    assert [line.name for line in built.transfers] == [
        "Dịch vụ email (SendGrid, Inc.)",
        "Lưu trữ hồ sơ nhân sự",
    ]
    # Art. 20(6)(b): the exempted one does not start the clock.
    assert built.first_transfer_on == datetime.date(2026, 10, 10)
    assert built.filing_due_on == datetime.date(2026, 12, 9) and not built.filing_overdue

    client.force_login(role_member(LEGAL_COMPLIANCE, "phap-che-xuyen-bien-gioi"))
    page = client.get(reverse("admin:dossiers_transfers")).content.decode()
    assert "09/12/2026" in page and "Hoa Kỳ" in page
    assert "khoản 4 Điều 12" in page  # the email service is not encrypted at rest
    with time_machine.travel(datetime.datetime(2026, 12, 10, 10), tick=False):
        client.force_login(role_member(LEGAL_COMPLIANCE, "phap-che-qua-han"))
        assert "quá hạn" in client.get(reverse("admin:dossiers_transfers")).content.decode()


def test_a_recipient_abroad_transfers_from_its_first_hand_over() -> None:
    partner = disclosures.recipient_save(
        recipient=Recipient(
            name="Đối tác bảo hành Singapore",
            kind=Recipient.Kind.PARTNER,
            purpose=PurposeFactory(code="warranty", legal_basis=Purpose.LegalBasis.CONTRACT),
            contract_reference="HĐ-SG-1",
            allowed_items=["name", "phone"],
            country="SG",
        ),
        actor=None,
    )
    assert transfers.transfers_build().first_transfer_on is None
    with time_machine.travel(datetime.datetime(2026, 11, 3, 9), tick=False):
        disclosures.disclosure_create(
            actor=role_member(CUSTOMER_CARE, "cskh-sg"),
            customer=CustomerFactory(),
            recipient=partner,
            items=["name"],
        )
    built = transfers.transfers_build()
    (line,) = built.transfers
    assert line.country == "Singapore" and line.items == ["Tên", "Số điện thoại"]
    assert built.first_transfer_on == datetime.date(2026, 11, 3)
    assert built.filing_due_on == datetime.date(2027, 1, 2)
