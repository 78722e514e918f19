"""Legal holds: only Legal & compliance places or lifts one; while it stands nothing erases the
customer; lifting says who and why."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from customers import roles
from customers.models import Customer
from retention import selectors, services
from retention.models import LegalHold, RetentionRule
from tests.factories import CustomerFactory, StaffFactory

pytestmark = pytest.mark.django_db


def member_of(role: str) -> Any:
    user = StaffFactory.create(username=f"user-{role}")
    user.groups.add(roles.group_for(role))
    return user


@pytest.fixture
def legal() -> Any:
    return member_of(roles.LEGAL_COMPLIANCE)


def _place(customer: Customer, actor: Any) -> LegalHold:
    return services.legal_hold_place(
        customer=customer,
        actor=actor,
        reason=LegalHold.Reason.INVESTIGATION,
        reference="45/QĐ-CSĐT",
        note="Công an yêu cầu giữ nguyên dữ liệu trong thời gian điều tra.",
    )


def test_legal_places_a_hold_and_the_customer_is_held(legal: Any) -> None:
    customer = CustomerFactory.create()
    hold = _place(customer, legal)
    assert hold.is_active
    assert hold.placed_by == legal
    assert hold.history.latest().history_user == legal
    assert selectors.customer_is_held(customer.pk)


@pytest.mark.parametrize("role", [roles.CUSTOMER_CARE, roles.SALES, roles.ADMINISTRATOR])
def test_only_legal_may_place_a_hold(role: str) -> None:
    customer = CustomerFactory.create()
    with pytest.raises(PermissionDenied):
        _place(customer, member_of(role))
    with pytest.raises(PermissionDenied):
        _place(customer, None)
    assert not LegalHold.objects.exists()


@pytest.mark.parametrize("role", [roles.CUSTOMER_CARE, roles.SALES, roles.ADMINISTRATOR])
def test_only_legal_may_lift_a_hold(legal: Any, role: str) -> None:
    hold = _place(CustomerFactory.create(), legal)
    with pytest.raises(PermissionDenied):
        services.legal_hold_lift(hold=hold, actor=member_of(role), reason="hết vụ việc")
    hold.refresh_from_db()
    assert hold.is_active


def test_lifting_records_who_when_and_why(legal: Any) -> None:
    customer = CustomerFactory.create()
    hold = _place(customer, legal)
    services.legal_hold_lift(hold=hold, actor=legal, reason="Cơ quan điều tra đã đình chỉ vụ án.")

    hold.refresh_from_db()
    assert not hold.is_active
    assert hold.lifted_by == legal
    assert hold.lifted_at is not None
    assert hold.lift_reason == "Cơ quan điều tra đã đình chỉ vụ án."
    assert hold.history.latest().history_user == legal
    assert not selectors.customer_is_held(customer.pk)


def test_lifting_needs_a_reason_and_happens_once(legal: Any) -> None:
    hold = _place(CustomerFactory.create(), legal)
    with pytest.raises(ValidationError) as refused:
        services.legal_hold_lift(hold=hold, actor=legal, reason="  ")
    assert "lift_reason" in refused.value.error_dict
    services.legal_hold_lift(hold=hold, actor=legal, reason="xong")
    with pytest.raises(ValidationError) as again:
        services.legal_hold_lift(hold=hold, actor=legal, reason="xong")
    assert again.value.error_list[0].code == "already_lifted"


def test_a_hold_needs_a_known_reason(legal: Any) -> None:
    with pytest.raises(ValidationError) as refused:
        services.legal_hold_place(customer=CustomerFactory.create(), actor=legal, reason="whim")
    assert "reason" in refused.value.error_dict


def test_an_erased_customer_cannot_be_held(legal: Any) -> None:
    customer = CustomerFactory.create()
    Customer.objects.filter(pk=customer.pk).update(status=Customer.Status.ERASED)
    with pytest.raises(ValidationError) as refused:
        _place(customer, legal)
    assert refused.value.error_list[0].code == "customer_erased"


def test_held_customer_ids_in_one_query(legal: Any) -> None:
    held, lifted, free = (
        CustomerFactory.create(),
        CustomerFactory.create(),
        CustomerFactory.create(),
    )
    _place(held, legal)
    _place(held, legal)  # two cases on one customer
    services.legal_hold_lift(hold=_place(lifted, legal), actor=legal, reason="xong")

    with CaptureQueriesContext(connection) as queries:
        found = selectors.held_customer_ids([held.pk, lifted.pk, free.pk])
    assert found == {held.pk}
    assert len(queries) == 1
    assert selectors.held_customer_ids([]) == set()


# Retention rules ---------------------------------------------------------------------------


def test_legal_edits_a_rule_and_history_says_who(legal: Any) -> None:
    rule = RetentionRule.objects.get(code="inactive-customers")
    rule.period_months = 48
    services.rule_save(rule=rule, actor=legal)
    rule.refresh_from_db()
    assert rule.period_months == 48
    assert rule.history.latest().history_user == legal


def test_other_roles_may_not_edit_rules() -> None:
    rule = RetentionRule.objects.get(code="inactive-customers")
    rule.period_months = 1
    with pytest.raises(PermissionDenied):
        services.rule_save(rule=rule, actor=member_of(roles.ADMINISTRATOR))


def test_accounting_records_are_kept_ten_years_and_never_erased(legal: Any) -> None:
    rule = RetentionRule.objects.get(code="order-accounting")
    rule.period_months = 60
    with pytest.raises(ValidationError) as too_short:
        services.rule_save(rule=rule, actor=legal)
    assert too_short.value.error_dict["period_months"][0].code == "accounting_minimum"

    rule.period_months = 120
    rule.action = RetentionRule.Action.ERASE
    with pytest.raises(ValidationError) as erase:
        services.rule_save(rule=rule, actor=legal)
    assert erase.value.error_dict["action"][0].code == "accounting_anonymize_only"


def test_a_rule_period_is_at_least_a_month(legal: Any) -> None:
    rule = RetentionRule.objects.get(code="inactive-customers")
    rule.period_months = 0
    with pytest.raises(ValidationError) as refused:
        services.rule_save(rule=rule, actor=legal)
    assert refused.value.error_dict["period_months"][0].code == "period_too_short"
