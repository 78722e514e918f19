"""The exemption in the admin: the answer now (computed on the page) above the assessments kept
when it changed; read-only, with a button that assesses now."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext_lazy as _

from dossiers import exemption
from dossiers.models import ExemptionAssessment


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
