"""Requests to act sent to recipients (customers.recipient_requests): the list shows what is
overdue; staff record how a recipient without email or webhook was told, and what a recipient
confirmed by phone or letter. Opened by the services only; never added or deleted by hand."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from customers import recipient_requests
from customers.admin.base import ServiceModelAdmin
from customers.kernel.text import local_datetime
from customers.recipient_request_model import RecipientRequest

Status = RecipientRequest.Status
_FIXED = (
    "recipient",
    "customer",
    "action",
    "cause",
    "purpose",
    "items_shown",
    "disclosure_ids",
    "reference",
    "requested_at",
    "due_at",
    "channel",
    "status",
    "sent_at",
    "reminded_at",
    "last_error",
)


class DeadlineFilter(admin.SimpleListFilter):
    title = _("deadline")
    parameter_name = "deadline"

    def lookups(self, request: HttpRequest, model_admin: Any) -> Any:
        return (("overdue", _("Overdue")), ("soon", _("Due within 3 days")))

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        now = timezone.now()
        open_requests = queryset.exclude(status=Status.CONFIRMED)
        if self.value() == "overdue":
            return open_requests.filter(due_at__lt=now)
        if self.value() == "soon":
            return open_requests.filter(due_at__gte=now, due_at__lt=now + datetime.timedelta(3))
        return queryset


@admin.register(RecipientRequest)
class RecipientRequestAdmin(ServiceModelAdmin):
    list_display = (
        "pk",
        "recipient",
        "customer",
        "action",
        "cause",
        "requested_at",
        "due_shown",
        "status",
        "channel",
    )
    list_filter = (DeadlineFilter, "status", "action", "channel", "recipient")
    list_select_related = ("recipient", "customer")
    raw_id_fields = ("customer",)
    search_fields = ("reference",)
    search_help_text = _("The request's tracking code.")
    date_hierarchy = None

    @admin.display(description=_("due"), ordering="due_at")
    def due_shown(self, obj: RecipientRequest) -> str:
        if obj.is_overdue:
            return format_html(
                '<strong style="color:#b42318">{} — {}</strong>',
                local_datetime(obj.due_at),
                _("overdue"),
            )
        return local_datetime(obj.due_at)

    @admin.display(description=_("data concerned"))
    def items_shown(self, obj: RecipientRequest) -> str:
        return ", ".join(obj.item_labels)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is not None and obj.status == Status.TO_SEND:
            return (*_FIXED, "sent_how")
        return (
            *_FIXED,
            "sent_how",
            "confirmed_at",
            "confirmed_via",
            "confirmed_by_name",
            "confirmation_note",
            "confirmed_by_staff",
        )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = list(self.get_fields(request, obj))
        if obj is None or not self.has_change_permission(request, obj):
            return fields
        editable = {"sent_how"} if obj.status == Status.TO_SEND else set()
        if obj.status == Status.SENT:
            editable = {"confirmed_by_name", "confirmation_note"}
        return [name for name in fields if name not in editable]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        allowed = bool(super().has_change_permission(request, obj))
        return allowed and (obj is None or obj.is_open)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_through_service(
        self, request: HttpRequest, obj: RecipientRequest, values: dict[str, Any], change: bool
    ) -> RecipientRequest:
        if obj.status == Status.TO_SEND:
            return recipient_requests.recipient_request_mark_sent(
                request=obj, actor=request.user, note=values.get("sent_how", "")
            )
        return recipient_requests.recipient_request_confirm(
            request=obj,
            via=RecipientRequest.Via.STAFF,
            by_name=values.get("confirmed_by_name", ""),
            note=values.get("confirmation_note", ""),
            actor=request.user,
        )
