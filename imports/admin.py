"""Imports in the admin: upload a file, check how its columns are read, try it (a dry run that
writes nothing), then import it; the job's page shows its progress and each row's result."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    JsonResponse,
)
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from customers.http import client_ip
from customers.kernel.forms import add_service_errors
from customers.kernel.text import whole_number
from imports import exports, services
from imports.columns import columns_for
from imports.models import ExportJob, ExportKind, ImportJob, ImportRow, Kind

ROWS_PER_PAGE = 100


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("The file holds"), choices=())
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy(
            "CSV (UTF-8) or Excel (.xlsx), the first row naming the columns; dates day first "
            "(dd/mm/yyyy). See the sample files in the import guide."
        ),
    )

    def __init__(self, *args: Any, kinds: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(kind, Kind(kind).label) for kind in kinds]  # type: ignore[attr-defined]  # a ChoiceField


class MappingForm(forms.Form):
    """One choice per column of the file: the field it goes to, or ignored."""

    def __init__(self, *args: Any, job: ImportJob, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.job = job
        choices = [("", _("— ignored —"))] + [
            (column.field, f"{column.label}{' *' if column.required else ''}")
            for column in columns_for(job.kind).values()
        ]
        for index, header in enumerate(job.columns):
            guessed = job.mapping[index] if index < len(job.mapping) else ""
            self.fields[f"column_{index}"] = forms.ChoiceField(
                label=header or _("(column %(number)s without a name)") % {"number": index + 1},
                choices=choices,
                required=False,
                initial=guessed,
                help_text=""
                if guessed
                else _("Not recognised: choose its field, or leave it ignored."),
            )

    def mapping(self) -> list[str]:
        return [
            self.cleaned_data.get(f"column_{index}", "") for index in range(len(self.job.columns))
        ]

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        errors = services.mapping_errors(self.job.kind, self.job.columns, self.mapping())
        for index, message in errors.items():
            self.add_error(None if index < 0 else f"column_{index}", message)
        return cleaned


RESULT_LABELS = {
    False: {
        "created": gettext_lazy("Created"),
        "updated": gettext_lazy("Updated"),
        "unchanged": gettext_lazy("Unchanged"),
        "refused": gettext_lazy("Refused"),
    },
    True: {
        "created": gettext_lazy("Would be created"),
        "updated": gettext_lazy("Would be updated"),
        "unchanged": gettext_lazy("Would stay unchanged"),
        "refused": gettext_lazy("Would be refused"),
    },
}


def job_progress(job: ImportJob | ExportJob, text: str, **extra: object) -> dict[str, object]:
    """What a job's progress bar shows (progress.js polls it): counts only, never a row's
    content (the rows name customers)."""
    return {
        "status": job.status,
        "status_label": str(job.get_status_display()),
        "total": job.total,
        "done": job.done,
        "failed": job.failed,
        "percent": job.percent,
        "finished": job.is_finished,
        "error": job.error,
        "text": text,
        **extra,
    }


def progress_text(job: ImportJob) -> str:
    return _("%(done)s of %(total)s rows read, %(failed)s refused.") % {
        "done": whole_number(job.done),
        "total": whole_number(job.total),
        "failed": whole_number(job.failed),
    }


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ("__str__", "kind", "status", "dry_run", "total", "done", "failed", "created_by")
    list_select_related = ("created_by",)
    list_filter = ("kind", "status", "dry_run")
    search_fields = ("created_by__username",)
    raw_id_fields = ("created_by",)
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and bool(services.kinds_allowed(request.user))

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_urls(self) -> list[Any]:
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<int:object_id>/progress/",
                self.admin_site.admin_view(self.progress_view),
                name=f"{info[0]}_{info[1]}_progress",
            ),
            *super().get_urls(),
        ]

    def _job(self, request: HttpRequest, object_id: Any) -> ImportJob:
        if not self.has_view_permission(request):
            raise PermissionDenied
        object_id = unquote(str(object_id))
        job = None
        if object_id.isdigit():
            job = ImportJob.objects.select_related("created_by").filter(pk=object_id).first()
        if job is None:
            raise Http404(_("No such import."))
        return job

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        kinds = services.kinds_allowed(request.user)
        form = UploadForm(request.POST or None, request.FILES or None, kinds=kinds)
        if request.method == "POST" and form.is_valid():
            try:
                job = services.import_job_create(
                    actor=request.user,
                    kind=form.cleaned_data["kind"],
                    upload=form.cleaned_data["file"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            except PermissionDenied as error:
                form.add_error(None, str(error))
            else:
                return HttpResponseRedirect(
                    reverse("admin:imports_importjob_change", args=[job.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Import a file"),
            "form": form,
            "has_view_permission": self.has_view_permission(request),
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/imports/importjob/upload.html", context)

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        job = self._job(request, object_id)
        can_run = job.kind in services.kinds_allowed(request.user) and bool(job.file)
        form = None
        if can_run and job.status not in (ImportJob.Status.QUEUED, ImportJob.Status.RUNNING):
            form = MappingForm(request.POST or None, job=job)
            if request.method == "POST" and form.is_valid():
                dry_run = "_import" not in request.POST
                try:
                    inline = services.import_job_start(
                        job=job, actor=request.user, mapping=form.mapping(), dry_run=dry_run
                    )
                except ValidationError as error:
                    add_service_errors(form, error)
                except PermissionDenied as error:
                    form.add_error(None, str(error))
                else:
                    if inline:
                        services.import_job_run(job_id=job.pk)
                    else:
                        self.message_user(
                            request,
                            _("The file is read in the background: this page shows how far."),
                            messages.INFO,
                        )
                    return HttpResponseRedirect(request.path)
        only_refused = request.GET.get("refused") == "1"
        rows = job.rows.all().order_by("line")
        if only_refused:
            rows = rows.filter(result=ImportRow.Result.REFUSED)
        paginator = Paginator(rows.only("line", "result", "key", "errors"), ROWS_PER_PAGE)
        page = paginator.get_page(request.GET.get("page"))
        labels = RESULT_LABELS[job.dry_run]
        shown = [
            {
                "line": row.line,
                "result": row.result,
                "label": labels[row.result],
                "key": row.key,
                "errors": row.errors,
            }
            for row in page.object_list
        ]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": str(job),
            "original": job,
            "job": job,
            "form": form,
            "rows": shown,
            "page": page,
            "only_refused": only_refused,
            "running": job.status in (ImportJob.Status.QUEUED, ImportJob.Status.RUNNING),
            "progress_url": reverse("admin:imports_importjob_progress", args=[job.pk]),
            "progress_text": progress_text(job),
            "has_view_permission": True,
        }
        return TemplateResponse(request, "admin/imports/importjob/job.html", context)

    def progress_view(self, request: HttpRequest, object_id: int) -> JsonResponse:
        """What the page's progress bar shows, for its script or a monitor to poll: counts only,
        never a row's content (the rows name customers)."""
        job = self._job(request, object_id)
        return JsonResponse(
            job_progress(
                job,
                progress_text(job),
                dry_run=job.dry_run,
                created=job.created,
                updated=job.updated,
                unchanged=job.unchanged,
            )
        )


def export_progress_text(job: ExportJob) -> str:
    if job.kind != ExportKind.CUSTOMERS_CSV:
        return str(job.get_status_display())
    return _("%(done)s of %(total)s customers written, %(failed)s left out (restricted).") % {
        "done": whole_number(job.done),
        "total": whole_number(job.total),
        "failed": whole_number(job.failed),
    }


@admin.register(ExportJob)
class ExportJobAdmin(admin.ModelAdmin):
    """Exports asked for from the customers' list or the register: each staff member sees their
    own, its progress, and downloads the file until it expires."""

    list_display = ("__str__", "kind", "status", "total", "done", "failed", "expires_at")
    list_filter = ("kind", "status")
    show_full_result_count = False

    def _may_export(self, request: HttpRequest) -> bool:
        user: Any = request.user
        return any(user.has_perm(permission) for permission in exports.PERMISSIONS.values())

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._may_export(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if not self._may_export(request):
            return False
        return obj is None or obj.created_by_id == request.user.pk

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).filter(created_by=request.user)

    def get_urls(self) -> list[Any]:
        info = self.opts.app_label, self.opts.model_name
        view = self.admin_site.admin_view
        return [
            path(
                "<int:object_id>/progress/",
                view(self.progress_view),
                name=f"{info[0]}_{info[1]}_progress",
            ),
            path(
                "<int:object_id>/download/",
                view(self.download_view),
                name=f"{info[0]}_{info[1]}_download",
            ),
            *super().get_urls(),
        ]

    def _job(self, request: HttpRequest, object_id: Any) -> ExportJob:
        object_id = unquote(str(object_id))
        job = None
        if object_id.isdigit():
            job = ExportJob.objects.filter(pk=object_id).first()
        # Staff see their own exports only; the download then checks the permission (403).
        if job is None or job.created_by_id != request.user.pk:
            raise Http404(_("No such export."))
        return job

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        job = self._job(request, object_id)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": str(job),
            "original": job,
            "job": job,
            "running": not job.is_finished,
            "expired": bool(job.expires_at and job.expires_at <= timezone.now()),
            "progress_url": reverse("admin:imports_exportjob_progress", args=[job.pk]),
            "download_url": reverse("admin:imports_exportjob_download", args=[job.pk]),
            "progress_text": export_progress_text(job),
            "has_view_permission": True,
        }
        return TemplateResponse(request, "admin/imports/exportjob/job.html", context)

    def progress_view(self, request: HttpRequest, object_id: int) -> JsonResponse:
        """The progress bar's figures (progress.js polls them): counts only."""
        job = self._job(request, object_id)
        return JsonResponse(job_progress(job, export_progress_text(job)))

    def download_view(self, request: HttpRequest, object_id: int) -> HttpResponse | FileResponse:
        """The file, to the staff member who asked, with the permission its kind needs (403
        without it), logged in the access log (imports.exports.export_download)."""
        job = self._job(request, object_id)
        try:
            opened = exports.export_download(
                job=job, actor=request.user, ip_address=client_ip(request)
            )
        except PermissionDenied:
            raise
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return HttpResponseRedirect(reverse("admin:imports_exportjob_change", args=[job.pk]))
        return FileResponse(
            opened,
            as_attachment=True,
            filename=job.filename,
            content_type=exports.CONTENT_TYPES[job.kind],
        )
