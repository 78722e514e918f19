"""Erasure is complete (SPEC.md, retention/): after it, the customer's personal data is found in
no table — history tables included — and in no file; orders stay as accounting records without
the person; a receipt without personal data says what was erased, when and why."""

from __future__ import annotations

import dataclasses
import datetime
from pathlib import Path
from typing import Any

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, connection, models
from django.test.utils import CaptureQueriesContext, isolate_apps
from django.utils import timezone
from simple_history.utils import update_change_reason

from customers import disclosures, personal_data, restrictions, services
from customers.models import (
    AccessLog,
    Channel,
    Consent,
    Customer,
    DeliveryAddress,
    Disclosure,
    Order,
    Purpose,
    Recipient,
)
from customers.personal_data import DataItem, Erasure, PersonalField
from retention import erasure
from retention.erasure import REDACTED, erase_customers
from retention.models import ErasureReceipt, ErasureRequest, LegalHold
from tests.factories import CustomerFactory, PurposeFactory, StaffFactory, role_member
from tests.retention.all_tables import find_in_files, find_values

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def clerk(db: None) -> Any:
    user = StaffFactory(username="cskh-erasure", is_superuser=False)
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="customers", codename="add_disclosure")
    )
    return user


@pytest.fixture
def shipper(db: None) -> Recipient:
    fulfilment = PurposeFactory(
        code="order-fulfilment",
        name_vi="Xử lý và giao đơn hàng",
        name_en="Order fulfilment",
        legal_basis=Purpose.LegalBasis.CONTRACT,
    )
    return disclosures.recipient_save(
        recipient=Recipient(
            name="Giao Hàng Nhanh",
            kind=Recipient.Kind.SHIPPER,
            purpose=fulfilment,
            contract_reference="HĐ-2026/GHN-01",
            allowed_items=[DataItem.NAME, DataItem.PHONE, DataItem.DELIVERY_ADDRESS],
        ),
        actor=None,
    )


@dataclasses.dataclass
class Person:
    customer: Customer
    # What a person would search for: every value that identifies them.
    values: dict[str, str]


def _person(
    n: int,
    *,
    clerk: Any,
    policy: Any,
    marketing: Purpose,
    shipper: Recipient,
    name: str,
    tax_code: str,
    street: str,
    phone_first: str,
    phone: str,
    email: str,
    ip: str,
) -> Person:
    """A customer with everything the back office holds about a person, built through the
    services, with several edits so that history exists."""
    customer = services.customer_create(
        actor=clerk,
        full_name=name,
        phone=phone_first,
        email=f"old.{email}",
        address=f"{street}, Phường Bến Nghé, TP. Hồ Chí Minh",
        tax_code=tax_code,
        notes=f"Khách {name} gọi lúc 9h",
    )
    services.customer_update(customer=customer, actor=clerk, phone=phone, email=email)
    update_change_reason(customer, f"{name} đổi số điện thoại")
    services.customer_update(customer=customer, actor=clerk, notes=f"Ghi chú về {name}")
    address = services.delivery_address_create(
        customer=customer,
        actor=clerk,
        recipient_name=name,
        phone=phone,
        address=f"Hẻm {n} {street}",
        ward="Phường Bến Nghé",
        province="TP. Hồ Chí Minh",
        is_default=True,
    )
    services.delivery_address_update(delivery_address=address, actor=clerk, address=street)
    for i, total in enumerate((1_250_000, 380_000)):
        order = services.order_create(
            customer=customer,
            actor=clerk,
            reference=f"DH-{n}-{i}",
            total_vnd=total,
            invoice_number=f"HD{n:04d}{i}",
            recipient_name=name,
            delivery_phone=phone,
            delivery_address=street,
        )
        services.order_update(order=order, actor=clerk, status=Order.Status.DELIVERED)
    consent = services.consent_grant(
        customer=customer,
        purpose=marketing,
        channel=Channel.WEB_FORM,
        policy_version=policy,
        form_reference=f"WEB-{email}",
        ip_address=ip,
        user_agent=f"Mozilla/5.0 ({name})",
    )
    services.consent_withdraw(
        consent=consent,
        channel=Channel.PHONE,
        actor=clerk,
        reason=f"{name} không muốn nhận",
        withdrawal_reference=f"CALL-{email}",
    )
    disclosures.disclosure_create(
        actor=clerk,
        customer=customer,
        recipient=shipper,
        items=[DataItem.NAME, DataItem.PHONE, DataItem.DELIVERY_ADDRESS],
        notes=f"Giao cho {name}, {street}",
        ip_address="10.0.0.7",  # the staff member's, kept in the access log
    )
    services.access_log_record(
        staff=clerk, customer_ids=[customer.pk], action=AccessLog.Action.VIEW, detail="hồ sơ"
    )
    # A restriction placed and lifted: its reasons name the person, in the row and its history.
    legal = role_member("legal_compliance", f"phap-che-erasure-{n}")
    restriction = restrictions.restriction_place(
        customer=customer, actor=legal, reason=f"{name} phản đối xử lý, gọi {phone}"
    )
    restrictions.restriction_lift(
        restriction=restriction, actor=legal, reason=f"{name} rút lại qua {email}"
    )
    # What Django admin writes when staff edit the customer and add an address inline.
    LogEntry.objects.log_actions(
        user_id=clerk.pk,
        queryset=[customer],
        action_flag=CHANGE,
        change_message=[{"added": {"name": "delivery address", "object": str(address)}}],
        single_object=True,
    )
    customer.refresh_from_db()
    national = "0" + customer.phone.removeprefix("+84")
    return Person(
        customer,
        {
            "name": name,
            "folded name": customer.name_folded,
            "phone (E.164)": customer.phone,
            "phone (significant digits)": national[1:],  # in E.164 and national forms
            "first phone": phone_first.replace(" ", "")[1:],
            "email": email,
            "street": street,
            "tax code": tax_code,
            "IP": ip,
        },
    )


@pytest.fixture
def people(
    clerk: Any, policy: Any, marketing: Purpose, shipper: Recipient
) -> tuple[Person, Person]:
    common = {"clerk": clerk, "policy": policy, "marketing": marketing, "shipper": shipper}
    hoai = _person(
        1,
        name="Phạm Thị Thu Hoài",
        tax_code="079186001234",
        street="88 Nguyễn Đình Chiểu",
        phone_first="0971 234 568",
        phone="0983 456 721",
        email="thu.hoai.pham@example.vn",
        ip="203.113.45.67",
        **common,
    )
    khang = _person(
        2,
        name="Lê Minh Khang",
        tax_code="001090012345",
        street="17 Trần Quốc Thảo",
        phone_first="0908 111 223",
        phone="0912 853 984",
        email="khang.le@example.vn",
        ip="198.51.100.23",
        **common,
    )
    return hoai, khang


# The all-tables test --------------------------------------------------------------------------


def test_nothing_of_an_erased_customer_is_left_in_any_table(
    require_postgres: None, people: tuple[Person, Person], clerk: Any
) -> None:
    hoai, khang = people
    assert find_values(hoai.values.values()), "the search finds the customer before erasure"
    assert Customer.history.filter(id=hoai.customer.pk).count() >= 3
    request = ErasureRequest.objects.create(
        customer=hoai.customer,
        source=ErasureRequest.Source.COMPLAINT,
        status=ErasureRequest.Status.APPROVED,
        due_at=timezone.now() + datetime.timedelta(days=15),
        verification_note=f"Đã đối chiếu CCCD {hoai.values['tax code']} của {hoai.values['name']}",
    )

    tables_before = {table for table, _column, _pk in find_values(hoai.values.values())}
    assert {
        "customers_customer",
        "customers_historicalcustomer",
        "customers_historicaldeliveryaddress",
        "customers_historicalorder",
        "customers_historicalconsent",
        "customers_historicaldisclosure",
        "retention_erasurerequest",
        "django_admin_log",
    } <= tables_before, "the search reaches the history tables and the admin log"

    outcome = erase_customers(customer_ids=[hoai.customer.pk], request=request, actor=clerk)

    assert outcome.erased == [hoai.customer.pk]
    national = "0" + hoai.values["phone (E.164)"].removeprefix("+84")
    for label, value in [*hoai.values.items(), ("phone (national)", national)]:
        assert find_values([value]) == [], f"{label} {value!r} survived the erasure"
    for label, value in khang.values.items():
        assert find_values([value]), f"the other customer's {label} is still found"
    assert find_in_files(hoai.values.values()) == []

    customer = Customer.objects.get(pk=hoai.customer.pk)
    assert customer.status == Customer.Status.ERASED
    assert customer.full_name == REDACTED
    orders = Order.objects.filter(reference__startswith="DH-1-").order_by("reference")
    assert [(o.reference, o.total_vnd, o.invoice_number, o.customer_id) for o in orders] == [
        ("DH-1-0", 1_250_000, "HD00010", None),
        ("DH-1-1", 380_000, "HD00011", None),
    ]
    assert Order.objects.filter(customer=khang.customer).count() == 2
    receipt = ErasureReceipt.objects.get(customer=hoai.customer)
    assert receipt.request == request and receipt.staff == clerk
    assert receipt.counts["customers.Customer"] == 1
    assert receipt.counts["customers.HistoricalCustomer"] >= 3
    assert receipt.counts["customers.DeliveryAddress"] == 1
    assert receipt.counts["customers.Order"] == 2
    assert receipt.counts["customers.Consent"] == 1
    request.refresh_from_db()
    assert request.status == ErasureRequest.Status.EXECUTED and request.executed_at


# Holds, reruns, requests ----------------------------------------------------------------------


def _hoai(**fields: Any) -> Customer:
    return CustomerFactory(full_name="Phạm Thị Thu Hoài", phone="0983 456 721", **fields)


def test_a_held_customer_is_never_erased(clerk: Any) -> None:
    held, free = _hoai(), CustomerFactory()
    hold = LegalHold.objects.create(
        customer=held, reason=LegalHold.Reason.INVESTIGATION, placed_by=clerk
    )
    LegalHold.objects.create(  # a lifted hold keeps nothing
        customer=free, reason=LegalHold.Reason.DISPUTE, placed_by=clerk, lifted_at=timezone.now()
    )

    outcome = erase_customers(customer_ids=[held.pk, free.pk], actor=clerk)

    assert outcome.held == [held.pk] and outcome.erased == [free.pk]
    held.refresh_from_db()
    assert held.status == Customer.Status.ACTIVE and held.full_name == "Phạm Thị Thu Hoài"
    assert Customer.history.filter(id=held.pk, full_name="Phạm Thị Thu Hoài").exists()
    assert not ErasureReceipt.objects.filter(customer=held).exists()

    hold.lifted_at = timezone.now()
    hold.save()
    assert erase_customers(customer_ids=[held.pk]).erased == [held.pk]


def test_a_rerun_erases_nothing_twice(clerk: Any) -> None:
    customer = _hoai()
    first = erase_customers(customer_ids=[customer.pk], actor=clerk, job="test")
    again = erase_customers(customer_ids=[customer.pk, 999_999], actor=clerk, job="test")

    assert first.erased == [customer.pk] and first.counts["customers.Customer"] == 1
    assert again.erased == [] and again.skipped == [customer.pk, 999_999]
    assert again.counts == {}
    assert ErasureReceipt.objects.filter(customer=customer).count() == 1


def test_a_request_is_executed_also_when_its_customer_was_already_erased(clerk: Any) -> None:
    customer = _hoai()
    request = ErasureRequest.objects.create(
        customer=customer,
        source=ErasureRequest.Source.COMPLAINT,
        status=ErasureRequest.Status.APPROVED,
        due_at=timezone.now(),
        verification_note="CCCD của Phạm Thị Thu Hoài",
    )
    erase_customers(customer_ids=[customer.pk], job="purge_expired")  # a rule came first

    outcome = erase_customers(customer_ids=[customer.pk], request=request, actor=clerk)

    assert outcome.skipped == [customer.pk]
    request.refresh_from_db()
    assert request.status == ErasureRequest.Status.EXECUTED
    assert request.verification_note == ""
    assert not ErasureRequest.history.filter(verification_note__contains="Hoài").exists()


def test_customer_erase_returns_the_receipt_or_none_when_held(clerk: Any) -> None:
    customer, held = _hoai(), CustomerFactory()
    LegalHold.objects.create(customer=held, reason=LegalHold.Reason.DISPUTE, placed_by=clerk)

    receipt = erasure.customer_erase(customer=customer, actor=clerk)

    assert receipt is not None and receipt.staff == clerk
    assert customer.status == Customer.Status.ERASED
    assert erasure.customer_erase(customer=held) is None


def test_a_refused_request_erases_nothing(clerk: Any) -> None:
    customer = _hoai()
    request = ErasureRequest.objects.create(
        customer=customer,
        source=ErasureRequest.Source.STAFF,
        status=ErasureRequest.Status.REFUSED,
        due_at=timezone.now(),
        refusal_exception=ErasureRequest.LegalException.LAW_FORBIDS,
    )
    with pytest.raises(ValidationError):
        erase_customers(customer_ids=[customer.pk], request=request)
    customer.refresh_from_db()
    assert customer.status == Customer.Status.ACTIVE


def test_no_history_row_is_written_by_the_erasure() -> None:
    customer = _hoai()
    services.delivery_address_create(
        customer=customer, recipient_name="Hoài", phone="0983 456 721", address="88 NĐC"
    )
    before = Customer.history.count(), DeliveryAddress.history.count()

    erase_customers(customer_ids=[customer.pk])

    assert Customer.history.count() == before[0]
    assert DeliveryAddress.history.count() == 0  # the address's history went with it
    assert not Customer.history.filter(full_name="Phạm Thị Thu Hoài").exists()


# Strategies and files -------------------------------------------------------------------------


def _redeclare(monkeypatch: pytest.MonkeyPatch, model: Any, **changed: PersonalField) -> None:
    declaration = personal_data._REGISTRY[model._meta.label]
    monkeypatch.setitem(
        personal_data._REGISTRY,
        model._meta.label,
        dataclasses.replace(declaration, personal={**declaration.personal, **changed}),
    )


def test_a_keyed_hash_is_recognisable_but_unreadable(monkeypatch: pytest.MonkeyPatch) -> None:
    _redeclare(
        monkeypatch,
        Customer,
        phone=PersonalField(
            personal_data.Category.CONTACT,
            legal=personal_data.LegalItem.NUMBERS,
            erasure=Erasure.KEYED_HASH,
        ),
    )
    customer = _hoai()

    erase_customers(customer_ids=[customer.pk])

    customer.refresh_from_db()
    expected = personal_data.keyed_hash("+84983456721", length=20)
    assert customer.phone == expected and "983456721" not in expected
    assert set(Customer.history.filter(id=customer.pk).values_list("phone", flat=True)) == {
        expected
    }


def test_files_of_erased_rows_are_deleted_from_storage(
    monkeypatch: pytest.MonkeyPatch, clerk: Any, shipper: Recipient
) -> None:
    """Disclosure.request_scan is declared KEEP (the authority's request is evidence); a file
    field erasure clears — complaints' evidence next — is one redeclared here."""
    _redeclare(
        monkeypatch,
        Disclosure,
        request_scan=PersonalField(
            personal_data.Category.FREE_TEXT,
            legal=personal_data.LegalItem.OTHER_BASIC,
            erasure=Erasure.CLEAR,
        ),
    )
    customer, other = _hoai(), CustomerFactory()

    def disclose(whom: Customer) -> Disclosure:
        return disclosures.disclosure_create(
            actor=clerk,
            customer=whom,
            recipient=shipper,
            items=[DataItem.NAME],
            request_scan=SimpleUploadedFile("pham-thi-thu-hoai.pdf", PDF),
        )

    erased_scan, shared_scan = disclose(customer).request_scan.name, disclose(customer)
    kept = disclose(other)
    # Two rows naming one file: it stays while a remaining row names it.
    Disclosure.objects.filter(pk=kept.pk).update(request_scan=shared_scan.request_scan.name)
    assert default_storage.exists(erased_scan)

    outcome = erase_customers(customer_ids=[customer.pk])

    assert not default_storage.exists(erased_scan)
    assert default_storage.exists(shared_scan.request_scan.name)
    # Stored under random names: the sent name ("pham-thi-thu-hoai.pdf") is on no file.
    assert find_in_files(["Phạm Thị Thu Hoài"]) == []
    assert outcome.counts["files"] == 1
    assert not Disclosure.history.filter(customer_id=customer.pk).exclude(request_scan="").exists()
    assert ErasureReceipt.objects.get(customer=customer).counts["files"] == 1


def test_rows_that_reach_a_customer_through_another_model_are_erased_first(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The shape complaints will have: evidence files of a complaint of a customer."""
    with isolate_apps("customers"):

        class Case(models.Model):  # noqa: DJ008 (a throwaway model)
            customer = models.ForeignKey(Customer, null=True, on_delete=models.SET_NULL)
            description = models.TextField()

            class Meta:
                app_label = "customers"

        class Evidence(models.Model):  # noqa: DJ008  # a throwaway model: nothing shows it
            case = models.ForeignKey(Case, on_delete=models.CASCADE)
            file = models.FileField()

            class Meta:
                app_label = "customers"

        free_text = PersonalField(
            personal_data.Category.FREE_TEXT,
            legal=personal_data.LegalItem.OTHER_BASIC,
            erasure=Erasure.DELETE_ROW,
        )
        personal_data.declare(personal={"description": free_text})(Case)
        personal_data.declare(personal={"file": free_text})(Evidence)
        monkeypatch.setattr(personal_data, "project_models", lambda: [Customer, Case, Evidence])
        try:
            assert personal_data.customer_lookups(Evidence) == ["case__customer"]
            plans = erasure.erasure_plans()
        finally:
            personal_data._REGISTRY.pop(Case._meta.label)
            personal_data._REGISTRY.pop(Evidence._meta.label)
    assert [plan.model for plan in plans] == [Evidence, Case, Customer]
    assert plans[0].delete_rows and [f.column for f in plans[0].files] == ["file"]


# Crash safety and throughput ------------------------------------------------------------------


def test_a_crash_mid_batch_leaves_no_customer_half_erased(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    customers = [_hoai(), CustomerFactory()]
    for customer in customers:
        services.delivery_address_create(
            customer=customer, recipient_name="Người nhận", phone="0983 456 721", address="88 NĐC"
        )
        services.order_create(customer=customer, reference=f"DH-{customer.pk}", total_vnd=1)
    keyed_hash_cases = erasure._keyed_hash_cases

    def crash_at_orders(plan: Any, rows: Any) -> Any:
        if plan.model is Order:  # after the addresses and the customers' history were erased
            raise DatabaseError("the server went away")
        return keyed_hash_cases(plan, rows)

    monkeypatch.setattr(erasure, "_keyed_hash_cases", crash_at_orders)
    ids = [c.pk for c in customers]
    with pytest.raises(DatabaseError):
        erase_customers(customer_ids=ids)

    assert DeliveryAddress.objects.filter(customer_id__in=ids).count() == 2
    assert Customer.history.filter(id__in=ids, full_name=REDACTED).count() == 0
    assert set(Customer.objects.filter(pk__in=ids).values_list("status", flat=True)) == {"active"}
    assert not ErasureReceipt.objects.exists()

    monkeypatch.setattr(erasure, "_keyed_hash_cases", keyed_hash_cases)
    assert erase_customers(customer_ids=ids).erased == ids
    assert not DeliveryAddress.objects.filter(customer_id__in=ids).exists()
    assert Order.objects.filter(reference__in=[f"DH-{pk}" for pk in ids]).count() == 2


def _customers_with_data(n: int, policy: Any, marketing: Purpose) -> list[int]:
    ids = []
    for i in range(n):
        customer = CustomerFactory()
        services.delivery_address_create(
            customer=customer, recipient_name="Người nhận", phone="0983 456 721", address="88 NĐC"
        )
        services.order_create(customer=customer, reference=f"DH-{n}-{i}", total_vnd=1)
        services.consent_grant(
            customer=customer,
            purpose=marketing,
            channel=Channel.PHONE,
            policy_version=policy,
            form_reference=f"CALL-{n}-{i}",
        )
        ids.append(customer.pk)
    return ids


def test_the_number_of_queries_does_not_grow_with_the_customers(
    policy: Any, marketing: Purpose
) -> None:
    warm_up, few = (
        _customers_with_data(1, policy, marketing),
        _customers_with_data(20, policy, marketing),
    )
    many = _customers_with_data(200, policy, marketing)
    erase_customers(customer_ids=warm_up)  # content types are cached once per process

    with CaptureQueriesContext(connection) as for_few:
        assert len(erase_customers(customer_ids=few).erased) == 20
    with CaptureQueriesContext(connection) as for_many:
        outcome = erase_customers(customer_ids=many)

    assert len(outcome.erased) == 200 and outcome.counts["customers.Consent"] == 200

    def statements(context: CaptureQueriesContext) -> tuple[int, int]:
        sql = [query["sql"] for query in context.captured_queries]
        inserts = sum(statement.startswith("INSERT") for statement in sql)
        return len(sql) - inserts, inserts

    (few_other, few_inserts), (many_other, many_inserts) = statements(for_few), statements(for_many)
    assert many_other == few_other
    # The receipts are one bulk INSERT; SQLite's 999-parameter limit splits it in a few.
    assert few_inserts == 1 and many_inserts <= 3
    assert Consent.objects.filter(customer_id__in=many).count() == 0


def test_batches_split_the_work(policy: Any, marketing: Purpose) -> None:
    ids = _customers_with_data(5, policy, marketing)
    outcome = erase_customers(customer_ids=iter(ids), batch_size=2)
    assert outcome.erased == ids and outcome.counts["customers.Order"] == 5
    assert ErasureReceipt.objects.filter(customer_id__in=ids).count() == 5
