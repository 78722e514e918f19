"""Reading personal data is logged (SPEC: "reading it is logged"; Law 91/2025/QH15 Art. 3(4)): a row
for every page that shows a customer in full, every printed receipt and every exported customer,
with who, which customer, when and from where. Nobody can change or delete the log."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import ValidationError
from django.db import models
from django.test import Client
from django.urls import clear_url_caches, reverse
from django.utils import timezone, translation

from customers import exports, roles, services
from customers.models import (
    AccessLog,
    Channel,
    Consent,
    Controller,
    Customer,
    DeliveryAddress,
    Order,
    PolicyVersion,
    Purpose,
)
from tests.factories import CustomerFactory, StaffFactory, exported_file

pytestmark = pytest.mark.django_db

OFFICE_IP = "203.113.45.67"


@pytest.fixture(autouse=True)
def _english(settings: Any) -> Iterator[None]:
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield
    clear_url_caches()


def _url(model: type[models.Model], view: str, *args: Any) -> str:
    return reverse(f"admin:customers_{model._meta.model_name}_{view}", args=args)


def member_of(role: str, username: str | None = None) -> Any:
    user = StaffFactory(username=username or f"user-{role}")
    user.groups.add(roles.group_for(role))
    return user


def entries() -> list[tuple[Any, int, str, str | None]]:
    return [
        (entry.staff, entry.customer_id, entry.action, entry.ip_address)
        for entry in AccessLog.objects.order_by("id")
    ]


@pytest.fixture
def care(client: Client) -> Any:
    user = member_of(roles.CUSTOMER_CARE)
    client.force_login(user)
    return user


@pytest.fixture
def lan(policy: PolicyVersion, marketing: Purpose) -> Customer:
    customer = CustomerFactory(full_name="Phạm Thị Lan", phone="0912 853 984")
    services.consent_grant(
        customer=customer, purpose=marketing, channel=Channel.PHONE, form_reference="CALL-1"
    )
    return customer


# Rows that appear ----------------------------------------------------------------------------


def test_opening_a_customer_in_full_writes_one_view_row_per_page_view(
    client: Client, care: Any, lan: Customer
) -> None:
    url = _url(Customer, "change", lan.pk)

    assert client.get(url, REMOTE_ADDR=OFFICE_IP).status_code == 200
    assert client.get(url, REMOTE_ADDR=OFFICE_IP).status_code == 200

    assert entries() == [(care, lan.pk, "view", OFFICE_IP)] * 2
    entry = AccessLog.objects.first()
    assert entry is not None and entry.detail == f"customer #{lan.pk}"
    assert timezone.now() - entry.at < datetime.timedelta(minutes=1)


def test_lists_are_not_logged(client: Client, care: Any, lan: Customer) -> None:
    for model in (Customer, Consent, Order, DeliveryAddress):
        assert client.get(_url(model, "changelist")).status_code == 200
    assert client.get(_url(Customer, "changelist"), {"q": "0912853984"}).status_code == 200
    assert entries() == []


def test_saving_is_not_a_view(client: Client, care: Any, lan: Customer) -> None:
    """The page was logged when it was opened; the POST that saves it is a change, which the
    history records."""
    response = client.post(
        _url(Customer, "change", lan.pk),
        {
            "kind": "individual",
            "full_name": "Phạm Thị Lan",
            "phone": "0912 853 985",
            "source_channel": Channel.PHONE,
            "addresses-TOTAL_FORMS": "0",
            "addresses-INITIAL_FORMS": "0",
            "consents-TOTAL_FORMS": "0",
            "consents-INITIAL_FORMS": "0",
            "orders-TOTAL_FORMS": "0",
            "orders-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    assert entries() == []


def test_a_masked_page_is_not_a_view_in_full(client: Client, lan: Customer) -> None:
    client.force_login(member_of(roles.SALES))
    assert client.get(_url(Customer, "change", lan.pk)).status_code == 200
    assert entries() == []


def test_a_customers_addresses_orders_consents_and_history_are_views_of_that_customer(
    client: Client, care: Any, lan: Customer
) -> None:
    address = services.delivery_address_create(
        customer=lan, recipient_name="Phạm Thị Lan", phone="0912 853 984", address="1 Lê Lợi"
    )
    order = services.order_create(customer=lan, reference="DH1", total_vnd=100_000)
    consent = Consent.objects.get(customer=lan)

    for url in (
        _url(DeliveryAddress, "change", address.pk),
        _url(Order, "change", order.pk),
        _url(Consent, "change", consent.pk),
        _url(Customer, "history", lan.pk),
        _url(Customer, "simple_history", lan.pk, lan.history.get().history_id),
    ):
        assert client.get(url).status_code == 200, url

    assert entries() == [(care, lan.pk, "view", "127.0.0.1")] * 5
    details = list(AccessLog.objects.order_by("id").values_list("detail", flat=True))
    # In the staff's language (LANGUAGE_CODE, English in this module), by the record's name.
    assert details[0] == f"delivery address #{address.pk}"
    assert details[3] == f"history of customer #{lan.pk}"


def test_printing_the_consent_receipt_writes_a_print_row(
    client: Client, care: Any, lan: Customer, controller: Controller
) -> None:
    response = client.get(_url(Customer, "consent_receipt", lan.pk), REMOTE_ADDR=OFFICE_IP)

    assert response.status_code == 200
    assert "Phạm Thị Lan" in response.content.decode()
    assert entries() == [(care, lan.pk, "print", OFFICE_IP)]


def test_an_export_writes_one_row_per_exported_customer(client: Client, lan: Customer) -> None:
    dpo = member_of(roles.LEGAL_COMPLIANCE)
    client.force_login(dpo)
    other = CustomerFactory(full_name="Hoàng Văn Nam")

    asked = client.post(
        _url(Customer, "changelist"),
        {"action": "export_csv", ACTION_CHECKBOX_NAME: [str(lan.pk), str(other.pk)]},
        REMOTE_ADDR=OFFICE_IP,
    )
    response = exported_file(client, asked)  # made by an export job, logged when downloaded

    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    assert sorted(entries(), key=lambda row: row[1]) == [
        (dpo, lan.pk, "export", OFFICE_IP),
        (dpo, other.pk, "export", OFFICE_IP),
    ]
    assert set(AccessLog.objects.values_list("detail", flat=True)) == {
        "CSV of 2 selected customers"
    }


def test_a_masked_export_is_logged_too(lan: Customer) -> None:
    sales = member_of(roles.SALES)
    exports.customer_export_csv(actor=sales, customers=[lan], ip_address=OFFICE_IP)
    assert entries() == [(sales, lan.pk, "export", OFFICE_IP)]
    assert AccessLog.objects.get().detail == "CSV of 1 selected customers, masked"


def test_a_large_export_is_made_in_the_background_not_refused(
    client: Client, lan: Customer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The export built in the request stops at EXPORT_LIMIT; the admin's goes through an
    export job (imports.exports), whatever the number."""
    monkeypatch.setattr(exports, "EXPORT_LIMIT", 2)
    client.force_login(member_of(roles.LEGAL_COMPLIANCE))
    selected = [lan, CustomerFactory(), CustomerFactory()]

    asked = client.post(
        _url(Customer, "changelist"),
        {"action": "export_csv", ACTION_CHECKBOX_NAME: [str(c.pk) for c in selected]},
    )

    assert entries() == []  # nothing has left pdpdesk until the file is downloaded
    assert exported_file(client, asked).status_code == 200
    assert len(entries()) == 3
    with pytest.raises(ValidationError):
        exports.customer_export_csv(actor=asked.wsgi_request.user, customers=selected)


# The log cannot be changed -------------------------------------------------------------------


def _entry(lan: Customer) -> AccessLog:
    services.access_log_record(
        staff=StaffFactory(username="someone"),
        customer_ids=[lan.pk],
        action=AccessLog.Action.VIEW,
        ip_address=OFFICE_IP,
    )
    return AccessLog.objects.get()


def test_the_model_refuses_to_change_or_delete_an_entry(lan: Customer) -> None:
    entry = _entry(lan)
    entry.detail = "nothing happened"
    with pytest.raises(ValidationError):
        entry.save()
    with pytest.raises(ValidationError):
        entry.delete()
    with pytest.raises(ValidationError):
        AccessLog.objects.filter(pk=entry.pk).update(detail="rewritten")
    with pytest.raises(ValidationError):
        AccessLog.objects.filter(customer=lan).delete()
    entry.refresh_from_db()
    assert entry.detail == ""


def test_the_admin_shows_the_log_and_changes_nothing(client: Client, lan: Customer) -> None:
    entry = _entry(lan)
    client.force_login(member_of(roles.LEGAL_COMPLIANCE))

    listed = client.get(_url(AccessLog, "changelist"))
    view = client.get(_url(AccessLog, "change", entry.pk))

    assert listed.status_code == 200
    page = listed.content.decode()
    assert "someone" in page and "Phạm Thị Lan" in page and OFFICE_IP in page
    assert _url(Customer, "change", lan.pk) in page
    assert listed.context["action_form"] is None  # no actions, so no "delete selected"
    assert 'name="_selected_action"' not in page
    assert view.status_code == 200
    assert 'name="_save"' not in view.content.decode()
    assert client.get(_url(AccessLog, "add")).status_code == 403
    assert client.post(_url(AccessLog, "add"), {"detail": "x"}).status_code == 403
    assert client.post(_url(AccessLog, "change", entry.pk), {"detail": "x"}).status_code == 403
    assert client.get(_url(AccessLog, "delete", entry.pk)).status_code == 403
    assert client.post(_url(AccessLog, "delete", entry.pk), {"post": "yes"}).status_code == 403
    assert AccessLog.objects.filter(pk=entry.pk, detail="").exists()


def test_the_log_is_for_the_roles_that_audit(client: Client, lan: Customer) -> None:
    _entry(lan)
    for role, status in [
        (roles.CUSTOMER_CARE, 403),
        (roles.SALES, 403),
        (roles.LEGAL_COMPLIANCE, 200),
        (roles.ADMINISTRATOR, 200),
    ]:
        client.force_login(member_of(role))
        assert client.get(_url(AccessLog, "changelist")).status_code == status, role


def test_the_log_is_filtered_by_staff_member_customer_action_and_date(
    client: Client, lan: Customer
) -> None:
    an, binh = StaffFactory(username="an"), StaffFactory(username="binh")
    other = CustomerFactory(full_name="Đỗ Văn Minh")
    with time_machine.travel(datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)):
        services.access_log_record(staff=an, customer_ids=[lan.pk], action="view")
    with time_machine.travel(datetime.datetime(2026, 5, 20, 9, 0, tzinfo=datetime.UTC)):
        services.access_log_record(staff=binh, customer_ids=[other.pk], action="export")
        services.access_log_record(staff=an, customer_ids=[other.pk], action="print")
    client.force_login(member_of(roles.LEGAL_COMPLIANCE))
    url = _url(AccessLog, "changelist")

    def listed(**params: Any) -> list[tuple[str, int, str]]:
        response = client.get(url, params)
        assert response.status_code == 200, params
        return sorted(
            (e.staff.username, e.customer_id, e.action) for e in response.context["cl"].result_list
        )

    assert listed(staff__id__exact=an.pk) == [("an", lan.pk, "view"), ("an", other.pk, "print")]
    assert listed(customer__id__exact=other.pk) == [
        ("an", other.pk, "print"),
        ("binh", other.pk, "export"),
    ]
    assert listed(q=f"#{lan.pk}") == [("an", lan.pk, "view")]
    assert listed(q="not an id") == []
    assert listed(action__exact="export") == [("binh", other.pk, "export")]
    assert listed(at__year=2026, at__month=3) == [("an", lan.pk, "view")]
    assert listed(at__year=2026, at__month=5, at__day=20) == [
        ("an", other.pk, "print"),
        ("binh", other.pk, "export"),
    ]

    years = client.get(url).content.decode()
    assert 'href="?at__year=2026"' in years
    months = client.get(url, {"at__year": 2026, "staff__id__exact": an.pk}).content.decode()
    for month in (3, 4, 5):  # from the first entry's month to the last's
        assert f"at__month={month}" in months
    assert "at__month=6" not in months
    assert f"staff__id__exact={an.pk}" in months  # the other filters stay


def test_a_customers_page_links_to_their_entries_for_auditors(
    client: Client, lan: Customer
) -> None:
    link = f"{_url(AccessLog, 'changelist')}?customer__id__exact={lan.pk}"
    client.force_login(member_of(roles.LEGAL_COMPLIANCE))
    assert link in client.get(_url(Customer, "change", lan.pk)).content.decode()
    client.force_login(member_of(roles.CUSTOMER_CARE))
    assert link not in client.get(_url(Customer, "change", lan.pk)).content.decode()


@pytest.mark.parametrize("page", ["changelist", "filtered", "change"])
def test_access_log_pages_run_a_bounded_number_of_queries(
    client: Client, django_assert_max_num_queries: Any, lan: Customer, page: str
) -> None:
    entry = _entry(lan)
    client.force_login(member_of(roles.LEGAL_COMPLIANCE))
    url = {
        "changelist": _url(AccessLog, "changelist"),
        "filtered": f"{_url(AccessLog, 'changelist')}?customer__id__exact={lan.pk}&at__year=2026",
        "change": _url(AccessLog, "change", entry.pk),
    }[page]
    client.get(url)

    with django_assert_max_num_queries(12) as few:
        assert client.get(url).status_code == 200

    staff = [StaffFactory(username=f"staff-{n}") for n in range(5)]
    for member in staff:
        services.access_log_record(
            staff=member, customer_ids=[CustomerFactory().pk, lan.pk], action="view"
        )
    with django_assert_max_num_queries(len(few)):
        assert client.get(url).status_code == 200


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_database_refuses_to_change_the_log(require_postgres: None, staff: Any) -> None:
    from django.db import DatabaseError, connection, transaction

    customer = CustomerFactory()
    services.access_log_record(staff=staff, customer_ids=[customer.pk], action="view")
    row = AccessLog.objects.get(customer=customer)
    for sql in (
        "UPDATE customers_accesslog SET detail = 'sửa' WHERE id = %s",
        "DELETE FROM customers_accesslog WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [row.pk])
    assert AccessLog.objects.get(pk=row.pk).detail == row.detail
    services.access_log_record(staff=staff, customer_ids=[customer.pk], action="print")
    assert AccessLog.objects.filter(customer=customer).count() == 2


def test_the_log_is_filtered_from_one_day_to_another(client: Client, lan: Customer) -> None:
    care = member_of(roles.CUSTOMER_CARE, "cskh-ngay")
    for day in (1, 2, 3):
        with time_machine.travel(
            datetime.datetime(2026, 11, day, 23, 30, tzinfo=timezone.get_current_timezone())
        ):
            services.access_log_record(
                staff=care,
                customer_ids=[lan.pk],
                action=AccessLog.Action.VIEW,
                detail=f"ngày {day}",
            )
    client.force_login(member_of(roles.ADMINISTRATOR, "quan-tri-ngay"))
    url = _url(AccessLog, "changelist")

    def details(**params: str) -> tuple[set[str], str]:
        response = client.get(url, params)
        assert response.status_code == 200
        shown = {entry.detail for entry in response.context["cl"].result_list}
        return shown, response.content.decode()

    # 23:30 Vietnam time is the same day, whatever UTC says.
    assert details(at__from="2026-11-02", at__to="2026-11-02")[0] == {"ngày 2"}
    assert details(at__from="2026-11-02")[0] == {"ngày 2", "ngày 3"}
    assert details(at__to="2026-11-01")[0] == {"ngày 1"}
    shown, page = details(at__from="2026-13-40")
    assert shown == {"ngày 1", "ngày 2", "ngày 3"} and "is not a date" in page
    shown, page = details(at__from="2026-11-03", at__to="2026-11-01")
    assert len(shown) == 3 and "ends before it starts" in page
