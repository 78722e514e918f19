"""The back office of retention: rules, erasure requests, legal holds, and what the purges did.

Every write goes through retention.services; a refusal comes back as a message or on the form,
never as an error page. Nothing is deleted here: requests, holds, runs and receipts are the proof
that the retention promises were kept.
"""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.apps import apps as django_apps
from django.contrib import admin, messages
from django.contrib.admin.utils import flatten_fieldsets
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.forms import BaseModelForm
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from complaints import services as complaint_services
from complaints.admin import complaint_pages
from complaints.admin.complaint_forms import CallForm
from complaints.models import Complaint, Kind
from complaints.selectors import unlinked_complaints_matching
from customers import masking
from customers.admin.base import ACTION_LIMIT, ReadOnlyAdminMixin, ServiceModelAdmin, refusal_text
from customers.admin.steps import ConfirmForm, Step, StepForm, Steps
from customers.kernel.text import local_datetime, whole_number
from customers.models import Customer
from customers.paginator import EstimatedCountPaginator
from retention import erasure, jobs, selectors, services
from retention.models import (
    JOB_ADMIN,
    ErasureReceipt,
    ErasureRequest,
    LegalHold,
    PurgeRun,
    RetentionRule,
    job_label,
)


def _customer_id_search(queryset: QuerySet[Any], search_term: str) -> QuerySet[Any]:
    """A customer's id, typed as 123 or #123 (an indexed lookup; names live in customers)."""
    term = search_term.strip().removeprefix("#")
    if not term:
        return queryset
    if not term.isdigit():
        return queryset.none()
    return queryset.filter(customer_id=int(term))


def _customer_link(customer_id: int | None, shown: Any = None) -> str:
    if customer_id is None:
        return "—"
    url = reverse("admin:customers_customer_change", args=[customer_id])
    if shown is None:
        return format_html('<a href="{}">#{}</a>', url, customer_id)
    return format_html('<a href="{}">#{} {}</a>', url, customer_id, shown)


class ReadOnlyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """What the jobs wrote."""

    actions = None


# Retention rules --------------------------------------------------------------------------


@admin.register(RetentionRule)
class RetentionRuleAdmin(ServiceModelAdmin):
    """The retention promises of the policy (seeds §3), edited by Legal & compliance. A rule is
    switched off (active), never deleted."""

    list_display = ("name", "code", "target", "clock_start", "period_months", "action", "is_active")
    list_filter = ("is_active", "target", "action")
    list_select_related = ()
    search_fields = ("code", "name")
    fields = (
        "code",
        "name",
        "description",
        "target",
        "clock_start",
        "period_months",
        "action",
        "is_active",
    )
    show_facets = admin.ShowFacets.NEVER

    def save_through_service(
        self, request: HttpRequest, obj: RetentionRule, values: dict[str, Any], change: bool
    ) -> RetentionRule:
        return services.rule_save(rule=obj, actor=request.user)


# Erasure requests -------------------------------------------------------------------------


class RefusalToTellFilter(admin.SimpleListFilter):
    """Refusals the customer was not told yet (no email address: call them)."""

    title = _("refusal told")
    parameter_name = "refusal_told"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("no", _("Not yet: call the customer"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "no":
            return queryset.filter(
                status=ErasureRequest.Status.REFUSED, refusal_told_at__isnull=True
            )
        return queryset


class OverdueFilter(admin.SimpleListFilter):
    title = _("overdue")
    parameter_name = "overdue"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("yes", _("Overdue")), ("no", _("On time or closed"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        overdue = {"status__in": selectors.OPEN_STATUSES, "due_at__lt": timezone.now()}
        if self.value() == "yes":
            return queryset.filter(**overdue)
        if self.value() == "no":
            return queryset.exclude(**overdue)
        return queryset


class VerifyForm(StepForm):
    note = forms.CharField(
        label=_("How the identity was verified"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("E.g. citizen ID shown at the counter; call-back to the registered phone."),
    )


class RefuseForm(StepForm):
    exception = forms.ChoiceField(
        label=_("Legal exception"),
        choices=[
            ("", "---------"),
            *[(ground.value, ground.label) for ground in ErasureRequest.GROUNDS_IN_FORCE],
        ],
        help_text=_(
            "Law 91/2025/QH15 Art. 14(2): the cases of Art. 19, or a request against Art. 4(3). "
            "An unverified identity is no ground: the request stays incomplete until verified."
        ),
    )
    reason = forms.CharField(
        label=_("Reason sent to the customer"),
        widget=forms.Textarea(attrs={"rows": 4}),
    )


def _verify(request: HttpRequest, obj: ErasureRequest, form: Any) -> str:
    services.erasure_request_verify(request=obj, actor=request.user, note=form.cleaned_data["note"])
    return gettext("Identity verified.")


def _approve(request: HttpRequest, obj: ErasureRequest, form: Any) -> str:
    services.erasure_request_approve(request=obj, actor=request.user)
    return gettext("Approved: the customer will be erased at the next run of the executor.")


def _refuse(request: HttpRequest, obj: ErasureRequest, form: Any) -> str:
    data = form.cleaned_data
    services.erasure_request_refuse(
        request=obj, actor=request.user, exception=data["exception"], reason=data["reason"]
    )
    return gettext("Refused: the reason will be emailed to the customer.")


# At most this many of the customer's unlinked complaints are listed on a request's page.
UNLINKED_SHOWN = 20


def _what_is_erased(request: HttpRequest, obj: ErasureRequest) -> dict[str, Any]:
    """What the DPO reads before approving: who is erased, a legal hold, the complaint the
    request came from, and the complaints never linked that the erasure reaches too (filed with
    the same phone or email)."""
    customer = obj.customer
    unlinked = unlinked_complaints_matching(Customer.objects.filter(pk=obj.customer_id))
    origin = obj.complaint
    preview = None
    if obj.status in selectors.OPEN_STATUSES and customer.status != Customer.Status.ERASED:
        preview = _preview_shown(erasure.erasure_preview(obj.customer_id))
    return {
        "erasure_preview": preview,
        "erased_customer": f"#{customer.pk} "
        + (str(customer) if masking.can_see_full(request.user) else masking.masked_str(customer)),
        "origin_complaint": (
            (origin.tracking_code, reverse("admin:complaints_complaint_change", args=[origin.pk]))
            if origin is not None
            else None
        ),
        "legal_hold": selectors.legal_hold_active_for(obj.customer_id),
        "unlinked_complaints": [
            (c.tracking_code, reverse("admin:complaints_complaint_change", args=[c.pk]))
            for c in unlinked.order_by("received_at")[:UNLINKED_SHOWN]
        ],
    }


def _preview_shown(preview: erasure.ErasurePreview) -> dict[str, Any]:
    """The preview as Legal reads it: record types by their names, the fields a kept row keeps."""

    def kept_fields(line: erasure.PreviewLine) -> str:
        model = django_apps.get_model(line.label)
        return ", ".join(str(model._meta.get_field(name).verbose_name) for name in line.kept_fields)

    return {
        "deleted": [(record_type_name(line.label), line.rows) for line in preview.deleted],
        "kept": [
            (record_type_name(line.label), line.rows, kept_fields(line)) for line in preview.kept
        ],
        "files": preview.files,
    }


def _refusal_call(request: HttpRequest, obj: ErasureRequest, form: Any) -> str:
    data = form.cleaned_data
    services.erasure_refusal_told_by_call(
        request=obj, actor=request.user, called_at=data["called_at"], summary=data["summary"]
    )
    return gettext("The call is recorded.")


def _step_context(request: HttpRequest, obj: ErasureRequest) -> dict[str, Any]:
    return _what_is_erased(request, obj)


# A step posted anyway is judged by the service, whose refusal names the role or the step that
# is missing ("Verify the requester's identity first").
STEPS = Steps(
    template="admin/retention/erasurerequest/step.html",
    route="<path:object_id>/<str:step>/step/",
    context=_step_context,
    steps=(
        Step(
            "verify",
            _("Verify the requester's identity"),
            VerifyForm,
            _verify,
            permissions=("retention.change_erasurerequest",),
            available=lambda obj: obj.status == ErasureRequest.Status.RECEIVED,
            field_names={"verification_note": "note"},
            service_judges_role=True,
            service_judges_state=True,
        ),
        Step(
            "approve",
            _("Approve the erasure"),
            ConfirmForm,
            _approve,
            permissions=(services.APPROVE_PERMISSION,),
            available=lambda obj: obj.status == ErasureRequest.Status.VERIFIED,
            service_judges_role=True,
            service_judges_state=True,
        ),
        Step(
            "refusal_call",
            _("Record the call that told the refusal"),
            CallForm,
            _refusal_call,
            permissions=("retention.change_erasurerequest",),
            available=lambda obj: (
                obj.status == ErasureRequest.Status.REFUSED and obj.refusal_told_at is None
            ),
            explanation=_(
                "The customer has no email address: call them, tell them the ground and the "
                "reason (Law 91/2025/QH15 Art. 14(5)), and record the call here."
            ),
            field_names={"called_at": "called_at", "summary": "summary"},
            service_judges_state=True,
        ),
        Step(
            "refuse",
            _("Refuse the erasure"),
            RefuseForm,
            _refuse,
            permissions=(services.APPROVE_PERMISSION,),
            available=lambda obj: obj.status in selectors.OPEN_STATUSES,
            field_names={"refusal_exception": "exception", "refusal_reason": "reason"},
            service_judges_role=True,
            service_judges_state=True,
        ),
    ),
)


@admin.register(ErasureRequest)
class ErasureRequestAdmin(ServiceModelAdmin):
    """Requests are recorded with the add form (customer and source) and moved on with the
    buttons of their page — verify, approve, refuse — each through retention.services. A
    request's page is otherwise read-only."""

    list_display = (
        "__str__",
        "customer_link",
        "source",
        "status",
        "received_at",
        "due",
        "verified_by",
        "approved_by",
    )
    personal_columns = {"customer_link": "customer"}
    list_filter = ("status", "source", OverdueFilter, RefusalToTellFilter)
    list_select_related = ("customer", "verified_by", "approved_by")
    search_fields = ("customer__id",)  # get_search_results does the searching
    search_help_text = _("A customer's id: 123 or #123.")
    autocomplete_fields = ("customer",)  # by name or phone (CustomerAdmin's search)
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    actions = ("approve_selected", "erase_now")
    change_form_template = "admin/retention/erasurerequest/change_form.html"
    # The page names the customer and how their identity was checked: opening it is logged.
    access_log_views = True
    add_fields = ("customer", "source")
    fieldsets = (
        (
            None,
            {"fields": ("customer", "source", "status", "received_at", "received_by", "due_at")},
        ),
        (_("Identity"), {"fields": ("verified_at", "verified_by", "verification_note")}),
        (_("Decision"), {"fields": ("approved_at", "approved_by", "executed_at")}),
        (
            _("Refusal"),
            {
                "fields": (
                    "refused_at",
                    "refused_by",
                    "refusal_exception",
                    "refusal_reason",
                    "refusal_told_at",
                    "refusal_told_how",
                )
            },
        ),
    )

    def get_fieldsets(self, request: HttpRequest, obj: ErasureRequest | None = None) -> Any:
        if obj is None:
            return ((None, {"fields": self.add_fields}),)
        return super().get_fieldsets(request, obj)

    def get_readonly_fields(self, request: HttpRequest, obj: ErasureRequest | None = None) -> Any:
        if obj is None:
            return ()
        readonly = list(super().get_readonly_fields(request, obj))
        return [*readonly, *flatten_fieldsets(self.get_fieldsets(request, obj))]

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> type[BaseModelForm[Any]]:
        form: Any = super().get_form(request, obj, change, **kwargs)
        if obj is None and "source" in form.base_fields:
            form.base_fields["source"].initial = ErasureRequest.Source.COMPLAINT
        return form

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None:
            return False  # a request moves on only through its buttons (the services)
        return bool(super().has_change_permission(request, obj))

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[ErasureRequest], search_term: str
    ) -> tuple[QuerySet[ErasureRequest], bool]:
        return _customer_id_search(queryset, search_term), False

    @admin.display(description=_("customer"), ordering="customer")
    def customer_link(self, obj: ErasureRequest) -> str:
        return _customer_link(obj.customer_id, obj.customer)

    @admin.display(description=_("due at"), ordering="due_at")
    def due(self, obj: ErasureRequest) -> str:
        shown = local_datetime(obj.due_at)
        if obj.status in selectors.OPEN_STATUSES and obj.due_at < timezone.now():
            return format_html(
                '<strong class="overdue" style="color: var(--error-fg, #ba2121)">{} ({})</strong>',
                shown,
                _("overdue"),
            )
        return shown

    def save_through_service(
        self, request: HttpRequest, obj: ErasureRequest, values: dict[str, Any], change: bool
    ) -> ErasureRequest:
        if change:
            raise PermissionDenied
        try:
            return services.erasure_request_create(
                customer=values["customer"], source=values["source"], actor=request.user
            )
        except PermissionDenied as denied:
            raise ValidationError(str(denied), code="permission") from denied

    # The steps --------------------------------------------------------------------------

    def get_urls(self) -> list[URLPattern]:
        return [*STEPS.urls(self), *super().get_urls()]

    def record_page_context(self, request: HttpRequest, obj: ErasureRequest) -> dict[str, Any]:
        return {"erasure_steps": STEPS.buttons(request, obj), **_what_is_erased(request, obj)}

    def has_approve_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.has_perm(services.APPROVE_PERMISSION))

    @admin.action(description=_("Approve selected requests"), permissions=["approve"])
    def approve_selected(self, request: HttpRequest, queryset: QuerySet[ErasureRequest]) -> None:
        self.act_on_each(
            request,
            queryset.select_related("customer"),
            lambda erasure_request: services.erasure_request_approve(
                request=erasure_request, actor=request.user
            ),
            too_many=_("Select at most %(limit)d requests at a time.") % {"limit": ACTION_LIMIT},
            describe=lambda erasure_request: f"#{erasure_request.pk}",
            done=lambda count: (
                ngettext("%(count)d request approved.", "%(count)d requests approved.", count)
                % {"count": count}
            ),
            not_done=lambda count, reasons: (
                ngettext(
                    "%(count)d request was not approved: %(reasons)s",
                    "%(count)d requests were not approved: %(reasons)s",
                    count,
                )
                % {"count": count, "reasons": reasons}
            ),
        )

    @admin.action(description=_("Erase now (approved requests)"), permissions=["approve"])
    def erase_now(self, request: HttpRequest, queryset: QuerySet[ErasureRequest]) -> None:
        """The admin path to the one erasure service, for an approved request that should not
        wait for the next run of the executor."""

        def erase(erasure_request: ErasureRequest) -> None:
            receipt = erasure.customer_erase(
                customer=erasure_request.customer,
                request=erasure_request,
                actor=request.user,
                job=JOB_ADMIN,
            )
            if receipt is None:
                raise ValidationError(
                    _("the customer is under a legal hold: nothing was erased"), code="legal_hold"
                )

        self.act_on_each(
            request,
            queryset.select_related("customer"),
            erase,
            too_many=_("Select at most %(limit)d requests at a time.") % {"limit": ACTION_LIMIT},
            describe=lambda erasure_request: f"#{erasure_request.pk}",
            done=lambda count: (
                ngettext(
                    "%(count)d customer erased; a receipt without personal data remains.",
                    "%(count)d customers erased; a receipt without personal data remains.",
                    count,
                )
                % {"count": count}
            ),
        )


# Legal holds ------------------------------------------------------------------------------


class ActiveHoldFilter(admin.SimpleListFilter):
    title = _("active")
    parameter_name = "active"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("yes", _("Active")), ("no", _("Lifted"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "yes":
            return queryset.filter(lifted_at__isnull=True)
        if self.value() == "no":
            return queryset.filter(lifted_at__isnull=False)
        return queryset


class LiftForm(forms.Form):
    reason = forms.CharField(
        label=_("Why the hold is lifted"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("E.g. the investigation closed (document number), the dispute settled."),
    )


@admin.register(LegalHold)
class LegalHoldAdmin(ServiceModelAdmin):
    """A hold is placed with the add form and lifted with the action (saying why); it is never
    changed otherwise nor deleted. Only Legal & compliance sees and uses this page."""

    list_display = (
        "__str__",
        "customer_link",
        "reason",
        "reference",
        "placed_at",
        "placed_by",
        "is_active",
        "lifted_at",
        "lifted_by",
    )
    personal_columns = {"customer_link": "customer"}
    list_filter = (ActiveHoldFilter,)
    list_select_related = ("customer", "placed_by", "lifted_by")
    search_fields = ("customer__id",)  # get_search_results does the searching
    search_help_text = _("A customer's id: 123 or #123.")
    autocomplete_fields = ("customer",)  # by name or phone (CustomerAdmin's search)
    show_facets = admin.ShowFacets.NEVER
    actions = ("lift_selected",)
    access_log_views = True  # the page names the customer and the authority's case
    add_fields = ("customer", "reason", "reference", "note")
    fieldsets = (
        (None, {"fields": ("customer", "reason", "reference", "note")}),
        (_("Placed"), {"fields": ("placed_at", "placed_by")}),
        (_("Lifted"), {"fields": ("lifted_at", "lifted_by", "lift_reason")}),
    )

    def get_fieldsets(self, request: HttpRequest, obj: LegalHold | None = None) -> Any:
        if obj is None:
            return ((None, {"fields": self.add_fields}),)
        return super().get_fieldsets(request, obj)

    def get_readonly_fields(self, request: HttpRequest, obj: LegalHold | None = None) -> Any:
        if obj is None:
            return ()
        readonly = list(super().get_readonly_fields(request, obj))
        return [*readonly, *flatten_fieldsets(self.get_fieldsets(request, obj))]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None:
            return False  # lifted with the action, never edited
        return bool(super().has_change_permission(request, obj))

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[LegalHold], search_term: str
    ) -> tuple[QuerySet[LegalHold], bool]:
        return _customer_id_search(queryset, search_term), False

    @admin.display(description=_("customer"), ordering="customer")
    def customer_link(self, obj: LegalHold) -> str:
        return _customer_link(obj.customer_id, obj.customer)

    @admin.display(description=_("active"), boolean=True)
    def is_active(self, obj: LegalHold) -> bool:
        return obj.is_active

    def save_through_service(
        self, request: HttpRequest, obj: LegalHold, values: dict[str, Any], change: bool
    ) -> LegalHold:
        if change:
            raise PermissionDenied
        try:
            return services.legal_hold_place(actor=request.user, **values)
        except PermissionDenied as denied:
            raise ValidationError(str(denied), code="permission") from denied

    @admin.action(description=_("Lift selected holds"), permissions=["change"])
    def lift_selected(
        self, request: HttpRequest, queryset: QuerySet[LegalHold]
    ) -> HttpResponse | None:
        """Ask why (like Django's delete confirmation), then lift each hold through
        services.legal_hold_lift."""
        form = LiftForm(request.POST if request.POST.get("post") else None)
        if form.is_valid():
            self._lift(request, queryset, reason=form.cleaned_data["reason"])
            return None
        return self.action_confirmation(
            request,
            queryset,
            form=form,
            title=_("Lift legal holds"),
            template="admin/retention/legalhold/lift_selected_confirmation.html",
            listed_as="holds",
        )

    def _lift(self, request: HttpRequest, queryset: QuerySet[LegalHold], *, reason: str) -> None:
        self.act_on_each(
            request,
            queryset,
            lambda hold: services.legal_hold_lift(hold=hold, actor=request.user, reason=reason),
            too_many=_("Select at most %(limit)d holds at a time.") % {"limit": ACTION_LIMIT},
            describe=str,
            done=lambda count: (
                ngettext("%(count)d hold lifted.", "%(count)d holds lifted.", count)
                % {"count": count}
            ),
            not_done=lambda count, reasons: (
                ngettext(
                    "%(count)d hold was not lifted: %(reasons)s",
                    "%(count)d holds were not lifted: %(reasons)s",
                    count,
                )
                % {"count": count, "reasons": reasons}
            ),
        )


# What the purges did ----------------------------------------------------------------------


def record_counts(counts: dict[str, Any] | None) -> str:
    """{"customers.Customer": 2, "customers.HistoricalCustomer": 5} as staff read it:
    "khách hàng: 2; lịch sử của khách hàng: 5"."""
    shown = [f"{record_type_name(label)}: {n}" for label, n in (counts or {}).items()]
    return "; ".join(shown) or "—"


def purge_progress(run: PurgeRun) -> dict[str, Any]:
    finished = run.status != PurgeRun.Status.RUNNING
    total = max(run.total, run.done)
    return {
        "status": run.status,
        "status_label": str(run.get_status_display()),
        "total": total,
        "done": run.done if not finished or run.status == PurgeRun.Status.FAILED else total,
        "failed": len(run.errors or []),
        "customers_erased": run.customers_erased,
        "customers_held": run.customers_held,
        "percent": run.percent,
        "finished": finished,
        "text": gettext(
            "%(done)s of %(total)s records due handled; %(erased)s customers erased, "
            "%(held)s held back; %(failed)s errors."
        )
        % {
            "done": whole_number(run.done),
            "total": whole_number(total),
            "erased": whole_number(run.customers_erased),
            "held": whole_number(run.customers_held),
            "failed": whole_number(len(run.errors or [])),
        },
    }


def record_type_name(label: str) -> str:
    """ "customers.HistoricalCustomer" as staff read it: "lịch sử của khách hàng"."""
    if label == erasure.FILES:
        return gettext("files")
    try:
        model = django_apps.get_model(label)
    except (LookupError, ValueError):
        return label
    source = getattr(model, "instance_type", None)
    if source is not None:
        return gettext("history of %(records)s") % {"records": source._meta.verbose_name_plural}
    return str(model._meta.verbose_name_plural)


@admin.register(PurgeRun)
class PurgeRunAdmin(ReadOnlyAdmin):
    """Each run of a purge or of the request executor: counts, duration, errors; no personal
    data. Written by the jobs only."""

    list_display = (
        "task_shown",
        "trigger",
        "dry_run",
        "status",
        "started_at",
        "duration_shown",
        "customers_erased",
        "customers_held",
    )
    list_filter = ("status", "trigger", "dry_run", ("started_at", admin.DateFieldListFilter))
    list_select_related = ()
    search_fields = ("task",)
    date_hierarchy = None
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    fields = (
        "task_shown",
        "trigger",
        "dry_run",
        "status",
        "started_at",
        "finished_at",
        "duration_shown",
        "customers_erased",
        "customers_held",
        "counts_shown",
        "errors_shown",
    )
    readonly_fields = fields
    change_list_template = "admin/retention/purgerun/change_list.html"
    change_form_template = "admin/retention/purgerun/change_form.html"

    def get_urls(self) -> list[URLPattern]:
        wrap = self.admin_site.admin_view
        return [
            path("run/", wrap(self.run_view), name="retention_purgerun_run"),
            path(
                "<path:object_id>/progress/",
                wrap(self.progress_view),
                name="retention_purgerun_progress",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        user: Any = request.user
        extra = {"can_run_purge": user.has_perm(jobs.PERM_RUN_PURGE), **(extra_context or {})}
        return super().changelist_view(request, extra)

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        run = self.get_object(request, object_id)
        extra = dict(extra_context or {})
        if run is not None:
            extra["purge_progress"] = purge_progress(run)
            extra["purge_progress_url"] = reverse(
                "admin:retention_purgerun_progress", args=[run.pk]
            )
        return super().change_view(request, object_id, form_url, extra)

    def run_view(self, request: HttpRequest) -> HttpResponse:
        """Start the purge now (a POST from the list's button); its page shows how far it is."""
        changelist = reverse("admin:retention_purgerun_changelist")
        if request.method != "POST":
            return HttpResponseRedirect(changelist)
        try:
            run = jobs.purge_start(actor=request.user)
        except PermissionDenied as denied:
            self.message_user(request, refusal_text(denied), messages.ERROR)
            return HttpResponseRedirect(changelist)
        self.message_user(
            request,
            gettext("The purge is running in the background: this page shows how far."),
            messages.INFO,
        )
        return HttpResponseRedirect(reverse("admin:retention_purgerun_change", args=[run.pk]))

    def progress_view(self, request: HttpRequest, object_id: str) -> JsonResponse:
        """What the run's progress bar shows: counts only (a run holds no personal data)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        run = self.get_object(request, object_id)
        if run is None:
            raise Http404(gettext("No such purge run."))
        return JsonResponse(purge_progress(run))

    @admin.display(description=_("task"), ordering="task")
    def task_shown(self, obj: PurgeRun) -> str:
        return obj.task_label

    @admin.display(description=_("rows per record type"))
    def counts_shown(self, obj: PurgeRun) -> str:
        return record_counts(obj.counts)

    @admin.display(description=_("errors"))
    def errors_shown(self, obj: PurgeRun) -> str:
        return (
            "; ".join(
                gettext("erasure request #%(id)s: %(error)s")
                % {"id": error.get("request_id"), "error": error.get("error")}
                if isinstance(error, dict) and "request_id" in error
                else str(error)
                for error in obj.errors or []
            )
            or "—"
        )

    @admin.display(description=_("duration"))
    def duration_shown(self, obj: PurgeRun) -> str:
        duration = obj.duration
        if not isinstance(duration, datetime.timedelta):
            return "—"
        return f"{duration.total_seconds():.1f} s"


@admin.register(ErasureReceipt)
class ErasureReceiptAdmin(ReadOnlyAdmin):
    """What remains of an erasure: customer id, when, which rule or request, which record types
    and how many rows, and the staff member or job. No personal data: the customer is shown by
    id only."""

    list_display = ("__str__", "customer_shown", "erased_at", "rule", "request_shown", "by")
    list_filter = ("rule", "erased_at")
    list_select_related = ("rule", "staff")
    search_fields = ("customer__id",)  # get_search_results does the searching
    search_help_text = _("A customer's id: 123 or #123.")
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    fields = (
        "customer_shown",
        "erased_at",
        "rule",
        "request_shown",
        "run",
        "by",
        "counts_shown",
    )
    readonly_fields = fields

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[ErasureReceipt], search_term: str
    ) -> tuple[QuerySet[ErasureReceipt], bool]:
        return _customer_id_search(queryset, search_term), False

    @admin.display(description=_("customer"), ordering="customer")
    def customer_shown(self, obj: ErasureReceipt) -> str:
        return _customer_link(obj.customer_id)

    @admin.display(description=_("request"), ordering="request")
    def request_shown(self, obj: ErasureReceipt) -> str:
        if obj.request_id is None:
            return "—"
        url = reverse("admin:retention_erasurerequest_change", args=[obj.request_id])
        return format_html('<a href="{}">#{}</a>', url, obj.request_id)

    @admin.display(description=_("by"))
    def by(self, obj: ErasureReceipt) -> str:
        return str(obj.staff) if obj.staff_id else job_label(obj.job)

    @admin.display(description=_("rows per record type"))
    def counts_shown(self, obj: ErasureReceipt) -> str:
        return record_counts(obj.counts)


# What retention adds to a complaint's page: a deletion request files an erasure request, which
# is then followed here.


def _file_erasure_request(request: HttpRequest, complaint: Complaint, form: Any) -> str:
    erasure_request = services.complaint_request_erasure(complaint=complaint, actor=request.user)
    return gettext(
        "Erasure request #%(id)s filed: verify the requester's identity and approve it there."
    ) % {"id": erasure_request.pk}


def _no_erasure_request_yet(complaint: Complaint) -> bool:
    return (
        complaint_pages.acts_on_data((Kind.DELETION,))(complaint)
        and not ErasureRequest.objects.filter(complaint=complaint).exists()
    )


def _erasure_request_link(request: HttpRequest, complaint: Complaint) -> list[tuple[str, Any, str]]:
    filed = ErasureRequest.objects.filter(complaint=complaint).values_list("pk", flat=True).first()
    if filed is None:
        return []
    return [
        (
            "erasure-request",
            _("Erasure request #%(id)s") % {"id": filed},
            reverse("admin:retention_erasurerequest_change", args=[filed]),
        )
    ]


complaint_pages.STEPS.add(
    Step(
        "erasure",
        _("File an erasure request"),
        ConfirmForm,
        _file_erasure_request,
        permissions=(complaint_services.PERM_RESOLVE, "retention.add_erasurerequest"),
        available=_no_erasure_request_yet,
        explanation=_(
            "The request goes through verification and approval in Retention; the status "
            "page shows its outcome."
        ),
    )
)
complaint_pages.CHANGE_PAGE_LINKS.append(_erasure_request_link)
