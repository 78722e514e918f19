"""`python manage.py seed_demo`: realistic demo data, created through the services, idempotent."""

from __future__ import annotations

import datetime
import re
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.utils import timezone
from stdnum.vn import mst

from customers import demo_data, roles, services
from customers.kernel.text import fold_vietnamese
from customers.models import (
    AccessLog,
    Channel,
    Consent,
    Controller,
    Customer,
    DeliveryAddress,
    Disclosure,
    Order,
    PolicyVersion,
    Purpose,
    Recipient,
)
from customers.personal_data import DataItem
from customers.selectors import policy_version_current
from customers.validators import is_citizen_id, normalize_phone
from tests.factories import CustomerFactory, StaffFactory

pytestmark = pytest.mark.django_db

SMALL = 20
# Enough people for the demo disclosures: customer 23 has the first order still placed (for the
# shipper), customer 0 consented to partner sharing and has orders (partner, authority).
WITH_DISCLOSURES = 30
SEED_PURPOSES = {
    "order-fulfilment": Purpose.LegalBasis.CONTRACT,
    "customer-care": Purpose.LegalBasis.CONTRACT,
    "marketing-email": Purpose.LegalBasis.CONSENT,
    "product-notifications": Purpose.LegalBasis.CONSENT,
    "partner-sharing": Purpose.LegalBasis.CONSENT,
    "legal-obligations": Purpose.LegalBasis.LEGAL_OBLIGATION,
}
MODELS = (
    Controller,
    Purpose,
    PolicyVersion,
    Customer,
    DeliveryAddress,
    Order,
    Consent,
    Recipient,
    Disclosure,
)
ROLE_LOGINS = dict(demo_data.DEMO_STAFF)  # role code -> username
SHIPPING = ["name", "phone", "delivery_address"]


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"  # the authority request's scan is stored there


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
    user_model = get_user_model()
    counts["users"] = user_model.objects.count()
    counts["group memberships"] = user_model.groups.through.objects.count()
    counts["access log"] = AccessLog.objects.count()
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
    # Both shippers got a hand-over of the placed orders, under two references.
    handovers = Disclosure.objects.filter(batch_reference__startswith="SHIP-")
    assert set(handovers.values_list("recipient__name", flat=True)) == set(demo_data.SHIPPER_NAMES)
    assert handovers.values("batch_reference").distinct().count() == 2


# Staff logins, one per role -----------------------------------------------------------------


def test_one_staff_login_per_role_in_its_group(client) -> None:
    output = seed("--customers", "0")

    password = settings.DEMO_ADMIN_PASSWORD
    for code, username in demo_data.DEMO_STAFF:
        user = get_user_model().objects.get(username=username)
        assert user.is_staff and user.is_active and not user.is_superuser
        assert list(user.groups.all()) == [roles.group_for(code)]
        assert client.login(username=username, password=password)
        client.logout()
        # The table after the admin line: the username and the role's group on one line.
        assert re.search(rf"^  {username} +{re.escape(roles.ROLES[code].group_name)}", output, re.M)
    assert output.index(settings.DEMO_ADMIN_USERNAME) < output.index("  cskh ")
    # The groups' permissions are the roles': only legal & compliance records authority requests.
    dpo = get_user_model().objects.get(username=ROLE_LOGINS[roles.LEGAL_COMPLIANCE])
    sales = get_user_model().objects.get(username=ROLE_LOGINS[roles.SALES])
    assert dpo.has_perm("customers.record_authority_disclosure")
    assert not sales.has_perm("customers.view_full_personal_data")


def test_an_existing_account_of_a_role_logins_name_is_left_alone(client) -> None:
    StaffFactory(username="dpo")  # no group, password "correct horse battery"

    output = seed("--customers", "0")

    dpo = get_user_model().objects.get(username="dpo")
    assert not dpo.groups.exists()  # the load never widens what an existing account may do
    assert client.login(username="dpo", password="correct horse battery")
    line = next(line for line in output.splitlines() if line.startswith("  dpo "))
    assert "không thuộc nhóm này" in line and "--reset-password" in line  # Vietnamese output

    seed("--customers", "0", "--reset-password")

    assert client.login(username="dpo", password=settings.DEMO_ADMIN_PASSWORD)
    assert not dpo.groups.exists()


# Third parties and disclosures --------------------------------------------------------------


def test_the_recipients_of_the_seeds_section_4_with_what_they_may_receive() -> None:
    seed("--customers", "0")

    recipients = {r.name: r for r in Recipient.objects.select_related("purpose")}
    assert len(recipients) == len(demo_data.RECIPIENTS) == 5
    kinds = [r.kind for r in recipients.values()]
    assert sorted(kinds) == sorted(
        [
            Recipient.Kind.SHIPPER,
            Recipient.Kind.SHIPPER,
            Recipient.Kind.AUTHORITY,
            Recipient.Kind.PARTNER,
            Recipient.Kind.INTEGRATED_SERVICE,
        ]
    )
    for recipient in recipients.values():
        assert recipient.is_active
        if recipient.kind == Recipient.Kind.SHIPPER:
            assert recipient.allowed_items == SHIPPING
            assert recipient.purpose.code == "order-fulfilment"
        elif recipient.kind == Recipient.Kind.AUTHORITY:
            assert recipient.allowed_items == list(DataItem.values)
            assert recipient.purpose.code == "legal-obligations"
            assert recipient.purpose.legal_basis == Purpose.LegalBasis.LEGAL_OBLIGATION
        elif recipient.kind == Recipient.Kind.PARTNER:
            assert recipient.allowed_items == ["name", "email"]
            assert recipient.purpose.code == "partner-sharing"
            assert recipient.purpose.legal_basis == Purpose.LegalBasis.CONSENT
        else:
            assert recipient.allowed_items == ["name", "email", "tax_id"]
            assert recipient.purpose.legal_basis == Purpose.LegalBasis.CONTRACT
        if recipient.kind != Recipient.Kind.AUTHORITY:
            assert recipient.contract_reference and recipient.contract_date
    assert {"Giao Hàng Nhanh (GHN)", "Viettel Post"} <= recipients.keys()
    assert "Đồng Tháp" in demo_data.AUTHORITY_NAME in recipients
    assert "Đồng Tháp" in Controller.objects.get().address  # the controller's province


def test_the_demo_disclosures_of_each_kind(client) -> None:
    output = seed("--customers", str(WITH_DISCLOSURES))

    users = get_user_model().objects
    cskh = users.get(username=ROLE_LOGINS[roles.CUSTOMER_CARE])
    dpo = users.get(username=ROLE_LOGINS[roles.LEGAL_COMPLIANCE])

    shipped = list(Disclosure.objects.filter(recipient__kind=Recipient.Kind.SHIPPER))
    assert shipped
    for disclosure in shipped:
        assert re.fullmatch(r"SHIP-\d{8}-\d{4}", disclosure.batch_reference)
        assert disclosure.items == SHIPPING
        assert disclosure.approved_by == cskh
        assert disclosure.legal_basis == Purpose.LegalBasis.CONTRACT
        orders = disclosure.customer.orders.filter(reference__in=disclosure.notes.split())
        assert orders.filter(status=Order.Status.PLACED).exists()
    assert shipped[0].batch_reference in output
    # One placed order among 30 people: the second shipper has nothing to take, and says so.
    assert "Viettel Post" in output and "no placed order" in output

    partner = Disclosure.objects.get(recipient__kind=Recipient.Kind.PARTNER)
    assert partner.items == ["name", "email"]
    assert partner.approved_by == dpo
    assert partner.legal_basis == Purpose.LegalBasis.CONSENT
    consent = Consent.objects.get(customer=partner.customer, purpose__code="partner-sharing")
    assert consent.is_granted

    authority = Disclosure.objects.get(recipient__kind=Recipient.Kind.AUTHORITY)
    assert authority.approved_by == dpo
    assert authority.legal_basis == Purpose.LegalBasis.LEGAL_OBLIGATION
    assert authority.request_issuer == demo_data.AUTHORITY_NAME
    assert authority.request_number and authority.request_date
    assert authority.request_date < timezone.localdate()
    assert authority.request_scan.name.endswith(".pdf")
    with authority.request_scan.open("rb") as scan:
        pdf = scan.read()
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    # A well-formed PDF: the cross-reference table points at each object.
    start = int(pdf.rsplit(b"startxref", 1)[1].split()[0])
    assert pdf[start:].startswith(b"xref")
    offsets = [int(line.split()[0]) for line in pdf[start:].splitlines()[3:8]]
    for number, offset in enumerate(offsets, start=1):
        assert pdf[offset:].startswith(b"%d 0 obj" % number)

    # Each disclosure is in the access log, under the staff member who made it.
    logged = AccessLog.objects.filter(action=AccessLog.Action.DISCLOSE)
    assert logged.count() == Disclosure.objects.count() == len(shipped) + 2
    assert set(logged.values_list("staff__username", flat=True)) == {"cskh", "dpo"}

    # The role logins see them: legal & compliance opens the disclosures list.
    client.login(username="dpo", password=settings.DEMO_ADMIN_PASSWORD)
    response = client.get(f"/{settings.ADMIN_URL}customers/disclosure/")
    assert response.status_code == 200


def test_a_second_run_adds_no_disclosure_access_log_or_history_row() -> None:
    seed("--customers", str(WITH_DISCLOSURES))
    assert Disclosure.objects.filter(batch_reference__startswith="SHIP-").exists()
    before = snapshot()
    history = Customer.history.model.objects.count()
    scans = list(Disclosure.objects.exclude(request_scan="").values_list("request_scan", flat=True))

    output = seed("--customers", str(WITH_DISCLOSURES))

    assert snapshot() == before
    assert Customer.history.model.objects.count() == history
    assert AccessLog.objects.count() == before["access log"]
    assert (
        list(Disclosure.objects.exclude(request_scan="").values_list("request_scan", flat=True))
        == scans
    )
    assert "SHIP-" not in output  # no new hand-over


def test_the_demo_discloses_demo_customers_only() -> None:
    seed("--customers", "0")  # purposes and policy
    outsider = CustomerFactory(email="khach.that@example.vn")
    services.consent_grant(
        customer=outsider,
        purpose=Purpose.objects.get(code="partner-sharing"),
        channel=Channel.WEB_FORM,
        form_reference="WF-REAL-1",
        ip_address="203.113.1.1",
        user_agent="Mozilla/5.0 (Android 14)",
    )
    services.order_create(
        customer=outsider,
        reference="REAL-1",
        ordered_at=timezone.now(),
        total_vnd=500_000,
        status=Order.Status.PLACED,
        recipient_name="Khách Thật",
        delivery_phone="0912 000 111",
        delivery_address="1 Lê Lợi, Phường Bến Thành, Thành phố Hồ Chí Minh",
    )

    seed("--customers", str(WITH_DISCLOSURES))

    assert Disclosure.objects.exists()
    assert not Disclosure.objects.filter(customer=outsider).exists()


def test_disclosures_come_once_there_are_customers_to_disclose() -> None:
    output = seed("--customers", "0")
    assert not Disclosure.objects.exists()
    assert "no placed order" in output

    seed("--customers", str(WITH_DISCLOSURES))

    assert Disclosure.objects.filter(recipient__kind=Recipient.Kind.AUTHORITY).count() == 1
    assert Disclosure.objects.filter(recipient__kind=Recipient.Kind.PARTNER).count() == 1


def test_a_recipient_the_database_refuses_is_left_out_and_the_rest_loads() -> None:
    seed("--customers", "0")
    Recipient.objects.filter(name=demo_data.AUTHORITY_NAME).delete()
    purpose = Purpose.objects.get(code="legal-obligations")
    purpose.legal_basis = Purpose.LegalBasis.CONTRACT  # changed in this database
    services.purpose_save(purpose=purpose)

    output = seed("--customers", str(WITH_DISCLOSURES))

    # recipient_save refuses an authority without a legal obligation; the rest is there.
    assert not Recipient.objects.filter(name=demo_data.AUTHORITY_NAME).exists()
    assert demo_data.AUTHORITY_NAME in output
    assert Disclosure.objects.filter(recipient__kind=Recipient.Kind.PARTNER).exists()
    assert Customer.objects.count() == WITH_DISCLOSURES


def test_the_demo_dossiers_are_filled_and_the_email_provider_makes_a_transfer() -> None:
    from dossiers import documents
    from dossiers.models import DossierFiling

    seed("--customers", str(SMALL))

    impact = documents.dossier_build(DossierFiling.Kind.IMPACT)
    assert impact.narrative.pk is not None and "4791" in impact.narrative.business_lines
    assert impact.risks["subjects"] and impact.abroad
    from complaints.models import Complaint

    strangers = Complaint.objects.filter(customer__isnull=True).count()
    assert sum(group.count for group in impact.subjects) == SMALL + strangers
    transfer = documents.dossier_build(DossierFiling.Kind.TRANSFER)
    assert [mode.number for mode in transfer.modes if mode.checked] == ["1.3"]
    assert [party.name for party in transfer.receivers] == ["SendGrid, Inc. (Twilio)"]
    assert "SOC 2" in transfer.narrative.receiver_safety
