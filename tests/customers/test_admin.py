"""The customers admin: every page answers with a bounded number of queries, search finds what
staff type, and every write goes through customers.services."""

from __future__ import annotations

import datetime
import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import connection, models
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import clear_url_caches, reverse
from django.utils import timezone, translation

from customers import disclosures, paginator, services
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
from customers.restriction_model import Restriction
from tests.factories import CustomerFactory, PolicyVersionFactory, PurposeFactory, StaffFactory

pytestmark = pytest.mark.django_db

_numbers = itertools.count(1)


@pytest.fixture(autouse=True)
def _english(settings: Any) -> Iterator[None]:
    """Assertions read English messages, whatever catalogue the project ships (the admin is
    outside i18n_patterns, so it speaks LANGUAGE_CODE)."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield
    # The URL resolvers cache per language; drop what was cached while English was the default,
    # or the public pages' /en/ prefix goes missing in later tests.
    clear_url_caches()


def _url(model: type[models.Model], view: str, *args: Any) -> str:
    return reverse(f"admin:customers_{model._meta.model_name}_{view}", args=args)


def _messages(response: Any) -> list[str]:
    return [str(message) for message in response.context["messages"]]


# Building rows through the services --------------------------------------------------------


def _address(customer: Customer, **fields: Any) -> DeliveryAddress:
    n = next(_numbers)
    values = {
        "recipient_name": f"Trần Thị Mai {n}",
        "phone": f"0987{n:06d}",
        "address": f"{n} Nguyễn Huệ",
        "ward": "Phường Sài Gòn",
        "province": "TP. Hồ Chí Minh",
        **fields,
    }
    return services.delivery_address_create(customer=customer, **values)


def _order(customer: Customer | None) -> Order:
    n = next(_numbers)
    return services.order_create(
        customer=customer, reference=f"DH{n:07d}", total_vnd=150_000 + n, invoice_number=f"HD{n}"
    )


def _consent(customer: Customer, purpose: Purpose | None = None) -> Consent:
    return services.consent_grant(
        customer=customer,
        purpose=purpose or PurposeFactory.create(),
        channel=Channel.PHONE,
        form_reference=f"CALL-{next(_numbers)}",
    )


@dataclass(frozen=True)
class Scenario:
    """One model's admin pages: the object they show, and how to give them more rows."""

    model: type[models.Model]
    search: str
    anchor: Callable[[], Any]
    grow: Callable[[Any, int], None]


def _controller_scenario() -> Scenario:
    def grow(controller: Controller, n: int) -> None:
        for _ in range(n):  # history rows
            services.controller_update(business_hours=f"8:00–{next(_numbers) % 12 + 12}:00")

    return Scenario(Controller, "Mỹ Tho", lambda: Controller.objects.get(), grow)


def _customer_scenario() -> Scenario:
    def grow(customer: Customer, n: int) -> None:
        for _ in range(n):
            CustomerFactory.create()
            _address(customer)
            _order(customer)
            _consent(customer)
            services.customer_update(customer=customer, notes=f"call {next(_numbers)}")

    return Scenario(Customer, "nguyen van an", lambda: CustomerFactory.create(), grow)


def _address_scenario() -> Scenario:
    def grow(address: DeliveryAddress, n: int) -> None:
        for _ in range(n):
            _address(address.customer)
            services.delivery_address_update(
                delivery_address=address, ward=f"Phường {next(_numbers)}"
            )

    return Scenario(
        DeliveryAddress, "Trần Thị Mai", lambda: _address(CustomerFactory.create()), grow
    )


def _order_scenario() -> Scenario:
    def grow(order: Order, n: int) -> None:
        for _ in range(n):
            _order(order.customer)
            services.order_update(order=order, invoice_number=f"HD{next(_numbers)}")

    return Scenario(
        Order, "0912 853 984", lambda: _order(CustomerFactory.create(phone="0912853984")), grow
    )


def _purpose_scenario() -> Scenario:
    def grow(purpose: Purpose, n: int) -> None:
        for _ in range(n):
            PurposeFactory.create()
            purpose.retention_en = f"{next(_numbers)} months"
            services.purpose_save(purpose=purpose)

    return Scenario(Purpose, "purpose", lambda: PurposeFactory.create(), grow)


def _policy_scenario() -> Scenario:
    def upcoming() -> PolicyVersion:
        return PolicyVersionFactory.create(
            effective_from=timezone.localdate() + datetime.timedelta(30)
        )

    def grow(policy: PolicyVersion, n: int) -> None:
        for _ in range(n):
            PolicyVersionFactory.create()
            policy.title_en = f"Privacy policy, draft {next(_numbers)}"
            services.policy_version_save(policy=policy)

    return Scenario(PolicyVersion, "privacy", upcoming, grow)


def _consent_scenario() -> Scenario:
    def grow(consent: Consent, n: int) -> None:
        for _ in range(n):
            _consent(CustomerFactory.create(), consent.purpose)
            services.consent_withdraw(
                consent=consent, channel=Channel.SMS, withdrawal_reference="SMS-1"
            )
            services.consent_grant(
                customer=consent.customer,
                purpose=consent.purpose,
                channel=Channel.PHONE,
                form_reference="CALL-1",
            )

    return Scenario(Consent, "nguyen van an", lambda: _consent(CustomerFactory.create()), grow)


def _shipper(n: int) -> Recipient:
    return disclosures.recipient_save(
        recipient=Recipient(
            name=f"Giao Hàng {n}",
            kind=Recipient.Kind.SHIPPER,
            purpose=PurposeFactory.create(
                code="order-fulfilment", legal_basis=Purpose.LegalBasis.CONTRACT
            ),
            contract_reference=f"HĐ-{n}",
            allowed_items=["name", "phone", "delivery_address"],
        ),
        actor=None,
    )


def _recipient_scenario() -> Scenario:
    def grow(recipient: Recipient, n: int) -> None:
        for _ in range(n):
            _shipper(next(_numbers))
            recipient.contract_reference = f"HĐ-{next(_numbers)}"
            disclosures.recipient_save(recipient=recipient, actor=None)

    return Scenario(Recipient, "Giao Hàng", lambda: _shipper(next(_numbers)), grow)


def _disclosure_scenario() -> Scenario:
    def disclose(customer: Customer) -> Disclosure:
        return disclosures.disclosure_create(
            actor=get_user_model().objects.get(is_superuser=True),  # admin_client's
            customer=customer,
            recipient=_shipper(next(_numbers)),
            items=["name", "phone"],
        )

    def grow(disclosure: Disclosure, n: int) -> None:
        for _ in range(n):
            disclose(disclosure.customer)
            disclose(CustomerFactory.create())

    # Searched by the customer's id, filled in once the anchor exists.
    return Scenario(Disclosure, "{customer_id}", lambda: disclose(CustomerFactory.create()), grow)


def _recipient_request_scenario() -> Scenario:
    from customers import recipient_requests
    from customers.models import RecipientRequest

    def ask() -> RecipientRequest:
        customer = CustomerFactory.create()
        disclosures.disclosure_create(
            actor=get_user_model().objects.get(is_superuser=True),  # admin_client's
            customer=customer,
            recipient=_shipper(next(_numbers)),
            items=["name", "phone"],
        )
        (asked,) = recipient_requests.recipient_requests_open(
            customer_ids=[customer.pk],
            action=RecipientRequest.Action.DELETE,
            cause=RecipientRequest.Cause.ERASED,
            reference=f"KN-{next(_numbers)}",
        )
        return asked

    def grow(asked: RecipientRequest, n: int) -> None:
        for _ in range(n):
            ask()

    return Scenario(RecipientRequest, "KN-", ask, grow)


def _agreement_scenario() -> Scenario:
    import datetime

    from customers import agreements
    from customers.agreement_model import CONTENTS, RecipientAgreement

    def agree() -> RecipientAgreement:
        return agreements.agreement_save(
            agreement=RecipientAgreement(
                recipient=_shipper(next(_numbers)),
                reference=f"HĐ-{next(_numbers)}",
                starts_on=datetime.date(2026, 1, 1),
                **{name: "Điều 2" for name, _label in CONTENTS},
            ),
            actor=get_user_model().objects.get(is_superuser=True),  # admin_client's
        )

    def grow(agreement: RecipientAgreement, n: int) -> None:
        for _ in range(n):
            agree()

    return Scenario(RecipientAgreement, "HĐ-", agree, grow)


def _access_log_scenario() -> Scenario:
    def log(customer: Customer) -> AccessLog:
        staff = get_user_model().objects.get(is_superuser=True)  # admin_client's
        services.access_log_record(
            staff=staff, customer_ids=[customer.pk], action=AccessLog.Action.VIEW
        )
        return AccessLog.objects.filter(customer=customer).latest("id")

    def grow(entry: AccessLog, n: int) -> None:
        for _ in range(n):
            log(entry.customer)
            log(CustomerFactory.create())

    return Scenario(AccessLog, "{customer_id}", lambda: log(CustomerFactory.create()), grow)


def _outbox_scenario() -> Scenario:
    from customers.kernel.outbox import OutboxTask

    def queue() -> OutboxTask:
        return OutboxTask.objects.create(task="customers.tasks.send_consent_receipt", args=[1])

    def grow(row: OutboxTask, n: int) -> None:
        for _ in range(2 * n):
            queue()

    return Scenario(OutboxTask, "consent", queue, grow)


def _restriction_scenario() -> Scenario:
    from customers import restrictions
    from tests.factories import role_member

    def place(customer: Customer | None = None) -> Any:
        return restrictions.restriction_place(
            customer=customer or CustomerFactory.create(),
            actor=role_member("legal_compliance", f"phap-che-{next(_numbers)}"),
            reason="Khách phản đối xử lý",
            reference=f"KN-{next(_numbers):05d}",
        )

    def grow(restriction: Any, n: int) -> None:
        for _ in range(n):
            place()

    return Scenario(Restriction, "KN-", place, grow)


SCENARIOS = {
    "controller": _controller_scenario,
    "customer": _customer_scenario,
    "deliveryaddress": _address_scenario,
    "order": _order_scenario,
    "purpose": _purpose_scenario,
    "policyversion": _policy_scenario,
    "consent": _consent_scenario,
    "recipient": _recipient_scenario,
    "disclosure": _disclosure_scenario,
    "accesslog": _access_log_scenario,
    "outboxtask": _outbox_scenario,
    "restriction": _restriction_scenario,
    "recipientrequest": _recipient_request_scenario,
    "recipientagreement": _agreement_scenario,
}

# The most queries each page may run, however many rows there are.
MAX_QUERIES = {"changelist": 10, "search": 10, "add": 6, "change": 10, "history": 10}
# The customer's page adds its summary (customers.customer_summary): one bounded read per section.
MAX_QUERIES_OF = {("customer", "change"): 16}


def test_every_customers_model_is_in_the_admin_and_in_these_tests() -> None:
    recorded = [
        model
        for model in apps.get_app_config("customers").get_models()
        if not hasattr(model, "instance_type")  # simple_history's own models
        # The home's kept monthly counts: an aggregate the services keep, not a record.
        and model._meta.model_name != "monthlytally"
    ]
    assert {model._meta.model_name for model in recorded} == set(SCENARIOS)
    assert all(admin.site.is_registered(model) for model in recorded)


@pytest.mark.parametrize("page", list(MAX_QUERIES))
@pytest.mark.parametrize("model_name", list(SCENARIOS))
def test_admin_page_runs_a_bounded_number_of_queries(
    admin_client: Client,
    django_assert_max_num_queries: Any,
    controller: Controller,
    policy: PolicyVersion,
    model_name: str,
    page: str,
) -> None:
    scenario = SCENARIOS[model_name]()
    anchor = scenario.anchor()
    scenario.grow(anchor, 3)
    url = {
        "changelist": _url(scenario.model, "changelist"),
        "search": f"{_url(scenario.model, 'changelist')}?q="
        + scenario.search.format(customer_id=getattr(anchor, "customer_id", "")),
        "add": _url(scenario.model, "add"),
        "change": _url(scenario.model, "change", anchor.pk),
        "history": _url(scenario.model, "history", anchor.pk),
    }[page]
    # The controller profile exists, so adding another is refused; the access log is written
    # by the services only.
    refused = {
        ("controller", "add"),
        ("accesslog", "add"),
        ("outboxtask", "add"),
        ("recipientrequest", "add"),  # opened by the services only
    }
    expected_status = 403 if (model_name, page) in refused else 200

    admin_client.get(url)  # warm per-process caches (content types)
    bound = MAX_QUERIES_OF.get((model_name, page), MAX_QUERIES[page])
    with django_assert_max_num_queries(bound) as few_rows:
        response = admin_client.get(url)
    assert response.status_code == expected_status
    listed = len(response.context["cl"].result_list) if page in ("changelist", "search") else 0
    if page in ("changelist", "search"):
        assert listed >= 1

    scenario.grow(anchor, 30)
    with django_assert_max_num_queries(len(few_rows)):
        response = admin_client.get(url)
    assert response.status_code == expected_status
    if page in ("changelist", "search") and model_name != "controller":
        assert len(response.context["cl"].result_list) > listed


def test_controller_add_page_is_there_until_the_profile_exists(admin_client: Client) -> None:
    assert admin_client.get(_url(Controller, "add")).status_code == 200
    response = admin_client.post(
        _url(Controller, "add"),
        {
            "legal_name": "Công ty TNHH Ánh Dương",
            "address": "1 Lê Duẩn, Hà Nội",
            "hotline": "1900 1234",
            "registration_kind": "enterprise",  # the select's default, as a browser posts it
        },
    )
    assert response.status_code == 302
    controller = Controller.objects.get()
    assert controller.hotline == "+8419001234"
    assert admin_client.get(_url(Controller, "add")).status_code == 403


def test_app_index_lists_every_customers_model(admin_client: Client) -> None:
    response = admin_client.get(reverse("admin:app_list", args=["customers"]))
    assert response.status_code == 200
    for model in (Controller, Customer, DeliveryAddress, Order, Purpose, PolicyVersion, Consent):
        assert _url(model, "changelist") in response.content.decode()


# Search ------------------------------------------------------------------------------------


def _found(client: Client, model: type[models.Model], term: str) -> list[Any]:
    response = client.get(_url(model, "changelist"), {"q": term})
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


@pytest.mark.parametrize(
    "typed", ["0912 853 984", "+84912853984", "84912853984", "84 912 853 984", "0912.853.984"]
)
def test_customer_found_by_phone_typed_any_usual_way(admin_client: Client, typed: str) -> None:
    wanted = CustomerFactory.create(full_name="Lê Văn Tám", phone="0912 853 984")
    CustomerFactory.create(full_name="Lê Văn Chín", phone="0912 853 985")

    assert wanted.phone == "+84912853984"
    assert _found(admin_client, Customer, typed) == [wanted]


def test_phone_search_is_an_exact_lookup(admin_client: Client) -> None:
    CustomerFactory.create(phone="0912 853 984")
    with CaptureQueriesContext(connection) as queries:
        _found(admin_client, Customer, "0912 853 984")
    listing = [q["sql"] for q in queries if 'FROM "customers_customer"' in q["sql"]]
    assert any('"customers_customer"."phone" = ' in sql for sql in listing)
    assert not any("LIKE" in sql.upper() for sql in listing)


def test_customer_found_by_tax_code_typed_with_dash_or_spaces(admin_client: Client) -> None:
    branch = CustomerFactory.create(
        kind=Customer.Kind.ORGANIZATION, full_name="Chi nhánh Hà Nội", tax_code="0100109106-001"
    )
    head_office = CustomerFactory.create(kind=Customer.Kind.ORGANIZATION, tax_code="0100109106")

    assert _found(admin_client, Customer, "0100109106-001") == [branch]
    assert _found(admin_client, Customer, "0100 109 106 001") == [branch]
    assert _found(admin_client, Customer, "0100109106") == [head_office]


def test_customer_found_by_name_without_accents(admin_client: Client) -> None:
    an = CustomerFactory.create(full_name="Nguyễn Văn An")
    CustomerFactory.create(full_name="Trần Thị Bình")

    assert _found(admin_client, Customer, "nguyen van an") == [an]
    assert _found(admin_client, Customer, "NGUYỄN an") == [an]


def test_a_name_search_is_counted_up_to_the_search_cap(
    admin_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A name search rechecks every candidate row of the trigram index: past SEARCH_COUNT_CAP
    # matches the list says "more than" instead of counting on.
    from customers.admin import base as customers_admin

    monkeypatch.setattr(customers_admin, "SEARCH_COUNT_CAP", 2)
    for _ in range(4):
        CustomerFactory.create(full_name="Lê Thị Hoa")

    response = admin_client.get(_url(Customer, "changelist"), {"q": "le thi hoa"})

    cl = response.context["cl"]
    assert (cl.result_count, cl.paginator.count_is_capped) == (3, True)
    assert "More than 2 rows match" in response.content.decode()
    # The same list without a search is counted as before.
    plain = admin_client.get(_url(Customer, "changelist"), {"status__exact": "active"})
    assert plain.context["cl"].result_count == 4


def test_postgresql_name_search_is_served_by_the_trigram_index(require_postgres: None) -> None:
    """LIKE '%word%' on name_folded reads the GIN trigram index, not the whole table."""
    an = CustomerFactory.create(full_name="Nguyễn Văn An")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = 'customers_customer'"
            " AND indexname = 'customer_name_folded_trgm'"
        )
        (definition,) = cursor.fetchone()
        assert "gin_trgm_ops" in definition
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(
            "EXPLAIN SELECT id FROM customers_customer WHERE name_folded LIKE %s", ["%nguyen%"]
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "customer_name_folded_trgm" in plan
    assert list(Customer.objects.filter(name_folded__contains="nguyen")) == [an]


def test_customer_found_by_email_whatever_its_case(admin_client: Client) -> None:
    wanted = CustomerFactory.create(email="Chi.Lan@Example.vn")
    CustomerFactory.create(email="lan@example.vn")

    assert _found(admin_client, Customer, "CHI.LAN@example.VN") == [wanted]


def test_orders_and_consents_found_by_their_customers_phone(
    admin_client: Client, policy: PolicyVersion, marketing: Purpose
) -> None:
    customer = CustomerFactory.create(phone="0912 853 984")
    other = CustomerFactory.create(phone="0912 853 985")
    order, consent = _order(customer), _consent(customer, marketing)
    _order(other), _consent(other, marketing)

    assert _found(admin_client, Order, "0912853984") == [order]
    assert _found(admin_client, Order, order.reference) == [order]
    assert _found(admin_client, Consent, "+84 912 853 984") == [consent]


def test_phone_is_listed_the_vietnamese_way(admin_client: Client) -> None:
    CustomerFactory.create(phone="+84912853984")
    response = admin_client.get(_url(Customer, "changelist"))
    assert "0912 853 984" in response.content.decode()


# No full-table count -----------------------------------------------------------------------

_COUNT_OF_CUSTOMERS = re.compile(r'COUNT\(.*FROM "customers_customer"', re.IGNORECASE | re.DOTALL)


def _unbounded_customer_counts(queries: CaptureQueriesContext) -> list[str]:
    """Queries that count rows of customers_customer with neither a WHERE nor a LIMIT."""
    return [
        q["sql"]
        for q in queries
        if _COUNT_OF_CUSTOMERS.search(q["sql"])
        and " WHERE " not in q["sql"].upper()
        and " LIMIT " not in q["sql"].upper()
    ]


def test_customer_list_never_counts_the_whole_table(admin_client: Client) -> None:
    for _ in range(5):
        CustomerFactory.create()
    for query_string in ("", "?status__exact=active", "?q=nguyen"):
        with CaptureQueriesContext(connection) as queries:
            response = admin_client.get(_url(Customer, "changelist") + query_string)
        assert response.status_code == 200
        assert _unbounded_customer_counts(queries) == []


# 5,000: above ESTIMATE_FLOOR, so that 10k customers run the same queries as 1M.
@pytest.mark.parametrize("estimate", [5_000, 25_000])
def test_a_big_customer_list_shows_an_estimate_without_counting(
    admin_client: Client, monkeypatch: pytest.MonkeyPatch, estimate: int
) -> None:
    # What the database would say of a big table (autovacuum keeps the real test table's
    # statistics out of the test's hands).
    monkeypatch.setattr(paginator, "table_row_estimate", lambda model, using: estimate)
    for _ in range(3):
        CustomerFactory.create()

    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(_url(Customer, "changelist"))

    assert response.status_code == 200
    assert not [q["sql"] for q in queries if q["sql"].upper().startswith("SELECT COUNT(")]
    cl = response.context["cl"]
    assert (cl.result_count, cl.paginator.count_is_estimate) == (estimate, True)
    assert cl.multi_page
    assert len(cl.result_list) == 3  # the page itself is read with LIMIT, as usual
    assert "is an estimate" in response.content.decode()


def test_a_small_customer_list_is_counted(
    admin_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    # At or under ESTIMATE_FLOOR rows an estimate says nothing a count would not: count them.
    monkeypatch.setattr(paginator, "table_row_estimate", lambda model, using: 900)
    for _ in range(3):
        CustomerFactory.create()

    response = admin_client.get(_url(Customer, "changelist"))

    cl = response.context["cl"]
    assert (cl.result_count, cl.paginator.count_is_estimate) == (3, False)
    assert "is an estimate" not in response.content.decode()


def test_a_long_filtered_list_is_counted_up_to_the_cap(
    admin_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(paginator.EstimatedCountPaginator, "count_cap", 3)
    for _ in range(6):
        CustomerFactory.create()

    response = admin_client.get(_url(Customer, "changelist"), {"status__exact": "active"})

    assert response.context["cl"].result_count == 4
    assert response.context["cl"].paginator.count_is_capped
    assert "More than 3 rows match" in response.content.decode()


def test_postgresql_estimate_comes_from_the_planner_statistics(require_postgres: None) -> None:
    for _ in range(7):
        CustomerFactory.create()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE customers_customer")

    assert paginator.table_row_estimate(Customer, using="default") == 7


def test_sqlite_estimate_is_the_highest_id() -> None:
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL answers from its statistics (previous test)")
    customers = [CustomerFactory.create() for _ in range(4)]

    assert paginator.table_row_estimate(Customer, using="default") == customers[-1].pk


# Writes go through the services ------------------------------------------------------------


def _customer_form(**fields: str) -> dict[str, str]:
    data = {
        "kind": Customer.Kind.INDIVIDUAL,
        "full_name": "Phạm Thị Hoa",
        "contact_person": "",
        "phone": "0912 853 984",
        "email": "Hoa.Pham@Example.vn",
        "address": "",
        "tax_code": "",
        "source_channel": Channel.PHONE,
        "notes": "",
    }
    for prefix in ("addresses", "consents", "orders"):
        data.update(
            {
                f"{prefix}-TOTAL_FORMS": "0",
                f"{prefix}-INITIAL_FORMS": "0",
                f"{prefix}-MIN_NUM_FORMS": "0",
                f"{prefix}-MAX_NUM_FORMS": "1000",
            }
        )
    data.update(fields)
    return data


def test_customer_added_with_a_bad_phone_gets_the_error_on_the_field(
    admin_client: Client,
) -> None:
    response = admin_client.post(_url(Customer, "add"), _customer_form(phone="0912 85"))

    assert response.status_code == 200
    form = response.context["adminform"].form
    assert "Enter a valid phone number" in " ".join(form.errors["phone"])
    assert form["full_name"].value() == "Phạm Thị Hoa"  # nothing typed is lost
    assert not Customer.objects.exists()


def test_customer_added_through_the_admin_is_normalised_and_attributed(
    admin_client: Client, superuser: Any
) -> None:
    response = admin_client.post(
        _url(Customer, "add"),
        _customer_form(
            **{
                "addresses-TOTAL_FORMS": "1",
                "addresses-0-recipient_name": "Phạm Thị Hoa",
                "addresses-0-phone": "028 3822 1234",
                "addresses-0-address": "5 Đồng Khởi",
                "addresses-0-province": "TP. Hồ Chí Minh",
                "addresses-0-is_default": "on",
            }
        ),
    )

    assert response.status_code == 302
    customer = Customer.objects.get()
    assert customer.phone == "+84912853984"
    assert customer.email == "hoa.pham@example.vn"
    assert customer.name_folded == "pham thi hoa"
    assert customer.history.get().history_user == superuser
    address = customer.addresses.get()
    assert (address.phone, address.is_default) == ("+842838221234", True)
    assert address.history.get().history_user == superuser


def test_customer_change_goes_through_customer_update(admin_client: Client, superuser: Any) -> None:
    customer = CustomerFactory.create(full_name="Phạm Thị Hoa", phone="0912 853 984", email="")
    form = _customer_form(full_name="Phạm  Thị   Hồng", phone="0912 853 984", email="")

    response = admin_client.post(_url(Customer, "change", customer.pk), form)

    assert response.status_code == 302
    customer.refresh_from_db()
    assert (customer.full_name, customer.name_folded) == ("Phạm Thị Hồng", "pham thi hong")
    assert customer.history.first().history_user == superuser


def test_the_change_form_shows_the_phone_the_vietnamese_way(admin_client: Client) -> None:
    customer = CustomerFactory.create(phone="+84912853984")
    response = admin_client.get(_url(Customer, "change", customer.pk))
    assert 'value="0912 853 984"' in response.content.decode()


def test_service_refusal_is_shown_on_the_form_not_as_a_server_error(
    admin_client: Client, marketing: Purpose
) -> None:
    """No policy is in effect: consent_grant refuses, the admin shows why and keeps the input."""
    customer = CustomerFactory.create()
    data = {
        "customer": str(customer.pk),
        "purpose": str(marketing.pk),
        "channel": Channel.PHONE,
        "form_reference": "CALL-77",
    }

    response = admin_client.post(_url(Consent, "add"), data)

    assert response.status_code == 200
    form = response.context["adminform"].form
    assert "No privacy policy is in effect" in " ".join(form.non_field_errors())
    assert form["form_reference"].value() == "CALL-77"
    assert not Consent.objects.exists()


def test_nothing_is_deleted_through_the_admin(
    admin_client: Client, policy: PolicyVersion, marketing: Purpose
) -> None:
    customer = CustomerFactory.create()
    order, consent = _order(customer), _consent(customer, marketing)
    for model, obj in [
        (Customer, customer),
        (Order, order),
        (Consent, consent),
        (PolicyVersion, policy),
        (Purpose, marketing),
    ]:
        action_form = admin_client.get(_url(model, "changelist")).context["action_form"]
        actions = [] if action_form is None else action_form.fields["action"].choices
        assert "delete_selected" not in dict(actions)
        assert admin_client.post(_url(model, "delete", obj.pk), {"post": "yes"}).status_code == 403
        assert model._default_manager.filter(pk=obj.pk).exists()


def test_order_added_through_the_admin_goes_through_order_create(
    admin_client: Client, superuser: Any
) -> None:
    customer = CustomerFactory.create()
    ordered_at = timezone.now() + datetime.timedelta(minutes=5)
    local = timezone.localtime(ordered_at)
    response = admin_client.post(
        _url(Order, "add"),
        {
            "customer": str(customer.pk),
            "reference": "DH-2026-0001",
            "ordered_at_0": local.strftime("%Y-%m-%d"),
            "ordered_at_1": local.strftime("%H:%M:%S"),
            "status": Order.Status.PLACED,
            "total_vnd": "1250000",
            "invoice_number": "",
            "recipient_name": "",
            "delivery_phone": "0912 853 984",
            "delivery_address": "",
        },
    )

    assert response.status_code == 302
    order = Order.objects.get()
    assert (order.delivery_phone, order.history.get().history_user) == ("+84912853984", superuser)
    customer.refresh_from_db()
    assert customer.last_activity_at == order.ordered_at  # customer_touch, done by the service


def test_address_changed_in_the_customer_form_goes_through_the_service(
    admin_client: Client, superuser: Any
) -> None:
    customer = CustomerFactory.create(phone="0912 853 984", email="")
    first = _address(customer, is_default=True)
    second = _address(customer)
    data = _customer_form(phone="0912 853 984", email="")
    data.update(
        {
            "addresses-TOTAL_FORMS": "2",
            "addresses-INITIAL_FORMS": "2",
            "addresses-0-id": str(first.pk),
            "addresses-0-customer": str(customer.pk),
            "addresses-0-recipient_name": first.recipient_name,
            "addresses-0-phone": first.phone,
            "addresses-0-address": first.address,
            "addresses-0-ward": first.ward,
            "addresses-0-province": first.province,
            "addresses-0-is_default": "on",
            "addresses-1-id": str(second.pk),
            "addresses-1-customer": str(customer.pk),
            "addresses-1-recipient_name": second.recipient_name,
            "addresses-1-phone": "0903 123 456",
            "addresses-1-address": "9 Lý Tự Trọng",
            "addresses-1-ward": second.ward,
            "addresses-1-province": second.province,
            "addresses-1-is_default": "on",
        }
    )

    response = admin_client.post(_url(Customer, "change", customer.pk), data)

    assert response.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    # delivery_address_update made the second one the default, and only it.
    assert (first.is_default, second.is_default) == (False, True)
    assert (second.phone, second.address) == ("+84903123456", "9 Lý Tự Trọng")
    assert second.history.first().history_user == superuser


def test_delivery_address_page_saves_through_the_service(admin_client: Client) -> None:
    customer = CustomerFactory.create()
    first, second = _address(customer, is_default=True), _address(customer)

    response = admin_client.post(
        _url(DeliveryAddress, "change", second.pk),
        {
            "customer": str(customer.pk),
            "recipient_name": "Lý Thị Thu",
            "phone": "0903 123 456",
            "address": "9 Lý Tự Trọng",
            "ward": "",
            "province": "Đà Nẵng",
            "is_default": "on",
        },
    )

    assert response.status_code == 302
    second.refresh_from_db()
    first.refresh_from_db()
    assert (second.address, second.phone, second.is_default) == (
        "9 Lý Tự Trọng",
        "+84903123456",
        True,
    )
    assert not first.is_default


def test_history_revert_needs_the_right_to_change(
    admin_client: Client, policy: PolicyVersion, marketing: Purpose
) -> None:
    consent = _consent(CustomerFactory.create(), marketing)
    record = consent.history.get()
    for model, obj, history_id in [
        (Consent, consent, record.history_id),
        (PolicyVersion, policy, policy.history.get().history_id),
    ]:
        url = _url(model, "simple_history", obj.pk, history_id)
        assert admin_client.get(url).status_code == 200
        assert admin_client.post(url, {}).status_code == 403


# Consents ----------------------------------------------------------------------------------


def test_consent_recorded_by_staff_and_withdrawn_with_the_action(
    admin_client: Client, superuser: Any, policy: PolicyVersion, marketing: Purpose
) -> None:
    customer = CustomerFactory.create()
    response = admin_client.post(
        _url(Consent, "add"),
        {
            "customer": str(customer.pk),
            "purpose": str(marketing.pk),
            "channel": Channel.PHONE,
            "form_reference": "CALL-2026-0042",
        },
    )
    assert response.status_code == 302
    consent = Consent.objects.get()
    assert (consent.status, consent.recorded_by, consent.policy_version) == (
        Consent.Status.GRANTED,
        superuser,
        policy,
    )
    assert consent.form_reference == "CALL-2026-0042"

    changelist = _url(Consent, "changelist")
    action = {"action": "withdraw_selected", ACTION_CHECKBOX_NAME: [str(consent.pk)]}
    confirmation = admin_client.post(changelist, action)
    assert confirmation.status_code == 200
    assert "Withdrawal came through" in confirmation.content.decode()
    assert '<input type="hidden" name="action" value="withdraw_selected">' in (
        confirmation.content.decode()
    )
    consent.refresh_from_db()
    assert consent.is_granted  # nothing happens before the confirmation

    confirm = {
        **action,
        "post": "yes",
        "channel": Channel.PHONE,
        "reason": "Asked on the hotline",
        "withdrawal_reference": "CALL-2026-0043",
    }
    response = admin_client.post(changelist, confirm, follow=True)
    assert response.status_code == 200
    assert "1 consent withdrawn." in _messages(response)
    consent.refresh_from_db()
    assert (consent.status, consent.withdrawal_channel, consent.withdrawal_reason) == (
        Consent.Status.WITHDRAWN,
        Channel.PHONE,
        "Asked on the hotline",
    )
    assert consent.withdrawal_reference == "CALL-2026-0043"

    again = admin_client.post(changelist, confirm, follow=True)
    assert again.status_code == 200
    assert any("was not withdrawn" in m and "already withdrawn" in m for m in _messages(again))
    assert Consent.objects.filter(pk=consent.pk, status=Consent.Status.WITHDRAWN).exists()


def test_consent_add_form_offers_active_purposes_and_the_channels_staff_record(
    admin_client: Client, policy: PolicyVersion, marketing: Purpose
) -> None:
    PurposeFactory.create(code="old-newsletter", is_active=False)

    form = admin_client.get(_url(Consent, "add")).context["adminform"].form

    assert list(form.fields["purpose"].queryset) == [marketing]
    assert Channel.WEB_FORM not in dict(form.fields["channel"].choices)
    assert Channel.PHONE in dict(form.fields["channel"].choices)


def test_withdraw_confirmation_asks_again_without_a_channel(
    admin_client: Client, policy: PolicyVersion, marketing: Purpose
) -> None:
    consent = _consent(CustomerFactory.create(), marketing)
    response = admin_client.post(
        _url(Consent, "changelist"),
        {"action": "withdraw_selected", ACTION_CHECKBOX_NAME: [str(consent.pk)], "post": "yes"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["channel"]
    consent.refresh_from_db()
    assert consent.is_granted


def test_a_withdrawn_consent_can_be_granted_again_through_the_admin(
    admin_client: Client, policy: PolicyVersion, marketing: Purpose
) -> None:
    consent = _consent(CustomerFactory.create(), marketing)
    services.consent_withdraw(consent=consent, channel=Channel.PHONE, withdrawal_reference="CALL-8")
    data = {
        "customer": str(consent.customer_id),
        "purpose": str(marketing.pk),
        "channel": Channel.SMS,
        "form_reference": "SMS-9",
    }

    response = admin_client.post(_url(Consent, "add"), data)

    assert response.status_code == 302
    consent.refresh_from_db()
    assert (consent.status, consent.channel) == (Consent.Status.GRANTED, Channel.SMS)
    assert Consent.objects.count() == 1

    again = admin_client.post(_url(Consent, "add"), data)
    assert again.status_code == 200
    assert "already consented" in " ".join(again.context["adminform"].form.non_field_errors())


def test_consent_page_is_read_only(
    admin_client: Client, policy: PolicyVersion, marketing: Purpose
) -> None:
    consent = _consent(CustomerFactory.create(), marketing)
    url = _url(Consent, "change", consent.pk)

    page = admin_client.get(url)
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert admin_client.post(url, {"channel": Channel.EMAIL}).status_code == 403


def test_customer_form_lists_consents_and_orders_read_only_with_links(
    admin_client: Client, policy: PolicyVersion, marketing: Purpose
) -> None:
    customer = CustomerFactory.create()
    consent, order = _consent(customer, marketing), _order(customer)

    content = admin_client.get(_url(Customer, "change", customer.pk)).content.decode()

    assert _url(Consent, "change", consent.pk) in content
    assert _url(Order, "change", order.pk) in content
    assert 'name="consents-0-channel"' not in content
    assert 'name="orders-0-total_vnd"' not in content
    assert _url(Customer, "consent_receipt", customer.pk) in content


# Policy versions ---------------------------------------------------------------------------


def test_policy_in_effect_cannot_be_edited(admin_client: Client, policy: PolicyVersion) -> None:
    url = _url(PolicyVersion, "change", policy.pk)
    page = admin_client.get(url)
    assert page.status_code == 200
    assert 'name="body_en"' not in page.content.decode()

    response = admin_client.post(
        url,
        {
            "version": policy.version,
            "effective_from": policy.effective_from.isoformat(),
            "title_vi": policy.title_vi,
            "title_en": policy.title_en,
            "body_vi": "Văn bản đã sửa.",
            "body_en": "Rewritten text.",
        },
    )

    assert response.status_code == 403
    policy.refresh_from_db()
    assert policy.body_en.startswith("1. Why we collect")


def test_new_policy_version_starts_from_the_text_of_another(
    admin_client: Client, policy: PolicyVersion
) -> None:
    response = admin_client.get(_url(PolicyVersion, "add"), {"copy_from": policy.pk})
    form = response.context["adminform"].form
    assert form["body_en"].value() == policy.body_en
    assert form["version"].value() in (None, "")


def test_upcoming_policy_version_is_edited_through_the_service(
    admin_client: Client, superuser: Any
) -> None:
    upcoming = PolicyVersionFactory.create(
        version="2027.1", effective_from=timezone.localdate() + datetime.timedelta(days=10)
    )
    response = admin_client.post(
        _url(PolicyVersion, "change", upcoming.pk),
        {
            "version": "2027.1",
            "effective_from": upcoming.effective_from.isoformat(),
            "title_vi": upcoming.title_vi,
            "title_en": upcoming.title_en,
            "body_vi": upcoming.body_vi,
            "body_en": "Corrected before it comes into effect.",
        },
    )
    assert response.status_code == 302
    upcoming.refresh_from_db()
    assert upcoming.body_en == "Corrected before it comes into effect."
    assert upcoming.history.first().history_user == superuser


# Consent receipt ---------------------------------------------------------------------------


def test_consent_receipt_page_shows_what_was_agreed(
    admin_client: Client, controller: Controller, policy: PolicyVersion, marketing: Purpose
) -> None:
    customer = CustomerFactory.create(full_name="Đỗ Thị Lan")
    shipping = PurposeFactory.create(name_en="Order delivery", name_vi="Giao hàng")
    granted = _consent(customer, marketing)
    withdrawn = services.consent_withdraw(
        consent=_consent(customer, shipping), channel="phone", withdrawal_reference="CALL-9"
    )

    response = admin_client.get(_url(Customer, "consent_receipt", customer.pk))

    assert response.status_code == 200
    content = response.content.decode()
    assert "Đỗ Thị Lan" in content
    assert "Marketing email" in content and "Order delivery" in content
    assert timezone.localtime(granted.granted_at).strftime("%d/%m/%Y %H:%M") in content
    assert timezone.localtime(withdrawn.withdrawn_at).strftime("%d/%m/%Y %H:%M") in content
    assert policy.version in content
    assert controller.legal_name in content
    assert "window.print()" in content


def test_consent_receipt_is_for_staff_who_may_view_customers(
    client: Client, controller: Controller
) -> None:
    customer = CustomerFactory.create()
    url = _url(Customer, "consent_receipt", customer.pk)

    assert client.get(url).status_code == 302  # to the login page

    client.force_login(StaffFactory.create(username="outsider", is_staff=False))
    response = client.get(url)
    assert response.status_code == 302 and "/login/" in response["Location"]

    staff = StaffFactory.create(username="sales")
    client.force_login(staff)
    assert client.get(url).status_code == 403

    staff.user_permissions.add(Permission.objects.get(codename="view_customer"))
    client.force_login(staff)
    assert client.get(url).status_code == 200


# Email receipt action ----------------------------------------------------------------------


def test_email_receipt_action_queues_and_reports_customers_without_email(
    admin_client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    with_email = CustomerFactory.create(email="lan@example.vn")
    without_email = CustomerFactory.create(full_name="Võ Văn Kiệt", email="", phone="0912 000 111")

    with django_capture_on_commit_callbacks() as callbacks:
        response = admin_client.post(
            _url(Customer, "changelist"),
            {
                "action": "email_consent_receipt",
                ACTION_CHECKBOX_NAME: [str(with_email.pk), str(without_email.pk)],
            },
            follow=True,
        )

    assert response.status_code == 200
    shown = _messages(response)
    assert "The consent receipt will be emailed to 1 customer." in shown
    assert any("Võ Văn Kiệt has no email address" in m for m in shown)
    assert len(callbacks) == 1
