"""The retention admin: every page answers with a bounded number of queries, every step goes
through retention.services, and a refusal is a message or a form error — never an error page."""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth import get_user_model
from django.db import models
from django.test import Client
from django.urls import clear_url_caches, reverse
from django.utils import timezone, translation

from complaints import services as complaint_services
from customers import roles
from customers.models import Customer
from retention import services
from retention.models import ErasureReceipt, ErasureRequest, LegalHold, PurgeRun, RetentionRule
from tests.factories import CustomerFactory, StaffFactory, complaint_submit, identity_verified

pytestmark = pytest.mark.django_db

_numbers = itertools.count(1)


@pytest.fixture(autouse=True)
def _english(settings: Any) -> Iterator[None]:
    """Assertions read English messages (the admin speaks LANGUAGE_CODE)."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield
    clear_url_caches()


def _url(model: type[models.Model], view: str, *args: Any) -> str:
    return reverse(f"admin:retention_{model._meta.model_name}_{view}", args=args)


def _step_url(request: ErasureRequest, step: str) -> str:
    return reverse("admin:retention_erasurerequest_step", args=[request.pk, step])


def _messages(response: Any) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def member_of(role: str) -> Any:
    user = StaffFactory.create(username=f"user-{role}")
    user.groups.add(roles.group_for(role))
    return user


def _superuser() -> Any:
    """admin_client's superuser, or one made here (not through the factory when it exists: the
    factory sets the password again, which signs admin_client out)."""
    existing = get_user_model().objects.filter(username="root").first()
    return existing or StaffFactory.create(username="root", is_superuser=True)


def _received(customer: Customer | None = None) -> ErasureRequest:
    return services.erasure_request_create(
        customer=customer or CustomerFactory.create(), source=ErasureRequest.Source.COMPLAINT
    )


def _verified(customer: Customer | None = None) -> ErasureRequest:
    return services.erasure_request_verify(
        request=_received(customer), actor=_superuser(), note="CCCD xuất trình tại quầy"
    )


def _hold(customer: Customer | None = None) -> LegalHold:
    return services.legal_hold_place(
        customer=customer or CustomerFactory.create(),
        actor=_superuser(),
        reason=LegalHold.Reason.INVESTIGATION,
        reference=f"{next(_numbers)}/QĐ-CSĐT",
    )


def _run() -> PurgeRun:
    return PurgeRun.objects.create(
        trigger=PurgeRun.Trigger.SCHEDULE,
        task="retention.tasks.purge_expired",
        status=PurgeRun.Status.FINISHED,
        finished_at=timezone.now(),
        customers_erased=2,
        counts={"customers.Customer": 2},
    )


def _receipt() -> ErasureReceipt:
    customer = CustomerFactory.create()
    return ErasureReceipt.objects.create(
        customer=customer,
        rule=RetentionRule.objects.get(code="inactive-customers"),
        run=_run(),
        job="retention.tasks.purge_expired",
        counts={"customers.Customer": 1},
    )


# Bounded pages ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    model: type[models.Model]
    search: str
    anchor: Callable[[], Any]
    grow: Callable[[Any, int], None]


def _rule_scenario() -> Scenario:
    def grow(rule: RetentionRule, n: int) -> None:
        for _ in range(n):
            rule.period_months = 36 + next(_numbers)
            services.rule_save(rule=rule, actor=None)
            services.rule_save(
                rule=RetentionRule(
                    code=f"rule-{next(_numbers)}",
                    name="Khách hàng không còn liên hệ (thử)",
                    target=RetentionRule.Target.INACTIVE_CUSTOMER,
                    clock_start=RetentionRule.ClockStart.LAST_ACTIVITY,
                    period_months=60,
                    action=RetentionRule.Action.ERASE,
                ),
                actor=None,
            )

    return Scenario(
        RetentionRule, "rule", lambda: RetentionRule.objects.get(code="inactive-customers"), grow
    )


def _request_scenario() -> Scenario:
    def grow(request: ErasureRequest, n: int) -> None:
        for _ in range(n):
            _verified()
            _received()

    return Scenario(ErasureRequest, "{customer_id}", _verified, grow)


def _hold_scenario() -> Scenario:
    def grow(hold: LegalHold, n: int) -> None:
        for _ in range(n):
            _hold(hold.customer)
            services.legal_hold_lift(hold=_hold(), actor=_superuser(), reason="xong")

    return Scenario(LegalHold, "{customer_id}", _hold, grow)


def _run_scenario() -> Scenario:
    def grow(run: PurgeRun, n: int) -> None:
        for _ in range(n):
            _run()

    return Scenario(PurgeRun, "purge", _run, grow)


def _receipt_scenario() -> Scenario:
    def grow(receipt: ErasureReceipt, n: int) -> None:
        for _ in range(n):
            _receipt()

    return Scenario(ErasureReceipt, "{customer_id}", _receipt, grow)


SCENARIOS = {
    "retentionrule": _rule_scenario,
    "erasurerequest": _request_scenario,
    "legalhold": _hold_scenario,
    "purgerun": _run_scenario,
    "erasurereceipt": _receipt_scenario,
}

MAX_QUERIES = {"changelist": 10, "search": 10, "add": 6, "change": 10, "history": 10}
# Written by the jobs only: nobody adds them here.
REFUSED = {("purgerun", "add"), ("erasurereceipt", "add")}


def test_every_retention_model_is_in_the_admin_and_in_these_tests() -> None:
    recorded = [
        model
        for model in apps.get_app_config("retention").get_models()
        if not hasattr(model, "instance_type")  # simple_history's own models
    ]
    assert {model._meta.model_name for model in recorded} == set(SCENARIOS)
    assert all(admin.site.is_registered(model) for model in recorded)


@pytest.mark.parametrize("page", list(MAX_QUERIES))
@pytest.mark.parametrize("model_name", list(SCENARIOS))
def test_admin_page_runs_a_bounded_number_of_queries(
    admin_client: Client, django_assert_max_num_queries: Any, model_name: str, page: str
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
    expected_status = 403 if (model_name, page) in REFUSED else 200

    admin_client.get(url)  # warm per-process caches (content types)
    with django_assert_max_num_queries(MAX_QUERIES[page]) as few_rows:
        response = admin_client.get(url)
    assert response.status_code == expected_status
    listed = len(response.context["cl"].result_list) if page in ("changelist", "search") else 0
    if page in ("changelist", "search"):
        assert listed >= 1

    scenario.grow(anchor, 30)
    with django_assert_max_num_queries(len(few_rows)):
        response = admin_client.get(url)
    assert response.status_code == expected_status
    if page == "changelist":
        assert len(response.context["cl"].result_list) > listed


def test_nothing_is_deleted_in_the_retention_admin(admin_client: Client) -> None:
    objects = [
        RetentionRule.objects.get(code="inactive-customers"),
        _verified(),
        _hold(),
        _run(),
        _receipt(),
    ]
    for obj in objects:
        assert admin_client.get(_url(type(obj), "delete", obj.pk)).status_code == 403


def test_purge_runs_and_receipts_are_read_only(admin_client: Client) -> None:
    run, receipt = _run(), _receipt()
    for obj in (run, receipt):
        response = admin_client.post(_url(type(obj), "change", obj.pk), {"task": "x"})
        assert response.status_code == 403
    run.refresh_from_db()
    assert run.task == "retention.tasks.purge_expired"


def test_a_receipt_page_shows_the_customer_by_id_only(admin_client: Client) -> None:
    receipt = _receipt()
    body = admin_client.get(_url(ErasureReceipt, "change", receipt.pk)).content.decode()
    assert f"#{receipt.customer_id}" in body
    assert receipt.customer.full_name not in body


# Erasure requests ---------------------------------------------------------------------------


def test_a_request_is_added_with_customer_and_source(admin_client: Client) -> None:
    customer = CustomerFactory.create()
    response = admin_client.post(
        _url(ErasureRequest, "add"),
        {"customer": customer.pk, "source": ErasureRequest.Source.STAFF},
    )
    assert response.status_code == 302
    request = ErasureRequest.objects.get(customer=customer)
    assert request.status == ErasureRequest.Status.RECEIVED
    assert request.received_by == _superuser()


def test_a_second_open_request_is_refused_on_the_form(admin_client: Client) -> None:
    first = _received()
    response = admin_client.post(
        _url(ErasureRequest, "add"),
        {"customer": first.customer_id, "source": ErasureRequest.Source.STAFF},
    )
    assert response.status_code == 200
    assert "already has an open erasure request" in response.content.decode()
    assert ErasureRequest.objects.filter(customer_id=first.customer_id).count() == 1


def test_the_list_highlights_overdue_requests_and_filters_them(admin_client: Client) -> None:
    late = _received()
    ErasureRequest.objects.filter(pk=late.pk).update(
        due_at=timezone.now() - datetime.timedelta(days=1)
    )
    on_time = _received()
    response = admin_client.get(_url(ErasureRequest, "changelist"))
    assert response.content.decode().count('class="overdue"') == 1
    response = admin_client.get(_url(ErasureRequest, "changelist"), {"overdue": "yes"})
    assert list(response.context["cl"].result_list) == [late]
    response = admin_client.get(_url(ErasureRequest, "changelist"), {"overdue": "no"})
    assert list(response.context["cl"].result_list) == [on_time]


def test_verify_asks_how_and_keeps_what_was_typed(admin_client: Client) -> None:
    request = _received()
    response = admin_client.post(_step_url(request, "verify"), {"note": ""})
    assert response.status_code == 200
    assert response.context["form"].errors["note"]

    response = admin_client.post(
        _step_url(request, "verify"), {"note": "Gọi lại số đã đăng ký"}, follow=True
    )
    assert response.status_code == 200
    assert "Identity verified." in _messages(response)
    request.refresh_from_db()
    assert request.status == ErasureRequest.Status.VERIFIED
    assert request.verification_note == "Gọi lại số đã đăng ký"


def test_approving_before_verification_is_a_form_error(admin_client: Client) -> None:
    request = _received()
    response = admin_client.post(_step_url(request, "approve"), {})
    assert response.status_code == 200
    assert "Verify the requester" in response.content.decode()
    request.refresh_from_db()
    assert request.status == ErasureRequest.Status.RECEIVED


def test_approving_a_held_customer_names_the_hold(admin_client: Client) -> None:
    request = _verified()
    hold = _hold(request.customer)
    page = admin_client.get(reverse("admin:retention_erasurerequest_change", args=[request.pk]))
    assert hold.reference in page.content.decode()
    response = admin_client.post(_step_url(request, "approve"), {})
    assert response.status_code == 200
    assert hold.reference in response.content.decode()
    request.refresh_from_db()
    assert request.status == ErasureRequest.Status.VERIFIED


def test_refuse_asks_for_the_exception_and_the_reason(admin_client: Client) -> None:
    request = _verified()
    response = admin_client.post(_step_url(request, "refuse"), {"exception": "", "reason": ""})
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"exception", "reason"}

    response = admin_client.post(
        _step_url(request, "refuse"),
        {
            "exception": ErasureRequest.LegalException.LAW_FORBIDS,
            "reason": "Hóa đơn phải lưu trữ 10 năm.",
        },
        follow=True,
    )
    assert response.status_code == 200
    assert any("Refused" in message for message in _messages(response))
    request.refresh_from_db()
    assert request.status == ErasureRequest.Status.REFUSED


def test_customer_care_verifies_but_sees_no_approve_button(client: Client) -> None:
    cskh = member_of(roles.CUSTOMER_CARE)
    client.force_login(cskh)
    request = _received()
    change_url = reverse("admin:retention_erasurerequest_change", args=[request.pk])
    page = client.get(change_url).content.decode()
    assert _step_url(request, "verify") in page
    assert _step_url(request, "approve") not in page

    client.post(_step_url(request, "verify"), {"note": "CCCD"})
    request.refresh_from_db()
    assert request.status == ErasureRequest.Status.VERIFIED

    response = client.post(_step_url(request, "approve"), {}, follow=True)
    assert response.status_code == 200
    assert any("Legal & compliance" in message for message in _messages(response))
    request.refresh_from_db()
    assert request.status == ErasureRequest.Status.VERIFIED


def test_legal_sees_approve_and_refuse_on_a_verified_request(client: Client) -> None:
    client.force_login(member_of(roles.LEGAL_COMPLIANCE))
    request = _verified()
    page = client.get(reverse("admin:retention_erasurerequest_change", args=[request.pk]))
    body = page.content.decode()
    assert _step_url(request, "approve") in body
    assert _step_url(request, "refuse") in body
    assert _step_url(request, "verify") not in body


def test_approve_action_reports_each_refusal_as_a_message(admin_client: Client) -> None:
    verified, received = _verified(), _received()
    response = admin_client.post(
        _url(ErasureRequest, "changelist"),
        {"action": "approve_selected", ACTION_CHECKBOX_NAME: [verified.pk, received.pk]},
        follow=True,
    )
    assert response.status_code == 200
    shown = _messages(response)
    assert "1 request approved." in shown
    assert any(f"#{received.pk}" in message and "Verify" in message for message in shown)
    verified.refresh_from_db()
    received.refresh_from_db()
    assert verified.status == ErasureRequest.Status.APPROVED
    assert received.status == ErasureRequest.Status.RECEIVED


def test_erase_now_runs_the_erasure_service_for_approved_requests(admin_client: Client) -> None:
    """The admin path to erasure: the same service as the executor, with the same receipt."""
    approved = services.erasure_request_approve(
        request=_verified(CustomerFactory.create(full_name="Đỗ Thị Mai")), actor=_superuser()
    )
    held_customer = CustomerFactory.create()
    held = services.erasure_request_approve(request=_verified(held_customer), actor=_superuser())
    _hold(held_customer)
    not_yet = _received()
    response = admin_client.post(
        _url(ErasureRequest, "changelist"),
        {"action": "erase_now", ACTION_CHECKBOX_NAME: [approved.pk, held.pk, not_yet.pk]},
        follow=True,
    )
    assert response.status_code == 200
    shown = _messages(response)
    assert "1 customer erased; a receipt without personal data remains." in shown
    assert any(f"#{held.pk}" in m and "legal hold" in m for m in shown)
    assert any(f"#{not_yet.pk}" in m for m in shown)
    approved.refresh_from_db()
    assert approved.status == ErasureRequest.Status.EXECUTED
    erased = Customer.objects.get(pk=approved.customer_id)
    assert erased.status == Customer.Status.ERASED and "Mai" not in erased.full_name
    assert ErasureReceipt.objects.filter(customer=erased, request=approved).exists()
    held_customer.refresh_from_db()
    assert held_customer.status != Customer.Status.ERASED
    not_yet.refresh_from_db()
    assert not_yet.status == ErasureRequest.Status.RECEIVED


def test_customer_care_has_no_approve_action(client: Client) -> None:
    client.force_login(member_of(roles.CUSTOMER_CARE))
    _received()
    response = client.get(_url(ErasureRequest, "changelist"))
    assert response.status_code == 200
    assert "approve_selected" not in response.content.decode()


def test_sales_sees_no_retention_pages(client: Client) -> None:
    client.force_login(member_of(roles.SALES))
    for model in (RetentionRule, ErasureRequest, LegalHold, PurgeRun, ErasureReceipt):
        assert client.get(_url(model, "changelist")).status_code == 403


# Legal holds -------------------------------------------------------------------------------


def test_legal_places_a_hold_with_the_add_form(client: Client) -> None:
    legal = member_of(roles.LEGAL_COMPLIANCE)
    client.force_login(legal)
    customer = CustomerFactory.create()
    response = client.post(
        _url(LegalHold, "add"),
        {
            "customer": customer.pk,
            "reason": LegalHold.Reason.DISPUTE,
            "reference": "Thụ lý 12/2026/TLST-DS",
            "note": "",
        },
    )
    assert response.status_code == 302
    hold = LegalHold.objects.get(customer=customer)
    assert hold.placed_by == legal and hold.is_active


def test_customer_care_cannot_place_a_hold(client: Client) -> None:
    client.force_login(member_of(roles.CUSTOMER_CARE))
    assert client.get(_url(LegalHold, "add")).status_code == 403


def test_lift_action_asks_why_then_lifts(admin_client: Client) -> None:
    active, lifted = _hold(), _hold()
    services.legal_hold_lift(hold=lifted, actor=_superuser(), reason="xong")
    selected = {"action": "lift_selected", ACTION_CHECKBOX_NAME: [active.pk, lifted.pk]}

    confirmation = admin_client.post(_url(LegalHold, "changelist"), selected)
    assert confirmation.status_code == 200
    assert "Why the hold is lifted" in confirmation.content.decode()
    assert '<input type="hidden" name="action" value="lift_selected">' in (
        confirmation.content.decode()
    )

    missing = admin_client.post(_url(LegalHold, "changelist"), {**selected, "post": "yes"})
    assert missing.status_code == 200
    assert missing.context["form"].errors["reason"]

    response = admin_client.post(
        _url(LegalHold, "changelist"),
        {**selected, "post": "yes", "reason": "Vụ án đã đình chỉ."},
        follow=True,
    )
    assert response.status_code == 200
    shown = _messages(response)
    assert "1 hold lifted." in shown
    assert any("already lifted" in message for message in shown)
    active.refresh_from_db()
    assert not active.is_active
    assert active.lift_reason == "Vụ án đã đình chỉ."
    assert active.lifted_by == _superuser()


def test_the_hold_list_filters_active_and_lifted(admin_client: Client) -> None:
    active, lifted = _hold(), _hold()
    services.legal_hold_lift(hold=lifted, actor=_superuser(), reason="xong")
    response = admin_client.get(_url(LegalHold, "changelist"), {"active": "yes"})
    assert list(response.context["cl"].result_list) == [active]
    response = admin_client.get(_url(LegalHold, "changelist"), {"active": "no"})
    assert list(response.context["cl"].result_list) == [lifted]


# Rules --------------------------------------------------------------------------------------


def test_a_rule_is_edited_through_the_service(admin_client: Client) -> None:
    rule = RetentionRule.objects.get(code="order-accounting")
    data = {
        "code": rule.code,
        "name": rule.name,
        "description": rule.description,
        "target": rule.target,
        "clock_start": rule.clock_start,
        "period_months": "24",
        "action": rule.action,
        "is_active": "on",
    }
    response = admin_client.post(_url(RetentionRule, "change", rule.pk), data)
    assert response.status_code == 200
    assert "Law on Accounting" in response.content.decode()
    rule.refresh_from_db()
    assert rule.period_months == 120

    response = admin_client.post(
        _url(RetentionRule, "change", rule.pk), {**data, "period_months": "132"}
    )
    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.period_months == 132
    assert rule.history.latest().history_user == _superuser()


def test_opening_a_request_or_a_hold_is_in_the_access_log(admin_client: Client) -> None:
    from customers.models import AccessLog

    request, hold = _verified(), _hold()
    admin_client.get(_url(ErasureRequest, "change", request.pk))
    admin_client.get(_url(LegalHold, "change", hold.pk))
    logged = set(AccessLog.objects.values_list("customer_id", "action"))
    assert logged == {
        (request.customer_id, AccessLog.Action.VIEW),
        (hold.customer_id, AccessLog.Action.VIEW),
    }


def test_the_approval_page_says_who_and_what_will_be_erased(admin_client: Client) -> None:
    customer = CustomerFactory(full_name="Đỗ Minh Tâm", phone="0912 000 111", email="tam@vi.vn")
    filed = complaint_submit(kind="deletion", phone="0912 000 111", email="tam@vi.vn")
    complaint_services.complaint_link_customer(
        complaint=filed, customer=customer, actor=_superuser()
    )
    identity_verified(filed, _superuser())
    request = services.complaint_request_erasure(complaint=filed, actor=_superuser())
    services.erasure_request_verify(request=request, actor=_superuser(), note="CCCD")
    unlinked = complaint_submit(phone="0912000111", email="")
    elsewhere = complaint_submit(phone="0988 777 666", email="")

    page = admin_client.get(_step_url(request, "approve")).content.decode()

    assert f"#{customer.pk} Đỗ Minh Tâm" in page
    assert filed.tracking_code in page and unlinked.tracking_code in page
    assert elsewhere.tracking_code not in page
    change_page = admin_client.get(
        reverse("admin:retention_erasurerequest_change", args=[request.pk])
    )
    assert unlinked.tracking_code in change_page.content.decode()
