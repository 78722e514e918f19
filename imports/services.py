"""Imports: a file uploaded, its columns mapped, then a dry run or the import itself — each row
through customers' services, the staff member who runs the import as the actor.

A row is written whole or not at all and a refused row never stops the others: orders and
consents row by row (a savepoint each), customers CUSTOMER_BATCH_ROWS at a time through
customers.services.customer_upsert_batch, which refuses a row without writing any of it. A
dry run runs the same services on the same batches and rolls each batch back: what it says
would be created, updated or refused is what the import would do, and it writes nothing. (A
row that depends on one more than BATCH_ROWS rows earlier in the same file, a withdrawal far
below its consent, is tried without it.)
"""

from __future__ import annotations

import datetime
import logging
import secrets
from collections.abc import Callable, Iterator
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import File
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from customers import services
from customers.kernel.writes import Actor, queue_after_commit, require_permission, staff_or_none
from customers.models import Consent, Customer, PolicyVersion, Purpose
from imports import readers
from imports.columns import Action, columns_for, guess_mapping
from imports.models import ImportJob, ImportRow, Kind

logger = logging.getLogger(__name__)

MAX_BYTES = 50 * 1024 * 1024
# Files with at most this many rows are imported during the request; larger ones by a task.
INLINE_ROWS = 200
# Rows written per transaction (each in its own savepoint), and how often progress is saved.
BATCH_ROWS = 200
# Customers go through the batch upsert: this many rows per batch, transaction and progress step.
CUSTOMER_BATCH_ROWS = 1000
# A file that was only tried in a dry run is deleted after this; an imported one at once.
FILE_KEPT = datetime.timedelta(hours=24)
# The per-row results (they name customers by their id) are deleted after this.
ROWS_KEPT = datetime.timedelta(days=30)

PERMISSIONS: dict[str, str] = {
    Kind.CUSTOMERS: "imports.import_customers",
    Kind.ORDERS: "imports.import_orders",
    Kind.CONSENTS: "imports.import_consents",
}

# The services' field names → the import's.
SERVICE_FIELDS = {
    "external_id": "shop_id",
    "form_reference": "reference",
    "withdrawal_reference": "reference",
    "withdrawal_ip_address": "ip_address",
    "withdrawal_user_agent": "user_agent",
    "sensitive_notice_given": "sensitive_notice",
    "evidence_file": "channel",
    "withdrawal_evidence_file": "channel",
}


def _require(actor: Actor, kind: str) -> None:
    require_permission(
        actor, PERMISSIONS[kind], _("Your role may not import %(kind)s.") % {"kind": _kind(kind)}
    )


def _kind(kind: str) -> str:
    return str(Kind(kind).label).lower()


def kinds_allowed(actor: Actor) -> list[str]:
    user: Any = actor
    return [kind for kind, permission in PERMISSIONS.items() if user.has_perm(permission)]


def import_job_create(*, actor: Actor, kind: str, upload: Any) -> ImportJob:
    """Keep the file (under a random name: the uploaded one may name a person), read its header
    and count its rows; the columns are guessed from the header, for staff to check. Read
    outside a transaction: a large file takes seconds, and SQLite would keep its writers
    waiting meanwhile."""
    if kind not in Kind.values:
        raise ValidationError({"kind": ValidationError(_("Choose what the file holds."))})
    _require(actor, kind)
    size = int(getattr(upload, "size", 0) or 0)
    if size > MAX_BYTES:
        raise ValidationError(
            {
                "file": ValidationError(
                    _("The file is %(size)s MB; an import may be at most %(limit)d MB."),
                    code="too_large",
                    params={"size": f"{size / 1024 / 1024:.1f}", "limit": MAX_BYTES // 2**20},
                )
            }
        )
    try:
        file_type = readers.sniff(upload)
        header, total = readers.header_and_count(upload, file_type)
    except ValidationError as error:
        raise ValidationError({"file": error}) from error
    if total == 0:
        raise ValidationError({"file": ValidationError(_("The file has a header but no rows."))})
    job = ImportJob(
        kind=kind,
        file_type=file_type,
        columns=header,
        mapping=guess_mapping(kind, header),
        total=total,
        created_by=staff_or_none(actor),
    )
    job.full_clean(exclude=["file"])
    upload.seek(0)
    job.file.save(f"{secrets.token_hex(16)}.{file_type}", File(upload), save=False)
    try:
        job.save()
    except BaseException:
        job.file.delete(save=False)  # never a stored spreadsheet without its job to purge it
        raise
    return job


def mapping_errors(kind: str, header: list[str], mapping: list[str]) -> dict[int, str]:
    """What is wrong with a mapping, by column index (-1: a field no column is mapped to)."""
    fields = columns_for(kind)
    errors: dict[int, str] = {}
    seen: dict[str, int] = {}
    for index, field in enumerate(mapping):
        if not field:
            continue
        if field not in fields:
            errors[index] = _("Choose a field from the list.")
        elif field in seen:
            errors[index] = _("“%(field)s” is already taken by column “%(column)s”.") % {
                "field": fields[field].label,
                "column": header[seen[field]],
            }
        else:
            seen[field] = index
    missing = [
        str(column.label)
        for column in fields.values()
        if column.required and column.field not in seen
    ]
    if missing:
        errors[-1] = _("Choose the column of: %(fields)s.") % {"fields": ", ".join(missing)}
    return errors


@transaction.atomic
def import_job_start(*, job: ImportJob, actor: Actor, mapping: list[str], dry_run: bool) -> bool:
    """Check the mapping and queue the job. A small file (INLINE_ROWS) is left to the caller
    to run at once, after this commits (True); a larger one goes to a task (False)."""
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    _require(actor, job.kind)
    if job.status in (ImportJob.Status.QUEUED, ImportJob.Status.RUNNING):
        raise ValidationError(_("This import is already running."), code="running")
    if not job.file:
        raise ValidationError(
            _("The file was deleted once imported: upload it again to run it again."),
            code="no_file",
        )
    if len(mapping) != len(job.columns):
        raise ValidationError(_("Map every column of the file."), code="mapping")
    errors = mapping_errors(job.kind, job.columns, mapping)
    if errors:
        raise ValidationError(list(errors.values()), code="mapping")
    job.rows.all().delete()
    ImportJob.objects.filter(pk=job.pk).update(
        mapping=mapping,
        dry_run=dry_run,
        status=ImportJob.Status.QUEUED,
        done=0,
        failed=0,
        created=0,
        updated=0,
        unchanged=0,
        error="",
        created_by=actor,
        started_at=None,
        finished_at=None,
    )
    if job.total <= INLINE_ROWS:
        return True
    queue_after_commit("imports.tasks.run_import", job.pk)
    return False


# Running ----------------------------------------------------------------------------------


def import_job_run(*, job_id: int) -> ImportJob | None:
    """Read the file row by row and write each row through the services; progress is saved
    every BATCH_ROWS rows, so the job's page shows how far it is. Run again (a worker lost
    mid-file), it starts over: the services' upserts leave what was written unchanged."""
    job = ImportJob.objects.filter(pk=job_id).select_related("created_by").first()
    if job is None or job.status not in (ImportJob.Status.QUEUED, ImportJob.Status.RUNNING):
        return job
    actor = get_user_model().objects.get(pk=job.created_by_id)
    job.rows.all().delete()
    counts = dict.fromkeys(("done", "failed", "created", "updated", "unchanged"), 0)
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.RUNNING, started_at=timezone.now(), **counts
    )
    with translation.override(translation.get_language() or "vi"):
        try:
            _require(actor, job.kind)
            with job.file.open("rb") as upload:
                size = CUSTOMER_BATCH_ROWS if job.kind == Kind.CUSTOMERS else BATCH_ROWS
                for batch in _batches(readers.rows(upload, job.file_type), size):
                    with transaction.atomic():
                        results = _write_batch(job, actor, batch)
                        if job.dry_run:
                            transaction.set_rollback(True)
                    with transaction.atomic():
                        ImportRow.objects.bulk_create(results)
                        for result in results:
                            counts["done"] += 1
                            key = "failed" if result.result == "refused" else result.result
                            counts[key] += 1
                        ImportJob.objects.filter(pk=job.pk).update(**counts)
        except (ValidationError, PermissionDenied) as error:
            message = " ".join(getattr(error, "messages", [str(error)]))
            return _finish(job, ImportJob.Status.FAILED, message)
        except Exception:
            logger.exception("import %s failed", job.pk)
            return _finish(job, ImportJob.Status.FAILED, _("The import stopped on an error."))
    return _finish(job, ImportJob.Status.DONE, "")


def _finish(job: ImportJob, status: str, error: str) -> ImportJob:
    job.refresh_from_db()
    job.status = status
    job.error = error[:500]
    job.finished_at = timezone.now()
    if not job.dry_run and status == ImportJob.Status.DONE and job.file:
        # The rows are in pdpdesk now: the spreadsheet is one more copy of customers' data
        # (Law 91/2025/QH15 Art. 3(3): kept no longer than its purpose needs).
        job.file.delete(save=False)
    job.save(update_fields=["status", "error", "finished_at", "file"])
    return job


def _batches(rows: Iterator[readers.Row], size: int) -> Iterator[list[readers.Row]]:
    batch: list[readers.Row] = []
    next(rows, None)  # the header
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _write_batch(job: ImportJob, actor: Any, batch: list[readers.Row]) -> list[ImportRow]:
    """Customers go through the batch upsert (validated once, bulk writes); should it fail on
    something other than a row's own errors, the chunk is written again row by row, so that one
    bad row still stops no other. Orders and consents go row by row."""
    if job.kind != Kind.CUSTOMERS:
        return [_row(job, actor, row) for row in batch]
    try:
        with transaction.atomic():
            return _customer_rows(job, actor, batch)
    except Exception:
        logger.exception("import %s: the batch from line %s, row by row", job.pk, batch[0].line)
        return [_row(job, actor, row) for row in batch]


def _customer_rows(job: ImportJob, actor: Any, batch: list[readers.Row]) -> list[ImportRow]:
    results: dict[int, ImportRow] = {}
    upserts: list[tuple[int, dict[str, Any]]] = []
    for position, row in enumerate(batch):
        values = _values(job, row)
        try:
            parsed = _parsed(job.kind, values)
        except ValidationError as error:
            results[position] = ImportRow(
                job=job,
                line=row.line,
                result="refused",
                key=readers.cell_text(values.get("shop_id") or "")[:120],
                errors=_errors(job, error),
                customer_id=_existing_customer_id(job.kind, values),
            )
            continue
        upserts.append((position, {"external_id": parsed["shop_id"], **_customer_fields(parsed)}))
    outcomes = services.customer_upsert_batch(rows=[row for _p, row in upserts], actor=actor)
    for (position, _row_fields), outcome in zip(upserts, outcomes, strict=True):
        row = batch[position]
        key = readers.cell_text(_values(job, row).get("shop_id") or "")[:120]
        customer_id = outcome.customer.pk if outcome.customer is not None else None
        if outcome.error is not None:
            results[position] = ImportRow(
                job=job,
                line=row.line,
                result="refused",
                key=key,
                errors=_errors(job, outcome.error),
                customer_id=customer_id,
            )
        else:
            results[position] = ImportRow(
                job=job,
                line=row.line,
                result=outcome.result,
                key=key,
                customer_id=None if job.dry_run else customer_id,
            )
    return [results[position] for position in range(len(batch))]


def _values(job: ImportJob, row: readers.Row) -> dict[str, Any]:
    return {
        field: row.values[index] if index < len(row.values) else None
        for index, field in enumerate(job.mapping)
        if field
    }


def _row(job: ImportJob, actor: Any, row: readers.Row) -> ImportRow:
    """One row, written whole or not at all (its savepoint)."""
    values = _values(job, row)
    key = readers.cell_text(values.get("shop_id") or values.get("reference") or "")
    if job.kind == Kind.CONSENTS:
        key = readers.cell_text(values.get("customer") or "")
    customer_id = None
    try:
        with transaction.atomic():
            result, customer_id = WRITERS[job.kind](actor, _parsed(job.kind, values))
    except ValidationError as error:
        return ImportRow(
            job=job,
            line=row.line,
            result="refused",
            key=key[:120],
            errors=_errors(job, error),
            customer_id=_existing_customer_id(job.kind, values),
        )
    except Exception:
        logger.exception("import %s, line %s", job.pk, row.line)
        message = _("This row could not be written; nothing of it was kept.")
        return ImportRow(
            job=job,
            line=row.line,
            result="refused",
            key=key[:120],
            errors=[{"column": "", "message": message}],
        )
    return ImportRow(
        job=job,
        line=row.line,
        result=result,
        key=key[:120],
        customer_id=None if job.dry_run else customer_id,
    )


def _existing_customer_id(kind: str, values: dict[str, Any]) -> int | None:
    """The customer a refused row is about, if they exist: an erasure deletes the row too."""
    shop_id = readers.cell_text(values.get("shop_id" if kind == Kind.CUSTOMERS else "customer"))
    if not shop_id:
        return None
    found = Customer.objects.filter(external_id=shop_id).values_list("pk", flat=True).first()
    return int(found) if found is not None else None


def _parsed(kind: str, values: dict[str, Any]) -> dict[str, Any]:
    columns = columns_for(kind)
    parsed: dict[str, Any] = {}
    errors: dict[str, ValidationError] = {}
    for field, value in values.items():
        try:
            parsed[field] = columns[field].parse(value)
        except ValidationError as error:
            errors[field] = error
    for column in columns.values():
        if (
            column.required
            and column.field not in errors
            and parsed.get(column.field) in (None, "")
        ):
            errors[column.field] = ValidationError(_("This field is required."), code="required")
    if errors:
        raise ValidationError(errors)
    return parsed


def _errors(job: ImportJob, error: ValidationError) -> list[dict[str, str]]:
    """Each message with the column it is about, by the file's own header."""
    headers = {field: job.columns[index] for index, field in enumerate(job.mapping) if field}
    columns = columns_for(job.kind)
    found: list[dict[str, str]] = []
    items = error.error_dict.items() if hasattr(error, "error_dict") else [("", error.error_list)]
    for name, errors in items:
        field = SERVICE_FIELDS.get(name, name)
        column = headers.get(field) or (str(columns[field].label) if field in columns else "")
        for message in ValidationError(errors).messages:
            if name in ("evidence_file", "withdrawal_evidence_file"):
                message = f"{message} " + _(
                    "An import carries no file: record this consent on the customer's page, "
                    "with the file."
                )
            found.append({"column": column, "message": message})
    return found


# Writers: one row through the services -------------------------------------------------------


def _given(parsed: dict[str, Any], *names: str) -> dict[str, Any]:
    """The fields the file has a column for (a column left empty clears the field)."""
    return {name: parsed[name] for name in names if name in parsed and parsed[name] is not None}


def _customer_fields(parsed: dict[str, Any]) -> dict[str, Any]:
    return _given(
        parsed,
        "full_name",
        "kind",
        "contact_person",
        "email",
        "phone",
        "address",
        "tax_code",
        "source_channel",
        "notes",
    )


def _write_customer(actor: Any, parsed: dict[str, Any]) -> tuple[str, int]:
    customer, result = services.customer_upsert(
        external_id=parsed["shop_id"], actor=actor, **_customer_fields(parsed)
    )
    return result, customer.pk


def _customer(shop_id: str) -> Customer:
    customer = Customer.objects.filter(external_id=shop_id).first()
    if customer is None:
        raise ValidationError(
            {
                "customer": ValidationError(
                    _("No customer has the shop's id “%(id)s”: create them first."),
                    code="unknown_customer",
                    params={"id": shop_id},
                )
            }
        )
    return customer


def _write_order(actor: Any, parsed: dict[str, Any]) -> tuple[str, int]:
    customer = _customer(parsed["customer"])
    fields = _given(
        parsed,
        "ordered_at",
        "total_vnd",
        "invoice_number",
        "status",
        "recipient_name",
        "delivery_phone",
        "delivery_address",
    )
    _order, result = services.order_upsert(
        reference=parsed["reference"], customer=customer, actor=actor, **fields
    )
    return result, customer.pk


def _write_consent(actor: Any, parsed: dict[str, Any]) -> tuple[str, int]:
    customer = _customer(parsed["customer"])
    purpose = Purpose.objects.filter(code=parsed["purpose"], is_active=True).first()
    if purpose is None:
        raise ValidationError(
            {
                "purpose": ValidationError(
                    _("No purpose in use has the code “%(code)s”."),
                    params={"code": parsed["purpose"]},
                    code="unknown_purpose",
                )
            }
        )
    when = parsed.get("at")
    if when is not None and when > timezone.now() + services.ORDER_CLOCK_SKEW:
        raise ValidationError(
            {"at": ValidationError(_("The date cannot be in the future."), code="future")}
        )
    consent = Consent.objects.filter(customer=customer, purpose=purpose).first()
    if parsed.get("action") == Action.WITHDRAW:
        if consent is None:
            raise ValidationError(
                {
                    "purpose": ValidationError(
                        _("This customer gave no consent to this purpose."), code="no_consent"
                    )
                }
            )
        if not consent.is_granted:
            return "unchanged", customer.pk
        services.consent_withdraw(
            consent=consent,
            channel=parsed["channel"],
            reason=parsed.get("reason") or "",
            withdrawal_reference=parsed.get("reference") or "",
            withdrawal_ip_address=parsed.get("ip_address") or None,
            withdrawal_user_agent=parsed.get("user_agent") or "",
            actor=actor,
            when=when,
        )
        return "updated", customer.pk
    policy = None
    if parsed.get("policy_version"):
        policy = PolicyVersion.objects.filter(
            version=parsed["policy_version"], effective_from__lte=timezone.localdate()
        ).first()
        if policy is None:
            raise ValidationError(
                {
                    "policy_version": ValidationError(
                        _("No policy version “%(version)s” is published."),
                        params={"version": parsed["policy_version"]},
                        code="unknown_policy",
                    )
                }
            )
    was_granted = consent is not None and consent.is_granted
    services.consent_grant(  # checks the evidence even when the consent is already given
        customer=customer,
        purpose=purpose,
        channel=parsed["channel"],
        policy_version=policy,
        form_reference=parsed.get("reference") or "",
        ip_address=parsed.get("ip_address") or None,
        user_agent=parsed.get("user_agent") or "",
        sensitive_notice_given=bool(parsed.get("sensitive_notice")),
        actor=actor,
        when=when,
    )
    if was_granted:
        return "unchanged", customer.pk
    return ("updated" if consent is not None else "created"), customer.pk


WRITERS: dict[str, Callable[[Any, dict[str, Any]], tuple[str, int]]] = {
    Kind.CUSTOMERS: _write_customer,
    Kind.ORDERS: _write_order,
    Kind.CONSENTS: _write_consent,
}


# Keeping no more than needed ---------------------------------------------------------------


def import_files_purge(*, now: datetime.datetime | None = None) -> int:
    """Delete the files only tried in a dry run after FILE_KEPT, and the per-row results after
    ROWS_KEPT (Law 91/2025/QH15 Art. 3(3)); how many files were deleted."""
    now = now or timezone.now()
    deleted = 0
    stale = ImportJob.objects.exclude(file="").filter(created_at__lt=now - FILE_KEPT)
    for job in stale.exclude(status__in=[ImportJob.Status.QUEUED, ImportJob.Status.RUNNING]):
        job.file.delete(save=False)
        ImportJob.objects.filter(pk=job.pk).update(file="")
        deleted += 1
    ImportRow.objects.filter(job__created_at__lt=now - ROWS_KEPT).delete()
    return deleted
