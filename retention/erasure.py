"""The one erasure service (SPEC.md "Erasure is complete"), used by every path: retention rule,
erasure request, admin action. Driven by the personal-data declaration (customers.personal_data).

How a customer's rows are found
    For every model of the project — django-simple-history's historical models included —
    ``personal_data.customer_lookups(model)`` gives the lookups that lead from a row to its
    customer: ``pk`` on Customer, ``id`` on HistoricalCustomer, ``customer`` on every model with a
    foreign key to Customer (historical models keep that column without a constraint), and
    ``complaint__customer``-like paths through other project models. A model added later falls
    under erasure by being declared; nothing here names a model except Customer's status.

What happens to them
    Each personal field's ``Erasure`` is applied to all rows of a batch of customers at once:
    DELETE_ROW on any field deletes the row; otherwise one ``UPDATE`` per model sets CLEAR fields
    to NULL or '', REDACT fields to ``REDACTED``, KEYED_HASH fields to an HMAC-SHA256 (hex, keyed
    with SECRET_KEY, cut to the column's length) and leaves KEEP fields alone. Order.customer is
    declared CLEAR: the order is detached and kept (Law on Accounting 2015 Art. 41).
    ``history_change_reason`` is declared on every historical model, so it is cleared too.
    Django admin's LogEntry rows of the erased objects lose their ``object_repr`` (str() of a
    customer is their name) and ``change_message`` (it quotes inline objects).

Fast and leaving no trace
    ``QuerySet.update`` and ``QuerySet._raw_delete`` write no history rows and send no signals:
    an ORM ``delete()`` on a model with history writes a "-" historical row that copies the whole
    deleted row. Children are processed before the rows they reach their customer through, so
    joins still find them. Rows are read through ``_base_manager`` (a custom manager may hide
    rows or refuse bulk writes — the access log's does). The number of queries per batch does not
    depend on how many customers the batch holds; memory holds one batch's ids, counts and file
    names. On PostgreSQL the rows of all models are counted in one query (a UNION) before any is
    changed, a model without rows of the batch costs nothing more, and the ids travel as one
    array parameter (bench/erasure.py measures the service against plain SQL).

Files
    Files named by a file field whose declared erasure is not KEEP (live rows and every
    historical version) are deleted from the field's storage, unless a row that remains still
    names them. They are deleted inside the batch's transaction, after the database work and
    before the commit. A file deletion cannot be rolled back, so the order decides what a crash
    leaves behind:
    - crash before or while files are deleted: the transaction rolls back; the customers are
      untouched in the database (status unchanged, no receipt), some of their files may be gone;
      the next run erases them again and deleting a missing file is a no-op;
    - crash after the files and before the commit completes: the same;
    - the opposite order (commit, then delete) would leave files that nobody knows about when
      the process dies in between — personal data surviving without a trace, since file names
      may themselves be personal (Django keeps the uploaded name) and may not be written to a
      receipt. A rerun cannot find them: the rows that named them are erased.
    So a crash never leaves personal data without a pending erasure that the next run completes.

Legal holds, reruns, receipts
    Customers are locked (SELECT … FOR UPDATE) in the batch's transaction; those with an active
    LegalHold (lifted_at IS NULL) are returned in ``held`` and untouched; those already erased
    (or unknown) in ``skipped``. Each batch is one transaction: a customer is either untouched or
    fully erased, with one ErasureReceipt (one-to-one with the customer, so never two). A request
    given is marked executed in the same transaction by
    ``retention.services.erasure_request_mark_executed`` (with the receipt's time and staff) —
    also when its customer had already been erased by another path.
    PurgeRun counts are the caller's (retention.purge) to add up from the returned outcome.

The journal
    Each erased customer is also written to the erasure journal (retention.journal), outside
    the database: a "pending" entry in the batch's transaction, after the receipts, and a
    "committed" one once it commits. ``manage.py erasure_replay`` erases again, from it, the
    customers a restored backup brings back (Law 91/2025 Art. 14(3)-(4)).
"""

from __future__ import annotations

import functools
import itertools
import json
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.files.storage import Storage
from django.db import connection, models, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Case, Count, F, Func, Q, Value, When
from django.db.models.functions import Cast
from django.db.models.sql.compiler import SQLCompiler
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.data_requests import complaints_claim_unlinked
from customers import personal_data
from customers.kernel import events
from customers.kernel.writes import staff_or_none
from customers.models import Customer, RecipientRequest
from customers.personal_data import Erasure, keyed_hash
from customers.recipient_requests import recipient_requests_open
from retention.journal import PENDING, JournalEntry, journal_erasures
from retention.models import ErasureReceipt, ErasureRequest, LegalHold, PurgeRun, RetentionRule

# What an erased text says instead of the person (REDACT): no personal data, and it says why.
REDACTED = "[đã xóa]"
FILES = "files"
DEFAULT_BATCH_SIZE = 500


@dataclass
class ErasureOutcome:
    erased: list[int] = field(default_factory=list)
    held: list[int] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)  # already erased, or no such customer
    # Rows per record type ("customers.Customer", "customers.HistoricalCustomer", …, "files").
    counts: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class _FileColumn:
    column: str
    storage: Storage


@dataclass(frozen=True)
class _ModelPlan:
    """What erasure does to one model's rows of a customer, read from the declaration."""

    model: type[models.Model]
    lookups: tuple[str, ...]
    delete_rows: bool
    values: dict[str, Any]  # field name → the value every erased row gets
    hashed: tuple[str, ...]  # fields replaced by their keyed hash
    files: tuple[_FileColumn, ...]  # columns naming files to delete from storage

    @property
    def label(self) -> str:
        return self.model._meta.label

    @property
    def depth(self) -> int:
        return max(lookup.count("__") for lookup in self.lookups)

    def rows(self, customer_ids: Sequence[int]) -> models.QuerySet[Any]:
        match = Q()
        for lookup in self.lookups:
            match |= _among(lookup, customer_ids)
        return self.model._base_manager.filter(match)


class _ColumnSQL(Func):
    """SQL of one column written by hand (PostgreSQL only): subclasses give ``column_sql``."""

    def as_sql(
        self,
        compiler: SQLCompiler,
        connection: BaseDatabaseWrapper,
        function: str | None = None,
        template: str | None = None,
        arg_joiner: str | None = None,
        **extra_context: Any,
    ) -> tuple[str, tuple[Any, ...]]:
        column, params = compiler.compile(self.source_expressions[0])
        return self.column_sql(column, tuple(params))

    def column_sql(self, column: str, params: tuple[Any, ...]) -> tuple[str, tuple[Any, ...]]:
        raise NotImplementedError


class _AnyOf(_ColumnSQL):
    """``column = ANY(%s)``: the batch's (integer) ids as one array parameter. An ``IN`` list
    makes Django prepare, and psycopg parse, one placeholder per id in every query of the
    batch."""

    def __init__(self, lookup: str, ids: Sequence[int], *, negated: bool = False) -> None:
        super().__init__(F(lookup), output_field=models.BooleanField())
        self.ids, self.negated = _array_literal(tuple(ids)), negated

    def column_sql(self, column: str, params: tuple[Any, ...]) -> tuple[str, tuple[Any, ...]]:
        sql = f"{column} = ANY(%s::bigint[])"
        if self.negated:  # NULL (no row on the other side of the join) is not among them
            sql = f"NOT COALESCE({sql}, false)"
        return sql, (*params, self.ids)


@functools.lru_cache(maxsize=4)  # a batch's ids appear in some 40 queries
def _array_literal(ids: tuple[int, ...]) -> str:
    """The ids as a PostgreSQL array literal: psycopg adapts a list of ints element by
    element, in Python."""
    return "{" + ",".join(str(int(pk)) for pk in ids) + "}"


def _among(lookup: str, ids: Sequence[int], *, negated: bool = False) -> Q:
    """Rows whose ``lookup`` is one of the ids (or, negated, is not — NULL included)."""
    if connection.vendor == "postgresql":
        return Q(_AnyOf(lookup, ids, negated=negated))
    match = Q(**{f"{lookup}__in": ids})
    return ~match if negated else match


def _is_text(model_field: models.Field) -> bool:
    return isinstance(model_field, models.CharField | models.TextField)


def _file_column(model: type[models.Model], name: str) -> _FileColumn | None:
    source = personal_data.source_field(model, name)
    if isinstance(source, models.FileField):
        column = model._meta.get_field(name)
        assert isinstance(column, models.Field)  # a concrete field, as its source
        return _FileColumn(column.attname, source.storage)
    return None


def _erased_value(model: type[models.Model], name: str, erasure: Erasure) -> Any:
    model_field = model._meta.get_field(name)
    assert isinstance(model_field, models.Field)
    is_file = _file_column(model, name) is not None
    if erasure is Erasure.REDACT and not is_file:
        if _is_text(model_field):
            # What was never written stays empty: a placeholder there would tell the customer
            # (the status page's "result") that something had been.
            kept_empty = [When(**{name: ""}, then=Value(""))]
            if model_field.null:
                kept_empty.append(When(**{f"{name}__isnull": True}, then=Value(None)))
            placeholder = Value(REDACTED[: model_field.max_length or None])
            return Case(*kept_empty, default=placeholder, output_field=models.TextField())
        if isinstance(model_field, models.JSONField):
            return REDACTED
    if model_field.null:
        return None
    if _is_text(model_field) or isinstance(model_field, models.FileField):
        return ""
    raise ImproperlyConfigured(
        f"{model._meta.label}.{name} is declared {erasure.name} but can hold neither NULL nor ''"
    )


def _plan(model: type[models.Model], lookups: Sequence[str] | None = None) -> _ModelPlan | None:
    """What erasure does to the model's rows reached through ``lookups`` (by default, the
    lookups that lead to a customer)."""
    lookups = tuple(personal_data.customer_lookups(model) if lookups is None else lookups)
    personal = {
        name: declared.erasure
        for name, declared in personal_data.personal_fields(model).items()
        if declared.erasure is not Erasure.KEEP
    }
    values: dict[str, Any] = {}
    if model is Customer:
        values["status"] = Customer.Status.ERASED
    if not lookups or not (personal or values):
        return None
    delete_rows = Erasure.DELETE_ROW in personal.values()
    hashed: list[str] = []
    files = [column for name in personal if (column := _file_column(model, name)) is not None]
    if not delete_rows:
        for name, erasure in personal.items():
            if erasure is Erasure.KEYED_HASH:
                if not _is_text(model._meta.get_field(name)):  # type: ignore[arg-type]  # concrete field
                    raise ImproperlyConfigured(f"{model._meta.label}.{name}: hash only text")
                hashed.append(name)
            else:
                values[name] = _erased_value(model, name, erasure)
    return _ModelPlan(model, lookups, delete_rows, values, tuple(hashed), tuple(files))


def erasure_plans() -> tuple[_ModelPlan, ...]:
    """Every model that holds a customer's personal data, rows that lead to a customer through
    another model first (a child is erased while the join to its customer still exists)."""
    plans = [plan for model in personal_data.project_models() if (plan := _plan(model))]
    return tuple(sorted(plans, key=lambda plan: (-plan.depth, plan.model is Customer)))


def _all_file_columns() -> tuple[tuple[type[models.Model], str], ...]:
    return tuple(
        (model, model_field.attname)
        for model in personal_data.project_models()
        for model_field in model._meta.concrete_fields
        if _file_column(model, model_field.name) is not None
    )


# What an erasure would do -------------------------------------------------------------------


@dataclass(frozen=True)
class PreviewLine:
    label: str  # "customers.Order", "customers.HistoricalCustomer", …
    rows: int
    deleted: bool  # the rows go; otherwise they stay without the person's data
    kept_fields: tuple[str, ...] = ()  # what stays on a row that stays (field names)


@dataclass(frozen=True)
class ErasurePreview:
    lines: tuple[PreviewLine, ...]
    files: int

    @property
    def deleted(self) -> list[PreviewLine]:
        return [line for line in self.lines if line.deleted]

    @property
    def kept(self) -> list[PreviewLine]:
        return [line for line in self.lines if not line.deleted]


def erasure_preview(customer_id: int) -> ErasurePreview:
    """What erasing the customer now would do, counted by the plans and the count the erasure
    itself runs (erasure_plans, _count_rows): rows deleted, rows kept without the person (an
    order stays for the accountants, Law on Accounting 2015 Art. 41), and the files deleted.
    Reads only; one query for the rows, one per file column of a model that has rows."""
    plans = erasure_plans()
    per_customer: dict[int, Counter[str]] = {customer_id: Counter()}
    with_rows = _count_rows(plans, [customer_id], per_customer)
    counts = per_customer[customer_id]
    lines: list[PreviewLine] = []
    names: set[str] = set()
    for plan in plans:
        if plan.label not in with_rows:
            continue
        kept_fields: tuple[str, ...] = ()
        if not plan.delete_rows:
            changed = {*plan.values, *plan.hashed}
            kept_fields = tuple(
                model_field.name
                for model_field in plan.model._meta.concrete_fields
                if model_field.name not in changed
                and not model_field.primary_key
                and not model_field.name.startswith("history_")
            )
        lines.append(PreviewLine(plan.label, counts[plan.label], plan.delete_rows, kept_fields))
        rows = plan.rows([customer_id])
        for file_column in plan.files:
            names.update(
                name
                for name in rows.exclude(**{file_column.column: ""})
                .exclude(**{f"{file_column.column}__isnull": True})
                .values_list(file_column.column, flat=True)
                .distinct()
                if name
            )
    return ErasurePreview(tuple(lines), len(names))


# The service ------------------------------------------------------------------------------


def _batches(ids: Iterable[int], size: int) -> Iterator[list[int]]:
    iterator = iter(ids)
    while batch := list(dict.fromkeys(int(pk) for pk in itertools.islice(iterator, size))):
        yield batch  # each id once in a batch; only one batch of ids is held at a time


def erase_customers(
    *,
    customer_ids: Iterable[int],
    rule: RetentionRule | None = None,
    request: ErasureRequest | None = None,
    actor: Any = None,
    job: str = "",
    run: PurgeRun | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> ErasureOutcome:
    """Erase the customers' personal data from every table, history and file; leave one receipt
    each. Customers under an active legal hold are returned in ``held`` and left untouched;
    already erased or unknown ids in ``skipped``. Safe to run again: it completes what a crash
    interrupted and erases nothing twice."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    if request is not None and request.status not in (
        ErasureRequest.Status.APPROVED,
        ErasureRequest.Status.EXECUTED,
    ):
        # The lifecycle: received → verified → approved → executed (a refused one never).
        raise ValidationError(
            _("Only an approved erasure request can be executed."), code="request_not_approved"
        )
    outcome = ErasureOutcome()
    totals: Counter[str] = Counter()
    for batch in _batches(customer_ids, batch_size):
        _erase_batch(
            batch,
            outcome=outcome,
            totals=totals,
            rule=rule,
            request=request,
            actor=actor,
            job=job,
            run=run,
        )
    outcome.counts = dict(sorted(totals.items()))
    return outcome


def customer_erase(
    *,
    customer: Customer,
    request: ErasureRequest | None = None,
    rule: RetentionRule | None = None,
    actor: Any = None,
    job: str = "",
) -> ErasureReceipt | None:
    """Erase one customer; their receipt, or None when a legal hold keeps them."""
    outcome = erase_customers(
        customer_ids=[customer.pk], rule=rule, request=request, actor=actor, job=job
    )
    if customer.pk in outcome.held:
        return None
    customer.refresh_from_db()
    return ErasureReceipt.objects.filter(customer_id=customer.pk).first()


@transaction.atomic
def _erase_batch(
    batch: list[int],
    *,
    outcome: ErasureOutcome,
    totals: Counter[str],
    rule: RetentionRule | None,
    request: ErasureRequest | None,
    actor: Any,
    job: str,
    run: PurgeRun | None,
) -> None:
    if connection.vendor == "postgresql":
        # A batch reads a few hundred rows per table through indexes: parallel workers cost
        # more to start than they save (measured: bench/erasure.py). Until the end of the
        # outermost transaction only.
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
    statuses = dict(
        Customer._base_manager.select_for_update()
        .filter(_among("pk", batch))
        .order_by("pk")
        .values_list("pk", "status")
    )
    candidates = [
        pk for pk in batch if statuses.get(pk, Customer.Status.ERASED) != Customer.Status.ERASED
    ]
    held = set(
        LegalHold._base_manager.filter(_among("customer", candidates), lifted_at__isnull=True)
        .order_by()
        .values_list("customer_id", flat=True)
        .distinct()
    )
    to_erase = [pk for pk in candidates if pk not in held]
    skipped = [pk for pk in batch if pk not in candidates]
    per_customer: dict[int, Counter[str]] = {pk: Counter() for pk in to_erase}
    if to_erase:
        # Complaints never linked but filed with these customers' phone or email are theirs.
        complaints_claim_unlinked(customer_ids=to_erase)
        # The shop's own ids, read before they are hashed: the erased event names them.
        shop_ids = dict(
            Customer._base_manager.filter(_among("pk", to_erase))
            .exclude(external_id="")
            .values_list("pk", "external_id")
        )
        files = _erase_rows(to_erase, per_customer)
        _delete_files(files, per_customer)
        _delete_copies(to_erase, per_customer)
        receipts, erased_at = _write_receipts(
            to_erase, per_customer, rule=rule, request=request, actor=actor, job=job, run=run
        )
        journal_erasures(
            [
                JournalEntry(
                    event=PENDING,
                    customer_id=pk,
                    receipt_id=receipts[pk],
                    erased_at=erased_at,
                    rule_id=rule.pk if rule else None,
                    request_id=request.pk if request and request.customer_id == pk else None,
                    job=job[:100],
                )
                for pk in to_erase
            ]
        )
        _tell_others(to_erase, shop_ids, request=request, actor=actor)
    erased_before = [pk for pk in skipped if pk in statuses]
    if request is not None and request.customer_id in to_erase + erased_before:
        _request_mark_executed(request)
    outcome.erased += to_erase
    outcome.held += [pk for pk in candidates if pk in held]
    outcome.skipped += skipped
    for counts in per_customer.values():
        totals.update(counts)


def _tell_others(
    erased: list[int], shop_ids: dict[int, str], *, request: ErasureRequest | None, actor: Any
) -> None:
    """The recipients that received their data are asked to delete it (Decree 356/2025 Art.
    5(4), Law 91/2025 Art. 14(3)); the shop's systems hear of it by its own id (api.webhooks
    creates the deliveries in this transaction, and drops the id once delivered)."""
    recipient_requests_open(
        customer_ids=erased,
        action=RecipientRequest.Action.DELETE,
        cause=RecipientRequest.Cause.ERASED,
        reference=request.complaint.tracking_code if request and request.complaint else "",
        actor=actor,
    )
    events.emit_many(
        events.EventName.CUSTOMER_ERASED, [(pk, {"shop_id": shop_ids.get(pk)}) for pk in erased]
    )


def _request_mark_executed(request: ErasureRequest) -> None:
    """Close the request with its customer's receipt, through the requests' own service (an
    attributable history row; the request's personal fields are already cleared). Also when
    the customer had been erased by another path: their data is gone, the request is done."""
    from retention.services import erasure_request_mark_executed

    receipt = (
        ErasureReceipt.objects.select_related("staff")
        .filter(customer_id=request.customer_id)
        .first()
    )
    if receipt is not None:  # None: marked erased outside this service; left for staff to see
        erasure_request_mark_executed(request=request, receipt=receipt)


def _count_rows(
    plans: Sequence[_ModelPlan], ids: list[int], per_record: dict[int, Counter[str]]
) -> set[str]:
    """Rows per customer (or record) of every plan, before any is changed; a row reached
    through several lookups counts for the first. One query on PostgreSQL (a UNION of the
    counts). The labels of the plans that have rows."""
    parts = []
    for index, plan in enumerate(plans):
        earlier = Q()
        for lookup in plan.lookups:
            parts.append(
                plan.model._base_manager.filter(_among(lookup, ids) & earlier)
                .annotate(_plan=Value(index, output_field=models.IntegerField()))
                .values_list(lookup, "_plan")
                .annotate(n=Count("pk"))
                .order_by()
            )
            earlier &= _among(lookup, ids, negated=True)
    results: Iterable[tuple[int, int, int]]
    if connection.vendor == "postgresql" and len(parts) > 1:
        # Thousands of (id, plan, count) rows of plain integers: read without the ORM's
        # per-row converters.
        sql, params = parts[0].union(*parts[1:], all=True).query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            results = cursor.fetchall()
    else:  # SQLite: one id placeholder per id, its limit on variables is near
        results = itertools.chain.from_iterable(parts)
    labels = [plan.label for plan in plans]
    found: set[int] = set()
    for record_id, index, n in results:
        per_record[record_id][labels[index]] += n
        found.add(index)
    return {labels[index] for index in found}


def _erase_rows(
    customer_ids: list[int],
    per_customer: dict[int, Counter[str]],
    plans: Sequence[_ModelPlan] | None = None,
) -> dict[tuple[int, str], tuple[Storage, set[int]]]:
    """Apply every plan to the customers' rows (or, with other plans, to the rows of the
    records whose ids are given); the files they named, by customer (or record). A plan
    whose model holds no row of theirs costs no query beyond the shared count."""
    files: dict[tuple[int, str], tuple[Storage, set[int]]] = {}
    plans = erasure_plans() if plans is None else plans
    # The rows are counted while every join to their customer still exists. A plan that
    # found none is skipped: rows with a foreign key to a customer locked FOR UPDATE cannot be
    # added meanwhile; a row that reaches its customer another way and is committed after the
    # count is missed as it was before (it would have been if committed after the UPDATE).
    with_rows = _count_rows(plans, customer_ids, per_customer)
    plans = [plan for plan in plans if plan.label in with_rows]
    # Before any row is changed: an order's row stops matching once its customer is detached.
    _redact_admin_log([(plan, plan.rows(customer_ids)) for plan in plans])
    for plan in plans:
        rows = plan.rows(customer_ids)
        for file_column in plan.files:
            named = rows.exclude(**{file_column.column: ""}).exclude(
                **{f"{file_column.column}__isnull": True}
            )
            for lookup in plan.lookups:
                for customer_id, name in (
                    named.filter(_among(lookup, customer_ids))
                    .values_list(lookup, file_column.column)
                    .distinct()
                ):
                    key = (id(file_column.storage), name)
                    files.setdefault(key, (file_column.storage, set()))[1].add(customer_id)
        if plan.delete_rows:
            _delete_rows(plan.model, rows)
            continue
        rows.update(**plan.values, **_keyed_hash_cases(plan, rows))
    return files


def _keyed_hash_cases(plan: _ModelPlan, rows: models.QuerySet[Any]) -> dict[str, Any]:
    """For each hashed field, a CASE from each of the rows' values to its keyed hash; the
    values of all hashed fields are read in one query."""
    if not plan.hashed:
        return {}
    seen: dict[str, set[str]] = {name: set() for name in plan.hashed}
    for values in rows.values_list(*plan.hashed).distinct().order_by():
        for name, value in zip(plan.hashed, values, strict=True):
            if value:
                seen[name].add(value)
    cases: dict[str, Any] = {}
    for name, values in seen.items():
        length = getattr(plan.model._meta.get_field(name), "max_length", None)
        hashes = {value: keyed_hash(value, length=length) for value in sorted(values)}
        if not hashes:
            continue
        if connection.vendor == "postgresql":
            cases[name] = _Replaced(name, hashes)
        else:
            whens = [When(**{name: value}, then=Value(h)) for value, h in hashes.items()]
            cases[name] = Case(*whens, default=F(name), output_field=models.TextField())
    return cases


class _Replaced(_ColumnSQL):
    """PostgreSQL: the column's value replaced as a JSON object maps it (one parameter, where
    a CASE has two per value), unchanged when absent."""

    def __init__(self, name: str, replacements: dict[str, str]) -> None:
        super().__init__(F(name), output_field=models.TextField())
        self.replacements = replacements

    def column_sql(self, column: str, params: tuple[Any, ...]) -> tuple[str, tuple[Any, ...]]:
        sql = f"COALESCE(%s::jsonb ->> {column}, {column})"
        return sql, (json.dumps(self.replacements), *params, *params)


def _delete_rows(model: type[models.Model], rows: models.QuerySet[Any]) -> None:
    """DELETE without signals or history rows. Rows elsewhere that point here with a database
    constraint are dealt with first: set to NULL when they may be, refused otherwise (the
    declaration must then delete or clear them)."""
    pks = rows.values("pk")
    for many in model._meta.local_many_to_many:
        through = many.remote_field.through
        if isinstance(through, type) and through._meta.auto_created:
            source = many.m2m_field_name()
            through._base_manager.filter(**{f"{source}__in": pks})._raw_delete(rows.db)
    for relation in model._meta.related_objects:
        pointer, pointing_model = relation.field, relation.related_model
        if (
            relation.many_to_many
            or pointing_model is None
            or not getattr(pointer, "db_constraint", False)
        ):
            continue
        pointing = pointing_model._base_manager.filter(**{f"{pointer.name}__in": pks})
        if pointer.null:
            pointing.update(**{pointer.name: None})
        elif pointing.exists():
            raise ImproperlyConfigured(
                f"{pointing_model._meta.label}.{pointer.name} points to rows erasure "
                f"deletes from {model._meta.label}: declare it DELETE_ROW or CLEAR"
            )
    rows._raw_delete(rows.db)


def _redact_admin_log(plans: Sequence[tuple[_ModelPlan, models.QuerySet[Any]]]) -> None:
    """Django admin's change log names the object (str() of a customer is their name): the
    entries of every row the plans reach, in one UPDATE."""
    if not apps.is_installed("django.contrib.admin"):
        return
    from django.contrib.admin.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    entries = Q()
    for plan, rows in plans:
        if personal_data._history_source(plan.model):
            continue  # history rows have no admin pages of their own
        content_type = ContentType.objects.get_for_model(plan.model, for_concrete_model=False)
        object_ids = rows.annotate(_object_id=Cast("pk", models.TextField())).values("_object_id")
        entries |= Q(content_type=content_type, object_id__in=object_ids)
    if entries:
        LogEntry.objects.filter(entries).update(object_repr=REDACTED, change_message="")


def _still_named(names: set[str]) -> set[str]:
    """Those of the file names that a row of any model (history included) still names."""
    still_named: set[str] = set()
    for model, column in _all_file_columns():
        still_named.update(
            model._base_manager.filter(**{f"{column}__in": names}).values_list(column, flat=True)
        )
    return still_named


def files_named_by(
    model: type[models.Model], names: Sequence[str], ids: Sequence[int]
) -> list[tuple[Storage, str]]:
    """The stored files the declared file fields ``names`` of these rows, and of their history
    rows, name: what to delete (files_delete_unnamed) once the fields are cleared."""
    history_model = getattr(model, "history", None)
    found: list[tuple[Storage, str]] = []
    for source in (model, history_model.model if history_model is not None else None):
        if source is None:
            continue
        key = "pk" if source is model else model._meta.pk.name
        for name in names:
            column = _file_column(source, name)
            if column is None:
                continue
            stored = (
                source._base_manager.filter(**{f"{key}__in": list(ids)})
                .exclude(**{column.column: ""})
                .values_list(column.column, flat=True)
            )
            found += [(column.storage, stored_name) for stored_name in stored if stored_name]
    return found


def files_delete_unnamed(files: Sequence[tuple[Storage, str]]) -> int:
    """Delete each file no row names any more (a rerun after a crash finds some gone: no
    error); how many were deleted."""
    still_named = _still_named({name for _storage, name in files})
    deleted = 0
    for storage, name in dict.fromkeys(files):
        if name not in still_named:
            storage.delete(name)
            deleted += 1
    return deleted


def _delete_files(
    files: dict[tuple[int, str], tuple[Storage, set[int]]],
    per_customer: dict[int, Counter[str]],
) -> None:
    """Delete the files the erased rows named, unless a remaining row still names one."""
    if not files:
        return
    still_named = _still_named({name for _storage_id, name in files})
    for (_storage_id, name), (storage, customer_ids) in files.items():
        if name in still_named:
            continue
        storage.delete(name)  # a missing file is no error: a rerun after a crash
        for customer_id in customer_ids:
            per_customer[customer_id][FILES] += 1


def _delete_copies(customer_ids: list[int], per_customer: dict[int, Counter[str]]) -> None:
    """The files of the rows declared to hold copies of many customers' data (an export,
    personal_data.copy_made_at) made before now are deleted, and their rows stop naming them:
    any of them may hold these customers, and reading each file to know costs more than making
    it again. The receipts count them under the model's label. Locked FOR UPDATE: an export
    finishing meanwhile either commits first (its file is deleted here) or waits and then sees
    this erasure (imports.exports refuses to keep it)."""
    now = timezone.now()
    for model in personal_data.project_models():
        made_at = personal_data.copy_made_at(model)
        if not made_at:
            continue
        columns = [
            column
            for name, declared in personal_data.personal_fields(model).items()
            if declared.erasure is not Erasure.KEEP
            and (column := _file_column(model, name)) is not None
        ]
        rows = model._base_manager.select_for_update().filter(**{f"{made_at}__lte": now})
        deleted = 0
        for pk, *names in rows.order_by("pk").values_list("pk", *(c.column for c in columns)):
            named = [(column, name) for column, name in zip(columns, names, strict=True) if name]
            for column, name in named:
                column.storage.delete(name)
            if named:
                model._base_manager.filter(pk=pk).update(**{c.column: "" for c, _n in named})
                deleted += 1
        if deleted:
            for customer_id in customer_ids:
                per_customer[customer_id][model._meta.label] += deleted


def _write_receipts(
    customer_ids: list[int],
    per_customer: dict[int, Counter[str]],
    *,
    rule: RetentionRule | None,
    request: ErasureRequest | None,
    actor: Any,
    job: str,
    run: PurgeRun | None,
) -> tuple[dict[int, int], Any]:
    """The receipts written (customer id → receipt id) and their time."""
    now = timezone.now()
    staff = staff_or_none(actor)
    staff_id = staff.pk if staff is not None else None
    if connection.vendor == "postgresql":
        receipts = _insert_receipts(
            {pk: dict(sorted(per_customer[pk].items())) for pk in customer_ids},
            erased_at=now,
            rule_id=rule.pk if rule else None,
            request=request,
            run_id=run.pk if run else None,
            staff_id=staff_id,
            job=job[:100],
        )
        return receipts, now
    created = ErasureReceipt.objects.bulk_create(
        [
            ErasureReceipt(
                customer_id=customer_id,
                erased_at=now,
                rule=rule,
                request=request if request and request.customer_id == customer_id else None,
                run=run,
                staff_id=staff_id,
                job=job[:100],
                counts=dict(sorted(per_customer[customer_id].items())),
            )
            for customer_id in customer_ids
        ],
        batch_size=DEFAULT_BATCH_SIZE,
    )
    return {receipt.customer_id: receipt.pk for receipt in created}, now


def _insert_receipts(
    counts: dict[int, dict[str, int]],
    *,
    erased_at: Any,
    rule_id: int | None,
    request: ErasureRequest | None,
    run_id: int | None,
    staff_id: int | None,
    job: str,
) -> dict[int, int]:
    """PostgreSQL: the batch's receipts in one INSERT whose rows come from one JSON object
    (customer id → counts). bulk_create sends every column as an array that psycopg writes
    out element by element, in Python: a fifth of a batch's time."""
    meta = ErasureReceipt._meta
    column = {model_field.name: str(model_field.column) for model_field in meta.concrete_fields}
    columns = ", ".join(
        connection.ops.quote_name(column[name])
        for name in ("customer", "erased_at", "rule", "request", "run", "staff", "job", "counts")
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {connection.ops.quote_name(meta.db_table)} ({columns}) "  # noqa: S608  # names from the model
            "SELECT row.key::bigint, %s, %s, CASE WHEN row.key::bigint = %s THEN %s::bigint END, "
            "%s, %s, %s, row.value FROM jsonb_each(%s::jsonb) AS row "
            f"RETURNING {connection.ops.quote_name(column['customer'])}, "
            f"{connection.ops.quote_name(str(meta.pk.column))}",
            [
                erased_at,
                rule_id,
                request.customer_id if request else None,
                request.pk if request else None,
                run_id,
                staff_id,
                job,
                json.dumps({str(pk): value for pk, value in counts.items()}),
            ],
        )
        return dict(cursor.fetchall())


# Records without their customer -------------------------------------------------------------


def record_plans(root: type[models.Model]) -> tuple[_ModelPlan, ...]:
    """What anonymizing records of ``root`` (e.g. complaints) does: the declaration's strategy
    applied to the records, their history rows, and the rows that point to them (a complaint's
    evidence, notes, events), children first."""
    plans: list[_ModelPlan] = []
    for model in personal_data.project_models():
        if model is root:
            lookups = ["pk"]
        elif personal_data._history_source(model) is root:
            lookups = [root._meta.pk.name]  # the historical row's copy of the record's id
        else:
            lookups = [
                model_field.name
                for model_field in model._meta.concrete_fields
                if model_field.is_relation and model_field.related_model is root
            ]
            if personal_data._history_source(model) is not None:
                lookups = []  # a child's history: the child has no history of its own here
        if lookups and (plan := _plan(model, lookups)) is not None:
            plans.append(plan)
    return tuple(sorted(plans, key=lambda plan: (plan.model is root, plan.lookups == ("pk",))))


@transaction.atomic
def anonymize_records(root: type[models.Model], ids: Sequence[int]) -> Counter[str]:
    """Erase the personal data of these records of ``root`` and of every row that belongs to
    them — history and files included — by the declaration, as the customer erasure does;
    the records stay, without the person. Rows per record type (and "files")."""
    ids = list(dict.fromkeys(int(pk) for pk in ids))
    per_record: dict[int, Counter[str]] = {pk: Counter() for pk in ids}
    if not ids:
        return Counter()
    files = _erase_rows(ids, per_record, record_plans(root))
    _delete_files(files, per_record)
    totals: Counter[str] = Counter()
    for counts in per_record.values():
        totals.update(counts)
    return totals
