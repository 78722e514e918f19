"""The purge: each default rule at the day before, the day of and the day after its expiry,
legal holds, the dry run, the command, the lock and the PurgeRun rows."""

from __future__ import annotations

import datetime
import io
import itertools
import multiprocessing
import os
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.cache import cache
from django.core.management import call_command
from django.utils import translation

from customers import services
from customers.kernel.locks import KEY_PREFIX, job_lock
from customers.models import Channel, Consent, Customer, Order
from retention import services as retention_services
from retention.jobs import (
    TASK_EXECUTE_REQUESTS,
    TASK_PURGE_EXPIRED,
    execute_erasure_requests_run,
    purge_expired_run,
)
from retention.models import ErasureReceipt, ErasureRequest, LegalHold, PurgeRun, RetentionRule
from retention.purge import (
    HoldReason,
    Record,
    add_months,
    latest_clock_start_due_by,
    purge_plan,
)
from retention.tasks import execute_erasure_requests, purge_expired
from tests.factories import CustomerFactory, PolicyVersionFactory, PurposeFactory

pytestmark = pytest.mark.django_db

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def at(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, minute, tzinfo=VN)


@pytest.fixture(autouse=True)
def _clear_locks() -> None:
    cache.clear()


# Month arithmetic ------------------------------------------------------------------------


def test_months_are_calendar_months_clamped_to_the_end_of_the_month() -> None:
    assert add_months(datetime.date(2023, 1, 31), 36) == datetime.date(2026, 1, 31)
    assert add_months(datetime.date(2023, 1, 31), 1) == datetime.date(2023, 2, 28)
    assert add_months(datetime.date(2024, 2, 29), 12) == datetime.date(2025, 2, 28)
    assert add_months(datetime.date(2015, 12, 31), 120) == datetime.date(2025, 12, 31)
    assert add_months(datetime.date(2026, 3, 31), -1) == datetime.date(2026, 2, 28)


def test_the_latest_clock_start_that_is_due_inverts_add_months_exactly() -> None:
    """For every day of four years and several periods: a clock that started on day d is due
    today exactly when d <= latest_clock_start_due_by(today)."""
    start = datetime.date(2023, 1, 1)
    days = [start + datetime.timedelta(days=n) for n in range(4 * 366)]
    for months in (1, 12, 24, 36, 120):
        for today in [*days[::7], datetime.date(2025, 2, 28), datetime.date(2024, 2, 29)]:
            cutoff = latest_clock_start_due_by(today, months)
            assert add_months(cutoff, months) <= today
            assert add_months(cutoff + datetime.timedelta(days=1), months) > today


# Inactive customers: 36 months after the last activity ------------------------------------


def _customer_last_active(when: datetime.datetime) -> Customer:
    with time_machine.travel(when, tick=False):
        return CustomerFactory(when=when)


@pytest.mark.parametrize(
    ("check_day", "erased"),
    [
        (datetime.date(2026, 1, 30), False),  # the day before expiry
        (datetime.date(2026, 1, 31), True),  # the day of expiry: 31/01/2023 + 36 months
        (datetime.date(2026, 2, 1), True),  # the day after
    ],
)
def test_an_inactive_customer_is_erased_36_months_after_their_last_activity(
    check_day: datetime.date, erased: bool
) -> None:
    # Late in the evening in Vietnam, still 31/01 there (16:30 UTC): the clock counts in VN dates.
    customer = _customer_last_active(at(2023, 1, 31, 23, 30))
    recent = _customer_last_active(at(2025, 6, 1))

    with time_machine.travel(at(check_day.year, check_day.month, check_day.day, 0, 5), tick=False):
        plan = purge_plan()
        [rule_plan] = plan.for_record(Record.CUSTOMER)
        assert rule_plan.rule.code == "inactive-customers"
        due_ids = [line.record_id for line in rule_plan.due_lines(100)]
        assert due_ids == ([customer.pk] if erased else [])
        if erased:
            [line] = rule_plan.due_lines(1)
            assert line.clock_started == datetime.date(2023, 1, 31)
            assert line.due_on == datetime.date(2026, 1, 31)
        run = purge_expired_run()

    assert run is not None
    customer.refresh_from_db()
    recent.refresh_from_db()
    assert recent.status == Customer.Status.ACTIVE
    if erased:
        assert customer.status == Customer.Status.ERASED
        assert customer.phone == ""
        assert customer.email == ""
        receipt = ErasureReceipt.objects.get(customer=customer)
        assert receipt.rule is not None and receipt.rule.code == "inactive-customers"
        assert receipt.run == run
        assert receipt.job == "purge_expired"
        assert run.customers_erased == 1
        assert run.counts["customers.Customer"] == 1
    else:
        assert customer.status == Customer.Status.ACTIVE
        assert customer.phone != ""
        assert not ErasureReceipt.objects.exists()
        assert run.customers_erased == 0


def test_the_period_comes_from_the_rule_staff_edit() -> None:
    customer = _customer_last_active(at(2023, 1, 31))
    RetentionRule.objects.filter(code="inactive-customers").update(period_months=48)
    with time_machine.travel(at(2026, 2, 1), tick=False):
        purge_expired_run()
    customer.refresh_from_db()
    assert customer.status == Customer.Status.ACTIVE
    RetentionRule.objects.filter(code="inactive-customers").update(is_active=False)
    with time_machine.travel(at(2027, 2, 1), tick=False):
        purge_expired_run()
    customer.refresh_from_db()
    assert customer.status == Customer.Status.ACTIVE


# Orders: 10 years after the end of their fiscal year --------------------------------------


@pytest.mark.parametrize(
    ("check_day", "anonymized"),
    [
        (datetime.date(2025, 12, 30), False),  # the day before: fiscal 2015 ends 31/12/2015
        (datetime.date(2025, 12, 31), True),  # the day of: + 120 months
        (datetime.date(2026, 1, 1), True),  # the day after
    ],
)
def test_an_order_loses_its_personal_fields_10_years_after_its_fiscal_year_ends(
    check_day: datetime.date, anonymized: bool
) -> None:
    with time_machine.travel(at(2015, 6, 15), tick=False):
        customer = CustomerFactory()
        order = services.order_create(
            customer=customer,
            reference="DH-2015-0001",
            total_vnd=1_250_000,
            invoice_number="0001234",
            recipient_name="Trần Thị Bình",
            delivery_phone="0903 123 456",
            delivery_address="45 Nguyễn Huệ, Phường Sài Gòn, TP. Hồ Chí Minh",
        )
        services.order_update(order=order, delivery_address="47 Nguyễn Huệ, TP. Hồ Chí Minh")
    newer = _order_of_2016(customer)
    # The customer is still a customer: only the old order's accounting retention ends.
    services.customer_touch(customer=customer, when=at(2025, 12, 1))

    check = at(check_day.year, check_day.month, check_day.day, 0, 5)
    with time_machine.travel(check, tick=False):
        [rule_plan] = purge_plan().for_record(Record.ORDER)
        if anonymized:
            [line] = rule_plan.due_lines(10)
            assert (line.record_id, line.customer_id) == (order.pk, customer.pk)
            assert line.clock_started == datetime.date(2015, 12, 31)
            assert line.due_on == datetime.date(2025, 12, 31)
        else:
            assert rule_plan.due_count == 0
        run = purge_expired_run()
    assert run is not None

    order.refresh_from_db()
    history = list(Order.history.filter(id=order.pk))
    assert len(history) == 2
    assert order.total_vnd == 1_250_000
    assert order.reference == "DH-2015-0001"
    assert order.invoice_number == "0001234"
    if anonymized:
        assert order.customer_id is None
        assert (order.recipient_name, order.delivery_phone, order.delivery_address) == ("", "", "")
        for row in history:
            assert row.customer_id is None
            assert (row.recipient_name, row.delivery_phone, row.delivery_address) == ("", "", "")
            assert row.total_vnd == 1_250_000
        assert run.counts["customers.Order"] == 1
        assert run.counts["customers.HistoricalOrder"] == 2
    else:
        assert order.customer_id == customer.pk
        assert order.recipient_name == "Trần Thị Bình"
        assert all(row.recipient_name == "Trần Thị Bình" for row in history)
        assert "customers.Order" not in run.counts
    newer.refresh_from_db()
    assert newer.customer_id == customer.pk
    assert newer.recipient_name == "Trần Thị Bình"
    customer.refresh_from_db()
    assert customer.status == Customer.Status.ACTIVE


def _order_of_2016(customer: Customer) -> Order:
    with time_machine.travel(at(2016, 1, 1, 0, 30), tick=False):
        return services.order_create(
            customer=customer,
            reference="DH-2016-0001",
            total_vnd=300_000,
            recipient_name="Trần Thị Bình",
            delivery_phone="0903 123 456",
            delivery_address="45 Nguyễn Huệ, Phường Sài Gòn, TP. Hồ Chí Minh",
        )


# Withdrawn consents: the evidence is anonymized 24 months after the withdrawal -----------


@pytest.mark.parametrize(
    ("check_day", "anonymized"),
    [
        (datetime.date(2026, 3, 14), False),
        (datetime.date(2026, 3, 15), True),  # 15/03/2024 + 24 months
        (datetime.date(2026, 3, 16), True),
    ],
)
def test_a_withdrawn_consents_evidence_is_anonymized_24_months_after_the_withdrawal(
    check_day: datetime.date, anonymized: bool
) -> None:
    with time_machine.travel(at(2023, 5, 2), tick=False):
        PolicyVersionFactory(version="2023.1")
        purpose = PurposeFactory(code="marketing-email")
        customer = CustomerFactory()
        consent = services.consent_grant(
            customer=customer,
            purpose=purpose,
            channel=Channel.WEB_FORM,
            form_reference="WF-2023-778",
            ip_address="203.113.10.25",
            user_agent="Mozilla/5.0 (iPhone)",
        )
    with time_machine.travel(at(2024, 3, 15, 21), tick=False):
        services.consent_withdraw(
            consent=consent,
            channel=Channel.SMS,
            reason="Tôi không muốn nhận email nữa",
            withdrawal_reference="SMS-2024-0315",
        )
    with time_machine.travel(at(check_day.year, check_day.month, check_day.day, 8), tick=False):
        [rule_plan] = purge_plan().for_record(Record.CONSENT)
        assert rule_plan.due_count == (1 if anonymized else 0)
        run = purge_expired_run()
    assert run is not None

    consent.refresh_from_db()
    history = list(Consent.history.filter(id=consent.pk))
    assert len(history) == 2
    # What was agreed, when, and its withdrawal stay.
    assert consent.status == Consent.Status.WITHDRAWN
    assert consent.customer_id == customer.pk
    assert consent.purpose_id == purpose.pk
    assert consent.granted_at == at(2023, 5, 2)
    assert consent.withdrawn_at == at(2024, 3, 15, 21)
    assert consent.withdrawal_channel == Channel.SMS
    evidence = (
        consent.form_reference,
        consent.ip_address,
        consent.user_agent,
        consent.withdrawal_reason,
    )
    if anonymized:
        assert evidence == ("", None, "", "")
        for row in history:
            assert (row.form_reference, row.ip_address, row.user_agent) == ("", None, "")
            assert row.withdrawal_reason == ""
        assert run.counts["customers.Consent"] == 1
    else:
        assert evidence == (
            "WF-2023-778",
            "203.113.10.25",
            "Mozilla/5.0 (iPhone)",
            "Tôi không muốn nhận email nữa",
        )
        assert history[0].ip_address == "203.113.10.25"


# Held back ---------------------------------------------------------------------------------


def test_a_held_customer_is_never_erased_by_the_rule_and_is_reported_as_held(superuser) -> None:
    held = _customer_last_active(at(2020, 1, 10))
    free = _customer_last_active(at(2020, 1, 10))
    retention_services.legal_hold_place(
        customer=held, actor=superuser, reason=LegalHold.Reason.INVESTIGATION
    )
    with time_machine.travel(at(2026, 11, 23), tick=False):
        [rule_plan] = purge_plan().for_record(Record.CUSTOMER)
        assert [line.record_id for line in rule_plan.due_lines(10)] == [free.pk]
        [legal_hold] = [g for g in rule_plan.held if g.reason == HoldReason.LEGAL_HOLD]
        assert legal_hold.count == 1
        [line] = legal_hold.lines(10)
        assert line.record_id == held.pk
        assert line.clock_started == datetime.date(2020, 1, 10)
        assert line.due_on == datetime.date(2023, 1, 10)
        first = purge_expired_run()
        second = purge_expired_run()
    held.refresh_from_db()
    free.refresh_from_db()
    assert held.status == Customer.Status.ACTIVE
    assert held.phone != ""
    assert not ErasureReceipt.objects.filter(customer=held).exists()
    assert free.status == Customer.Status.ERASED
    assert first is not None and second is not None
    assert (first.customers_erased, first.customers_held) == (1, 1)
    assert (second.customers_erased, second.customers_held) == (0, 1)


def test_a_customer_with_an_open_request_goes_through_the_request_path(superuser) -> None:
    customer = _customer_last_active(at(2020, 1, 10))
    request = retention_services.erasure_request_create(
        customer=customer, source=ErasureRequest.Source.COMPLAINT
    )
    with time_machine.travel(at(2026, 11, 23), tick=False):
        [rule_plan] = purge_plan().for_record(Record.CUSTOMER)
        assert rule_plan.due_count == 0
        [group] = [g for g in rule_plan.held if g.count]
        assert group.reason == HoldReason.OPEN_REQUEST
        purge_expired_run()
    customer.refresh_from_db()
    assert customer.status != Customer.Status.ERASED

    retention_services.erasure_request_verify(
        request=request, actor=superuser, note="CCCD checked at the counter"
    )
    retention_services.erasure_request_approve(request=request, actor=superuser)
    result = execute_erasure_requests()
    assert result["status"] == PurgeRun.Status.FINISHED
    assert result["customers_erased"] == 1
    customer.refresh_from_db()
    request.refresh_from_db()
    assert customer.status == Customer.Status.ERASED
    assert request.status == ErasureRequest.Status.EXECUTED
    receipt = ErasureReceipt.objects.get(customer=customer)
    assert receipt.request == request
    assert receipt.job == "execute_erasure_requests"
    run = PurgeRun.objects.get(task=TASK_EXECUTE_REQUESTS)
    assert receipt.run == run
    assert run.trigger == PurgeRun.Trigger.SCHEDULE


def test_orders_of_customers_erased_now_are_reported_as_kept_for_accounting() -> None:
    with time_machine.travel(at(2022, 3, 1), tick=False):
        customer = CustomerFactory()
        order = services.order_create(
            customer=customer, reference="DH-2022-7", total_vnd=99_000, recipient_name="Bình"
        )
    with time_machine.travel(at(2026, 11, 23), tick=False):
        plan = purge_plan()
        [order_plan] = plan.for_record(Record.ORDER)
        [kept] = [g for g in order_plan.held if g.reason == HoldReason.ACCOUNTING_RETENTION]
        [line] = kept.lines(10)
        assert (line.record_id, line.customer_id) == (order.pk, customer.pk)
        assert line.due_on == datetime.date(2032, 12, 31)
        purge_expired_run()
    order.refresh_from_db()
    assert order.total_vnd == 99_000
    assert order.customer_id is None  # the erasure detached it; the record stays


# The dry run and the command ----------------------------------------------------------------


def test_the_dry_run_changes_nothing_and_says_what_and_why(superuser) -> None:
    due = _customer_last_active(at(2021, 4, 30))
    held = _customer_last_active(at(2021, 4, 30))
    retention_services.legal_hold_place(
        customer=held, actor=superuser, reason=LegalHold.Reason.DISPUTE
    )
    out = io.StringIO()
    with time_machine.travel(at(2026, 11, 23), tick=False), translation.override("en"):
        call_command("purge", "--dry-run", stdout=out)
    text = out.getvalue()

    due.refresh_from_db()
    held.refresh_from_db()
    assert due.status == held.status == Customer.Status.ACTIVE
    assert not PurgeRun.objects.exists()
    assert not ErasureReceipt.objects.exists()

    assert "Rule inactive-customers" in text
    assert "Due: 1 customer " in text
    assert (
        f"customer #{due.pk}: rule inactive-customers, Erase the customer's personal data; "
        "clock started 30/04/2021, due 30/04/2024"
    ) in text
    assert "Held back: 1 customer — legal hold." in text
    assert f"customer #{held.pk}: legal hold; clock started 30/04/2021" in text
    assert "Dry run: nothing was changed." in text
    for person in (due, held):
        assert person.full_name not in text
        assert person.phone not in text
        assert person.email not in text


def test_the_command_purges_and_prints_the_runs() -> None:
    customers = [_customer_last_active(at(2021, 4, 30)) for _ in range(3)]
    out = io.StringIO()
    with time_machine.travel(at(2026, 11, 23), tick=False), translation.override("en"):
        call_command("purge", stdout=out)
    text = out.getvalue()
    run = PurgeRun.objects.get(task=TASK_PURGE_EXPIRED)
    assert run.trigger == PurgeRun.Trigger.COMMAND
    assert run.status == PurgeRun.Status.FINISHED
    assert f"run #{run.pk} Finished" in text
    assert "3 customers erased, 0 held back, 0 errors" in text
    assert "customers.Customer: 3 rows" in text
    assert PurgeRun.objects.get(task=TASK_EXECUTE_REQUESTS).trigger == PurgeRun.Trigger.COMMAND
    for customer in customers:
        customer.refresh_from_db()
        assert customer.status == Customer.Status.ERASED
        assert customer.full_name not in text


# The lock and the runs -----------------------------------------------------------------------


def test_a_second_run_is_skipped_while_the_lock_is_held() -> None:
    customer = _customer_last_active(at(2021, 4, 30))
    with time_machine.travel(at(2026, 11, 23), tick=False):
        with job_lock("purge_expired", timeout=60) as lock:
            assert lock is not None  # another run, in progress
            assert purge_expired() == {
                "status": "skipped",
                "reason": "another run holds the lock",
            }
            out = io.StringIO()
            with translation.override("en"):
                call_command("purge", stdout=out)
            assert "skipped, another run is in progress" in out.getvalue()
        customer.refresh_from_db()
        assert customer.status == Customer.Status.ACTIVE
        assert not PurgeRun.objects.filter(task=TASK_PURGE_EXPIRED).exists()
        # The lock is released with the run that held it: the next run goes ahead.
        result = purge_expired()
    assert result["status"] == PurgeRun.Status.FINISHED
    assert result["customers_erased"] == 1


def test_a_lock_whose_holder_died_is_taken_over_and_its_run_closed() -> None:
    customer = _customer_last_active(at(2021, 4, 30))
    dead = PurgeRun.objects.create(trigger=PurgeRun.Trigger.SCHEDULE, task=TASK_PURGE_EXPIRED)
    with job_lock("purge_expired", timeout=3600) as lock:
        assert lock is not None
        # Its worker was killed: its heartbeat expires, the lock itself would last an hour.
        cache.delete(f"{KEY_PREFIX}purge_expired:alive:{lock.token}")
        with time_machine.travel(at(2026, 11, 23), tick=False):
            result = purge_expired()
    assert result["status"] == PurgeRun.Status.FINISHED
    customer.refresh_from_db()
    assert customer.status == Customer.Status.ERASED
    dead.refresh_from_db()
    assert dead.status == PurgeRun.Status.FAILED
    assert dead.errors == [{"error": "interrupted"}]


def test_each_run_writes_one_purge_run_with_its_counts() -> None:
    for n in range(4):
        _customer_last_active(at(2021, 4, 30 - n))
    with time_machine.travel(at(2026, 11, 23, 2, 30), tick=False):
        first = purge_expired()
        second = purge_expired()
        execute_erasure_requests_run()
    runs = list(PurgeRun.objects.filter(task=TASK_PURGE_EXPIRED).order_by("id"))
    assert [run.pk for run in runs] == [first["run"], second["run"]]
    assert [run.status for run in runs] == [PurgeRun.Status.FINISHED] * 2
    assert [run.customers_erased for run in runs] == [4, 0]
    assert runs[0].counts["customers.Customer"] == 4
    assert runs[0].counts["customers.HistoricalCustomer"] >= 4
    assert runs[1].counts == {}
    assert all(run.trigger == PurgeRun.Trigger.SCHEDULE for run in runs)
    assert all(run.finished_at is not None and run.errors == [] for run in runs)
    assert ErasureReceipt.objects.filter(run=runs[0]).count() == 4
    assert PurgeRun.objects.filter(task=TASK_EXECUTE_REQUESTS).count() == 1


def test_batches_are_small_and_each_is_counted(settings) -> None:
    settings.RETENTION_PURGE_BATCH_SIZE = 2
    ids = [_customer_last_active(at(2021, 1, 1 + n)).pk for n in range(5)]
    with time_machine.travel(at(2026, 11, 23), tick=False):
        run = purge_expired_run()
    assert run is not None
    assert run.customers_erased == 5
    assert set(ErasureReceipt.objects.values_list("customer_id", flat=True)) == set(ids)
    assert list(itertools.islice(purge_plan().for_record(Record.CUSTOMER)[0].due_lines(5), 1)) == []


def _add_from_another_process(directory: str, key: str, barrier: Any, results: Any) -> None:
    from customers.kernel.locks import AtomicAddFileBasedCache

    shared = AtomicAddFileBasedCache(directory, {})
    barrier.wait()
    results.put(shared.add(key, os.getpid(), 60))


def test_the_file_cache_lets_one_process_only_take_a_lock(tmp_path) -> None:
    """web, worker and beat on one machine share the file cache: its add() decides one winner
    between processes racing for the same key (Django's own add() checks, then writes)."""
    context = multiprocessing.get_context("fork")
    contenders = 6
    for round_number in range(5):
        barrier = context.Barrier(contenders)
        results = context.Queue()
        processes = [
            context.Process(
                target=_add_from_another_process,
                args=(str(tmp_path / "cache"), f"round-{round_number}", barrier, results),
            )
            for _ in range(contenders)
        ]
        for process in processes:
            process.start()
        for process in processes:
            process.join(timeout=30)
        outcomes = [results.get(timeout=5) for _ in processes]
        assert outcomes.count(True) == 1, outcomes


def test_a_rule_this_code_cannot_evaluate_is_reported_not_guessed() -> None:
    RetentionRule.objects.create(
        code="complaint-erase",
        name="Customers of closed complaints",
        target=RetentionRule.Target.INACTIVE_CUSTOMER,
        clock_start=RetentionRule.ClockStart.COMPLAINT_CLOSURE,
        period_months=12,
        action=RetentionRule.Action.ERASE,
    )
    customer = _customer_last_active(at(2020, 1, 1))
    plan = purge_plan(now=at(2026, 11, 23))
    assert plan.not_evaluated == ["complaint-erase"]
    assert [rule_plan.rule.code for rule_plan in plan.rules] == [
        "closed-complaints",
        "inactive-customers",
        "order-accounting",
        "withdrawn-consent-evidence",
    ]
    out = io.StringIO()
    with translation.override("en"):
        call_command("purge", "--dry-run", stdout=out)
    assert "Rule complaint-erase is not evaluated" in out.getvalue()
    customer.refresh_from_db()
    assert customer.status == Customer.Status.ACTIVE
