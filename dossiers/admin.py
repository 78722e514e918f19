"""The DPO's dossiers in the admin: the exemption (the answer now, computed on the page, above
the assessments kept when it changed; a button that assesses now), the processing systems, and
the processing register built from everything (a page, CSV, PDF)."""

from __future__ import annotations

import functools
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone, translation
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from customers import exports
from customers.admin.base import ServiceModelAdmin
from customers.http import client_ip
from customers.kernel import files, pdf
from customers.personal_data import LegalItem
from dossiers import (
    compliance_report,
    documents,
    exemption,
    filings,
    register,
    services,
    transfers,
)
from dossiers.models import (
    ComplianceReport,
    DossierFiling,
    DossierNarrative,
    DossierRisk,
    DpoAppointment,
    DpoTraining,
    ExemptionAssessment,
    ProcessingService,
    ProcessingSystem,
)


def pdf_download(
    model_admin: admin.ModelAdmin[Any], request: HttpRequest, html: str, filename: str, back: str
) -> HttpResponse:
    """The page as a PDF file to download, or back to ``back`` with a message when this server
    cannot make PDF files (customers/kernel/pdf.py)."""
    try:
        content = pdf.html_to_pdf(html, title=filename)
    except pdf.PdfUnavailable:
        model_admin.message_user(
            request,
            _(
                "The PDF cannot be made on this server (its PDF libraries are missing: "
                "make pdf-libs). Print the page instead."
            ),
            messages.ERROR,
        )
        return HttpResponseRedirect(back)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}.pdf"'
    return response


@admin.register(ExemptionAssessment)
class ExemptionAssessmentAdmin(admin.ModelAdmin):
    list_display = (
        "assessed_at",
        "exempt",
        "exempt_until",
        "subjects_count",
        "enterprise_size",
        "reasons_shown",
    )
    list_filter = ("exempt",)
    list_select_related = ()
    search_fields = ()
    change_list_template = "admin/dossiers/exemptionassessment/change_list.html"

    @admin.display(description=_("reasons"))
    def reasons_shown(self, obj: ExemptionAssessment) -> str:
        return " ".join(
            str(exemption.REASONS[code]) for code in obj.reasons if code in exemption.REASONS
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_urls(self) -> list[URLPattern]:
        assess = path(
            "assess/",
            self.admin_site.admin_view(self.assess_view),
            name="dossiers_exemptionassessment_assess",
        )
        return [assess, *super().get_urls()]

    def assess_view(self, request: HttpRequest) -> HttpResponse:
        if request.method != "POST" or not self.has_view_permission(request):
            return HttpResponseRedirect(reverse("admin:dossiers_exemptionassessment_changelist"))
        kept = exemption.exemption_record()
        self.message_user(
            request,
            _("Assessed: the answer changed and was kept.")
            if kept
            else _("Assessed: the answer is the same as the last one kept."),
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse("admin:dossiers_exemptionassessment_changelist"))

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        context = {**(extra_context or {}), "assessment": exemption.exemption_assess()}
        return super().changelist_view(request, context)


class ProcessingSystemForm(forms.ModelForm):
    data_items = forms.MultipleChoiceField(
        label=_("Data items stored"),
        choices=LegalItem.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = ProcessingSystem
        fields = (
            "name",
            "provider",
            "country",
            "hosting",
            "purposes",
            "data_items",
            "encrypted_in_transit",
            "encrypted_at_rest",
            "security_measures",
            "first_transfer_on",
            "transfer_exemption",
            "is_active",
        )
        widgets = {"purposes": forms.CheckboxSelectMultiple}


@admin.register(ProcessingSystem)
class ProcessingSystemAdmin(ServiceModelAdmin):
    form = ProcessingSystemForm
    list_display = ("name", "provider", "country", "hosting", "encrypted_at_rest", "is_active")
    list_filter = ("country", "hosting", "is_active")
    list_select_related = ()
    search_fields = ("name", "provider")
    change_list_template = "admin/dossiers/processingsystem/change_list.html"

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # one no longer used is marked so: the register's history keeps it

    def save_through_service(
        self, request: HttpRequest, obj: ProcessingSystem, values: dict[str, Any], change: bool
    ) -> ProcessingSystem:
        return services.processing_system_save(system=obj, actor=request.user)

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        return [
            path("register/", view(self.register_view), name="dossiers_register"),
            path("transfers/", view(self.transfers_view), name="dossiers_transfers"),
            path(
                "register/csv/",
                view(functools.partial(self.register_view, as_format="csv")),
                name="dossiers_register_csv",
            ),
            path(
                "register/xlsx/",
                view(functools.partial(self.register_view, as_format="xlsx")),
                name="dossiers_register_xlsx",
            ),
            path(
                "register/pdf/",
                view(functools.partial(self.register_view, as_format="pdf")),
                name="dossiers_register_pdf",
            ),
            *super().get_urls(),
        ]

    def transfers_view(self, request: HttpRequest) -> HttpResponse:
        """The cross-border transfers and the 60-day filing clock (Law 91/2025 Art. 20(2))."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        built = transfers.transfers_build()
        context = {
            **self.admin_site.each_context(request),
            "title": _("Cross-border transfers"),
            "transfers": built,
            "rows": [(line, transfers.unencrypted_warning(line)) for line in built.transfers],
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/dossiers/transfers.html", context)

    def register_view(self, request: HttpRequest, as_format: str = "") -> HttpResponse:
        """The register now: a page, a CSV file, or a PDF in Vietnamese."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        if as_format in ("csv", "xlsx"):
            # A file made in the background (imports.exports), like the customers': its page
            # shows the progress, then the file. Asked for by POST (it records a job).
            if request.method != "POST":
                return HttpResponseRedirect(reverse("admin:dossiers_register"))
            try:
                page = exports.background_export_start(
                    f"register_{as_format}", actor=request.user, ip_address=client_ip(request)
                )
            except (PermissionDenied, ValidationError) as refusal:
                reason = refusal.messages if isinstance(refusal, ValidationError) else [refusal]
                self.message_user(request, " ".join(map(str, reason)), messages.ERROR)
                return HttpResponseRedirect(reverse("admin:dossiers_register"))
            return HttpResponseRedirect(page)
        built = register.register_build()
        stamp = timezone.localtime(built.generated_at).strftime("%Y%m%d-%H%M")
        if as_format == "pdf":
            with translation.override("vi"):
                html = render_to_string("dossiers/register_document.html", {"register": built})
            return pdf_download(
                self, request, html, f"so-dang-ky-xu-ly-{stamp}", reverse("admin:dossiers_register")
            )
        context = {
            **self.admin_site.each_context(request),
            "title": _("The processing register"),
            "register": built,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/dossiers/register.html", context)


FILING_FILES = {"dossier": ("file", "ho-so-{pk}"), "letter": ("covering_letter", "cong-van-{pk}")}


@admin.register(DossierFiling)
class DossierFilingAdmin(ServiceModelAdmin):
    list_display = (
        "kind",
        "form",
        "filed_on",
        "reference",
        "answer_shown",
        "completion_requested_on",
    )
    list_filter = ("kind", "form")
    list_select_related = ()
    search_fields = ("reference",)
    change_list_template = "admin/dossiers/dossierfiling/change_list.html"
    fields = (
        "kind",
        "form",
        "number",
        "filed_on",
        "reference",
        "file",
        "files_shown",
        "change_content",
        "change_reason",
        "accepted_on",
        "completion_requested_on",
        "completed_on",
        "notes",
    )
    readonly_fields = ("files_shown",)

    @admin.display(description=_("the agency's answer"))
    def answer_shown(self, obj: DossierFiling) -> str:
        """Decree 356/2025 Art. 19(5): the agency answers within 15 days."""
        if obj.accepted_on:
            return str(
                _("meets the requirements (%(date)s)")
                % {"date": obj.accepted_on.strftime("%d/%m/%Y")}
            )
        if obj.completion_requested_on:
            return str(_("asked to complete it"))
        return str(_("expected by %(date)s") % {"date": obj.answer_due_on.strftime("%d/%m/%Y")})

    @admin.display(description=_("kept files"))
    def files_shown(self, obj: DossierFiling) -> str:
        if obj is None or obj.pk is None:
            return str(
                _("The dossier's PDF and its covering letter are made when the filing is recorded.")
            )
        links = [
            format_html(
                '<a href="{}">{}</a>',
                reverse("admin:dossiers_dossierfiling_file", args=[obj.pk, which]),
                label,
            )
            for which, label in (
                ("dossier", _("the dossier as filed")),
                ("letter", _("the covering letter")),
            )
            if getattr(obj, FILING_FILES[which][0])
        ]
        return format_html(" · ".join(["{}"] * len(links)), *links) if links else "—"

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        return [
            path(
                "document/<str:kind>/",
                view(self.document_view),
                name="dossiers_document",
            ),
            path(
                "document/<str:kind>/pdf/",
                view(functools.partial(self.document_view, as_pdf=True)),
                name="dossiers_document_pdf",
            ),
            path(
                "<path:object_id>/files/<str:which>/",
                view(self.file_view),
                name="dossiers_dossierfiling_file",
            ),
            *super().get_urls(),
        ]

    def document_view(self, request: HttpRequest, kind: str, as_pdf: bool = False) -> HttpResponse:
        """Mẫu số 10 or 09 as it stands now: the page to print, or its PDF."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        if kind not in DossierFiling.Kind.values:
            raise Http404(_("No such dossier."))
        html = documents.dossier_html(kind)
        if not as_pdf:
            return HttpResponse(html)
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        name = "mau-10" if kind == DossierFiling.Kind.IMPACT else "mau-09"
        return pdf_download(
            self,
            request,
            html,
            f"{name}-{stamp}",
            reverse("admin:dossiers_document", args=[kind]),
        )

    def file_view(self, request: HttpRequest, object_id: str, which: str) -> FileResponse:
        """A kept file of a filing (media files are not served publicly)."""
        if which not in FILING_FILES:
            raise Http404(_("No such file."))
        field_name, stem = FILING_FILES[which]
        filing = self.get_object(request, unquote(object_id))
        if filing is None or not getattr(filing, field_name):
            raise Http404(_("No such file."))
        if not self.has_view_permission(request, filing):
            raise PermissionDenied
        stored = getattr(filing, field_name)
        try:
            handle = stored.open("rb")
        except FileNotFoundError as missing:
            raise Http404(_("No such file.")) from missing
        response = FileResponse(
            handle,
            as_attachment=True,
            filename=files.download_name(stem.format(pk=filing.pk), "application/pdf"),
            content_type="application/pdf",
        )
        response["X-Content-Type-Options"] = "nosniff"
        return response

    def save_through_service(
        self, request: HttpRequest, obj: DossierFiling, values: dict[str, Any], change: bool
    ) -> DossierFiling:
        upload = request.FILES.get("file")
        if upload is not None:
            obj.file = None  # the service stores the checked file
        return services.dossier_filing_save(filing=obj, actor=request.user, upload=upload)

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        statuses = [filings.dossier_status(kind) for kind in DossierFiling.Kind.values]
        return super().changelist_view(request, {**(extra_context or {}), "statuses": statuses})


class DossierNarrativeForm(forms.ModelForm):
    processing_services = forms.MultipleChoiceField(
        label=_("Processing services it sells"),
        choices=ProcessingService.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = DossierNarrative
        exclude: tuple[str, ...] = ()


@admin.register(DossierNarrative)
class DossierNarrativeAdmin(ServiceModelAdmin):
    form = DossierNarrativeForm
    list_display = ("kind", "updated_at")
    list_filter = ()
    list_select_related = ()
    search_fields = ()
    fieldsets = (
        (None, {"fields": ("kind",)}),
        (
            _("A.I The company"),
            {"fields": ("business_lines", "branches")},
        ),
        (
            _("A.II The processing"),
            {
                "fields": (
                    "acts_as_processor",
                    "acts_as_third_party",
                    "data_flow",
                    "consent_process",
                    "transfers_for_a_fee",
                    "trades_on_data_exchange",
                    "processing_services",
                )
            },
        ),
        (
            _("A.II Protection measures and compliance"),
            {
                "fields": (
                    "safety_plan",
                    "protection_measures",
                    "security_checks",
                    "compliance_assessment",
                )
            },
        ),
        (_("A.III The assessment"), {"fields": ("overview",)}),
        (
            _("A.III.3 The recipients abroad (Mẫu số 09)"),
            {
                "fields": (
                    "receiver_processing",
                    "receiver_safety",
                    "receiver_measures",
                    "receiver_assessment",
                )
            },
        ),
        (_("A.IV Annexes"), {"fields": ("annexes",)}),
    )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_through_service(
        self, request: HttpRequest, obj: DossierNarrative, values: dict[str, Any], change: bool
    ) -> DossierNarrative:
        return services.dossier_narrative_save(narrative=obj, actor=request.user)


@admin.register(DossierRisk)
class DossierRiskAdmin(ServiceModelAdmin):
    list_display = ("aspect_shown", "kind", "area", "is_active")
    list_filter = ("kind", "area", "is_active")
    list_select_related = ()
    search_fields = ("aspect", "measures")
    fields = (
        "kind",
        "area",
        "aspect",
        "objective",
        "measures",
        "effectiveness",
        "recommendation",
        "position",
        "is_active",
    )

    @admin.display(description=_("aspect affected"))
    def aspect_shown(self, obj: DossierRisk) -> str:
        return str(obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # one no longer assessed is taken out of the dossier: the history keeps it

    def save_through_service(
        self, request: HttpRequest, obj: DossierRisk, values: dict[str, Any], change: bool
    ) -> DossierRisk:
        return services.dossier_risk_save(risk=obj, actor=request.user)


@admin.register(DpoAppointment)
class DpoAppointmentAdmin(ServiceModelAdmin):
    list_display = ("full_name", "position", "appointed_on", "ends_on", "conditions_shown")
    list_filter = ()
    list_select_related = ()
    search_fields = ("full_name", "appointment_number")
    fieldsets = (
        (None, {"fields": ("full_name", "position", "email", "phone")}),
        (
            _("Appointment (Decree 356/2025/NĐ-CP Art. 13(1))"),
            {"fields": ("appointment_number", "appointed_on", "ends_on", "appointment_file")},
        ),
        (
            _("Conditions (Art. 13(2))"),
            {"fields": ("education", "experience_field", "experience_years")},
        ),
        (
            _("Confidentiality"),
            {"fields": ("confidentiality_signed_on", "confidentiality_file")},
        ),
    )

    @admin.display(description=_("conditions of Art. 13(2)"))
    def conditions_shown(self, obj: DpoAppointment) -> str:
        # (a) and (b) are refused on entry; (c) is met by a recorded training.
        if obj.trained:
            return str(_("met"))
        return str(_("training (c) not yet recorded"))

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_through_service(
        self, request: HttpRequest, obj: DpoAppointment, values: dict[str, Any], change: bool
    ) -> DpoAppointment:
        uploads: dict[str, object] = {}
        for field in ("appointment_file", "confidentiality_file"):
            if (upload := request.FILES.get(field)) is not None:
                uploads[field] = upload
                setattr(obj, field, None)  # the service stores the checked file
        return services.dpo_appointment_save(appointment=obj, actor=request.user, uploads=uploads)


@admin.register(DpoTraining)
class DpoTrainingAdmin(ServiceModelAdmin):
    list_display = ("course", "appointment", "provider", "completed_on")
    list_filter = ("appointment",)
    list_select_related = ("appointment",)
    search_fields = ("course", "provider")
    fields = ("appointment", "course", "provider", "completed_on", "certificate_file")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_through_service(
        self, request: HttpRequest, obj: DpoTraining, values: dict[str, Any], change: bool
    ) -> DpoTraining:
        upload = request.FILES.get("certificate_file")
        if upload is not None:
            obj.certificate_file = None  # the service stores the checked file
        return services.dpo_training_save(training=obj, actor=request.user, upload=upload)


@admin.register(ComplianceReport)
class ComplianceReportAdmin(ServiceModelAdmin):
    """The DPO's periodic compliance report (Decree 356/2025/NĐ-CP Art. 14(1)(c)): a draft shows
    its figures computed now; "save and issue" keeps them with the PDF, and the report is
    read-only from then on."""

    list_display = ("__str__", "period_start", "period_end", "issued_at", "issued_by")
    list_filter = ()
    list_select_related = ("issued_by",)
    search_fields = ("findings", "measures")
    fields = ("period_start", "period_end", "next_in_months", "findings", "measures")
    change_form_template = "admin/dossiers/compliancereport/change_form.html"
    change_list_template = "admin/dossiers/compliancereport/change_list.html"

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.is_issued:
            return False  # evidence: kept as it was issued
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_through_service(
        self, request: HttpRequest, obj: ComplianceReport, values: dict[str, Any], change: bool
    ) -> ComplianceReport:
        return services.compliance_report_save(report=obj, actor=request.user)

    def _issue_after_save(self, request: HttpRequest, obj: ComplianceReport) -> HttpResponse:
        try:
            services.compliance_report_issue(report=obj, actor=request.user)
        except ValidationError as refused:
            for message in refused.messages:
                self.message_user(request, message, messages.ERROR)
        else:
            self.message_user(
                request, _("The report was issued: its figures and PDF are kept."), messages.SUCCESS
            )
        return HttpResponseRedirect(
            reverse("admin:dossiers_compliancereport_change", args=[obj.pk])
        )

    def response_add(
        self, request: HttpRequest, obj: ComplianceReport, post_url_continue: str | None = None
    ) -> HttpResponse:
        if "_issue" in request.POST:
            return self._issue_after_save(request, obj)
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request: HttpRequest, obj: ComplianceReport) -> HttpResponse:
        if "_issue" in request.POST:
            return self._issue_after_save(request, obj)
        return super().response_change(request, obj)

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        due = compliance_report.compliance_report_due()
        context = {
            **(extra_context or {}),
            "report_due": due,
            "report_overdue": due is not None and due.overdue(timezone.localdate()),
        }
        return super().changelist_view(request, context)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        report = self.get_object(request, object_id)
        context = dict(extra_context or {})
        if report is not None and self.has_view_permission(request, report):
            context["shown"] = compliance_report.report_shown(report)
            context["can_issue"] = (
                not report.is_issued
                and self.has_change_permission(request, report)
                and request.user.has_perm("dossiers.issue_compliancereport")
            )
        return super().change_view(request, object_id, form_url, context)

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        return [
            path(
                "<int:object_id>/print/",
                view(self.document_view),
                name="dossiers_compliancereport_print",
            ),
            path(
                "<int:object_id>/pdf/",
                view(functools.partial(self.document_view, as_pdf=True)),
                name="dossiers_compliancereport_pdf",
            ),
            *super().get_urls(),
        ]

    def document_view(
        self, request: HttpRequest, object_id: int, as_pdf: bool = False
    ) -> HttpResponse | FileResponse:
        """The report in Vietnamese: a page to print, or the PDF — for an issued report, the
        very file kept when it was issued."""
        report = ComplianceReport.objects.filter(pk=object_id).first()
        if report is None or not self.has_view_permission(request, report):
            raise PermissionDenied
        filename = f"bao-cao-tuan-thu-{report.period_start:%Y%m%d}-{report.period_end:%Y%m%d}"
        if as_pdf and report.is_issued and report.document:
            return FileResponse(
                report.document.open("rb"), as_attachment=True, filename=f"{filename}.pdf"
            )
        with translation.override("vi"):
            html = render_to_string(
                "dossiers/compliance_report_document.html",
                {"shown": compliance_report.report_shown(report)},
            )
        if not as_pdf:
            return HttpResponse(html)
        return pdf_download(
            self,
            request,
            html,
            f"{filename}-du-thao",
            reverse("admin:dossiers_compliancereport_change", args=[report.pk]),
        )
