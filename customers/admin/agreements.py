"""Agreements with recipients in the admin (customers.agreements): the seven contents Decree
356/2025/NĐ-CP Art. 7(1) requires, the signed file, the term; those ending within 30 days or
ended are one filter away. Never deleted: an ended agreement is the evidence of past hand-overs."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from customers import agreements
from customers.admin.base import ServiceModelAdmin
from customers.agreement_model import CONTENTS, ENDING_SOON, RecipientAgreement
from customers.kernel.text import local_date


class TermFilter(admin.SimpleListFilter):
    title = _("term")
    parameter_name = "term"

    def lookups(self, request: HttpRequest, model_admin: Any) -> Any:
        return (
            ("in_force", _("In force")),
            ("ending", _("Ending within 30 days")),
            ("ended", _("Ended")),
        )

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        today = timezone.localdate()
        if self.value() == "in_force":
            return queryset.filter(starts_on__lte=today).filter(
                Q(ends_on__isnull=True) | Q(ends_on__gte=today)
            )
        if self.value() == "ending":
            return queryset.filter(ends_on__gte=today, ends_on__lte=today + ENDING_SOON)
        if self.value() == "ended":
            return queryset.filter(ends_on__lt=today)
        return queryset


@admin.register(RecipientAgreement)
class RecipientAgreementAdmin(ServiceModelAdmin):
    list_display = ("reference", "recipient", "starts_on", "ends_shown")
    list_filter = (TermFilter, "recipient")
    list_select_related = ("recipient",)
    search_fields = ("reference", "recipient__name")
    fieldsets = (
        (None, {"fields": ("recipient", "reference", "starts_on", "ends_on", "file")}),
        (
            _("Where the agreement states (Decree 356/2025/NĐ-CP Art. 7(1))"),
            {
                "fields": tuple(name for name, _label in CONTENTS),
                "description": _("For each: the clause, e.g. “Điều 3”, or a short summary."),
            },
        ),
    )

    @admin.display(description=_("in force until"), ordering="ends_on")
    def ends_shown(self, obj: RecipientAgreement) -> str:
        if obj.ends_on is None:
            return str(_("until terminated"))
        if obj.ends_on < timezone.localdate():
            return format_html("{} — <strong>{}</strong>", local_date(obj.ends_on), _("ended"))
        if obj.ends_soon:
            return format_html(
                '<strong style="color:#b54708">{} — {}</strong>',
                local_date(obj.ends_on),
                _("ends soon"),
            )
        return local_date(obj.ends_on)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_through_service(
        self, request: HttpRequest, obj: RecipientAgreement, values: dict[str, Any], change: bool
    ) -> RecipientAgreement:
        upload = request.FILES.get("file")
        if upload is not None:
            obj.file = None  # the service stores the checked file
        return agreements.agreement_save(agreement=obj, actor=request.user, upload=upload)
