"""An import job (one uploaded file, its column mapping, a dry run or the import itself, its
progress) and the result of each of its rows."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers import personal_data
from customers.kernel.text import local_datetime, percent_done
from customers.personal_data import Category, Erasure, LegalItem, PersonalField


class Kind(models.TextChoices):
    CUSTOMERS = "customers", _("Customers")
    ORDERS = "orders", _("Orders")
    CONSENTS = "consents", _("Consents")


@personal_data.declare(
    personal={
        # The spreadsheet itself is customers' data: deleted once imported, and a file that was
        # only tried (a dry run) is deleted after FILE_KEPT (imports.services.import_files_purge).
        "file": PersonalField(
            Category.FREE_TEXT, legal=LegalItem.OTHER_BASIC, erasure=Erasure.CLEAR
        ),
    },
    non_personal=["kind", "status", "file_type", "mapping", "columns", "error"],
)
class ImportJob(models.Model):
    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("Uploaded: map the columns")
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("what it holds"), max_length=20, choices=Kind.choices)
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/", blank=True)
    file_type = models.CharField(_("file type"), max_length=10)
    # The file's header, in its order, and the field each column goes to ("" = ignored).
    columns = models.JSONField(_("columns"), default=list)
    mapping = models.JSONField(_("column mapping"), default=list)
    dry_run = models.BooleanField(_("dry run"), default=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.UPLOADED
    )
    total = models.PositiveIntegerField(_("rows"), default=0)
    done = models.PositiveIntegerField(_("rows done"), default=0)
    failed = models.PositiveIntegerField(_("rows refused"), default=0)
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    error = models.CharField(_("error"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("by"),
    )
    created_at = models.DateTimeField(_("uploaded at"), default=timezone.now, editable=False)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-id"]
        permissions = [
            ("import_customers", _("Can import customers")),
            ("import_orders", _("Can import orders")),
            ("import_consents", _("Can import consents")),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {local_datetime(self.created_at)}"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def percent(self) -> int:
        return percent_done(self.done, self.total)


@personal_data.declare(
    personal={
        # The customer's id at the shop, the one thing a row keeps to be found again.
        "key": PersonalField(
            Category.ONLINE_ID, legal=LegalItem.DIGITAL_ACCOUNT, erasure=Erasure.DELETE_ROW
        ),
        # A refusal may quote what was typed ("0912 85" is not a phone number).
        "errors": PersonalField(
            Category.FREE_TEXT, legal=LegalItem.OTHER_BASIC, erasure=Erasure.DELETE_ROW
        ),
    },
    non_personal=["result"],
)
class ImportRow(models.Model):
    class Result(models.TextChoices):
        CREATED = "created", _("Created")
        UPDATED = "updated", _("Updated")
        UNCHANGED = "unchanged", _("Unchanged")
        REFUSED = "refused", _("Refused")

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="rows")
    line = models.PositiveIntegerField(_("line"))
    result = models.CharField(_("result"), max_length=20, choices=Result.choices)
    key = models.CharField(_("customer id / reference"), max_length=120, blank=True)
    # The customer the row wrote to: an erasure deletes the row with the customer's data.
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # [{"column": the file's header, "message": …}]
    errors = models.JSONField(_("errors"), default=list)

    class Meta:
        verbose_name = _("imported row")
        verbose_name_plural = _("imported rows")
        ordering = ["job", "line"]
        indexes = [models.Index(fields=["job", "result", "line"], name="importrow_job_result_idx")]

    def __str__(self) -> str:
        return f"{self.line}: {self.get_result_display()}"


class ExportKind(models.TextChoices):
    CUSTOMERS_CSV = "customers_csv", _("Customers (CSV)")
    REGISTER_XLSX = "register_xlsx", _("Processing register (Excel)")
    REGISTER_CSV = "register_csv", _("Processing register (CSV)")


@personal_data.declare(
    personal={
        # A customer export is one more copy of customers' data: deleted once expired
        # (imports.exports.export_files_purge) and, made before an erasure, by the erasure.
        "file": PersonalField(
            Category.FREE_TEXT, legal=LegalItem.OTHER_BASIC, erasure=Erasure.CLEAR
        ),
        # The selection: the changelist's query, a search typed by staff among its values
        # (a name, a phone). Dropped once the job has run.
        "arguments": PersonalField(
            Category.FREE_TEXT, legal=LegalItem.OTHER_BASIC, erasure=Erasure.CLEAR
        ),
        # The staff member's address, as the access log keeps it.
        "ip_address": PersonalField(
            Category.ONLINE_ID, legal=LegalItem.OTHER_BASIC, erasure=Erasure.KEEP
        ),
    },
    non_personal=["kind", "status", "filename", "error"],
    copy_made_at="created_at",
)
class ExportJob(models.Model):
    """A file made in the background (customers at a million rows outlast a request), its
    progress, and the file itself until it expires."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("what it holds"), max_length=20, choices=ExportKind.choices)
    arguments = models.JSONField(_("selection"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.QUEUED
    )
    total = models.PositiveIntegerField(_("rows"), default=0)
    done = models.PositiveIntegerField(_("rows done"), default=0)
    failed = models.PositiveIntegerField(_("rows left out"), default=0)
    file = models.FileField(_("file"), upload_to="exports/%Y/%m/", blank=True)
    filename = models.CharField(_("file name"), max_length=100, blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)
    # The staff member's address when they asked (the access log's rows name it).
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("by"),
    )
    created_at = models.DateTimeField(_("asked at"), default=timezone.now, editable=False)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("file kept until"), null=True, blank=True)

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {local_datetime(self.created_at)}"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def percent(self) -> int:
        return percent_done(self.done, self.total, complete=self.status == self.Status.DONE)
