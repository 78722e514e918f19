"""The back office for purposes, privacy-policy versions and consents. Consents change only
through the consent services: granted with their evidence, withdrawn with when and how."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import flatten_fieldsets, unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.forms import BaseModelForm
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop, ngettext

from customers import consent_evidence, services
from customers.admin.base import ACTION_LIMIT, ServiceModelAdmin, identifier_match, name_match
from customers.admin.forms import ConsentGrantForm, ConsentWithdrawForm, PurposeForm
from customers.http import client_ip
from customers.kernel import files
from customers.kernel.forms import add_service_errors
from customers.kernel.text import staff_text
from customers.models import (
    AccessLog,
    Consent,
    PolicyVersion,
    Purpose,
)
from customers.paginator import EstimatedCountPaginator

# The two files of a consent, as the download view's last path part: which field, and the
# name the file downloads under (the record's reference, never the uploaded name).
EVIDENCE_FILES = {
    "evidence": ("evidence_file", "dong-y-{pk}"),
    "withdrawal": ("withdrawal_evidence_file", "rut-lai-dong-y-{pk}"),
}

# Purposes, policies, consents --------------------------------------------------------------


@admin.register(Purpose)
class PurposeAdmin(ServiceModelAdmin):
    """Purposes are retired (active off), never deleted: consents refer to them."""

    list_display = ("code", "name_vi", "name_en", "legal_basis", "retention_vi", "is_active")
    list_filter = ("legal_basis", "is_active")
    list_select_related = ()
    search_fields = ("code", "name_vi", "name_en")
    form = PurposeForm
    fieldsets = (
        (None, {"fields": ("code", "legal_basis", "is_advertising", "is_active")}),
        (_("Vietnamese"), {"fields": ("name_vi", "description_vi", "retention_vi")}),
        (_("English"), {"fields": ("name_en", "description_en", "retention_en")}),
        (_("What the person is told"), {"fields": ("data_items",)}),
        (
            _("Advertising (Law 91/2025 Art. 28(3))"),
            {
                "fields": (
                    "ad_channels",
                    ("ad_content_vi", "ad_content_en"),
                    ("ad_frequency_vi", "ad_frequency_en"),
                    ("ad_opt_out_vi", "ad_opt_out_en"),
                ),
                "description": _(
                    "For an advertising purpose: the content, the channels and the frequency the "
                    "customer agrees to, and how to refuse. The receipt states them."
                ),
            },
        ),
    )

    def save_through_service(
        self, request: HttpRequest, obj: Purpose, values: dict[str, Any], change: bool
    ) -> Purpose:
        return services.purpose_save(purpose=obj, actor=request.user)


@admin.register(PolicyVersion)
class PolicyVersionAdmin(ServiceModelAdmin):
    """A version in effect is what customers agreed to: it is shown read-only, and a new
    version is a new row ("New version from this one" copies its text)."""

    list_display = ("version", "effective_from", "title_vi", "is_in_effect", "created_at")
    list_filter = ("effective_from",)
    list_select_related = ()
    search_fields = ("version", "title_vi", "title_en")
    readonly_fields = ("created_at",)
    fieldsets = (
        (None, {"fields": ("version", "effective_from", "created_at")}),
        (_("Vietnamese"), {"fields": ("title_vi", "body_vi")}),
        (_("English"), {"fields": ("title_en", "body_en")}),
    )

    @admin.display(description=_("in effect"), boolean=True)
    def is_in_effect(self, obj: PolicyVersion) -> bool:
        return obj.is_in_effect

    def has_change_permission(self, request: HttpRequest, obj: PolicyVersion | None = None) -> bool:
        if obj is not None and obj.is_in_effect:
            return False  # policy_version_save refuses it
        return bool(super().has_change_permission(request, obj))

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        initial: dict[str, Any] = super().get_changeform_initial_data(request)
        source_id = request.GET.get("copy_from", "")
        source = PolicyVersion.objects.filter(pk=source_id).first() if source_id.isdigit() else None
        if source is not None:
            for name in ("title_vi", "title_en", "body_vi", "body_en"):
                initial[name] = getattr(source, name)
        return initial

    def save_through_service(
        self, request: HttpRequest, obj: PolicyVersion, values: dict[str, Any], change: bool
    ) -> PolicyVersion:
        return services.policy_version_save(policy=obj, actor=request.user)


@admin.register(Consent)
class ConsentAdmin(ServiceModelAdmin):
    """Consents are recorded (add) and withdrawn (action) through the consent services; a
    consent's page is read-only, and a consent is never deleted (Law 91/2025/QH15 Art. 9; Decree
    356/2025 Art. 6: consent is verifiable)."""

    list_display = (
        "customer",
        "purpose",
        "status",
        "channel",
        "granted_at",
        "withdrawn_at",
        "policy_version",
        "recorded_by",
    )
    list_filter = ("status", "channel", "purpose", "policy_version", "granted_at")
    list_select_related = ("customer", "purpose", "policy_version", "recorded_by")
    search_fields = ("customer__full_name", "customer__phone", "customer__email")
    search_help_text = _("The customer's name, phone, email or tax code.")
    raw_id_fields = ("customer",)
    ordering = ("-id",)
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    actions = ("withdraw_selected",)
    add_fieldsets = (
        (None, {"fields": ("customer", "purpose", "channel")}),
        (
            _("Evidence (Decree 356/2025 Art. 6(1))"),
            {"fields": ("form_reference", "evidence_file", "sensitive_notice_given")},
        ),
    )
    fieldsets = (
        (None, {"fields": ("customer", "purpose", "status", "policy_version")}),
        (
            _("Granted"),
            {
                "fields": (
                    "granted_at",
                    "channel",
                    "form_reference",
                    "recorded_by",
                    "ip_address",
                    "user_agent",
                    "evidence_file",
                    "sensitive_notice_given",
                )
            },
        ),
        (
            _("Withdrawn"),
            {
                "fields": (
                    "withdrawn_at",
                    "withdrawal_channel",
                    "withdrawal_reason",
                    "withdrawal_reference",
                    "withdrawal_ip_address",
                    "withdrawal_user_agent",
                    "withdrawal_evidence_file",
                )
            },
        ),
        (_("Record"), {"fields": ("updated_at",)}),
    )

    access_log_views = True

    def get_fieldsets(self, request: HttpRequest, obj: Consent | None = None) -> Any:
        if obj is None:
            return self.add_fieldsets
        fieldsets = super().get_fieldsets(request, obj)  # masked for staff without the full view
        if self.masks_personal_data(request, obj):
            return fieldsets
        # Media files are not served publicly: the files open through evidence_view.
        return [
            (title, {**options, "fields": [_file_as_link(name) for name in options["fields"]]})
            for title, options in fieldsets
        ]

    def _file_link(self, obj: Consent, which: str) -> str:
        field_name, stem = EVIDENCE_FILES[which]
        stored = getattr(obj, field_name)
        if not stored:
            return "—"
        url = reverse("admin:customers_consent_evidence", args=[obj.pk, which])
        name = files.download_name(stem.format(pk=obj.pk), files.content_type_of(stored.name))
        return format_html('<a href="{}">{}</a>', url, name)

    @admin.display(description=_("evidence file"))
    def evidence_file_link(self, obj: Consent) -> str:
        return self._file_link(obj, "evidence")

    @admin.display(description=_("withdrawal evidence file"))
    def withdrawal_evidence_file_link(self, obj: Consent) -> str:
        return self._file_link(obj, "withdrawal")

    def get_urls(self) -> list[URLPattern]:
        evidence = path(
            "<path:object_id>/evidence/<str:which>/",
            self.admin_site.admin_view(self.evidence_view),
            name="customers_consent_evidence",
        )
        return [evidence, *super().get_urls()]

    def evidence_view(self, request: HttpRequest, object_id: str, which: str) -> FileResponse:
        """The consent's (or its withdrawal's) evidence file, for staff who may see the consent
        in full (media files are not served publicly). Reading it is logged: it names the
        customer."""
        if which not in EVIDENCE_FILES:
            raise Http404(_("No such evidence file."))
        field_name, stem = EVIDENCE_FILES[which]
        consent = self.get_object(request, unquote(object_id))
        if consent is None or not getattr(consent, field_name):
            raise Http404(_("No such evidence file."))
        if not self.has_view_permission(request, consent):
            raise PermissionDenied
        if self.masks_personal_data(request, consent):
            raise PermissionDenied(_("The evidence shows personal data your role sees masked."))
        stored = getattr(consent, field_name)
        try:
            handle = stored.open("rb")
        except FileNotFoundError as missing:
            raise Http404(_("No such evidence file.")) from missing
        services.access_log_record(
            staff=request.user,
            customer_ids=[consent.customer_id],
            action=AccessLog.Action.VIEW,
            detail=staff_text(
                gettext_noop("evidence file of consent #%(id)s")
                if which == "evidence"
                else gettext_noop("withdrawal evidence file of consent #%(id)s"),
                id=consent.pk,
            ),
            ip_address=client_ip(request),
        )
        content_type = files.content_type_of(stored.name)
        response = FileResponse(
            handle,
            as_attachment=True,
            filename=files.download_name(stem.format(pk=consent.pk), content_type),
            content_type=content_type,
        )
        response["X-Content-Type-Options"] = "nosniff"
        return response

    def get_readonly_fields(self, request: HttpRequest, obj: Consent | None = None) -> Any:
        if obj is None:
            return ()
        return flatten_fieldsets(self.get_fieldsets(request, obj))

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> type[BaseModelForm[Any]]:
        if obj is None:
            kwargs["form"] = ConsentGrantForm
        return super().get_form(request, obj, change, **kwargs)

    def has_change_permission(self, request: HttpRequest, obj: Consent | None = None) -> bool:
        if obj is not None:
            return False  # withdrawal is the one change, through the action
        return bool(super().has_change_permission(request, obj))

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Consent], search_term: str
    ) -> tuple[QuerySet[Consent], bool]:
        term = search_term.strip()
        if not term:
            return queryset, False
        exact = identifier_match(term, prefix="customer__")
        if exact is not None:
            return queryset.filter(exact), False
        return queryset.filter(name_match(term, prefix="customer__")), False

    def set_history_delta_changes(
        self, request: HttpRequest, historical_records: Any, foreign_keys_are_objs: bool = True
    ) -> None:
        super().set_history_delta_changes(request, historical_records, foreign_keys_are_objs)
        # Each history row is titled with str(consent), which names the customer and the
        # purpose: hand it the ones the history query joined instead of a query per row.
        for record in historical_records:
            consent = record.history_object
            if record.customer is not None and record.purpose is not None:
                consent.customer, consent.purpose = record.customer, record.purpose
            record.history_object = consent

    def save_through_service(
        self, request: HttpRequest, obj: Consent, values: dict[str, Any], change: bool
    ) -> Consent:
        if change:
            raise PermissionDenied
        upload = values.pop("evidence_file", None)
        return services.consent_grant(
            actor=request.user, evidence_file=upload.file if upload else None, **values
        )

    @admin.action(description=_("Withdraw selected consents"), permissions=["change"])
    def withdraw_selected(
        self, request: HttpRequest, queryset: QuerySet[Consent]
    ) -> HttpResponse | None:
        """Ask how the withdrawal came and why (like Django's delete confirmation), then
        withdraw each consent through services.consent_withdraw."""
        posted = bool(request.POST.get("post"))
        form = ConsentWithdrawForm(
            request.POST if posted else None, request.FILES if posted else None
        )
        if form.is_valid() and self._evidence_is_complete(request, queryset, form):
            self._withdraw(request, queryset, **form.cleaned_data)
            return None
        return self.action_confirmation(
            request,
            queryset.select_related("purpose"),
            form=form,
            title=_("Withdraw consents"),
            template="admin/customers/consent/withdraw_selected_confirmation.html",
            listed_as="consents",
        )

    def _evidence_is_complete(
        self, request: HttpRequest, queryset: QuerySet[Consent], form: ConsentWithdrawForm
    ) -> bool:
        """The withdrawal's evidence, checked once by the rule consent_withdraw applies, so that
        each error shows at its field before anything is withdrawn; a file is one customer's."""
        data = form.cleaned_data
        errors = consent_evidence.consent_evidence_errors(
            channel=data["channel"],
            reference=data["withdrawal_reference"],
            file=data["withdrawal_evidence_file"],
            fields=consent_evidence.WITHDRAWAL,
        )
        if errors:
            add_service_errors(form, ValidationError(errors))
            return False
        if data["withdrawal_evidence_file"]:
            customers = queryset.order_by().values("customer_id").distinct()[:2]
            if len(customers) > 1:
                self.message_user(
                    request,
                    _(
                        "An evidence file belongs to one customer: select the consents of one "
                        "customer at a time."
                    ),
                    messages.ERROR,
                )
                form.add_error(
                    "withdrawal_evidence_file",
                    _("Select the consents of one customer to withdraw them with this file."),
                )
                return False
        return True

    def _withdraw(
        self,
        request: HttpRequest,
        queryset: QuerySet[Consent],
        *,
        channel: str,
        reason: str,
        withdrawal_reference: str,
        withdrawal_evidence_file: Any,
    ) -> None:
        self.act_on_each(
            request,
            queryset.select_related("customer", "purpose"),
            lambda consent: services.consent_withdraw(
                consent=consent,
                channel=channel,
                reason=reason,
                withdrawal_reference=withdrawal_reference,
                withdrawal_evidence_file=withdrawal_evidence_file,
                actor=request.user,
            ),
            too_many=_("Select at most %(limit)d consents at a time.") % {"limit": ACTION_LIMIT},
            describe=lambda consent: f"{consent.customer} — {consent.purpose}",
            done=lambda count: (
                ngettext("%(count)d consent withdrawn.", "%(count)d consents withdrawn.", count)
                % {"count": count}
            ),
            not_done=lambda count, reasons: (
                ngettext(
                    "%(count)d consent was not withdrawn: %(reasons)s",
                    "%(count)d consents were not withdrawn: %(reasons)s",
                    count,
                )
                % {"count": count, "reasons": reasons}
            ),
        )


def _file_as_link(name: Any) -> Any:
    return f"{name}_link" if name in ("evidence_file", "withdrawal_evidence_file") else name
