"""Staff see only what their role needs (seed 004 §8): the roles' table, and personal data masked
for the roles without the full view — in lists, forms, inlines, receipts and exports — while
customer care sees it in full."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied
from django.db import models
from django.test import Client
from django.urls import clear_url_caches, reverse
from django.utils import translation

from customers import exports, masking, roles, services
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
from tests.factories import CustomerFactory, PurposeFactory, StaffFactory, exported_file

pytestmark = pytest.mark.django_db


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


# What the customer's record holds, written the ways a page or a file could show it.
FULL = {
    "name": "Trần Thị Hoa",
    "phone": ["0987 654 321", "+84987654321", "0987654321"],
    "email": "tran.thi.hoa@gmail.com",
    "tax_code": "0100109106",
    "street": "45 Hai Bà Trưng",
    "notes": "Khách quen, hay gọi buổi tối",
}
MASKED = {
    "name": "Trần T. H.",
    "phone": "0987 *** 321",
    "email": "t***@gmail.com",
    "tax_code": "0100****06",
    "address": "***, Phường Sài Gòn, TP. Hồ Chí Minh",
}


def _full_values() -> list[str]:
    return [FULL["name"], *FULL["phone"], FULL["email"], FULL["tax_code"], FULL["street"]]


def assert_masked(text: str) -> None:
    leaked = [value for value in [*_full_values(), FULL["notes"]] if value in text]
    assert not leaked, f"shown in full: {leaked}"


@pytest.fixture
def hoa(policy: PolicyVersion, marketing: Purpose) -> Customer:
    customer = CustomerFactory(
        full_name=FULL["name"],
        phone=FULL["phone"][0],
        email=FULL["email"],
        tax_code=FULL["tax_code"],
        address=f"{FULL['street']}, Phường Sài Gòn, TP. Hồ Chí Minh",
        notes=FULL["notes"],
    )
    services.delivery_address_create(
        customer=customer,
        recipient_name=FULL["name"],
        phone=FULL["phone"][0],
        address=FULL["street"],
        ward="Phường Sài Gòn",
        province="TP. Hồ Chí Minh",
    )
    services.order_create(
        customer=customer,
        reference="DH0000042",
        total_vnd=1_250_000,
        recipient_name=FULL["name"],
        delivery_phone=FULL["phone"][0],
        delivery_address=f"{FULL['street']}, Phường Sài Gòn, TP. Hồ Chí Minh",
    )
    services.consent_grant(
        customer=customer,
        purpose=marketing,
        channel=Channel.WEB_FORM,
        form_reference="WEB-2026-0001",
        ip_address="203.113.45.67",
        user_agent="Mozilla/5.0 (Windows NT 10.0)",
    )
    return customer


# Masking rules, one per category of the declaration ------------------------------------------


@pytest.mark.parametrize(
    ("model", "field", "value", "shown"),
    [
        (Customer, "phone", "+84912853984", "0912 *** 984"),
        (Customer, "phone", "+842838221234", "028 *** 1234"),
        (Customer, "email", "nguyen.an@gmail.com", "n***@gmail.com"),
        (Customer, "tax_code", "0100109106", "0100****06"),
        (Customer, "tax_code", "001234567845", "0012******45"),
        (Customer, "tax_code", "0100109106001", "0100*******01"),
        (
            Customer,
            "address",
            "12 Lê Lợi, Phường Bến Thành, TP. Hồ Chí Minh",
            "***, Phường Bến Thành, TP. Hồ Chí Minh",
        ),
        (Customer, "address", "Số 5, Ngõ 10, Phường Láng, Hà Nội", "***, Phường Láng, Hà Nội"),
        (Customer, "address", "12 Lê Lợi", "***"),
        (DeliveryAddress, "address", "12 Nguyễn Huệ", "***"),
        (DeliveryAddress, "ward", "Phường Sài Gòn", "Phường Sài Gòn"),
        (DeliveryAddress, "province", "TP. Hồ Chí Minh", "TP. Hồ Chí Minh"),
        (Customer, "full_name", "Nguyễn Văn An", "Nguyễn V. A."),
        (Customer, "full_name", "Lê Thị Ngọc Ánh", "Lê T. N. Á."),
        (Customer, "contact_person", "An", "A."),
        (Customer, "notes", "Khách VIP, gọi sau 18h", "***"),
        (Consent, "withdrawal_reason", "Không muốn nhận email nữa", "***"),
        (Consent, "ip_address", "203.113.45.67", "203.113.*.*"),
        (Consent, "ip_address", "2001:db8:85a3::8a2e:370:7334", "2001:0db8:*:*"),
        (Consent, "user_agent", "Mozilla/5.0 (Windows NT 10.0)", "Moz***"),
        (Order, "delivery_phone", "+84987654321", "0987 *** 321"),
        (Order, "total_vnd", 1_250_000, "1250000"),
        (Customer, "status", "active", "active"),  # not personal: as it is
        (Customer, "phone", "", ""),
        (Customer, "notes", None, ""),
    ],
)
def test_each_category_is_masked_its_own_way(
    model: type[models.Model], field: str, value: Any, shown: str
) -> None:
    assert masking.mask_value(model, field, value) == shown


def test_a_related_customer_is_masked_like_a_name() -> None:
    customer = CustomerFactory(full_name="Nguyễn Văn An")
    order = services.order_create(customer=customer, reference="DH1", total_vnd=10)
    assert masking.mask_value(Order, "customer", order.customer) == "Nguyễn V. A."
    assert masking.masked_str(order) == "DH1"  # an order's reference names nobody


def test_display_value_follows_the_role(hoa: Customer) -> None:
    care, sales = member_of(roles.CUSTOMER_CARE), member_of(roles.SALES)
    assert masking.can_see_full(care) and not masking.can_see_full(sales)
    assert masking.display_value(care, Customer, "email", hoa.email) == FULL["email"]
    assert masking.display_value(sales, Customer, "email", hoa.email) == MASKED["email"]


def test_an_inactive_account_sees_nothing_in_full() -> None:
    care = member_of(roles.CUSTOMER_CARE)
    care.is_active = False
    assert not masking.can_see_full(care)


# The roles' table ----------------------------------------------------------------------------


def test_every_role_group_holds_exactly_the_permissions_of_the_table() -> None:
    assert roles.role_groups_sync() == []  # every permission the table names exists
    for role in roles.ROLES.values():
        group = Group.objects.get(name=role.group_name)
        held = {
            f"{app_label}.{codename}"
            for app_label, codename in group.permissions.values_list(
                "content_type__app_label", "codename"
            )
        }
        assert held == set(role.permissions), role.code


def test_nobody_may_delete_customer_data_or_touch_the_access_log() -> None:
    for role in roles.ROLES.values():
        assert not set(role.permissions) & set(roles.FORBIDDEN_TO_ALL), role.code
    assert not Permission.objects.filter(
        group__name__in=[role.group_name for role in roles.ROLES.values()],
        codename__startswith="delete_",
        content_type__app_label="customers",
    ).exists()


def test_syncing_again_restores_the_table_and_keeps_members() -> None:
    sales = member_of(roles.SALES)
    group = roles.group_for(roles.SALES)
    group.permissions.add(Permission.objects.get(codename="view_full_personal_data"))

    roles.role_groups_sync()
    roles.role_groups_sync()

    assert Group.objects.filter(name=group.name).count() == 1
    assert sales.groups.get() == group
    assert not group.permissions.filter(codename="view_full_personal_data").exists()


def test_removing_the_groups_and_creating_them_again() -> None:
    roles.role_groups_delete()
    assert not Group.objects.filter(
        name__in=[role.group_name for role in roles.ROLES.values()]
    ).exists()
    assert (
        roles.group_for(roles.LEGAL_COMPLIANCE)
        .permissions.filter(codename="record_authority_disclosure")
        .exists()
    )


# Sales: masked everywhere --------------------------------------------------------------------


def test_sales_see_the_customer_list_masked_and_search_still_finds_by_phone(
    client: Client, hoa: Customer
) -> None:
    client.force_login(member_of(roles.SALES))

    listed = client.get(_url(Customer, "changelist"))
    found = client.get(_url(Customer, "changelist"), {"q": "0987.654.321"})

    assert listed.status_code == 200
    page = listed.content.decode()
    assert_masked(page)
    for shown in (MASKED["name"], MASKED["phone"], MASKED["email"]):
        assert shown in page
    assert list(found.context["cl"].result_list) == [hoa]
    assert MASKED["phone"] in found.content.decode()


def test_an_organizations_name_is_no_persons_and_sales_see_it(client: Client) -> None:
    company = CustomerFactory(
        kind=Customer.Kind.ORGANIZATION,
        full_name="Công ty TNHH Thương mại Xuất nhập khẩu Kim Long",
        phone="028 3822 1234",
    )
    person = CustomerFactory(full_name="Trần Văn Bảo", phone="0912 777 888")
    assert masking.masked_str(company) == company.full_name
    assert masking.masked_str(person) == "Trần V. B."
    client.force_login(member_of(roles.SALES))
    page = client.get(_url(Customer, "changelist")).content.decode()
    assert company.full_name in page and "Trần V. B." in page
    assert "028 3822 1234" not in page  # its phone is still masked: a person may answer it


def test_sales_see_the_customer_page_read_only_and_masked(client: Client, hoa: Customer) -> None:
    client.force_login(member_of(roles.SALES))

    response = client.get(_url(Customer, "change", hoa.pk))

    assert response.status_code == 200
    page = response.content.decode()
    assert_masked(page)
    for shown in MASKED.values():
        assert shown in page
    assert "***" in page  # the notes, hidden
    form = response.context["adminform"].form
    assert not set(form.fields) & {"phone", "email", "tax_code", "address", "notes", "full_name"}
    assert 'name="_save"' not in page
    # The delivery address inline and the consent inline are masked too.
    assert "***, Phường Sài Gòn, TP. Hồ Chí Minh" in page
    assert f"{MASKED['name']} — " in page
    # The history shows every past value: not for them, and not offered.
    assert _url(Customer, "history", hoa.pk) not in page
    assert client.get(_url(Customer, "history", hoa.pk)).status_code == 403


def test_sales_see_orders_addresses_and_consents_masked(client: Client, hoa: Customer) -> None:
    client.force_login(member_of(roles.SALES))
    order = Order.objects.get(customer=hoa)
    address = DeliveryAddress.objects.get(customer=hoa)
    consent = Consent.objects.get(customer=hoa)

    for model, obj in ((Order, order), (DeliveryAddress, address), (Consent, consent)):
        for url in (_url(model, "changelist"), _url(model, "change", obj.pk)):
            response = client.get(url)
            assert response.status_code == 200, url
            page = response.content.decode()
            assert_masked(page)
            assert MASKED["name"] in page, url

    order_page = client.get(_url(Order, "change", order.pk)).content.decode()
    assert MASKED["phone"] in order_page and MASKED["address"] in order_page
    assert "1.250.000 ₫" in client.get(_url(Order, "changelist")).content.decode()
    consent_page = client.get(_url(Consent, "change", consent.pk)).content.decode()
    assert "203.113.*.*" in consent_page and "203.113.45.67" not in consent_page


def test_sales_see_the_consent_receipt_masked(
    client: Client, hoa: Customer, controller: Controller
) -> None:
    client.force_login(member_of(roles.SALES))

    response = client.get(_url(Customer, "consent_receipt", hoa.pk))

    assert response.status_code == 200
    page = response.content.decode()
    assert_masked(page)
    assert MASKED["name"] in page and MASKED["phone"] in page and MASKED["email"] in page
    assert "Marketing email" in page  # what was agreed is shown in full
    assert not AccessLog.objects.exists()  # nothing was shown in full


def _export(client: Client, customers: list[Customer]) -> Any:
    """The file the export action makes (an export job, then its download)."""
    asked = client.post(
        _url(Customer, "changelist"),
        {"action": "export_csv", ACTION_CHECKBOX_NAME: [str(c.pk) for c in customers]},
    )
    return (
        exported_file(client, asked)
        if asked.status_code == 302 and "exportjob" in asked["Location"]
        else asked
    )


def _rows(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf")  # the byte-order mark Excel needs for UTF-8
    text = content.decode("utf-8-sig")
    assert "\r\n" in text and "\n" not in text.replace("\r\n", "")
    return list(csv.reader(io.StringIO(text, newline="")))


def test_sales_export_is_masked(client: Client, hoa: Customer) -> None:
    client.force_login(member_of(roles.SALES))

    response = _export(client, [hoa])

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="khach-hang-')
    assert_masked(response.content.decode("utf-8-sig"))
    header, row = _rows(response.content)
    values = dict(zip(header, row, strict=True))
    assert values["ID"] == str(hoa.pk)
    assert values["full name"] == MASKED["name"]
    assert values["phone"] == MASKED["phone"]
    assert values["email"] == MASKED["email"]
    assert values["tax code / citizen ID"] == MASKED["tax_code"]
    assert values["contact address"] == MASKED["address"]
    assert values["internal notes"] == "***"


def test_legal_export_is_in_full_in_the_declarations_order(client: Client, hoa: Customer) -> None:
    client.force_login(member_of(roles.LEGAL_COMPLIANCE))

    header, row = _rows(_export(client, [hoa]).content)

    assert header == [
        "ID",
        "kind",
        "status",
        "created at",
        "full name",
        "contact person",
        "email",
        "phone",
        "contact address",
        "tax code / citizen ID",
        "internal notes",
        "shop's customer id",
    ]
    values = dict(zip(header, row, strict=True))
    assert values["full name"] == FULL["name"]
    assert values["phone"] == "0987 654 321"  # spaced: a spreadsheet keeps the leading 0
    assert values["tax code / citizen ID"] == FULL["tax_code"]
    assert values["internal notes"] == FULL["notes"]


def test_a_cell_that_would_run_as_a_formula_is_written_as_text(client: Client) -> None:
    customer = CustomerFactory(full_name='=HYPERLINK("http://x.example")', notes="-1+1")
    actor = member_of(roles.LEGAL_COMPLIANCE)

    header, row = _rows(exports.customer_export_csv(actor=actor, customers=[customer]))

    values = dict(zip(header, row, strict=True))
    assert values["full name"].startswith("'=")
    assert values["internal notes"] == "'-1+1"


def test_customer_care_may_not_export(client: Client, hoa: Customer) -> None:
    care = member_of(roles.CUSTOMER_CARE)
    with pytest.raises(PermissionDenied, match="may not export"):
        exports.customer_export_csv(actor=care, customers=[hoa])

    client.force_login(care)
    changelist = client.get(_url(Customer, "changelist"))
    assert "export_csv" not in changelist.content.decode()
    refused = _export(client, [hoa])
    assert refused.status_code == 302  # Django: "no action selected", nothing exported
    assert not AccessLog.objects.filter(action=AccessLog.Action.EXPORT).exists()


def test_sales_cannot_change_a_customer(client: Client, hoa: Customer) -> None:
    client.force_login(member_of(roles.SALES))

    response = client.post(
        _url(Customer, "change", hoa.pk),
        {"kind": "individual", "full_name": "Người Khác", "phone": "0911 111 111"},
    )

    assert response.status_code == 403
    hoa.refresh_from_db()
    assert (hoa.full_name, hoa.phone) == (FULL["name"], "+84987654321")


def test_a_masked_editor_cannot_change_what_they_cannot_see(client: Client, hoa: Customer) -> None:
    """A group made by hand with "change customer" but without the full view: the personal
    fields are not in the form, so a POST that names them changes nothing of them."""
    editor = StaffFactory(username="masked-editor")
    editor.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="customers",
            codename__in=["view_customer", "change_customer", "change_deliveryaddress"],
        )
    )
    client.force_login(editor)
    form_page = client.get(_url(Customer, "change", hoa.pk))
    assert 'name="source_channel"' in form_page.content.decode()
    assert 'name="phone"' not in form_page.content.decode()
    assert_masked(form_page.content.decode())

    response = client.post(
        _url(Customer, "change", hoa.pk),
        {
            "kind": "individual",
            "source_channel": Channel.PHONE,
            "full_name": "Người Khác",
            "phone": "0911 111 111",
            "email": "khac@example.vn",
            "notes": "",
            "addresses-TOTAL_FORMS": "1",
            "addresses-INITIAL_FORMS": "1",
            "addresses-MIN_NUM_FORMS": "0",
            "addresses-MAX_NUM_FORMS": "1000",
            "addresses-0-id": str(hoa.addresses.get().pk),
            "addresses-0-customer": str(hoa.pk),
            "addresses-0-phone": "0911 111 111",
            "consents-TOTAL_FORMS": "0",
            "consents-INITIAL_FORMS": "0",
            "orders-TOTAL_FORMS": "0",
            "orders-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    hoa.refresh_from_db()
    assert hoa.source_channel == Channel.PHONE  # what they may see, they may change
    assert (hoa.full_name, hoa.phone, hoa.email, hoa.notes) == (
        FULL["name"],
        "+84987654321",
        FULL["email"],
        FULL["notes"],
    )
    assert hoa.addresses.get().phone == "+84987654321"


# Customer care: in full ----------------------------------------------------------------------


def test_customer_care_see_everything_in_full(client: Client, hoa: Customer) -> None:
    client.force_login(member_of(roles.CUSTOMER_CARE))

    listed = client.get(_url(Customer, "changelist")).content.decode()
    page = client.get(_url(Customer, "change", hoa.pk)).content.decode()

    assert FULL["name"] in listed and "0987 654 321" in listed and FULL["email"] in listed
    for value in (FULL["name"], "0987 654 321", FULL["email"], FULL["tax_code"], FULL["notes"]):
        assert value in page
    assert 'name="phone"' in page  # and they may correct it
    assert "***" not in page


def test_customer_care_correct_a_phone_number(client: Client, hoa: Customer) -> None:
    care = member_of(roles.CUSTOMER_CARE)
    client.force_login(care)
    form = client.get(_url(Customer, "change", hoa.pk)).context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    data.update(
        {
            "phone": "0911 222 333",
            "addresses-TOTAL_FORMS": "0",
            "addresses-INITIAL_FORMS": "0",
            "consents-TOTAL_FORMS": "0",
            "consents-INITIAL_FORMS": "0",
            "orders-TOTAL_FORMS": "0",
            "orders-INITIAL_FORMS": "0",
        }
    )

    response = client.post(_url(Customer, "change", hoa.pk), data)

    assert response.status_code == 302
    hoa.refresh_from_db()
    assert hoa.phone == "+84911222333"
    assert hoa.history.first().history_user == care


# Every masked page answers with a bounded number of queries ---------------------------------


@pytest.mark.parametrize("page", ["changelist", "change"])
@pytest.mark.parametrize("model", [Customer, DeliveryAddress, Order, Consent])
def test_masked_pages_run_a_bounded_number_of_queries(
    client: Client,
    django_assert_max_num_queries: Any,
    hoa: Customer,
    model: type[models.Model],
    page: str,
) -> None:
    client.force_login(member_of(roles.SALES))
    obj = model.objects.first()
    assert obj is not None
    url = _url(model, "changelist") if page == "changelist" else _url(model, "change", obj.pk)
    client.get(url)  # warm caches

    with django_assert_max_num_queries(10) as few:
        assert client.get(url).status_code == 200

    for n in range(5):
        other = CustomerFactory()
        services.delivery_address_create(
            customer=hoa,
            recipient_name=f"Người nhận {n}",
            phone="0912 000 00" + str(n),
            address=f"{n} Lê Lợi",
        )
        services.order_create(customer=other, reference=f"DH9{n}", total_vnd=1000 + n)
        services.consent_grant(
            customer=other, purpose=PurposeFactory(), channel=Channel.PHONE, form_reference="x"
        )
    with django_assert_max_num_queries(len(few)):
        assert client.get(url).status_code == 200


def test_no_customers_admin_page_fails_for_a_viewer_without_the_full_view(
    client: Client, hoa: Customer, controller: Controller
) -> None:
    """Staff whose permissions do not add up to a role still get pages or refusals, never a
    server error: here, every "view" permission of the app and nothing else."""
    from django.contrib import admin

    viewer = StaffFactory(username="viewer")
    viewer.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="customers", codename__startswith="view_"
        ).exclude(codename="view_full_personal_data")
    )
    client.force_login(viewer)
    services.access_log_record(staff=viewer, customer_ids=[hoa.pk], action="view")
    for model in admin.site._registry:
        if model._meta.app_label != "customers":
            continue
        assert client.get(_url(model, "changelist")).status_code == 200, model
        obj = model._default_manager.first()
        if obj is None:
            continue
        page = client.get(_url(model, "change", obj.pk))
        assert page.status_code == 200, model
        assert_masked(page.content.decode())
        assert client.get(_url(model, "history", obj.pk)).status_code in (200, 403), model
