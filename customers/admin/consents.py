"""The back office for purposes, privacy-policy versions and consents. Consents change only
through the consent services: granted with their evidence, withdrawn with when and how."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.utils import flatten_fieldsets
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.forms import BaseModelForm
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from customers import services
from customers.admin.base import ACTION_LIMIT, ServiceModelAdmin, identifier_match, name_match
from customers.admin.forms import ConsentGrantForm, ConsentWithdrawForm, PurposeForm
from customers.models import (
    Consent,
    PolicyVersion,
    Purpose,
)
from customers.paginator import EstimatedCountPaginator

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
    add_fieldsets = ((None, {"fields": ("customer", "purpose", "channel", "form_reference")}),)
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
                )
            },
        ),
        (_("Withdrawn"), {"fields": ("withdrawn_at", "withdrawal_channel", "withdrawal_reason")}),
        (_("Record"), {"fields": ("updated_at",)}),
    )

    access_log_views = True

    def get_fieldsets(self, request: HttpRequest, obj: Consent | None = None) -> Any:
        return self.add_fieldsets if obj is None else super().get_fieldsets(request, obj)

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
        return services.consent_grant(actor=request.user, **values)

    @admin.action(description=_("Withdraw selected consents"), permissions=["change"])
    def withdraw_selected(
        self, request: HttpRequest, queryset: QuerySet[Consent]
    ) -> HttpResponse | None:
        """Ask how the withdrawal came and why (like Django's delete confirmation), then
        withdraw each consent through services.consent_withdraw."""
        form = ConsentWithdrawForm(request.POST if request.POST.get("post") else None)
        if form.is_valid():
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

    def _withdraw(
        self, request: HttpRequest, queryset: QuerySet[Consent], *, channel: str, reason: str
    ) -> None:
        self.act_on_each(
            request,
            queryset.select_related("customer", "purpose"),
            lambda consent: services.consent_withdraw(
                consent=consent, channel=channel, reason=reason, actor=request.user
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
