"""The queued tasks (customers/kernel/outbox.py): what waits for a broker that was down, for the
administrator to see. Written by the services and deliver_outbox only."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from customers.admin.base import ReadOnlyAdminMixin
from customers.kernel.outbox import OutboxTask
from customers.paginator import EstimatedCountPaginator


class PublishedFilter(admin.SimpleListFilter):
    title = _("published")
    parameter_name = "published"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("no", _("Waiting")), ("yes", _("Published"))]

    def queryset(
        self, request: HttpRequest, queryset: QuerySet[OutboxTask]
    ) -> QuerySet[OutboxTask]:
        if self.value() in ("yes", "no"):
            return queryset.filter(published_at__isnull=self.value() == "no")
        return queryset


@admin.register(OutboxTask)
class OutboxTaskAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("task", "arguments", "created_at", "published_at", "attempts", "last_error")
    list_filter = (PublishedFilter,)
    list_select_related = ()
    search_fields = ("task",)
    ordering = ("-created_at", "-id")
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    actions = None

    @admin.display(description=_("arguments"))
    def arguments(self, obj: OutboxTask) -> str:
        """The task's arguments as they are passed (ids), an absent one as a dash."""
        return ", ".join(
            "—" if value is None else json.dumps(value, ensure_ascii=False) for value in obj.args
        )
