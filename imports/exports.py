"""Exports made in the background: the customers as CSV (every one a filter or a search shows,
a million included) and the processing register. Asked for in the admin, run by a Celery task
(imports.tasks.run_export) batch by batch, the counts saved once per batch; the rows are read
through a server-side cursor and written straight to a temporary file, so memory stays flat.

The file is one more copy of customers' data (imports.models.ExportJob declares it): kept
settings.EXPORT_FILE_HOURS, then purged; an erasure deletes every export made before it
(retention.erasure._delete_copies). Each download is logged, one access-log row per customer
in the file, as the export in the request was (customers.exports).
"""

from __future__ import annotations

import csv
import datetime
import decimal
import logging
import secrets
import tempfile
import uuid
from collections.abc import Iterator
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import File
from django.db import transaction
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from customers import exports as customer_exports
from customers import masking, services
from customers.kernel.writes import Actor, queue_after_commit, require_permission, staff_or_none
from customers.models import AccessLog, Customer
from customers.restrictions import restricted_customer_ids
from dossiers import register
from imports.models import ExportJob, ExportKind
from retention.models import ErasureReceipt

logger = logging.getLogger(__name__)

# Customers read per batch: one round trip of the cursor, one progress save.
BATCH_ROWS = 2000
# At most this many customers are exported during the request (after its commit); more by the
# task. The same job, the same file and page either way.
INLINE_ROWS = 500
# Access-log rows written per statement when a file is downloaded.
LOG_BATCH = 10_000

REGISTER_PERMISSION = "dossiers.view_processingsystem"
PERMISSIONS: dict[str, str] = {
    ExportKind.CUSTOMERS_CSV: customer_exports.EXPORT_PERMISSION,
    ExportKind.REGISTER_XLSX: REGISTER_PERMISSION,
    ExportKind.REGISTER_CSV: REGISTER_PERMISSION,
}
CONTENT_TYPES: dict[str, str] = {
    ExportKind.CUSTOMERS_CSV: "text/csv; charset=utf-8",
    ExportKind.REGISTER_CSV: "text/csv; charset=utf-8",
    ExportKind.REGISTER_XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def file_kept() -> datetime.timedelta:
    return datetime.timedelta(hours=settings.EXPORT_FILE_HOURS)


def require_export(actor: Actor, kind: str) -> None:
    """The permission each kind needed when it was built in the request."""
    if kind == ExportKind.CUSTOMERS_CSV:
        customer_exports.require_export_permission(actor)
        return
    require_permission(actor, PERMISSIONS[kind], _("Your role may not see the register."))


# The selection: the changelist's own query, kept as SQL ---------------------------------------


def _encoded(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime.datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, datetime.date):
        return {"date": value.isoformat()}
    if isinstance(value, decimal.Decimal):
        return {"decimal": str(value)}
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple):
        return {"list": [_encoded(item) for item in value]}
    raise ValidationError(_("This selection cannot be exported: narrow it with a filter."))


def _decoded(value: Any) -> Any:
    if isinstance(value, dict):
        if "datetime" in value:
            return datetime.datetime.fromisoformat(value["datetime"])
        if "date" in value:
            return datetime.date.fromisoformat(value["date"])
        if "decimal" in value:
            return decimal.Decimal(value["decimal"])
        return [_decoded(item) for item in value["list"]]
    return value


def selection_arguments(customers: QuerySet[Customer]) -> dict[str, Any]:
    """The customers a changelist (its filters, search, selected boxes) shows, as the SQL of
    their ids: the task exports exactly them, without holding a million ids. SQL the ORM wrote
    from the request, run again as a subquery; its values are parameters, never spliced in."""
    sql, params = customers.order_by().values("pk").query.sql_with_params()
    return {"sql": sql, "params": [_encoded(param) for param in params]}


def _selected(arguments: dict[str, Any]) -> QuerySet[Customer]:
    params = tuple(_decoded(param) for param in arguments["params"])
    # The SQL the ORM wrote for the changelist (selection_arguments), stored by this module
    # only; its values are bound parameters.
    ids = RawSQL(arguments["sql"], params)  # noqa: S611  # ORM-written SQL, values as parameters
    return Customer.objects.filter(pk__in=ids).order_by("pk")


# Asking -----------------------------------------------------------------------------------


@transaction.atomic
def export_job_create(
    *,
    actor: Actor,
    kind: str,
    customers: QuerySet[Customer] | None = None,
    ip_address: str | None = None,
) -> tuple[ExportJob, bool]:
    """Record the export asked for and queue it. A small one (INLINE_ROWS customers, or the
    register) is left to the caller to run at once, after this commits (True); a larger one
    goes to the task (False)."""
    if kind not in ExportKind.values:
        raise ValidationError(_("Choose what to export."))
    require_export(actor, kind)
    arguments: dict[str, Any] = {}
    total = 1
    if kind == ExportKind.CUSTOMERS_CSV:
        if customers is None:
            raise ValueError("a customer export needs its customers")
        arguments = selection_arguments(customers)
        total = _selected(arguments).count()
        if total == 0:
            raise ValidationError(_("No customers to export."), code="empty")
    job = ExportJob.objects.create(
        kind=kind,
        arguments=arguments,
        total=total,
        created_by=staff_or_none(actor),
        ip_address=ip_address or None,
    )
    if total <= INLINE_ROWS:
        return job, True
    queue_after_commit("imports.tasks.run_export", job.pk)
    return job, False


def export_start(
    kind: str,
    *,
    actor: Actor,
    customers: QuerySet[Customer] | None = None,
    ip_address: str | None = None,
) -> str:
    """What the admin calls (customers.exports.background_export_start): ask, run a small one
    at once (once asked for is committed), and the job's page to go to."""
    job, inline = export_job_create(
        actor=actor, kind=kind, customers=customers, ip_address=ip_address
    )
    if inline:
        export_job_run(job_id=job.pk)
    return reverse("admin:imports_exportjob_change", args=[job.pk])


# Running ------------------------------------------------------------------------------------


def export_job_run(*, job_id: int) -> ExportJob | None:
    """Write the file batch by batch to a temporary file, then keep it in storage. Run again
    (a worker lost), it starts over."""
    job = ExportJob.objects.filter(pk=job_id).select_related("created_by").first()
    if job is None or job.status not in (ExportJob.Status.QUEUED, ExportJob.Status.RUNNING):
        return job
    started = timezone.now()
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportJob.Status.RUNNING, started_at=started, done=0, failed=0
    )
    with translation.override(translation.get_language() or "vi"):
        try:
            require_export(job.created_by, job.kind)
            with tempfile.TemporaryFile() as output:
                if job.kind == ExportKind.CUSTOMERS_CSV:
                    _write_customers(job, output)
                else:
                    _write_register(job, output)
                return _keep(job, output, started)
        except (ValidationError, PermissionDenied) as error:
            message = " ".join(getattr(error, "messages", [str(error)]))
            return _fail(job, message)
        except Exception:
            logger.exception("export %s failed", job.pk)
            return _fail(job, _("The export stopped on an error."))


def _batches(customers: QuerySet[Customer]) -> Iterator[list[Customer]]:
    batch: list[Customer] = []
    # A server-side cursor on PostgreSQL: one batch of rows in memory at a time.
    for customer in customers.iterator(chunk_size=BATCH_ROWS):
        batch.append(customer)
        if len(batch) == BATCH_ROWS:
            yield batch
            batch = []
    if batch:
        yield batch


def _write_customers(job: ExportJob, output: IO[bytes]) -> None:
    """The columns and masking of customers.exports; customers whose processing is restricted
    altogether are left out (Law 91/2025/QH15 Art. 4(1)(d)) and counted as left out."""
    masked = not masking.can_see_full(job.created_by)
    columns = customer_exports.customer_export_columns()
    text = _TextOut(output)
    writer = csv.writer(text, lineterminator="\r\n")
    output.write("\ufeff".encode())  # the byte-order mark Excel needs for UTF-8
    writer.writerow(customer_exports.customer_export_header(columns))
    done = failed = 0
    # Outside a transaction: each batch's counts are committed for the progress page to see
    # (Django declares the server-side cursor WITH HOLD in autocommit).
    for batch in _batches(_selected(job.arguments)):
        restricted = restricted_customer_ids(customer.pk for customer in batch)
        for customer in batch:
            if customer.pk in restricted:
                failed += 1
                continue
            writer.writerow(customer_exports.customer_export_row(customer, columns, masked=masked))
        done += len(batch)
        ExportJob.objects.filter(pk=job.pk).update(done=done, failed=failed)
    job.done, job.failed = done, failed
    job.filename = f"khach-hang-{timezone.localdate():%Y-%m-%d}-{job.pk}.csv"


class _TextOut:
    """csv.writer writes str; the temporary file takes UTF-8 bytes."""

    def __init__(self, output: IO[bytes]) -> None:
        self.output = output

    def write(self, text: str) -> int:
        return self.output.write(text.encode("utf-8"))


def _write_register(job: ExportJob, output: IO[bytes]) -> None:
    built = register.register_build()
    stamp = timezone.localtime(built.generated_at).strftime("%Y%m%d-%H%M")
    if job.kind == ExportKind.REGISTER_XLSX:
        output.write(register.register_xlsx(built))
        job.filename = f"so-dang-ky-xu-ly-{stamp}.xlsx"
    else:
        output.write(register.register_csv(built).encode("utf-8"))
        job.filename = f"so-dang-ky-xu-ly-{stamp}.csv"
    job.done = 1


@transaction.atomic
def _keep(job: ExportJob, output: IO[bytes], started: datetime.datetime) -> ExportJob:
    """Store the file, unless a customer was erased since the export started: the file may
    hold them (retention.erasure deletes the exports made before an erasure; this one was not
    there yet). Locked first, so an erasure deleting exports waits for this one or is seen."""
    locked = ExportJob.objects.select_for_update().get(pk=job.pk)
    if job.kind == ExportKind.CUSTOMERS_CSV and (
        ErasureReceipt.objects.filter(erased_at__gte=started).exists()
    ):
        return _fail(locked, _("A customer was erased while the file was made: export again."))
    output.seek(0)
    extension = job.filename.rsplit(".", 1)[-1]
    locked.file.save(f"{secrets.token_hex(16)}.{extension}", File(output), save=False)
    now = timezone.now()
    locked.filename = job.filename
    locked.done = job.done
    locked.failed = job.failed
    locked.status = ExportJob.Status.DONE
    locked.finished_at = now
    locked.expires_at = now + file_kept()
    locked.arguments = {}  # the selection is spent (it may quote a search for a name)
    try:
        locked.save()
    except BaseException:
        locked.file.delete(save=False)  # never a stored copy without its row to purge it
        raise
    return locked


def _fail(job: ExportJob, message: str) -> ExportJob:
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportJob.Status.FAILED,
        error=message[:500],
        finished_at=timezone.now(),
        arguments={},
    )
    job.refresh_from_db()
    return job


# Downloading --------------------------------------------------------------------------------


def export_download(*, job: ExportJob, actor: Actor, ip_address: str | None = None) -> IO[bytes]:
    """The file, opened, for an actor with the permission its kind needs; a customer export's
    download is logged, one access-log row per customer in the file (its first column), a
    batch at a time. Refused once the file has expired or was deleted."""
    require_export(actor, job.kind)
    if job.status != ExportJob.Status.DONE or not job.file:
        raise ValidationError(_("This export's file was deleted: export again."), code="gone")
    if job.expires_at is not None and job.expires_at <= timezone.now():
        raise ValidationError(_("This export's file was deleted: export again."), code="gone")
    if job.kind == ExportKind.CUSTOMERS_CSV:
        masked = not masking.can_see_full(job.created_by)
        detail = customer_exports.export_log_detail(job.done - job.failed, masked=masked)
        with job.file.open("rb") as stored, transaction.atomic():
            lines = (line.decode("utf-8-sig") for line in stored)
            reader = csv.reader(lines)
            next(reader, None)  # the header
            batch: list[int] = []
            for row in reader:
                batch.append(int(row[0]))
                if len(batch) == LOG_BATCH:
                    _log(actor, batch, detail, ip_address)
                    batch = []
            if batch:
                _log(actor, batch, detail, ip_address)
    return job.file.open("rb")


def _log(actor: Actor, ids: list[int], detail: str, ip_address: str | None) -> None:
    services.access_log_record(
        staff=actor,
        customer_ids=ids,
        action=AccessLog.Action.EXPORT,
        detail=detail,
        ip_address=ip_address,
    )


# Keeping no more than needed ---------------------------------------------------------------


def export_files_purge(*, now: datetime.datetime | None = None) -> int:
    """Delete the files of the exports past their expiry (Law 91/2025/QH15 Art. 3(3)); how
    many were deleted. The jobs stay, without their file, as a record of who exported what."""
    now = now or timezone.now()
    deleted = 0
    for job in ExportJob.objects.exclude(file="").filter(expires_at__lte=now):
        job.file.delete(save=False)
        ExportJob.objects.filter(pk=job.pk).update(file="")
        deleted += 1
    return deleted
