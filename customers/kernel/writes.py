"""What every service does around a model, written once.

A service validates with full_clean() before saving and names the staff member on the history
row the save writes (django-simple-history), checks the actor's permission, locks the row it
changes so that two staff members acting at once act one after the other, gives the caller's
instance what was saved, and queues the follow-up task only once its work has committed.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, models
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.models import HistoricalRecords, registered_models

from customers.validators import full_clean

# Who makes a change: a staff member, an anonymous visitor (the public form), or None (a job).
Actor = AbstractBaseUser | AnonymousUser | None

M = TypeVar("M", bound=models.Model)


def staff_or_none(actor: Actor) -> Any:
    """The actor as a user to store in a "…_by" field, or None for jobs and anonymous callers."""
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def attribute(instance: models.Model, actor: Actor) -> None:
    """Name the staff member on the history row the next save writes (nobody for jobs)."""
    if staff_or_none(actor) is not None:
        instance._history_user = actor  # type: ignore[attr-defined]  # read by simple_history


def save(
    instance: models.Model,
    *,
    actor: Actor,
    exclude: list[str] | None = None,
    unique: bool = True,
) -> None:
    """full_clean(), then save, attributed to the actor; with its history row. ``unique=False``
    leaves the uniqueness checks to the database (for a random code: see complaint_submit)."""
    full_clean(instance, exclude=exclude, unique=unique)
    attribute(instance, actor)
    _save_with_history(instance, instance.save)


def create(instance: models.Model, *, actor: Actor, unique: bool = True) -> None:
    """save() of a new row by insert_one(): for a model no save signal is wanted for (a
    complaint from the public form, written at every POST)."""
    full_clean(instance, unique=unique)
    attribute(instance, actor)
    _save_with_history(instance, lambda: insert_one(instance))


def _save_with_history(instance: models.Model, write: Callable[[], Any]) -> None:
    history = _history_insert(type(instance))
    if history is None or not getattr(settings, "SIMPLE_HISTORY_ENABLED", True):
        write()
        return
    adding = instance._state.adding
    # The history row copied from the row as saved, in one INSERT … SELECT: the same row
    # simple-history's own post_save would build (tracked fields, date, type, user, reason),
    # for a fraction of the time — the public form writes one with every complaint.
    instance.skip_history_when_saving = True  # type: ignore[attr-defined]  # simple_history
    try:
        write()
    finally:
        del instance.skip_history_when_saving  # type: ignore[attr-defined]
    sql, date_field = history
    user = _history_user(instance)
    when = date_field.get_db_prep_save(timezone.now(), connection)
    _execute_or_append(
        sql,
        [
            when,
            "+" if adding else "~",
            getattr(user, "pk", None),
            getattr(instance, "_change_reason", None),  # simple-history's, when one is set
            instance.pk,
        ],
    )


_appended: contextvars.ContextVar[list[tuple[str, list[Any]]] | None] = contextvars.ContextVar(
    "appended", default=None
)


@contextlib.contextmanager
def appended_together() -> Iterator[None]:
    """The rows the block appends and nobody reads back — history rows, timeline entries, outbox
    rows (insert_one with returning=False) — sent as one multi-statement execute as the block
    ends, instead of one round trip each (PostgreSQL, whose client-side binding composes them;
    elsewhere each is sent as it comes). A history row then copies its row as it is at the end
    of the block: for a service that writes each row once (complaint_submit). An error in them
    is raised there, inside the caller's transaction, and rolls it back."""
    if connection.vendor != "postgresql" or _appended.get() is not None:
        yield
        return
    batch: list[tuple[str, list[Any]]] = []
    token = _appended.set(batch)
    try:
        yield
    finally:
        _appended.reset(token)
    if batch:
        with connection.cursor() as cursor:
            cursor.execute(
                ";\n".join(sql for sql, _params in batch),
                [value for _sql, params in batch for value in params],
            )


def _execute_or_append(sql: str, params: list[Any]) -> None:
    batch = _appended.get()
    if batch is not None:
        batch.append((sql, params))
        return
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


_HISTORY_INSERT: dict[type[models.Model], tuple[str, models.Field] | None] = {}


def _history_insert(model: type[models.Model]) -> tuple[str, models.Field] | None:
    """The INSERT … SELECT that writes the model's history row from its stored row, and the
    history's date field; None for a model without history (simple-history registers those it
    tracks). Kept: ``model.history`` builds a new manager class at each access."""
    if model not in _HISTORY_INSERT:
        found = None
        if registered_models.get(model._meta.db_table) is model and hasattr(model, "history"):
            history = model.history.model
            quote = connection.ops.quote_name
            columns = ", ".join(quote(field.column) for field in history.tracked_fields)
            user_column = history._meta.get_field("history_user").column
            meta = model._meta
            assert meta.pk is not None  # every model has one
            sql = (  # names quoted from the models' meta; values bound
                f"INSERT INTO {quote(history._meta.db_table)} ({columns}, history_date, "  # noqa: S608
                f"history_type, {quote(user_column)}, history_change_reason) "
                f"SELECT {columns}, %s, %s, %s, %s FROM {quote(meta.db_table)} "
                f"WHERE {quote(meta.pk.column)} = %s"
            )
            found = (sql, history._meta.get_field("history_date"))
        _HISTORY_INSERT[model] = found
    return _HISTORY_INSERT[model]


def _history_user(instance: models.Model) -> Any:
    """Whom simple-history would name: the actor set by attribute(), else the staff member
    whose request this is (its middleware)."""
    if hasattr(instance, "_history_user"):
        return instance._history_user
    request = getattr(HistoricalRecords.context, "request", None)
    user = getattr(request, "user", None)
    return user if getattr(user, "is_authenticated", False) else None


def history_record_bulk(
    instances: Sequence[models.Model],
    *,
    actor: Actor,
    created: bool,
    when: datetime.datetime | None = None,
    reason: str | None = None,
) -> int:
    """The history rows that ``save()`` would have written for these instances, in one INSERT:
    for rows written by ``bulk_create`` (``created``) or ``bulk_update``. The same columns as
    simple-history's own row (the tracked fields, the actor, the date, the type, the reason);
    how many were written."""
    if not instances:
        return 0
    history = type(instances[0]).history.model  # type: ignore[attr-defined]  # simple_history
    user = staff_or_none(actor)
    when = when or timezone.now()
    if connection.vendor == "postgresql":
        return _history_copy(history, instances, user, when, reason, "+" if created else "~")
    rows = [
        history(
            history_date=when,
            history_user=user,
            history_change_reason=reason,
            history_type="+" if created else "~",
            **{field.attname: getattr(instance, field.attname) for field in history.tracked_fields},
        )
        for instance in instances
    ]
    history.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


_INSERT_ONE: dict[type[models.Model], tuple[str, list[models.Field]]] = {}


def insert_one(instance: M, *, returning: bool = True) -> M:
    """INSERT a new row of an append-only model (a timeline entry, an outbox row), its id set
    from RETURNING: the statement create() sends, compiled once per model rather than at every
    row, and without the save signals (no receiver listens on these models). The public form
    writes two with every complaint."""
    model = type(instance)
    if not connection.features.can_return_columns_from_insert:
        instance.save(force_insert=True)
        return instance
    if model not in _INSERT_ONE:
        meta = model._meta
        assert meta.pk is not None  # every model has one
        fields = [field for field in meta.concrete_fields if field is not meta.pk]
        quote = connection.ops.quote_name
        columns = ", ".join(quote(str(field.column)) for field in fields)
        marks = ", ".join(["%s"] * len(fields))
        sql = (  # names quoted from the model's meta; values bound
            f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({marks}) "  # noqa: S608
            f"RETURNING {quote(str(meta.pk.column))}"
        )
        _INSERT_ONE[model] = (sql, fields)
    sql, fields = _INSERT_ONE[model]
    values = [
        field.get_db_prep_save(field.pre_save(instance, True), connection) for field in fields
    ]
    if not returning:  # the id left unread: within appended_together(), sent with the others
        _execute_or_append(sql[: sql.rindex(" RETURNING ")], values)
        instance._state.adding = False
        instance._state.db = connection.alias
        return instance
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        instance.pk = cursor.fetchone()[0]
    instance._state.adding = False
    instance._state.db = connection.alias
    return instance


# Columns psycopg writes as they are; any other kind goes through its field's get_db_prep_save.
_PLAIN_COLUMNS = {
    "AutoField",
    "BigAutoField",
    "BigIntegerField",
    "BooleanField",
    "CharField",
    "DateField",
    "DateTimeField",
    "EmailField",
    "ForeignKey",
    "IntegerField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "SmallIntegerField",
    "TextField",
}


# Fewer rows than this go in one INSERT: a COPY (and the ids' query) costs more round trips.
COPY_FROM = 50


def insert_bulk(instances: Sequence[models.Model], *, ids: bool = True) -> None:
    """``bulk_create`` for rows already validated, with their ids set unless ``ids=False``. On
    PostgreSQL, from COPY_FROM rows: the ids taken from the table's sequence in one query, then
    the rows by COPY (several times faster to build and bind than one INSERT of a thousand
    rows); otherwise ``bulk_create``."""
    if not instances:
        return
    model = type(instances[0])
    if connection.vendor != "postgresql" or len(instances) < COPY_FROM:
        model._default_manager.bulk_create(instances, batch_size=500)
        return
    meta = model._meta
    pk = meta.pk
    assert pk is not None  # every model has one
    if not ids:
        fields = [field for field in meta.concrete_fields if field is not pk]
        rows: Iterable[tuple[list[Any], models.Model]] = (([], item) for item in instances)
        _copy(meta.db_table, [str(field.column) for field in fields], fields, rows, adding=True)
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, pk.column, len(instances)],
        )
        for instance, (new_id,) in zip(instances, cursor.fetchall(), strict=True):
            setattr(instance, pk.attname, new_id)
    fields = list(meta.concrete_fields)
    rows = (([], instance) for instance in instances)
    _copy(meta.db_table, [str(field.column) for field in fields], fields, rows, adding=True)
    for instance in instances:
        instance._state.adding = False
        instance._state.db = connection.alias


def _copy(
    table: str,
    columns: list[str],
    fields: list[Any],
    rows: Iterable[tuple[list[Any], models.Model]],
    *,
    adding: bool = False,
) -> None:
    """COPY ``rows`` — (leading values, instance) pairs, the instance giving ``fields`` — into
    ``table``; errors raised as Django's (an IntegrityError for a duplicate). ``adding``: the
    rows are the instances' own, new (each field's pre_save runs, as an INSERT's would)."""
    prepare = [None if field.get_internal_type() in _PLAIN_COLUMNS else field for field in fields]
    quoted = ", ".join(connection.ops.quote_name(column) for column in columns)
    sql = f"COPY {connection.ops.quote_name(table)} ({quoted}) FROM STDIN"
    with (
        connection.cursor() as cursor,
        connection.wrap_database_errors,
        cursor.cursor.copy(sql) as copy,
    ):
        for head, instance in rows:
            if adding:
                values = [field.pre_save(instance, True) for field in fields]
            else:
                values = [getattr(instance, field.attname) for field in fields]
            for index, field in enumerate(prepare):
                if field is not None:
                    values[index] = field.get_db_prep_save(values[index], connection)
            copy.write_row(head + values)


def _history_copy(
    history: Any,
    instances: Sequence[models.Model],
    user: Any,
    when: datetime.datetime,
    reason: str | None,
    history_type: str,
) -> int:
    """PostgreSQL: the history rows by COPY, several times faster than a 1,000-row INSERT to
    build and bind (the rows are the same: the history's own id comes from its sequence)."""
    tracked = list(history.tracked_fields)
    meta = history._meta
    columns = [
        meta.get_field(name).column
        for name in ("history_date", "history_user", "history_change_reason", "history_type")
    ] + [field.column for field in tracked]
    head = [when, user.pk if user is not None else None, reason, history_type]
    _copy(meta.db_table, columns, tracked, ((head, instance) for instance in instances))
    return len(instances)


def require_permission(actor: Actor, permission: str, message: str) -> None:
    """Refuse (PermissionDenied with ``message``) unless an active user holds ``permission``."""
    user: Any = actor  # a User or AnonymousUser: both answer has_perm()
    if user is None or not getattr(user, "is_active", False) or not user.has_perm(permission):
        raise PermissionDenied(message)


def lock(instance: M) -> M:
    """The row as stored now, locked until the transaction ends."""
    return type(instance)._default_manager.select_for_update().get(pk=instance.pk)


def copy_saved(target: models.Model, source: models.Model) -> None:
    """Give the caller's instance what the service saved on another instance of the same row
    (the admin goes on with the instance it built: log entry, redirect, inlines)."""
    if target is source:
        return
    for field in source._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))
    target._state.adding = False
    target._state.db = source._state.db


def required_text(value: str, *, field: str, message: str, code: str) -> str:
    """The text stripped, or a ValidationError on ``field`` when nothing is left."""
    text = (value or "").strip()
    if not text:
        raise ValidationError({field: ValidationError(message, code=code)})
    return text


def call_errors(
    *,
    called_at: datetime.datetime | None,
    summary: str,
    fields: tuple[str, str],
    missing_call: str,
    missing_summary: str,
    not_before: datetime.datetime | None = None,
    not_before_message: str = "",
) -> dict[str, ValidationError]:
    """What is wrong with a phone call staff record (``fields``: the names of its time and its
    summary): when is required, not in the future (5 minutes of clock drift allowed) nor before
    ``not_before``; what was said is required."""
    at_field, summary_field = fields
    errors: dict[str, ValidationError] = {}
    if called_at is None:
        errors[at_field] = ValidationError(missing_call, code="required")
    elif called_at > timezone.now() + datetime.timedelta(minutes=5):
        errors[at_field] = ValidationError(_("The call cannot be in the future."), code="future")
    elif not_before is not None and called_at < not_before:
        errors[at_field] = ValidationError(not_before_message, code="before")
    if not (summary or "").strip():
        errors[summary_field] = ValidationError(missing_summary, code="required")
    return errors


def queue_after_commit(task: str, *args: Any) -> None:
    """Queue a Celery task (by its dotted name) once the current transaction commits.

    Recorded in the transaction itself (customers.kernel.outbox), so that a broker that is down
    at that moment delays the task instead of losing it: the duties these tasks carry (an
    acknowledgement, a reply, a copy of one's data, a notice) are the law's, not best effort.
    """
    from customers.kernel.outbox import enqueue

    enqueue(task, *args)
