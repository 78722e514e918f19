"""The purge: what the retention rules say must go now, and making it go.

Every period comes from the RetentionRule rows (Legal & compliance edit them in the admin); this
module only knows, per rule target, which records the rule applies to, when their clock starts
and what is held back. `purge_plan()` says what would happen and why; `purge_execute()` does it,
in batches, with set-based queries, and fills the PurgeRun. Customers are erased by the one
erasure service (retention.erasure.erase_customers); orders and consent evidence are anonymized
here. Nothing here logs or records personal data: ids, counts, dates, exception class names.
"""

from __future__ import annotations

import calendar
import datetime
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.db import models, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from customers.models import Consent, Customer, Order
from customers.personal_data import Erasure, personal_fields
from retention.models import (
    JOB_PURGE_EXPIRED,
    ErasureRequest,
    LegalHold,
    PurgeRun,
    RetentionRule,
)

logger = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 500

# Requests in these states are being handled: the request path erases (or refuses) them.
OPEN_REQUEST_STATUSES = (
    ErasureRequest.Status.RECEIVED,
    ErasureRequest.Status.VERIFIED,
    ErasureRequest.Status.APPROVED,
)


class HoldReason(models.TextChoices):
    """Why a record that a rule reached is not erased or anonymized now."""

    LEGAL_HOLD = "legal_hold", _("legal hold")
    OPEN_REQUEST = "open_request", _("open erasure request")
    OPEN_COMPLAINT = "open_complaint", _("open complaint")
    # Law on Accounting 2015 Art. 41: the order of an erased customer stays as an accounting
    # record, without the person, until its fiscal year ended the rule's period ago.
    ACCOUNTING_RETENTION = "accounting_retention", _("accounting retention")


class Record(models.TextChoices):
    CUSTOMER = "customer", _("customer")
    ORDER = "order", _("order")
    CONSENT = "consent", _("consent")
    COMPLAINT = "complaint", _("complaint")


# Dates ------------------------------------------------------------------------------------


def add_months(day: datetime.date, months: int) -> datetime.date:
    """Calendar months, clamped to the end of the month: 31/01/2023 + 1 = 28/02/2023,
    31/01/2023 + 36 = 31/01/2026, 29/02/2024 + 12 = 28/02/2025."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    last_day = calendar.monthrange(year, month + 1)[1]
    return datetime.date(year, month + 1, min(day.day, last_day))


def _is_last_day_of_month(day: datetime.date) -> bool:
    return day.day == calendar.monthrange(day.year, day.month)[1]


def latest_clock_start_due_by(today: datetime.date, months: int) -> datetime.date:
    """The latest date a clock may have started on for `start + months <= today`: the inverse
    of add_months, end-of-month clamping included (29/02/2024 + 12 months is due 28/02/2025)."""
    start = add_months(today, -months)
    if _is_last_day_of_month(today):
        start = start.replace(day=calendar.monthrange(start.year, start.month)[1])
    return start


def local_date(moment: datetime.datetime) -> datetime.date:
    """The date in Vietnam (Asia/Ho_Chi_Minh, the project's TIME_ZONE)."""
    return timezone.localtime(moment, timezone.get_default_timezone()).date()


def start_of_local_day(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(
        datetime.datetime.combine(day, datetime.time.min), timezone.get_default_timezone()
    )


def fiscal_year_end(day: datetime.date) -> datetime.date:
    """Vietnam's fiscal year is the calendar year (Law on Accounting 2015 Art. 12(1): it begins
    on 1 January and ends on 31 December; a company may choose another one, not modelled)."""
    return datetime.date(day.year, 12, 31)


# The complaints hook ----------------------------------------------------------------------


def customers_with_open_complaint() -> QuerySet[Any, Any]:
    """Ids of customers with an open complaint or request: no rule erases them while it is
    handled (a complaint about their data needs the data). A subquery, not a list: it stays
    one query at millions of rows."""
    from complaints.models import OPEN_STATUSES, Complaint

    return (
        Complaint.objects.filter(status__in=OPEN_STATUSES, customer__isnull=False)
        .order_by()
        .values("customer_id")
    )


# The plan ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanLine:
    """One record of the plan: which, whose, when its clock started and when it was due."""

    record: str
    record_id: int
    customer_id: int | None
    clock_started: datetime.date
    due_on: datetime.date


@dataclass
class HeldGroup:
    """Records a rule reached but that stay, and why."""

    reason: HoldReason
    record: Record
    queryset: QuerySet[Any]
    clock_field: str
    line_factory: Callable[[Any], PlanLine]

    @cached_property
    def count(self) -> int:
        return int(self.queryset.count())

    def lines(self, limit: int) -> list[PlanLine]:
        return [self.line_factory(row) for row in _rows(self.queryset, self.clock_field, limit)]


@dataclass
class RulePlan:
    """What one rule reaches now: the records due (to erase or anonymize) and those held back."""

    rule: RetentionRule
    record: Record
    # Clocks that started on or before this date have run out.
    clock_started_by: datetime.date
    due: QuerySet[Any]
    clock_field: str
    line_factory: Callable[[Any], PlanLine]
    held: list[HeldGroup] = field(default_factory=list)

    @cached_property
    def due_count(self) -> int:
        return int(self.due.count())

    def due_lines(self, limit: int) -> list[PlanLine]:
        return [self.line_factory(row) for row in _rows(self.due, self.clock_field, limit)]

    def due_id_batches(self, batch_size: int) -> Iterator[list[int]]:
        """The due ids, batch after batch (keyset pagination: each batch is one indexed query,
        re-evaluated so that what was done or became held meanwhile drops out)."""
        last = 0
        while True:
            ids = list(
                self.due.filter(pk__gt=last)
                .order_by("pk")
                .values_list("pk", flat=True)[:batch_size]
            )
            if not ids:
                return
            yield ids
            last = ids[-1]


@dataclass
class PurgePlan:
    now: datetime.datetime
    today: datetime.date
    rules: list[RulePlan]
    # Active rules this code cannot evaluate (a combination of target, clock and action that
    # means nothing, e.g. complaint closure before complaints exist), by code.
    not_evaluated: list[str] = field(default_factory=list)

    def for_record(self, record: Record) -> list[RulePlan]:
        return [plan for plan in self.rules if plan.record == record]


def _rows(queryset: QuerySet[Any], clock_field: str, limit: int) -> list[dict[str, Any]]:
    return list(queryset.order_by("pk").values("pk", "customer_id", clock_field)[:limit])


def _has_any(model: type[models.Model], names: list[str]) -> Q:
    """Rows where at least one of these fields still holds a value."""
    condition = Q()
    for name in names:
        model_field = model._meta.get_field(name)
        if model_field.null:
            condition |= Q(**{f"{name}__isnull": False})
        else:
            condition |= ~Q(**{name: ""})
    return condition


def _cleared(model: type[models.Model], names: list[str]) -> dict[str, Any]:
    return {name: (None if model._meta.get_field(name).null else "") for name in names}


def _active_hold(customer_ref: str) -> Exists:
    return Exists(LegalHold.objects.filter(customer_id=OuterRef(customer_ref), lifted_at=None))


def _open_request(customer_ref: str) -> Exists:
    return Exists(
        ErasureRequest.objects.filter(
            customer_id=OuterRef(customer_ref), status__in=OPEN_REQUEST_STATUSES
        )
    )


def order_fields_to_clear() -> list[str]:
    """The order's personal fields that leave it when its accounting retention ends: the
    declaration's CLEAR fields (the customer link included); the amount is kept."""
    return [name for name, spec in personal_fields(Order).items() if spec.erasure == Erasure.CLEAR]


def consent_evidence_fields() -> list[str]:
    """The evidence of a consent: its personal fields except whose consent it is. What was
    agreed, when, through which channel and under which policy version stays."""
    return [name for name in personal_fields(Consent) if name != "customer"]


def _history_fields(model: type[models.Model], names: list[str]) -> list[str]:
    """The same fields on the model's django-simple-history table, and the staff's free-text
    change reason there (declared personal for every historical model)."""
    history_model = model.history.model  # type: ignore[attr-defined]  # simple_history adds it
    extra = [
        name
        for name, spec in personal_fields(history_model).items()
        if name.startswith("history_") and spec.erasure == Erasure.CLEAR
    ]
    return [*names, *extra]


def _inactive_customers(rule: RetentionRule, today: datetime.date) -> RulePlan:
    started_by = latest_clock_start_due_by(today, rule.period_months)
    reached = Customer.objects.exclude(status=Customer.Status.ERASED).filter(
        last_activity_at__lt=start_of_local_day(started_by + datetime.timedelta(days=1))
    )
    held = _active_hold("pk")
    open_request = _open_request("pk")
    complaint_ids = customers_with_open_complaint()

    def line(row: dict[str, Any]) -> PlanLine:
        started = local_date(row["last_activity_at"])
        return PlanLine(
            Record.CUSTOMER,
            row["pk"],
            row["pk"],
            started,
            add_months(started, rule.period_months),
        )

    def group(reason: HoldReason, queryset: QuerySet[Any]) -> HeldGroup:
        return HeldGroup(reason, Record.CUSTOMER, queryset, "last_activity_at", line)

    # Customer has no customer_id column: rows are read with pk as customer_id.
    reached = reached.annotate(customer_id=models.F("pk"))
    return RulePlan(
        rule=rule,
        record=Record.CUSTOMER,
        clock_started_by=started_by,
        due=reached.exclude(held).exclude(open_request).exclude(pk__in=complaint_ids),
        clock_field="last_activity_at",
        line_factory=line,
        held=[
            group(HoldReason.LEGAL_HOLD, reached.filter(held)),
            group(HoldReason.OPEN_REQUEST, reached.exclude(held).filter(open_request)),
            group(
                HoldReason.OPEN_COMPLAINT,
                reached.exclude(held).exclude(open_request).filter(pk__in=complaint_ids),
            ),
        ],
    )


def _order_due_bound(rule: RetentionRule, today: datetime.date) -> tuple[datetime.date, int]:
    """(latest fiscal-year end that is due, the first fiscal year that is not)."""
    started_by = latest_clock_start_due_by(today, rule.period_months)
    last_due_year = (
        started_by.year if started_by == fiscal_year_end(started_by) else (started_by.year - 1)
    )
    return started_by, last_due_year + 1


def _order_accounting(rule: RetentionRule, today: datetime.date) -> RulePlan:
    started_by, first_kept_year = _order_due_bound(rule, today)
    bound = start_of_local_day(datetime.date(first_kept_year, 1, 1))
    to_clear = order_fields_to_clear()
    reached = Order.objects.filter(ordered_at__lt=bound).filter(_has_any(Order, to_clear))
    held = _active_hold("customer_id")

    def line(row: dict[str, Any]) -> PlanLine:
        started = fiscal_year_end(local_date(row["ordered_at"]))
        return PlanLine(
            Record.ORDER,
            row["pk"],
            row["customer_id"],
            started,
            add_months(started, rule.period_months),
        )

    return RulePlan(
        rule=rule,
        record=Record.ORDER,
        clock_started_by=started_by,
        due=reached.exclude(held),
        clock_field="ordered_at",
        line_factory=line,
        held=[
            HeldGroup(HoldReason.LEGAL_HOLD, Record.ORDER, reached.filter(held), "ordered_at", line)
        ],
    )


def _held_by_legal_hold(
    rule: RetentionRule,
    *,
    record: Record,
    reached: QuerySet[Any],
    clock_field: str,
    started_by: datetime.date,
) -> RulePlan:
    """The plan of a rule whose records (with a customer_id) wait only for a legal hold."""
    held = _active_hold("customer_id")

    def line(row: dict[str, Any]) -> PlanLine:
        started = local_date(row[clock_field])
        return PlanLine(
            record,
            row["pk"],
            row["customer_id"],
            started,
            add_months(started, rule.period_months),
        )

    return RulePlan(
        rule=rule,
        record=record,
        clock_started_by=started_by,
        due=reached.exclude(held),
        clock_field=clock_field,
        line_factory=line,
        held=[HeldGroup(HoldReason.LEGAL_HOLD, record, reached.filter(held), clock_field, line)],
    )


def _withdrawn_consents(rule: RetentionRule, today: datetime.date) -> RulePlan:
    started_by = latest_clock_start_due_by(today, rule.period_months)
    reached = Consent.objects.filter(
        status=Consent.Status.WITHDRAWN,
        withdrawn_at__lt=start_of_local_day(started_by + datetime.timedelta(days=1)),
    ).filter(_has_any(Consent, consent_evidence_fields()))
    return _held_by_legal_hold(
        rule,
        record=Record.CONSENT,
        reached=reached,
        clock_field="withdrawn_at",
        started_by=started_by,
    )


def _closed_complaints(rule: RetentionRule, today: datetime.date) -> RulePlan:
    """Complaints closed, rejected or marked duplicate the rule's period ago, not yet
    anonymized; a complaint of a customer under a legal hold waits."""
    from complaints.models import OPEN_STATUSES, Complaint
    from retention.erasure import REDACTED

    started_by = latest_clock_start_due_by(today, rule.period_months)
    reached = (
        Complaint.objects.exclude(status__in=OPEN_STATUSES)
        .filter(closed_at__lt=start_of_local_day(started_by + datetime.timedelta(days=1)))
        .exclude(submitter_name=REDACTED)
    )
    return _held_by_legal_hold(
        rule,
        record=Record.COMPLAINT,
        reached=reached,
        clock_field="closed_at",
        started_by=started_by,
    )


Target, Clock, Action = RetentionRule.Target, RetentionRule.ClockStart, RetentionRule.Action
# What each kind of rule reaches. A combination not listed here is reported, not guessed at.
EVALUATORS: dict[tuple[str, str, str], Callable[[RetentionRule, datetime.date], RulePlan]] = {
    (Target.INACTIVE_CUSTOMER, Clock.LAST_ACTIVITY, Action.ERASE): _inactive_customers,
    (Target.ORDER_ACCOUNTING, Clock.FISCAL_YEAR_END, Action.ANONYMIZE): _order_accounting,
    (Target.WITHDRAWN_CONSENT, Clock.CONSENT_WITHDRAWAL, Action.ANONYMIZE): _withdrawn_consents,
    (Target.CLOSED_COMPLAINT, Clock.COMPLAINT_CLOSURE, Action.ANONYMIZE): _closed_complaints,
}


def _accounting_retention(plan: PurgePlan) -> None:
    """The orders of customers erased now that stay as accounting records (without the person,
    which the erasure removes) because their fiscal year ended less than the period ago."""
    erased_now = [rule_plan.due.values("pk") for rule_plan in plan.for_record(Record.CUSTOMER)]
    if not erased_now:
        return
    of_erased = Q()
    for subquery in erased_now:
        of_erased |= Q(customer_id__in=subquery)
    for order_plan in plan.for_record(Record.ORDER):
        _, first_kept_year = _order_due_bound(order_plan.rule, plan.today)
        kept = Order.objects.filter(
            of_erased, ordered_at__gte=start_of_local_day(datetime.date(first_kept_year, 1, 1))
        )
        order_plan.held.append(
            HeldGroup(
                HoldReason.ACCOUNTING_RETENTION,
                Record.ORDER,
                kept,
                "ordered_at",
                order_plan.line_factory,
            )
        )


def purge_plan(*, now: datetime.datetime | None = None) -> PurgePlan:
    """What the active rules reach at `now`, per rule: the records due and why (the rule, the
    date the clock started, the due date), and what is held back and why. Querysets, evaluated
    when counted or listed: nothing is loaded for all customers."""
    now = now or timezone.now()
    today = local_date(now)
    plan = PurgePlan(now=now, today=today, rules=[])
    for rule in RetentionRule.objects.filter(is_active=True).order_by("code"):
        evaluator = EVALUATORS.get((rule.target, rule.clock_start, rule.action))
        if evaluator is None:
            plan.not_evaluated.append(rule.code)
            continue
        plan.rules.append(evaluator(rule, today))
    _accounting_retention(plan)
    return plan


# Execution --------------------------------------------------------------------------------


def _add_counts(run: PurgeRun, counts: dict[str, int]) -> None:
    for label, number in counts.items():
        if number:
            run.counts[label] = int(run.counts.get(label, 0)) + int(number)


def _save_progress(run: PurgeRun) -> None:
    run.save(
        update_fields=["counts", "customers_erased", "customers_held", "errors", "total", "done"]
    )


def _erase_due_customers(
    plan: RulePlan, *, run: PurgeRun, batch_size: int, on_batch: Callable[[], None]
) -> None:
    from retention.erasure import erase_customers

    for ids in plan.due_id_batches(batch_size):
        try:
            outcome = erase_customers(
                customer_ids=ids,
                rule=plan.rule,
                job=JOB_PURGE_EXPIRED,
                run=run,
                batch_size=batch_size,
            )
        except SoftTimeLimitExceeded:
            raise
        except Exception as error:  # one failing batch must not stop the purge
            logger.error(  # no traceback: it may quote personal data
                "purge: erasing customers #%s–#%s failed: %s", ids[0], ids[-1], type(error).__name__
            )
            run.errors.append(
                {"rule": plan.rule.code, "customer_ids": ids, "error": type(error).__name__}
            )
        else:
            run.customers_erased += len(outcome.erased)
            run.customers_held += len(outcome.held)
            _add_counts(run, outcome.counts)
        run.done += len(ids)
        _save_progress(run)
        on_batch()


def _anonymize_due(
    plan: RulePlan,
    *,
    fields_to_clear: list[str],
    run: PurgeRun,
    batch_size: int,
    on_batch: Callable[[], None],
) -> None:
    from retention.erasure import files_delete_unnamed, files_named_by

    model = plan.due.model
    history_model = model.history.model
    history_fields = _history_fields(model, fields_to_clear)
    values = _cleared(model, fields_to_clear)
    history_values = _cleared(history_model, history_fields)
    for ids in plan.due_id_batches(batch_size):
        try:
            with transaction.atomic():
                # The due queryset again: a hold placed since the batch was read still wins.
                due = list(plan.due.filter(pk__in=ids).values_list("pk", flat=True))
                # A cleared file field must not leave its file behind (a consent's signed form).
                named = files_named_by(model, fields_to_clear, due)
                changed = plan.due.filter(pk__in=due).update(**values)
                history_changed = history_model.objects.filter(id__in=due).update(**history_values)
                files_delete_unnamed(named)
        except SoftTimeLimitExceeded:
            raise
        except Exception as error:  # one failing batch must not stop the purge
            logger.error(  # no traceback: it may quote personal data
                "purge: anonymizing %s #%s–#%s failed: %s",
                model.__name__,
                ids[0],
                ids[-1],
                type(error).__name__,
            )
            run.errors.append(
                {
                    "rule": plan.rule.code,
                    f"{plan.record}_ids": ids,
                    "error": type(error).__name__,
                }
            )
        else:
            _add_counts(
                run,
                {model._meta.label: changed, history_model._meta.label: history_changed},
            )
        run.done += len(ids)
        _save_progress(run)
        on_batch()


def _anonymize_records(
    plan: RulePlan, *, run: PurgeRun, batch_size: int, on_batch: Callable[[], None]
) -> None:
    """Records anonymized with everything that belongs to them (a complaint's history, notes,
    events, evidence files) by the erasure service's record plans."""
    from retention.erasure import anonymize_records

    model = plan.due.model
    for ids in plan.due_id_batches(batch_size):
        try:
            # The due queryset again: a hold placed since the batch was read still wins.
            due_now = list(plan.due.filter(pk__in=ids).values_list("pk", flat=True))
            counts = anonymize_records(model, due_now)
        except SoftTimeLimitExceeded:
            raise
        except Exception as error:  # one failing batch must not stop the purge
            logger.error(  # no traceback: it may quote personal data
                "purge: anonymizing %s #%s–#%s failed: %s",
                model.__name__,
                ids[0],
                ids[-1],
                type(error).__name__,
            )
            run.errors.append(
                {"rule": plan.rule.code, f"{plan.record}_ids": ids, "error": type(error).__name__}
            )
        else:
            _add_counts(run, dict(counts))
        run.done += len(ids)
        _save_progress(run)
        on_batch()


def _noop() -> None:
    return None


def purge_execute(
    *,
    run: PurgeRun,
    plan: PurgePlan | None = None,
    now: datetime.datetime | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    on_batch: Callable[[], None] | None = None,
) -> PurgeRun:
    """Do what the plan says: erase the due customers through the erasure service (one
    transaction per batch, inside it), anonymize due orders and consent evidence with set-based
    updates (one transaction per batch), and record counts, held customers and errors on `run`,
    saved after each batch (a run killed mid-way shows how far it got). `on_batch` is called
    after each batch (the job's lock heartbeat). Idempotent: what is done drops out of the plan.
    """
    plan = plan or purge_plan(now=now)
    on_batch = on_batch or _noop
    held_back: set[int] = set()
    for rule_plan in plan.for_record(Record.CUSTOMER):
        for group in rule_plan.held:
            held_back.update(group.queryset.values_list("pk", flat=True))
    run.customers_held += len(held_back)
    run.total = sum(rule_plan.due_count for rule_plan in plan.rules)
    _save_progress(run)
    # Customers first: their erasure also empties their orders and deletes their consents.
    for rule_plan in plan.for_record(Record.CUSTOMER):
        _erase_due_customers(rule_plan, run=run, batch_size=batch_size, on_batch=on_batch)
    for rule_plan in plan.for_record(Record.ORDER):
        _anonymize_due(
            rule_plan,
            fields_to_clear=order_fields_to_clear(),
            run=run,
            batch_size=batch_size,
            on_batch=on_batch,
        )
    for rule_plan in plan.for_record(Record.CONSENT):
        _anonymize_due(
            rule_plan,
            fields_to_clear=consent_evidence_fields(),
            run=run,
            batch_size=batch_size,
            on_batch=on_batch,
        )
    for rule_plan in plan.for_record(Record.COMPLAINT):
        _anonymize_records(rule_plan, run=run, batch_size=batch_size, on_batch=on_batch)
    return run
