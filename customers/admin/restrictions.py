"""Restrictions of processing in the admin: placed through customers.restrictions (customer care
and Legal & compliance), lifted by Legal & compliance with the reason; never deleted."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from customers import restrictions
from customers.admin.base import ServiceModelAdmin
from customers.restriction_model import Restriction


@admin.register(Restriction)
class RestrictionAdmin(ServiceModelAdmin):
    list_display = ("customer", "purpose_shown", "placed_at", "placed_by", "in_force_shown")
    list_filter = ("lifted_at",)
    list_select_related = ("customer", "purpose", "placed_by")
    raw_id_fields = ("customer",)
    search_fields = ("reference",)
    search_help_text = _("The request's tracking code.")

    @admin.display(description=_("purpose"))
    def purpose_shown(self, obj: Restriction) -> str:
        return obj.purpose.name if obj.purpose else str(_("all processing"))

    @admin.display(description=_("in force"), boolean=True)
    def in_force_shown(self, obj: Restriction) -> bool:
        return obj.in_force

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ("customer", "purpose", "reason", "reference")
        return (
            "customer",
            "purpose",
            "reason",
            "reference",
            "placed_at",
            "placed_by",
            "lifted_at",
            "lifted_by",
            "lift_reason",
        )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ()
        if not self.has_change_permission(request, obj):
            return self.get_fields(request, obj)  # a lifted one, or a role that only sees
        fixed = ["customer", "purpose", "reason", "reference", "placed_at", "placed_by"]
        fixed += ["lifted_at", "lifted_by"]
        return [*fixed, "lift_reason"] if not obj.in_force else fixed

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        allowed = bool(super().has_change_permission(request, obj))
        return allowed and (obj is None or obj.in_force)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_through_service(
        self, request: HttpRequest, obj: Restriction, values: dict[str, Any], change: bool
    ) -> Restriction:
        if change:
            return restrictions.restriction_lift(
                restriction=obj, actor=request.user, reason=values.get("lift_reason", "")
            )
        return restrictions.restriction_place(
            customer=obj.customer,
            actor=request.user,
            reason=values.get("reason", ""),
            purpose=obj.purpose,
            reference=values.get("reference", ""),
        )
