"""`python manage.py seed_demo`: realistic demo data, created through the services, idempotent."""

from __future__ import annotations

import datetime
from io import StringIO
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.utils import timezone
from stdnum.vn import mst

from customers import demo_data, services
from customers.models import (
    Channel,
    Consent,
    Controller,
    Customer,
    DeliveryAddress,
    Order,
    PolicyVersion,
    Purpose,
)
from customers.selectors import policy_version_current
from customers.text import fold_vietnamese
from customers.validators import is_citizen_id, normalize_phone
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db

SMALL = 20
SEED_PURPOSES = {
    "order-fulfilment": Purpose.LegalBasis.CONTRACT,
    "customer-care": Purpose.LegalBasis.CONTRACT,
    "marketing-email": Purpose.LegalBasis.CONSENT,
    "product-notifications": Purpose.LegalBasis.CONSENT,
    "partner-sharing": Purpose.LegalBasis.CONSENT,
    "legal-obligations": Purpose.LegalBasis.LEGAL_OBLIGATION,
}
MODELS = (Controller, Purpose, PolicyVersion, Customer, DeliveryAddress, Order, Consent)


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def snapshot() -> dict[str, int]:
    """Rows and history rows of every model the seed writes."""
    counts = {}
    for model in MODELS:
        counts[model.__name__] = model.objects.count()
        counts[f"history of {model.__name__}"] = model.history.model.objects.count()
    counts["users"] = get_user_model().objects.count()
    return counts


def test_the_controller_is_the_seed_company() -> None:
    seed("--customers", "0")

    controller = Controller.objects.get()
    assert controller.legal_name == "Công ty Cổ phần Thương mại Mỹ Tho"
    assert controller.short_name == "Mitexco"
    assert "67 Lê Lợi" in controller.address
    assert controller.hotline == "+8418001595"  # seed 000: 1800 1595
    assert controller.phone == "+842733971939"  # seed 000: 02733 971 939
    assert mst.is_valid(controller.tax_code)
    assert controller.dpo_name
    assert controller.dpo_email


def test_the_six_purposes_of_the_seeds_with_their_legal_basis() -> None:
    seed("--customers", "0")

    purposes = {p.code: p for p in Purpose.objects.all()}
    assert {code: p.legal_basis for code, p in purposes.items()} == SEED_PURPOSES
    for purpose in purposes.values():
        assert purpose.name_vi and purpose.name_en
        assert purpose.description_vi and purpose.description_en
        assert purpose.retention_vi and purpose.retention_en
    # seed §3 and the Law on Accounting: orders are kept 10 years.
    assert "10 năm" in purposes["order-fulfilment"].retention_vi
    assert "10 years" in purposes["legal-obligations"].retention_en


def test_a_policy_is_in_effect_built_from_the_seeds_sections() -> None:
    seed("--customers", "0")

    policy = policy_version_current()
    assert policy is not None
    assert policy.version == "2026.1"
    assert policy.effective_from == datetime.date(2026, 1, 1)
    for number in range(1, 8):
        assert f"\n{number}. " in policy.body_vi
        assert f"\n{number}. " in policy.body_en
    assert "Công ty Cổ phần Thương mại Mỹ Tho" in policy.body_vi
    assert "1800 1595" in policy.body_vi and "1800 1595" in policy.body_en
    assert "Thời gian lưu trữ" in policy.body_vi
    assert "How long we keep it" in policy.body_en
    assert "02 ngày làm việc" in policy.body_vi  # Decree 356/2025: acknowledge in 2 working days


def test_customers_look_vietnamese_and_pass_the_products_validators() -> None:
    seed("--customers", str(SMALL))

    customers = list(Customer.objects.all())
    assert len(customers) == SMALL
    for customer in customers:
        assert customer.phone.startswith("+84")
        assert normalize_phone(customer.phone) == customer.phone
        assert customer.name_folded == fold_vietnamese(customer.full_name)
        assert customer.address
        if customer.email:
            local, domain = customer.email.split("@")
            assert local.isascii()
            assert domain.split(".")[-2:][0] == "example"  # reserved domains: no real mailbox
        if customer.kind == Customer.Kind.ORGANIZATION:
            assert mst.is_valid(customer.tax_code)
            assert customer.contact_person
        elif customer.tax_code:
            assert is_citizen_id(customer.tax_code)
    assert any(c.full_name.lower() != c.name_folded for c in customers)  # diacritics
    assert any(c.full_name.split()[0] == "Nguyễn" for c in customers)


def test_addresses_orders_and_consents() -> None:
    seed("--customers", str(SMALL))

    for customer in Customer.objects.prefetch_related("addresses", "orders"):
        addresses = list(customer.addresses.all())
        assert 1 <= len(addresses) <= 3
        assert sum(a.is_default for a in addresses) == 1
        assert all(a.ward and a.province and a.phone.startswith("+84") for a in addresses)
        assert len(customer.orders.all()) <= 6

    orders = list(Order.objects.all())
    assert orders
    for order in orders:
        assert 150_000 <= order.total_vnd <= 25_000_000
        assert order.total_vnd % 1000 == 0
        assert order.recipient_name and order.delivery_phone and order.delivery_address
        assert order.ordered_at <= timezone.now()
        if order.status == Order.Status.DELIVERED:
            assert order.invoice_number

    consents = list(Consent.objects.select_related("purpose", "policy_version"))
    assert {c.purpose.legal_basis for c in consents} == {Purpose.LegalBasis.CONSENT}
    granted = [c for c in consents if c.status == Consent.Status.GRANTED]
    withdrawn = [c for c in consents if c.status == Consent.Status.WITHDRAWN]
    assert granted and withdrawn
    for consent in consents:
        assert consent.form_reference
        assert consent.policy_version.effective_from <= timezone.localdate(consent.granted_at)
        if consent.channel == Channel.WEB_FORM:
            assert consent.form_reference.startswith("WF-") and consent.ip_address
        else:
            assert consent.recorded_by is not None
    for consent in withdrawn:
        assert consent.withdrawn_at is not None
        assert consent.withdrawn_at > consent.granted_at
        assert consent.withdrawal_channel


def test_the_staff_user_can_log_in_with_the_printed_password(client) -> None:
    output = seed("--customers", "0")

    username, password = settings.DEMO_ADMIN_USERNAME, settings.DEMO_ADMIN_PASSWORD
    assert username in output and password in output
    assert f"/{settings.ADMIN_URL}" in output
    user = get_user_model().objects.get(username=username)
    assert user.is_staff and user.is_superuser
    assert client.login(username=username, password=password)


def test_an_existing_users_password_is_left_alone_unless_asked(client) -> None:
    StaffFactory(username=settings.DEMO_ADMIN_USERNAME)  # password "correct horse battery"

    output = seed("--customers", "0")

    assert settings.DEMO_ADMIN_PASSWORD not in output
    assert not client.login(
        username=settings.DEMO_ADMIN_USERNAME, password=settings.DEMO_ADMIN_PASSWORD
    )
    assert client.login(username=settings.DEMO_ADMIN_USERNAME, password="correct horse battery")

    output = seed("--customers", "0", "--reset-password")

    assert settings.DEMO_ADMIN_PASSWORD in output
    assert client.login(
        username=settings.DEMO_ADMIN_USERNAME, password=settings.DEMO_ADMIN_PASSWORD
    )


def test_a_second_run_creates_and_changes_nothing() -> None:
    seed("--customers", str(SMALL))
    before = snapshot()
    people = list(Customer.objects.order_by("id").values("full_name", "email", "phone"))

    output = seed("--customers", str(SMALL))

    assert snapshot() == before
    assert list(Customer.objects.order_by("id").values("full_name", "email", "phone")) == people
    assert settings.DEMO_ADMIN_USERNAME in output


def test_a_bigger_count_adds_the_next_people_only() -> None:
    seed("--customers", "5")
    first_five = list(Customer.objects.order_by("id").values_list("email", "phone"))

    seed("--customers", "8")

    assert Customer.objects.count() == 8
    assert list(Customer.objects.order_by("id").values_list("email", "phone"))[:5] == first_five


def test_the_same_people_are_generated_every_time() -> None:
    now = timezone.now()
    assert demo_data.demo_customers(12, now=now) == demo_data.demo_customers(12, now=now)
    assert demo_data.demo_customers(4, now=now) == demo_data.demo_customers(12, now=now)[:4]


def test_an_existing_controller_profile_is_kept(controller: Controller) -> None:
    seed("--customers", "0")

    assert Controller.objects.get().legal_name == controller.legal_name
    assert Controller.objects.get().email == "info@mitexco.example.vn"


def test_a_customer_whose_contacts_were_removed_is_not_recreated_from_its_orders() -> None:
    seed("--customers", str(SMALL))
    with_orders = Customer.objects.filter(orders__isnull=False).distinct().first()
    assert with_orders is not None
    services.customer_update(customer=with_orders, email="", phone="")

    seed("--customers", str(SMALL))

    assert Customer.objects.count() == SMALL


def test_an_interrupted_run_leaves_nothing_half_done(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = {"n": 0}
    real_order_create = services.order_create

    def failing_order_create(**kwargs: Any) -> Order:
        calls["n"] += 1
        if calls["n"] > 10:
            raise KeyboardInterrupt
        return real_order_create(**kwargs)

    monkeypatch.setattr(services, "order_create", failing_order_create)
    with pytest.raises(KeyboardInterrupt):
        seed("--customers", str(SMALL))
    assert all(count == 0 for count in snapshot().values())

    monkeypatch.undo()
    seed("--customers", str(SMALL))
    assert Customer.objects.count() == SMALL


def test_a_negative_count_is_refused() -> None:
    with pytest.raises(CommandError):
        seed("--customers", "-1")


def test_the_default_run_has_200_customers_with_a_mix_worth_a_demo() -> None:
    output = seed()

    assert Customer.objects.count() == demo_data.DEFAULT_CUSTOMERS == 200
    assert settings.DEMO_ADMIN_PASSWORD in output
    channels = set(Customer.objects.values_list("source_channel", flat=True))
    assert channels == {Channel.WEB_FORM, Channel.PHONE, Channel.EMAIL, Channel.IN_PERSON}
    kinds = set(Customer.objects.values_list("kind", flat=True))
    assert kinds == {Customer.Kind.INDIVIDUAL, Customer.Kind.ORGANIZATION}
    assert Customer.objects.filter(phone__startswith="+8428").exists()  # HCMC landlines
    assert Customer.objects.filter(phone__startswith="+8424").exists()  # Hà Nội landlines
    assert Customer.objects.exclude(tax_code="").filter(kind=Customer.Kind.INDIVIDUAL).exists()
    # Some customers have not been in touch for over 36 months (for retention rules).
    three_years_ago = timezone.now() - datetime.timedelta(days=3 * 365 + 1)
    dormant = Customer.objects.filter(last_activity_at__lt=three_years_ago)
    assert 5 <= dormant.count() <= 60
    assert Order.objects.filter(customer__in=dormant).exists()
    # Last activity follows orders and consents, and is never before the customer came.
    for customer in Customer.objects.prefetch_related("orders"):
        assert customer.created_at <= customer.last_activity_at
        for order in customer.orders.all():
            assert order.ordered_at <= customer.last_activity_at
    for code in ("marketing-email", "product-notifications", "partner-sharing"):
        for status in Consent.Status.values:
            assert Consent.objects.filter(purpose__code=code, status=status).exists()
    assert PolicyVersion.objects.filter(consents__isnull=False).distinct().count() == 2
