"""The seeded company the dossiers' tests build their documents from: two purposes (one by
consent with a sensitive item), a shipper that received one customer's data, and a foreign
email service that stores the marketing list."""

from __future__ import annotations

from typing import Any

import pytest

from customers import disclosures, services
from customers.models import Channel, Controller, Purpose, Recipient
from customers.roles import CUSTOMER_CARE, LEGAL_COMPLIANCE
from dossiers.models import ProcessingSystem
from dossiers.services import processing_system_save
from tests.factories import CustomerFactory, PurposeFactory, role_member


@pytest.fixture
def fulfilment(db: None) -> Purpose:
    return PurposeFactory(
        code="order-fulfilment",
        name_vi="Giao đơn hàng",
        legal_basis=Purpose.LegalBasis.CONTRACT,
        data_items=["3.1", "3.4", "3.7"],
    )


@pytest.fixture
def seeded(controller: Controller, policy: Any, marketing: Purpose, fulfilment: Purpose) -> Any:
    marketing.data_items = ["3.1", "3.7", "4.1.l"]
    marketing.save()
    shipper = disclosures.recipient_save(
        recipient=Recipient(
            name="Giao Hàng Nhanh",
            kind=Recipient.Kind.SHIPPER,
            purpose=fulfilment,
            contract_reference="HĐ-GHN-1",
            allowed_items=["name", "phone", "delivery_address"],
        ),
        actor=None,
    )
    customers = CustomerFactory.create_batch(3)
    for customer in customers[:2]:
        services.consent_grant(
            customer=customer,
            purpose=marketing,
            channel=Channel.PHONE,
            form_reference="G-1",
            sensitive_notice_given=True,
        )
    disclosures.disclosure_create(
        actor=role_member(CUSTOMER_CARE, "cskh-so-dang-ky"),
        customer=customers[0],
        recipient=shipper,
        items=["name", "phone"],
    )
    system = processing_system_save(
        system=ProcessingSystem(
            name="Dịch vụ email tiếp thị",
            provider="SendGrid, Inc.",
            country="US",
            hosting=ProcessingSystem.Hosting.SERVICE,
            data_items=["3.1", "3.7"],
            encrypted_in_transit=True,
            encrypted_at_rest=True,
            security_measures="Khoá API riêng, xác thực hai lớp cho tài khoản quản trị.",
        ),
        actor=role_member(LEGAL_COMPLIANCE, "phap-che-he-thong"),
    )
    system.purposes.add(marketing)
    return customers
