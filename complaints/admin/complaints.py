"""The back office of complaints and data-subject requests: the queue, each complaint's page with
a button per step it may take next, the actions requests ask for on the customer's data, and
the deadline table and holiday list.

A complaint's page is read-only: every step is its own small page whose form calls
complaints.services (seed 004 §7: received → classified and routed → resolved). A refusal by a
service is a form error or a message, never an error page. Nothing is deleted here: complaints
are the proof that requests were answered.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from complaints import deadlines, holidays, selectors, services
from complaints.admin import complaint_pages
from complaints.admin.complaint_forms import ComplaintAddForm
from complaints.models import (
    PENDING_STATUSES,
    Complaint,
    ComplaintEvent,
    ComplaintMessage,
    DeadlineRule,
    Department,
    Evidence,
    HolidayYear,
    PublicHoliday,
    normalize_tracking_code,
)
from customers import masking
from customers.admin.base import (
    ReadOnlyAdminMixin,
    ReadOnlyInline,
    ServiceModelAdmin,
    name_match,
    refusal_text,
)
from customers.kernel.forms import add_service_errors
from customers.kernel.text import local_datetime
from customers.models import RecipientRequest
from customers.paginator import EstimatedCountPaginator
from customers.validators import clean_digits, format_phone_national, phone_search_key

VIEW_PERMISSION = "complaints.view_complaint"


# The queue's filters ------------------------------------------------------------------------


class AcknowledgementFilter(admin.SimpleListFilter):
    """The 2-working-day answer (Decree 356/2025 Art. 5): not given yet, to give by phone (no
    email address: the call list), or late."""

    title = _("acknowledgement")
    parameter_name = "acknowledgement"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [
            ("to_call", _("To call (no email address)")),
            ("pending", _("Not answered yet")),
            ("due", _("Not answered yet, still in time")),
            ("late", _("Late")),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        waiting = queryset.filter(status__in=PENDING_STATUSES, acknowledged_at__isnull=True)
        if self.value() == "to_call":
            return waiting.filter(submitter_email="")
        if self.value() == "pending":
            return waiting
        if self.value() == "late":
            return waiting.filter(acknowledge_due_at__lt=timezone.now())
        if self.value() == "due":
            return waiting.filter(acknowledge_due_at__gte=timezone.now())
        return queryset


class OverdueFilter(admin.SimpleListFilter):
    """Pending complaints past their due time, due within a day, or on time."""

    title = _("deadline")
    parameter_name = "deadline"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [
            ("overdue", _("Overdue")),
            ("soon", _("Due within a day")),
            ("today", _("Due today")),
            ("next_2_days", _("Due in the next 2 days")),
            ("on_time", _("On time")),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        now = timezone.now()
        overdue = Q(status__in=PENDING_STATUSES, due_at__lt=now)
        if self.value() == "overdue":
            return queryset.filter(overdue)
        if self.value() == "soon":
            return queryset.filter(
                status__in=PENDING_STATUSES,
                due_at__gte=now,
                due_at__lt=now + datetime.timedelta(days=1),
            )
        bounds = selectors.deadline_bounds(now)
        if self.value() == "today":
            return queryset.filter(
                status__in=PENDING_STATUSES, due_at__gte=now, due_at__lte=bounds["today_end"]
            )
        if self.value() == "next_2_days":
            return queryset.filter(
                status__in=PENDING_STATUSES,
                due_at__gt=bounds["today_end"],
                due_at__lte=bounds["two_days_end"],
            )
        if self.value() == "on_time":
            return queryset.exclude(overdue)
        return queryset


class OpenFilter(admin.SimpleListFilter):
    """The queue opens on what is still to be done: open items unless staff ask for the closed
    ones, for all, for a status, or search (a search finds a closed complaint too)."""

    title = _("open or closed")
    parameter_name = "open"
    DEFAULT = "open"

    def __init__(self, request: HttpRequest, params: dict[str, Any], model: Any, model_admin: Any):
        self.explicit = bool(request.GET.get("q") or request.GET.get("status__exact"))
        super().__init__(request, params, model, model_admin)

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("open", _("Open")), ("closed", _("Closed")), ("all", _("All"))]

    def value(self) -> Any:
        value = super().value()
        return value if value is not None or self.explicit else self.DEFAULT

    def choices(self, changelist: Any) -> Any:
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "open":
            return queryset.filter(status__in=PENDING_STATUSES)
        if self.value() == "closed":
            return queryset.exclude(status__in=PENDING_STATUSES)
        return queryset


class MineFilter(admin.SimpleListFilter):
    """The complaints assigned to whoever is looking."""

    title = _("assigned to me")
    parameter_name = "mine"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("1", _("Mine"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "1":
            return queryset.filter(assignee=request.user)
        return queryset


def staff_name(user: Any) -> str:
    """Staff by their full name, the Vietnamese way (family name first: "Phạm Thị Lan"), or
    the login when no name is recorded."""
    if user is None:
        return "—"
    full = f"{user.last_name} {user.first_name}".strip()
    return full or str(user.get_username())


class AssigneeFilter(admin.RelatedFieldListFilter):
    """Only the staff who may be assigned complaints (those who can resolve them)."""

    def field_choices(self, field: Any, request: HttpRequest, model_admin: Any) -> Any:
        return [(user.pk, staff_name(user)) for user in selectors.staff_who_can_resolve()]


# Inlines: read-only, changed only through the steps -----------------------------------------


class ComplaintInline(ReadOnlyInline):
    show_change_link = False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Part of the complaint: whoever may see the complaint sees its files, notes and events.
        return bool(request.user.has_perm(VIEW_PERMISSION))


class EvidenceInline(ComplaintInline):
    model = Evidence
    fields = ("original_name", "content_type", "size", "uploaded_at", "download")
    verbose_name_plural = _("evidence files")

    @admin.display(description=_("download"))
    def download(self, obj: Evidence) -> str:
        if obj.pk is None or not obj.file:
            return "—"
        url = reverse("admin:complaints_complaint_evidence", args=[obj.complaint_id, obj.pk])
        return format_html('<a href="{}" class="evidence-download">{}</a>', url, _("Download"))

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)
        if masking.can_see_full(request.user):
            return fieldsets
        # The file shows personal data: no link for staff who see it masked.
        return [
            (title, {**options, "fields": [f for f in options["fields"] if f != "download"]})
            for title, options in fieldsets
        ]


class MessageInline(ComplaintInline):
    model = ComplaintMessage
    fields = ("shown_to", "body", "author", "created_at", "emailed_at")
    verbose_name_plural = _("notes and replies")

    def get_queryset(self, request: HttpRequest) -> QuerySet[ComplaintMessage]:
        return super().get_queryset(request).select_related("author")

    @admin.display(description=_("visibility"))
    def shown_to(self, obj: ComplaintMessage) -> str:
        if obj.visibility == ComplaintMessage.Visibility.CUSTOMER:
            return format_html(
                '<strong class="message-visibility message-to-customer" '
                'style="color: var(--message-success-fg, #2e7d32)">{}</strong>',
                _("Reply to the customer"),
            )
        return format_html(
            '<span class="message-visibility message-internal">{}</span>', _("Internal note")
        )


class EventInline(ComplaintInline):
    model = ComplaintEvent
    fields = ("at", "actor", "action", "change", "detail")
    verbose_name_plural = _("what happened")

    def get_queryset(self, request: HttpRequest) -> QuerySet[ComplaintEvent]:
        return super().get_queryset(request).select_related("actor")

    @admin.display(description=_("from → to"))
    def change(self, obj: ComplaintEvent) -> str:
        if not obj.to_status:
            return "—"
        if not obj.from_status:
            return obj.get_to_status_display()
        return f"{obj.get_from_status_display()} → {obj.get_to_status_display()}"


# Complaints ---------------------------------------------------------------------------------


@admin.register(Complaint)
class ComplaintAdmin(ServiceModelAdmin):
    """The queue of complaints and requests, pending ones first by due time."""

    list_display = (
        "tracking_code",
        "kind",
        "status",
        "department",
        "assignee_shown",
        "received_at",
        "due",
        "customer_link",
    )
    list_display_links = ("tracking_code",)
    list_filter = (
        OpenFilter,
        MineFilter,
        OverdueFilter,
        AcknowledgementFilter,
        "status",
        "kind",
        "department",
        ("assignee", AssigneeFilter),
    )
    list_select_related = ("assignee", "customer", "department")
    # get_search_results does the searching (exact, indexed); these only name what it reads.
    search_fields = ("tracking_code", "submitter_phone", "submitter_email")
    search_help_text = _(
        "Tracking code, the submitter's name (with or without accents), phone number or its last"
        " digits, or email."
    )
    raw_id_fields = ("assignee", "duplicate_of", "incident")
    autocomplete_fields = ("customer",)  # by name or phone (CustomerAdmin's search)
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    actions = None
    inlines = (EvidenceInline, MessageInline, EventInline)
    change_form_template = "admin/complaints/complaint/change_form.html"
    change_list_template = "admin/complaints/complaint/change_list.html"
    personal_columns = {"customer_link": "customer"}
    # The page shows the complaint's contact and its linked customer: opening it is logged.
    access_log_views = True
    fieldsets = (
        (None, {"fields": ("tracking_code", "kind", "status", "channel", "language")}),
        (
            _("Submitted by"),
            {
                "fields": (
                    "submitter_name",
                    "submitter_phone",
                    "submitter_email",
                    "description",
                    "consent_to_process",
                )
            },
        ),
        (_("Customer"), {"fields": ("customer", "customer_linked_at", "customer_linked_by")}),
        (
            _("Who asks"),
            {
                "fields": (
                    "representative_name",
                    "representative_relation",
                    "representative_proof",
                    "identity_verified_at",
                    "identity_verified_by",
                    "identity_method",
                    "identity_note",
                )
            },
        ),
        (
            _("Handling"),
            {
                "fields": (
                    "department",
                    "assignee",
                    "third_party_involved",
                    "recipients_asked",
                    "duplicate_of",
                    "incident",
                )
            },
        ),
        (
            _("Deadlines"),
            {
                "fields": (
                    "received_at",
                    "acknowledge_due_at",
                    "acknowledged_at",
                    "due_at",
                    "extension_days",
                    "extension_reason",
                    "extended_at",
                )
            },
        ),
        (
            _("Result"),
            {
                "fields": (
                    "resolution",
                    "response_channel",
                    "phone_call_at",
                    "phone_call_summary",
                    "resolved_at",
                    "closed_at",
                    "rejection_reason",
                )
            },
        ),
    )

    # The queue ------------------------------------------------------------------------------

    def get_ordering(self, request: HttpRequest) -> list[Any]:
        # Pending ones first, the most urgent on top.
        pending_first = Case(
            When(status__in=PENDING_STATUSES, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
        return [pending_first.asc(), F("due_at").asc()]

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Complaint], search_term: str
    ) -> tuple[QuerySet[Complaint], bool]:
        term = search_term.strip()
        if not term:
            return queryset, False
        match = Q()
        code = normalize_tracking_code(term)
        if code:
            match |= Q(tracking_code=code)
        phone = phone_search_key(term)
        if phone:
            match |= Q(submitter_phone=phone)
        if "@" in term and " " not in term:
            match |= Q(submitter_email=term.lower())  # stored lower-case
        digits = clean_digits(term)
        if not phone and digits.isdigit() and 4 <= len(digits) <= 8 and digits == term.strip():
            # The last digits of the phone the caller reads out ("…8539"); an erased phone is a
            # keyed hash, never starting with "+".
            match |= Q(submitter_phone__endswith=digits, submitter_phone__startswith="+")
        if any(character.isalpha() for character in term) and "@" not in term:
            match |= name_match(term, prefix="submitter_")
        if not match:
            return queryset.none(), False
        return queryset.filter(match), False

    @admin.display(description=_("assignee"), ordering="assignee__last_name")
    def assignee_shown(self, obj: Complaint) -> str:
        return staff_name(obj.assignee)

    @admin.display(description=_("due at"), ordering="due_at")
    def due(self, obj: Complaint) -> str:
        shown = local_datetime(obj.due_at, empty="—")
        if obj.is_overdue():
            return format_html(
                '{} <strong class="complaint-overdue" style="color: #fff; '
                'background: var(--error-fg, #ba2121); padding: 0 .4em; border-radius: 3px">'
                "{}</strong>",
                shown,
                _("overdue"),
            )
        return shown

    @admin.display(description=_("customer"), ordering="customer")
    def customer_link(self, obj: Complaint) -> str:
        if obj.customer_id is None:
            return "—"
        url = reverse("admin:customers_customer_change", args=[obj.customer_id])
        return format_html('<a href="{}">#{} {}</a>', url, obj.customer_id, obj.customer)

    # The page: read-only, the steps are buttons ------------------------------------------------

    def get_fieldsets(self, request: HttpRequest, obj: Complaint | None = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)
        # In full, the phone reads the Vietnamese way (masked, the mixin has replaced the name).
        return [
            (
                title,
                {
                    **options,
                    "fields": [
                        "submitter_phone_national" if name == "submitter_phone" else name
                        for name in options["fields"]
                    ],
                },
            )
            for title, options in fieldsets
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Complaint | None = None) -> Any:
        readonly = list(super().get_readonly_fields(request, obj))
        return [*readonly, "submitter_phone_national", "recipients_asked"]

    @admin.display(description=_("recipients asked to act"))
    def recipients_asked(self, obj: Complaint) -> str:
        """The requests to act carrying this request out (customers.recipient_requests)."""
        if obj.customer_id is None:
            return "—"
        asked = RecipientRequest.objects.filter(
            customer_id=obj.customer_id, reference=obj.tracking_code
        ).select_related("recipient")
        rows = [
            format_html(
                '<a href="{}">{} — {}, {} {}</a>{}',
                reverse("admin:customers_recipientrequest_change", args=[request.pk]),
                request.recipient.name,
                request.get_action_display(),
                _("due"),
                local_datetime(request.due_at),
                format_html(" ✔ {}", request.get_status_display())
                if not request.is_open
                else (
                    format_html(" <strong>{}</strong>", _("overdue")) if request.is_overdue else ""
                ),
            )
            for request in asked[:20]
        ]
        return format_html("<br>".join(["{}"] * len(rows)), *rows) if rows else "—"

    @admin.display(description=_("phone"))
    def submitter_phone_national(self, obj: Complaint) -> str:
        return format_phone_national(obj.submitter_phone) or "—"

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None:
            return False  # a complaint moves on only through its steps (the services)
        return bool(super().has_change_permission(request, obj))

    def save_through_service(
        self, request: HttpRequest, obj: Complaint, values: dict[str, Any], change: bool
    ) -> Complaint:
        raise PermissionDenied  # the add form and the steps call the services themselves

    def record_page_context(self, request: HttpRequest, obj: Complaint) -> dict[str, Any]:
        return complaint_pages.change_page_context(self, request, obj)

    def get_urls(self) -> list[URLPattern]:
        wrap = self.admin_site.admin_view
        urls = [
            path(
                "<path:object_id>/evidence/<int:evidence_id>/",
                wrap(self.evidence_view),
                name="complaints_complaint_evidence",
            ),
            path(
                "<path:object_id>/export/",
                wrap(self.export_preview_view),
                name="complaints_complaint_export",
            ),
            path(
                "<path:object_id>/export/json/",
                wrap(self.export_json_view),
                name="complaints_complaint_export_json",
            ),
            path(
                "<path:object_id>/export/pdf/",
                wrap(self.export_pdf_view),
                name="complaints_complaint_export_pdf",
            ),
        ]
        return [*complaint_pages.STEPS.urls(self), *urls, *super().get_urls()]

    def evidence_view(self, request: HttpRequest, object_id: str, evidence_id: int) -> Any:
        return complaint_pages.evidence_view(self, request, object_id, evidence_id)

    def export_preview_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return complaint_pages.export_view(self, request, object_id, as_format="page")

    def export_json_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return complaint_pages.export_view(self, request, object_id, as_format="json")

    def export_pdf_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return complaint_pages.export_view(self, request, object_id, as_format="pdf")

    # Staff record a complaint received by phone, email, letter or in person -------------------

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ComplaintAddForm(
            request.POST if request.method == "POST" else None,
            request.FILES if request.method == "POST" else None,
        )
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                complaint = services.complaint_submit(
                    name=data["name"],
                    phone=data["phone"],
                    email=data["email"],
                    kind=data["kind"],
                    description=data["description"],
                    files=data["evidence"],
                    language=data["language"],
                    channel=data["channel"],
                    actor=request.user,
                    when=data["received_at"],
                )
            except PermissionDenied as denied:
                self.message_user(request, refusal_text(denied), messages.ERROR)
                return HttpResponseRedirect(reverse("admin:complaints_complaint_changelist"))
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                self.message_user(
                    request,
                    _("Recorded as %(code)s. Due on %(due)s.")
                    % {
                        "code": complaint.tracking_code,
                        "due": local_datetime(complaint.due_at, empty="—"),
                    },
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(
                    reverse("admin:complaints_complaint_change", args=[complaint.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "title": _("Record a complaint or request"),
            "opts": self.opts,
            "form": form,
            "has_view_permission": self.has_view_permission(request),
            **(extra_context or {}),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/complaints/complaint/add_form.html", context)


# The deadline table and the working calendar ------------------------------------------------


@admin.register(DeadlineRule)
class DeadlineRuleAdmin(ServiceModelAdmin):
    """One row per kind, made by a migration: Legal & compliance change the numbers (Law
    91/2025/QH15, Decree 356/2025/ND-CP)."""

    list_display = (
        "kind",
        "acknowledge_working_days",
        "resolve_days",
        "resolve_unit",
        "third_party_resolve_days",
        "max_extension_days",
        "note",
    )
    list_filter = ("resolve_unit",)
    list_select_related = ()
    search_fields = ("kind", "note")
    readonly_fields = ("kind",)
    fields = (
        "kind",
        "acknowledge_working_days",
        "resolve_days",
        "resolve_unit",
        "third_party_resolve_days",
        "max_extension_days",
        "note",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def save_through_service(
        self, request: HttpRequest, obj: DeadlineRule, values: dict[str, Any], change: bool
    ) -> DeadlineRule:
        try:
            return deadlines.deadline_rule_save(rule=obj, actor=request.user)
        except PermissionDenied as denied:
            raise ValidationError(refusal_text(denied), code="permission") from denied


class YearFilter(admin.SimpleListFilter):
    title = _("year")
    parameter_name = "year"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        years = PublicHoliday.objects.dates("date", "year", order="DESC")
        return [(str(day.year), str(day.year)) for day in years]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if value and value.isdigit():
            return queryset.filter(date__year=int(value))
        return queryset


@admin.register(Department)
class DepartmentAdmin(ServiceModelAdmin):
    """The departments complaints are routed to (seed 004 §7, step 2), kept by Legal &
    compliance. Switched off, never deleted: the complaints routed to one keep it."""

    list_display = ("name", "code", "is_active")
    list_filter = ("is_active",)
    list_select_related = ()
    search_fields = ("name", "code")
    fields = ("name", "code", "is_active")
    show_facets = admin.ShowFacets.NEVER

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # The code is what routed complaints point to: fixed once the department exists.
        readonly = tuple(super().get_readonly_fields(request, obj))
        return (*readonly, "code") if obj is not None else readonly

    def save_through_service(
        self, request: HttpRequest, obj: Department, values: dict[str, Any], change: bool
    ) -> Department:
        try:
            return services.department_save(department=obj, actor=request.user)
        except PermissionDenied as denied:
            raise ValidationError(refusal_text(denied), code="permission") from denied


@admin.register(HolidayYear)
class HolidayYearAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Which years' holiday lists Legal & compliance confirmed (the action on Public holidays)."""

    list_display = ("year", "confirmed_at", "confirmed_by")
    actions = None


@admin.register(PublicHoliday)
class PublicHolidayAdmin(ServiceModelAdmin):
    """Days off that deadlines in working days skip (Labour Code 2019 Art. 112, and the
    Government's yearly notice of the days swapped around Tết)."""

    list_display = ("date", "weekday", "name")
    list_filter = (YearFilter,)
    list_select_related = ()
    search_fields = ("name",)
    ordering = ("date",)
    fields = ("date", "name")
    actions = ["confirm_years"]

    @admin.action(
        description=_("Confirm the list of the selected days' years"), permissions=["change"]
    )
    def confirm_years(self, request: HttpRequest, queryset: QuerySet[PublicHoliday]) -> None:
        years = sorted({day.year for day in queryset.values_list("date", flat=True)})
        try:
            for year in years:
                holidays.holiday_year_confirm(year=year, actor=request.user)
        except PermissionDenied as denied:
            self.message_user(request, refusal_text(denied), messages.ERROR)
            return
        self.message_user(
            request,
            _("The public holidays of %(years)s are confirmed.")
            % {"years": ", ".join(str(year) for year in years)},
            messages.SUCCESS,
        )

    @admin.display(description=_("weekday"))
    def weekday(self, obj: PublicHoliday) -> str:
        from django.utils.dateformat import format as date_format

        return date_format(obj.date, "l")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A holiday entered by mistake is removed; the history keeps what it was.
        return bool(admin.ModelAdmin.has_delete_permission(self, request, obj))

    def save_through_service(
        self, request: HttpRequest, obj: PublicHoliday, values: dict[str, Any], change: bool
    ) -> PublicHoliday:
        try:
            return holidays.public_holiday_save(holiday=obj, actor=request.user)
        except PermissionDenied as denied:
            raise ValidationError(refusal_text(denied), code="permission") from denied

    def delete_model(self, request: HttpRequest, obj: PublicHoliday) -> None:
        holidays.public_holiday_delete(holiday=obj, actor=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[PublicHoliday]) -> None:
        for holiday in queryset:
            holidays.public_holiday_delete(holiday=holiday, actor=request.user)
