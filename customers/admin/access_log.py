"""The access log: who read, exported, printed or disclosed which customers' personal data.
Append-only: shown and filtered here, never added, changed or deleted."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import admin
from django.db.models import Max, Min, QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from customers.admin.base import DateRangeFilter, PersonalDataAdminMixin, ReadOnlyAdminMixin
from customers.models import AccessLog
from customers.paginator import EstimatedCountPaginator

# Access log --------------------------------------------------------------------------------


def _date_choices(
    request: HttpRequest, first: datetime.datetime, last: datetime.datetime
) -> dict[str, Any]:
    """Django's date drill-down (year › month › day) for the access log, built from the first and
    the last entry's dates: Django's own asks the database for every distinct year, month or day,
    which reads the whole table."""
    params = request.GET.copy()
    for name in ("at__year", "at__month", "at__day", "p"):
        params.pop(name, None)

    def link(**values: int) -> str:
        query = params.copy()
        for name, value in values.items():
            query[f"at__{name}"] = str(value)
        return f"?{query.urlencode()}"

    def number(name: str) -> int | None:
        value = request.GET.get(f"at__{name}", "")
        return int(value) if value.isdigit() else None

    year, month, day = number("year"), number("month"), number("day")
    if year is None or not first.year <= year <= last.year:
        return {
            "back": None,
            "choices": [
                {"link": link(year=y), "title": str(y)} for y in range(first.year, last.year + 1)
            ],
        }
    if month is None or not 1 <= month <= 12:
        months = [
            datetime.date(year, m, 1)
            for m in range(1, 13)
            if (first.year, first.month) <= (year, m) <= (last.year, last.month)
        ]
        return {
            "back": {"link": link(), "title": _("All dates")},
            "choices": [
                {
                    "link": link(year=year, month=m.month),
                    "title": capfirst(formats.date_format(m, "YEAR_MONTH_FORMAT")),
                }
                for m in months
            ],
        }
    start = datetime.date(year, month, 1)
    days = [
        date
        for date in (start + datetime.timedelta(days=n) for n in range(31))
        if date.month == month and first.date() <= date <= last.date()
    ]
    chosen = next((date for date in days if date.day == day), None)
    if chosen is None:
        return {
            "back": {"link": link(year=year), "title": str(year)},
            "choices": [
                {
                    "link": link(year=year, month=month, day=date.day),
                    "title": capfirst(formats.date_format(date, "MONTH_DAY_FORMAT")),
                }
                for date in days
            ],
        }
    return {
        "back": {
            "link": link(year=year, month=month),
            "title": capfirst(formats.date_format(start, "YEAR_MONTH_FORMAT")),
        },
        "choices": [
            {"link": None, "title": capfirst(formats.date_format(chosen, "MONTH_DAY_FORMAT"))}
        ],
    }


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyAdminMixin, PersonalDataAdminMixin, admin.ModelAdmin):
    """Who read, exported, printed or disclosed which customer's personal data, and from where.
    Append-only: nobody adds, changes or deletes an entry here (services.access_log_record
    writes them); only staff with customers.view_accesslog see it."""

    list_display = ("at", "staff", "customer_link", "action", "detail", "ip_address")
    personal_columns = {"customer_link": "customer"}
    list_filter = ("staff", "action", ("at", DateRangeFilter))
    list_select_related = ("staff", "customer")
    date_hierarchy = "at"
    # get_search_results does the searching: a customer's id.
    search_fields = ("customer__id",)
    search_help_text = _("A customer's id: 123 or #123.")
    raw_id_fields = ("staff", "customer")
    fields = ("at", "staff", "customer", "action", "detail", "ip_address")
    readonly_fields = fields
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    actions = None

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[AccessLog], search_term: str
    ) -> tuple[QuerySet[AccessLog], bool]:
        term = search_term.strip().removeprefix("#")
        if not term:
            return queryset, False
        if not term.isdigit():
            return queryset.none(), False
        return queryset.filter(customer_id=int(term)), False

    @admin.display(description=_("customer"), ordering="customer")
    def customer_link(self, obj: AccessLog) -> str:
        url = reverse("admin:customers_customer_change", args=[obj.customer_id])
        return format_html('<a href="{}">#{} {}</a>', url, obj.customer_id, obj.customer)

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        bounds = AccessLog.objects.aggregate(first=Min("at"), last=Max("at"))
        dates = None
        if bounds["first"] is not None:
            first, last = timezone.localtime(bounds["first"]), timezone.localtime(bounds["last"])
            dates = _date_choices(request, first, last)
        return super().changelist_view(
            request, {**(extra_context or {}), "access_log_dates": dates}
        )
