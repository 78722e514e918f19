"""A customer's page shows the whole customer: holds, restrictions, open complaints and erasure
requests, consents per purpose, the last disclosures — each linked to its filtered list — in a
number of queries that does not grow with the customer's history; staff about to edit a frozen
customer are warned. Customers are picked by name or phone (autocomplete), masked for staff
without the full view, in Vietnamese."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.staticfiles import finders
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import clear_url_caches, reverse
from django.utils import timezone, translation

from complaints import services as complaint_services
from complaints.models import Complaint
from customers import disclosures, services
from customers.models import Channel, Customer, Purpose, Recipient
from customers.restrictions import restriction_place
from retention import services as retention_services
from retention.models import ErasureRequest, LegalHold
from tests.factories import CustomerFactory, PurposeFactory, complaint_submit, role_member

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings: Any) -> Iterator[None]:
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield
    clear_url_caches()


def _shipper(purpose: Purpose, n: int) -> Recipient:
    return disclosures.recipient_save(
        recipient=Recipient(
            name=f"Giao Hàng {n}",
            kind=Recipient.Kind.SHIPPER,
            purpose=purpose,
            contract_reference=f"HĐ-{n}",
            allowed_items=["name", "phone", "delivery_address"],
        ),
        actor=None,
    )


def _history(customer: Customer, legal: Any, *, n: int, policy: Any) -> None:
    """n of each: consents (n purposes), disclosures, restrictions, open complaints."""
    fulfilment = PurposeFactory.create(
        code=f"fulfilment-{customer.pk}", legal_basis=Purpose.LegalBasis.CONTRACT
    )
    for i in range(n):
        purpose = PurposeFactory.create(
            code=f"p-{customer.pk}-{i}", name_vi=f"Mục đích {i}", name_en=f"Mục đích {i}"
        )
        services.consent_grant(
            customer=customer,
            purpose=purpose,
            channel=Channel.PHONE,
            form_reference=f"CALL-{customer.pk}-{i}",
            policy_version=policy,
        )
        disclosures.disclosure_create(
            actor=legal,
            customer=customer,
            recipient=_shipper(fulfilment, customer.pk * 100 + i),
            items=["name", "phone"],
        )
        restriction_place(customer=customer, actor=legal, reason=f"Yêu cầu {i}", purpose=purpose)
        complaint = complaint_submit(phone=customer.phone, email=customer.email)
        complaint_services.complaint_link_customer(
            complaint=complaint, customer=customer, actor=legal
        )


def _summary(response: Any) -> str:
    html = response.content.decode()
    match = re.search(r'<section class="module customer-summary".*?</section>', html, re.S)
    assert match, "no summary on the page"
    return match.group(0)


def _row(summary: str, key: str) -> str:
    match = re.search(rf'<tr data-testid="summary-{key}".*?</tr>', summary, re.S)
    assert match, f"no {key} row"
    return match.group(0)


def test_the_page_shows_the_whole_customer_linked_to_the_lists(client: Client, policy: Any) -> None:
    legal = role_member("legal_compliance")
    customer = CustomerFactory.create(full_name="Lê Thị Hoa")
    _history(customer, legal, n=2, policy=policy)
    consent = customer.consents.order_by("purpose__code").first()
    assert consent is not None
    services.consent_withdraw(
        consent=consent, channel=Channel.PHONE, actor=legal, withdrawal_reference="CALL-9"
    )
    hold = retention_services.legal_hold_place(
        customer=customer, actor=legal, reason=LegalHold.Reason.INVESTIGATION, reference="CV-12"
    )
    request = retention_services.erasure_request_create(
        customer=customer, source=ErasureRequest.Source.STAFF, actor=legal
    )
    client.force_login(legal)

    response = client.get(reverse("admin:customers_customer_change", args=[customer.pk]))

    summary = _summary(response)
    today = timezone.localdate().strftime("%d/%m/%Y")
    hold_row = _row(summary, "legal_hold")
    assert f"Investigation by an authority CV-12, since {today}" in hold_row
    assert reverse("admin:retention_legalhold_change", args=[hold.pk]) in hold_row
    assert f"?customer__id__exact={customer.pk}" in hold_row
    assert "Mục đích 0: withdrawn on " + today in _row(summary, "consents")
    assert "Mục đích 1: granted on " + today in _row(summary, "consents")
    restriction_row = _row(summary, "restriction")
    assert restriction_row.count("since " + today) == 2
    disclosures_row = _row(summary, "disclosures")
    assert f"Giao Hàng {customer.pk * 100 + 1} on {today}" in disclosures_row
    complaints_row = _row(summary, "complaints")
    codes = Complaint.objects.filter(customer=customer).values_list("tracking_code", flat=True)
    assert all(code in complaints_row for code in codes)
    assert f"open=open&amp;customer__id__exact={customer.pk}" in complaints_row
    erasure_row = _row(summary, "erasure_request")
    assert f"#{request.pk} Received" in erasure_row
    # The lists the links lead to open, filtered to the customer.
    for row in (hold_row, complaints_row, erasure_row, disclosures_row):
        href = re.search(r'<th scope="row"><a href="([^"]+)"', row)
        assert href, row
        listed = client.get(href.group(1).replace("&amp;", "&"))
        assert listed.status_code == 200, href.group(1)


def test_the_summary_costs_the_same_queries_with_one_or_five_of_each(
    client: Client, policy: Any
) -> None:
    legal = role_member("legal_compliance")
    small, big = CustomerFactory.create(), CustomerFactory.create()
    _history(small, legal, n=1, policy=policy)
    _history(big, legal, n=5, policy=policy)
    client.force_login(legal)
    counts = []
    for customer in (small, big):
        url = reverse("admin:customers_customer_change", args=[customer.pk])
        client.get(url)  # warm the caches (content types, permissions)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts.append(len(queries))
    # The inlines list every consent: those grow by a row each, not by a query each.
    assert counts[0] == counts[1], counts
    assert counts[1] <= 60


def test_staff_editing_a_frozen_customer_are_warned(client: Client) -> None:
    legal = role_member("legal_compliance")
    customer = CustomerFactory.create()
    url = reverse("admin:customers_customer_change", args=[customer.pk])
    client.force_login(legal)
    assert not [m for m in client.get(url).context["messages"] if m.level_tag == "warning"]

    retention_services.legal_hold_place(
        customer=customer, actor=legal, reason=LegalHold.Reason.DISPUTE
    )
    restriction_place(customer=customer, actor=legal, reason="Khách phản đối")
    warnings = [str(m) for m in client.get(url).context["messages"] if m.level_tag == "warning"]
    assert any("legal hold freezes this customer's data" in w for w in warnings)
    assert any("Processing of this customer's data is restricted" in w for w in warnings)


def test_a_customer_being_erased_is_shown_frozen(client: Client) -> None:
    legal, other = role_member("legal_compliance"), role_member("legal_compliance", "dpo-2")
    customer = CustomerFactory.create()
    request = retention_services.erasure_request_create(
        customer=customer, source=ErasureRequest.Source.STAFF, actor=legal
    )
    retention_services.erasure_request_verify(request=request, actor=legal, note="CCCD")
    retention_services.erasure_request_approve(request=request, actor=other)
    client.force_login(legal)

    response = client.get(reverse("admin:customers_customer_change", args=[customer.pk]))

    assert "Erasure pending" in _row(_summary(response), "erasure_pending")
    warnings = [str(m) for m in response.context["messages"] if m.level_tag == "warning"]
    assert any("This customer is being erased" in w for w in warnings)


def test_sales_see_only_the_sections_of_their_role(client: Client, policy: Any) -> None:
    legal, sales = role_member("legal_compliance"), role_member("sales")
    customer = CustomerFactory.create()
    _history(customer, legal, n=1, policy=policy)
    client.force_login(sales)

    summary = _summary(client.get(reverse("admin:customers_customer_change", args=[customer.pk])))

    assert 'data-testid="summary-consents"' in summary
    assert 'data-testid="summary-restriction"' in summary
    # Sales read neither complaints, disclosures nor legal holds.
    for key in ("complaints", "disclosures", "legal_hold", "erasure_request"):
        assert f'data-testid="summary-{key}"' not in summary


# Picking a customer -----------------------------------------------------------------------


def _autocomplete(client: Client, term: str, model: str = "legalhold", app: str = "retention"):
    response = client.get(
        reverse("admin:autocomplete"),
        {"term": term, "app_label": app, "model_name": model, "field_name": "customer"},
    )
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_a_customer_is_picked_by_name_without_accents_or_by_phone(client: Client) -> None:
    legal = role_member("legal_compliance")
    hoa = CustomerFactory.create(full_name="Lê Thị Hoa", phone="0903 123 456")
    CustomerFactory.create(full_name="Trần Văn Bình")
    client.force_login(legal)

    assert [r["id"] for r in _autocomplete(client, "le thi hoa")] == [str(hoa.pk)]
    by_phone = _autocomplete(client, "0903.123.456")
    assert by_phone == [{"id": str(hoa.pk), "text": f"#{hoa.pk} Lê Thị Hoa · 0903 123 456"}]
    assert [r["id"] for r in _autocomplete(client, f"#{hoa.pk}", "disclosure", "customers")] == [
        str(hoa.pk)
    ]
    assert _autocomplete(client, "hoa", "complaint", "complaints")[0]["id"] == str(hoa.pk)
    assert _autocomplete(client, "hoa", "erasurerequest")[0]["id"] == str(hoa.pk)
    assert _autocomplete(client, "hoa", "incidentcustomer", "complaints")[0]["id"] == str(hoa.pk)


def test_the_pages_offer_the_autocomplete_not_a_raw_id(client: Client, settings: Any) -> None:
    legal = role_member("legal_compliance")
    client.force_login(legal)
    for url in (
        reverse("admin:retention_legalhold_add"),
        reverse("admin:retention_erasurerequest_add"),
        reverse("admin:customers_disclosure_add"),
    ):
        html = client.get(url).content.decode()
        assert 'class="admin-autocomplete' in html, url
        assert "vendorFieldId" not in html and "vForeignKeyRawIdAdminField" not in html, url
    # Select2 speaks Vietnamese where the admin does (Django serves select2's vi file).
    settings.LANGUAGE_CODE = "vi"
    with translation.override("vi"):
        html = client.get(reverse("admin:retention_legalhold_add")).content.decode()
    assert "admin/js/vendor/select2/i18n/vi.js" in html
    assert 'lang="vi"' in html


def test_the_complaint_link_step_picks_the_customer_by_autocomplete(client: Client) -> None:
    legal = role_member("legal_compliance")
    complaint = complaint_submit(phone="0911 000 111", email="khac@example.vn")
    hoa = CustomerFactory.create(full_name="Lê Thị Hoa")
    client.force_login(legal)
    url = reverse("admin:complaints_complaint_step", args=[complaint.pk, "link"])

    page = client.get(url).content.decode()
    assert 'class="admin-autocomplete' in page and 'data-field-name="customer"' in page
    client.post(url, {"customer_id": hoa.pk})

    complaint.refresh_from_db()
    assert complaint.customer_id == hoa.pk


def test_staff_without_the_full_view_pick_customers_masked(client: Client) -> None:
    sales = role_member("sales")
    hoa = CustomerFactory.create(full_name="Lê Thị Hoa", phone="0903 123 456")
    client.force_login(sales)

    results = _autocomplete(client, "le thi hoa", "complaint", "complaints")

    assert [r["id"] for r in results] == [str(hoa.pk)]
    assert "Hoa" not in results[0]["text"] and "123 456" not in results[0]["text"]
    assert results[0]["text"].startswith(f"#{hoa.pk} ")


def test_select2_vietnamese_is_complete() -> None:
    """Django's copy lacks "errorLoading" (shown in English when a search fails): ours is found
    first and says it in Vietnamese."""
    found = finders.find("admin/js/vendor/select2/i18n/vi.js")
    assert found is not None and "locale_third_party" in str(found)
    text = Path(found).read_text(encoding="utf-8")
    for key in ("errorLoading", "inputTooShort", "noResults", "searching", "removeAllItems"):
        assert f"{key}:function" in text
    assert "Không tải được kết quả." in text


# The accounting role ----------------------------------------------------------------------


def test_accounting_sees_orders_and_amounts_with_the_customer_masked(client: Client) -> None:
    accountant = role_member("accounting")
    customer = CustomerFactory.create(full_name="Lê Thị Hoa", phone="0903 123 456")
    order = services.order_create(
        customer=customer,
        reference="DH-2026-0001",
        ordered_at=timezone.now(),
        total_vnd=1_250_000,
        invoice_number="HD-77",
    )
    client.force_login(accountant)

    listing = client.get(reverse("admin:customers_order_changelist"))
    assert listing.status_code == 200
    html = listing.content.decode()
    assert "DH-2026-0001" in html and "1.250.000 ₫" in html and "HD-77" in html
    assert "Lê Thị Hoa" not in html and "0903" not in html
    page = client.get(reverse("admin:customers_order_change", args=[order.pk]))
    assert page.status_code == 200
    assert "Lê Thị Hoa" not in page.content.decode()

    for name in (
        "admin:customers_customer_changelist",
        "admin:complaints_complaint_changelist",
        "admin:customers_consent_changelist",
        "admin:customers_disclosure_changelist",
        "admin:customers_deliveryaddress_changelist",
    ):
        assert client.get(reverse(name)).status_code == 403, name
    assert client.get(
        reverse("admin:customers_customer_change", args=[customer.pk])
    ).status_code in (302, 403)
    # Nor pick customers by name where a form would offer them.
    response = client.get(
        reverse("admin:autocomplete"),
        {
            "term": "hoa",
            "app_label": "complaints",
            "model_name": "complaint",
            "field_name": "customer",
        },
    )
    assert response.status_code == 403
    assert get_user_model().objects.get(pk=accountant.pk).get_all_permissions() == {
        "customers.view_order"
    }
