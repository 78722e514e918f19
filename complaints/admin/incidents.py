"""The back office of breach incidents (seed 001 §7; Law 91/2025/QH15 and Decree 356/2025/ND-CP:
A05 is notified within 72 hours of detection): the list with each incident's clock, its page with
a button per step it may take next, the printable notice to the authority, and the phone list.

Every write goes through complaints.incidents; a refusal is a form error or a message, never an
error page. Only Legal & compliance and administrators see any of it (complaints.view_incident):
every page here checks it, the notice and the phone list too. Nothing is deleted here.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone, translation
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop, ngettext

from complaints import incidents
from complaints.admin import incident_forms as forms
from complaints.models import Incident, IncidentConfirmation, IncidentCustomer
from customers.admin.base import (
    PersonalDataAdminMixin,
    ReadOnlyAdminMixin,
    ServiceModelAdmin,
    refusal_text,
)
from customers.admin.steps import ConfirmForm, Step, Steps, record_or_404
from customers.http import client_ip
from customers.kernel import pdf
from customers.kernel.text import (
    local_date,
    percent_done,
    spreadsheet_cell,
    staff_text,
    whole_number,
)
from customers.models import AccessLog
from customers.paginator import EstimatedCountPaginator
from customers.personal_data import Category
from customers.services import access_log_record
from customers.validators import format_phone_national

logger = logging.getLogger(__name__)
Status = Incident.Status
PHONE_PAGE_SIZE = 100
# The CSV holds at most this many customers still to call; once their calls are recorded, the
# next download holds the next ones.
PHONE_CSV_LIMIT = 5_000


# The 72-hour clock, wherever the incident appears -------------------------------------------


def clock_state(incident: Incident) -> str:
    """late (overdue, or notified after 72 h), in_time (notified within 72 h), or running."""
    current = incidents.clock(incident)
    if current.is_late:
        return "late"
    if current.notified_at is not None:
        return "in_time"
    return "running"


_CLOCK_STYLES = {
    "late": "color: #fff; background: var(--error-fg, #ba2121); padding: 0 .4em; "
    "border-radius: 3px; font-weight: bold",
    "in_time": "color: var(--message-success-fg, #2e7d32); font-weight: bold",
    "running": "font-weight: bold",
}


def clock_html(incident: Incident) -> str:
    state = clock_state(incident)
    return format_html(
        '<span class="incident-clock incident-clock-{}" style="{}">{}</span>',
        state,
        _CLOCK_STYLES[state],
        incidents.clock(incident).text(),
    )


def affected_counts(incident: Incident) -> dict[str, int]:
    """How the affected customers stand: one aggregate over the incident's rows."""
    told = Q(notified_at__isnull=False)
    phone = Q(channel=IncidentCustomer.Channel.PHONE)
    counts = IncidentCustomer.objects.filter(incident=incident).aggregate(
        emailed=Count("pk", filter=told & Q(channel=IncidentCustomer.Channel.EMAIL)),
        to_call=Count("pk", filter=phone & ~told),
        called=Count("pk", filter=phone & told),
        pending=Count("pk", filter=~told & ~phone),
        failed=Count("pk", filter=~told & ~Q(error="")),
    )
    return {"affected": incident.affected_count, **counts}


# The steps ----------------------------------------------------------------------------------


UNMATCHED_SHOWN = 200


def _select(request: HttpRequest, incident: Incident, form: Any) -> str:
    if form.cleaned_data["kind"] == incidents.Selection.CONTACTS:
        return _select_by_contacts(request, incident, form)
    before = incident.affected_count
    count = incidents.incident_select_customers(
        incident=incident, actor=request.user, selection=form.selection()
    )
    return _("%(added)d customers added; %(count)d affected in all.") % {
        "added": count - before,
        "count": count,
    }


def _select_by_contacts(request: HttpRequest, incident: Incident, form: Any) -> str:
    result = incidents.incident_select_by_contacts(
        incident=incident, actor=request.user, text=form.cleaned_data["contacts"]
    )
    if result.unmatched:
        # By line number only: the message waits in the session store, and the lines are the
        # leaked file's phones and emails (staff have the file they pasted from).
        shown = ", ".join(str(line.number) for line in result.unmatched[:UNMATCHED_SHOWN])
        text = ngettext(
            "%(count)d pasted line matched no customer: line %(lines)s.",
            "%(count)d pasted lines matched no customer: lines %(lines)s.",
            len(result.unmatched),
        ) % {"count": len(result.unmatched), "lines": shown}
        if len(result.unmatched) > UNMATCHED_SHOWN:
            text += " " + _("… and %(count)d more.") % {
                "count": len(result.unmatched) - UNMATCHED_SHOWN
            }
        messages.warning(request, text)
    return _(
        "%(matched)d pasted lines matched; %(added)d customers added; %(count)d affected in all."
    ) % {"matched": result.matched_lines, "added": result.added, "count": result.affected}


def _record_notice(request: HttpRequest, incident: Incident, form: Any) -> str:
    data = form.cleaned_data
    incidents.incident_record_authority_notice(
        incident=incident,
        actor=request.user,
        sent_at=data["sent_at"],
        reference=data["reference"],
        late_reason=data["late_reason"],
    )
    return _("The notice to A05 is recorded: %(clock)s.") % {
        "clock": incidents.clock(incident).text()
    }


def _record_confirmation(request: HttpRequest, incident: Incident, form: Any) -> str:
    incidents.incident_record_confirmation(
        incident=incident, actor=request.user, **form.cleaned_data
    )
    return _(
        "The confirmation minutes are recorded: print them for signature; the notice lists "
        "them among its attachments."
    )


def _notify(request: HttpRequest, incident: Incident, form: Any) -> str:
    data = form.cleaned_data
    incidents.incident_start_notifying(
        incident=incident, actor=request.user, subject=data["subject"], text=data["text"]
    )
    return _(
        "The customers are being told, in batches. Those without an email address go on the "
        "phone list."
    )


def _review_notice(request: HttpRequest, incident: Incident, form: Any) -> dict[str, Any] | None:
    """Before the customers are told: the email as one affected customer will read it, a test
    to the staff member's own address, then a confirmation of how many emails and calls it
    means. None (go on and send) only once that confirmation is posted with the same counts."""
    action = request.POST.get("_action", "preview")
    data = form.cleaned_data
    plan = incidents.notice_plan(incident)
    if action == "send":
        confirmed = request.POST.get("emails") == str(plan.emails) and request.POST.get(
            "calls"
        ) == str(plan.calls)
        if confirmed:
            return None
        messages.warning(
            request,
            _("The numbers changed since the confirmation was shown: check them again."),
        )
    context: dict[str, Any] = {
        "notice_plan": plan,
        "notice_stage": "confirm" if action in ("confirm", "send") else "preview",
    }
    customer = incidents.notice_preview_customer(incident)
    if customer is not None:
        context["notice_preview"] = {
            "customer": customer,
            "subject": data["subject"],
            "body": incidents.notice_personalised(data["text"], customer),
        }
        access_log_record(
            staff=request.user,
            customer_ids=[customer.pk],
            action=AccessLog.Action.VIEW,
            detail=staff_text(
                gettext_noop("incident %(reference)s: preview of the customers' email"),
                reference=incident.reference,
            ),
            ip_address=client_ip(request),
        )
    if action == "test":
        address = incidents.incident_notice_test_send(
            incident=incident, actor=request.user, subject=data["subject"], text=data["text"]
        )
        messages.success(
            request,
            _("A test email was sent to your address %(address)s: check how it reads.")
            % {"address": address},
        )
    return context


def _close(request: HttpRequest, incident: Incident, form: Any) -> str:
    incidents.incident_close(incident=incident, actor=request.user)
    return _("The incident is closed.")


def _not_closed(incident: Incident) -> bool:
    return incident.status != Status.CLOSED


def _default_notice(request: HttpRequest, incident: Incident, form: Any) -> None:
    if request.method != "POST":
        subject, text = (
            (incident.notice_subject, incident.notice_text)
            if incident.notice_text
            else default_customer_notice(incident)
        )
        form.initial.update(subject=subject, text=text)


def _step_context(request: HttpRequest, incident: Incident) -> dict[str, Any]:
    return {
        "incident_clock": clock_html(incident),
        "incident_clock_state": clock_state(incident),
        "incident_counts": affected_counts(incident),
    }


STEPS = Steps(
    template="admin/complaints/incident/step.html",
    context=_step_context,
    steps=(
        Step(
            "select",
            gettext_lazy("Choose affected customers"),
            forms.SelectCustomersForm,
            _select,
            permissions=(incidents.PERM_CHANGE,),
            available=_not_closed,
            explanation=gettext_lazy(
                "Those chosen are added to the customers already affected (each customer once)."
            ),
            field_names={"from": "start", "to": "end"},
        ),
        Step(
            "confirm",
            gettext_lazy("Record the confirmation minutes"),
            forms.ConfirmationForm,
            _record_confirmation,
            permissions=(incidents.PERM_CHANGE,),
            available=_not_closed,
            explanation=gettext_lazy(
                "The minutes confirming that the breach occurred (Law 91/2025/QH15 Art. 23(2)): "
                "when and where they were drawn up, who took part, and what they confirmed — "
                "the breach, its scope, the measures. Printed and signed, they go with the "
                "notice to the authority."
            ),
        ),
        Step(
            "record_notice",
            gettext_lazy("Record the notice to A05"),
            forms.AuthorityNoticeForm,
            _record_notice,
            permissions=(incidents.PERM_NOTIFY,),
            available=lambda incident: incident.authority_notified_at is None,
            explanation=gettext_lazy(
                "When the notice was sent to the Ministry of Public Security (A05), and its "
                "number. After 72 hours from detection, the law asks for the reason of the delay."
            ),
        ),
        Step(
            "notify",
            gettext_lazy("Tell the customers"),
            forms.NotifyCustomersForm,
            _notify,
            permissions=(incidents.PERM_NOTIFY,),
            prepare_form=_default_notice,
            review=_review_notice,
            available=lambda incident: _not_closed(incident) and incident.affected_count > 0,
            explanation=gettext_lazy(
                "Each affected customer with an email address is emailed this text once; the "
                "others go on the phone list. Started again, it resumes: nobody is told twice."
            ),
        ),
        Step(
            "close",
            gettext_lazy("Close"),
            ConfirmForm,
            _close,
            permissions=(incidents.PERM_CHANGE,),
            available=lambda incident: (
                _not_closed(incident) and incident.authority_notified_at is not None
            ),
            explanation=gettext_lazy(
                "The authority and the customers were told; nothing is left to do."
            ),
        ),
    ),
)


def default_customer_notice(incident: Incident) -> tuple[str, str]:
    """A starting text for the customers' email, in Vietnamese (the customers' language), built
    from the incident: what happened, what data, what we did, what they should do, whom to
    contact. Staff edit it before it is sent."""
    from customers.selectors import controller_get

    controller = controller_get()
    company = controller.legal_name if controller else ""
    with translation.override("vi"):
        categories = ", ".join(
            str(Category(value).label).lower() for value in incident.categories or []
        )
        contact = ", ".join(
            part
            for part in (
                incident.contact_name,
                incident.contact_phone,
                incident.contact_email,
            )
            if part
        )
        paragraphs = [
            _("Dear {name},"),
            _(
                "On %(date)s we detected an incident that concerns personal data we hold about "
                "you: %(title)s."
            )
            % {
                "date": local_date(incident.detected_at),
                "title": incident.title,
            },
            incident.description.strip(),
        ]
        if categories:
            paragraphs.append(_("The data concerned: %(categories)s.") % {"categories": categories})
        if incident.measures_taken.strip():
            paragraphs.append(
                _("What we have done: %(measures)s") % {"measures": incident.measures_taken.strip()}
            )
        paragraphs.append(
            _(
                "What you can do: be wary of calls, messages or emails that ask for your "
                "password, a one-time code or a payment in our name — we never ask for them; "
                "change your password if you have an account with us."
            )
        )
        if contact:
            paragraphs.append(
                _("For any question, contact our data-protection officer: %(contact)s.")
                % {"contact": contact}
            )
        paragraphs.append(_("We apologise for this incident.\n%(company)s") % {"company": company})
        subject = _("Notice of an incident concerning your personal data")
        if company:
            subject = f"{subject} — {company}"
    return str(subject), "\n\n".join(str(part) for part in paragraphs if part)


# The incident -------------------------------------------------------------------------------


@admin.register(Incident)
class IncidentAdmin(ServiceModelAdmin):
    """Breach incidents, the most recent first, each with its 72-hour clock."""

    form = forms.IncidentForm
    list_display = (
        "reference",
        "title",
        "status",
        "detected_at",
        "clock_column",
        "affected_count",
        "notified_count",
    )
    list_display_links = ("reference", "title")
    list_filter = ("status",)
    list_select_related = ()  # no related record is shown
    search_fields = ("reference", "title")
    search_help_text = gettext_lazy("Reference (SC-2026-001) or words of the title.")
    raw_id_fields = ("created_by",)
    actions = None
    show_facets = admin.ShowFacets.NEVER
    change_form_template = "admin/complaints/incident/change_form.html"
    readonly_fields = (
        "reference",
        "status",
        "clock_column",
        "authority_notified_at",
        "authority_reference",
        "late_reason",
        "affected_count",
        "notifying_started_at",
        "notifying_finished_at",
        "closed_at",
        "created_by",
        "source_complaints_column",
    )
    fieldsets = (
        (None, {"fields": ("reference", "status", "clock_column", "title")}),
        (
            gettext_lazy("What happened"),
            {
                "fields": (
                    "detected_at",
                    "occurred_at",
                    "description",
                    "cause",
                    "place",
                    "parties_involved",
                    "categories",
                    "data_quantities",
                    "source_complaints_column",
                )
            },
        ),
        (
            gettext_lazy("Consequences and measures"),
            {"fields": ("consequences", "measures_taken", "measures_planned")},
        ),
        (
            gettext_lazy("Person responsible (named in the notice)"),
            {"fields": ("contact_name", "contact_title", "contact_phone", "contact_email")},
        ),
        (
            gettext_lazy("Notice to the authority (A05)"),
            {
                "fields": (
                    "attachments",
                    "authority_notified_at",
                    "authority_reference",
                    "late_reason",
                )
            },
        ),
        (
            gettext_lazy("Customers"),
            {"fields": ("affected_count", "notifying_started_at", "notifying_finished_at")},
        ),
        (gettext_lazy("Record"), {"fields": ("created_by", "closed_at")}),
    )

    # The list -------------------------------------------------------------------------------

    def get_queryset(self, request: HttpRequest) -> QuerySet[Incident]:
        queryset: QuerySet[Incident] = super().get_queryset(request)
        match = request.resolver_match
        if match is not None and (match.url_name or "").endswith("_changelist"):
            told = (
                IncidentCustomer.objects.filter(incident=OuterRef("pk"), notified_at__isnull=False)
                .order_by()
                .values("incident")
                .annotate(count=Count("pk"))
                .values("count")
            )
            queryset = queryset.annotate(
                told_count=Coalesce(Subquery(told, output_field=IntegerField()), 0)
            )
        return queryset

    @admin.display(description=gettext_lazy("72-hour clock"))
    def clock_column(self, obj: Incident) -> str:
        return clock_html(obj)

    @admin.display(description=gettext_lazy("opened from the complaints"))
    def source_complaints_column(self, obj: Incident) -> str:
        """Law 91/2025 Art. 23(3): the substantiated complaints this incident came from."""
        complaints = list(obj.source_complaints.order_by("received_at", "pk")) if obj.pk else []
        if not complaints:
            return "—"
        return format_html_join(
            ", ",
            '<a href="{}">{}</a>',
            (
                (reverse("admin:complaints_complaint_change", args=[c.pk]), c.tracking_code)
                for c in complaints
            ),
        )

    @admin.display(description=gettext_lazy("customers told"), ordering="told_count")
    def notified_count(self, obj: Incident) -> int:
        told = getattr(obj, "told_count", None)
        if told is None:
            told = IncidentCustomer.objects.filter(incident=obj, notified_at__isnull=False).count()
        return int(told)

    # The page -------------------------------------------------------------------------------

    def get_fieldsets(self, request: HttpRequest, obj: Incident | None = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None:
            return fieldsets
        # A new incident: only what staff type (the rest follows from the steps).
        editable = set(incidents.EDITABLE_FIELDS)
        shown = []
        for title, options in fieldsets:
            names = [name for name in options["fields"] if name in editable]
            if names:
                shown.append((title, {**options, "fields": names}))
        return shown

    def get_readonly_fields(self, request: HttpRequest, obj: Incident | None = None) -> Any:
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.authority_notified_at is not None:
            # The authority was given this detection time: it stays (complaints.incidents).
            readonly.append("detected_at")
        return readonly

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        from customers.selectors import controller_get

        initial: dict[str, Any] = super().get_changeform_initial_data(request)
        initial.setdefault("detected_at", timezone.localtime().replace(second=0, microsecond=0))
        controller = controller_get()
        if controller is not None:
            initial.setdefault("contact_name", controller.dpo_name)
            initial.setdefault("contact_email", controller.dpo_email or controller.email)
            initial.setdefault(
                "contact_phone",
                format_phone_national(controller.dpo_phone or controller.phone),
            )
        return initial

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.status == Status.CLOSED:
            return False  # a closed incident is the record of what was done
        return bool(super().has_change_permission(request, obj))

    def save_through_service(
        self, request: HttpRequest, obj: Incident, values: dict[str, Any], change: bool
    ) -> Incident:
        values = {
            name: value for name, value in values.items() if name in incidents.EDITABLE_FIELDS
        }
        try:
            if change:
                return incidents.incident_update(incident=obj, actor=request.user, **values)
            # Left empty, the person responsible is the controller's DPO.
            values = {
                name: value
                for name, value in values.items()
                if not (name.startswith("contact_") and not value)
            }
            return incidents.incident_create(actor=request.user, **values)
        except PermissionDenied as denied:
            raise ValidationError(refusal_text(denied), code="permission") from denied

    def record_page_context(self, request: HttpRequest, obj: Incident) -> dict[str, Any]:
        return change_page_context(request, obj)

    # The steps, the notice and the phone list ------------------------------------------------

    def get_urls(self) -> list[URLPattern]:
        wrap = self.admin_site.admin_view
        urls = [
            path(
                "<path:object_id>/notice/",
                wrap(self.notice_view),
                name="complaints_incident_notice",
            ),
            path(
                "<path:object_id>/notice/pdf/",
                wrap(self.notice_pdf_view),
                name="complaints_incident_notice_pdf",
            ),
            path(
                "<path:object_id>/minutes/<int:minutes_id>/",
                wrap(self.confirmation_view),
                name="complaints_incident_minutes",
            ),
            path(
                "<path:object_id>/minutes/<int:minutes_id>/pdf/",
                wrap(self.confirmation_pdf_view),
                name="complaints_incident_minutes_pdf",
            ),
            path(
                "<path:object_id>/progress/",
                wrap(self.notify_progress_view),
                name="complaints_incident_progress",
            ),
            path(
                "<path:object_id>/phones/",
                wrap(self.phone_list_view),
                name="complaints_incident_phones",
            ),
            path(
                "<path:object_id>/phones/csv/",
                wrap(self.phone_csv_view),
                name="complaints_incident_phones_csv",
            ),
        ]
        return [*STEPS.urls(self), *urls, *super().get_urls()]

    def incident_or_404(self, request: HttpRequest, object_id: str) -> Incident:
        incident: Incident = record_or_404(self, request, object_id)
        return incident

    def notice_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return notice_view(self, request, object_id)

    def notice_pdf_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return notice_view(self, request, object_id, as_pdf=True)

    def confirmation_view(
        self, request: HttpRequest, object_id: str, minutes_id: int
    ) -> HttpResponse:
        return confirmation_view(self, request, object_id, minutes_id)

    def confirmation_pdf_view(
        self, request: HttpRequest, object_id: str, minutes_id: int
    ) -> HttpResponse:
        return confirmation_view(self, request, object_id, minutes_id, as_pdf=True)

    def phone_list_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return phone_list_view(self, request, object_id)

    def notify_progress_view(self, request: HttpRequest, object_id: str) -> JsonResponse:
        """How far the customers' telling is, for the page's progress bar: counts only."""
        return JsonResponse(notify_progress(self.incident_or_404(request, object_id)))

    def phone_csv_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return phone_csv_view(self, request, object_id)


def notify_progress(incident: Incident, counts: dict[str, int] | None = None) -> dict[str, Any]:
    """Done: emailed, or put on the phone list; failures: an email that failed and waits for
    its retry. One aggregate over the incident's rows (they are written anyway as each
    customer is told), so nothing more is written to follow the progress."""
    counts = counts or affected_counts(incident)
    total = counts["affected"]
    done = counts["emailed"] + counts["to_call"] + counts["called"]
    finished = incident.notifying_finished_at is not None
    return {
        "total": total,
        "done": done,
        "failed": counts["failed"],
        "emailed": counts["emailed"],
        "to_call": counts["to_call"],
        "percent": percent_done(done, total),
        "running": incident.notifying_started_at is not None and not finished,
        "finished": finished,
        "text": notify_progress_text(counts),
    }


def notify_progress_text(counts: dict[str, int]) -> str:
    done = counts["emailed"] + counts["to_call"] + counts["called"]
    return _(
        "%(done)s of %(total)s customers handled: %(emailed)s emailed, %(to_call)s on the "
        "phone list, %(failed)s failed (retried)."
    ) % {
        name: whole_number(value)
        for name, value in {
            "done": done,
            "total": counts["affected"],
            "emailed": counts["emailed"],
            "to_call": counts["to_call"],
            "failed": counts["failed"],
        }.items()
    }


def _affected_url(incident: Incident) -> str:
    return reverse("admin:complaints_incidentcustomer_changelist") + (
        f"?incident__id__exact={incident.pk}"
    )


def change_page_context(request: HttpRequest, incident: Incident) -> dict[str, Any]:
    user: Any = request.user
    links: list[tuple[str, Any, str]] = [
        (
            "notice",
            _("Print the notice to the authority (Form 08)"),
            reverse("admin:complaints_incident_notice", args=[incident.pk]),
        ),
        (
            "notice-pdf",
            _("Download the notice (PDF)"),
            reverse("admin:complaints_incident_notice_pdf", args=[incident.pk]),
        ),
    ]
    for minutes in incident.confirmations.order_by("held_at", "pk"):
        held = local_date(minutes.held_at)
        links.append(
            (
                "minutes",
                _("Print the confirmation minutes of %(date)s") % {"date": held},
                reverse("admin:complaints_incident_minutes", args=[incident.pk, minutes.pk]),
            )
        )
        links.append(
            (
                "minutes-pdf",
                _("Download the minutes of %(date)s (PDF)") % {"date": held},
                reverse("admin:complaints_incident_minutes_pdf", args=[incident.pk, minutes.pk]),
            )
        )
    if incident.notifying_started_at is not None:
        links.append(
            (
                "phones",
                _("Phone list"),
                reverse("admin:complaints_incident_phones", args=[incident.pk]),
            )
        )
    if incident.affected_count and user.has_perm("complaints.view_incidentcustomer"):
        links.append(("affected", _("Affected customers"), _affected_url(incident)))
    counts = affected_counts(incident)
    return {
        "incident_notify_progress": notify_progress(incident, counts)
        if incident.notifying_started_at is not None
        else None,
        "incident_progress_url": reverse("admin:complaints_incident_progress", args=[incident.pk]),
        "incident_steps": STEPS.buttons(request, incident),
        "incident_links": links,
        "incident_clock": clock_html(incident),
        "incident_clock_state": clock_state(incident),
        "incident_counts": counts,
    }


def _page_context(
    model_admin: IncidentAdmin, request: HttpRequest, incident: Incident, title: Any
) -> dict[str, Any]:
    return {
        **model_admin.admin_site.each_context(request),
        "title": title,
        "subtitle": str(incident),
        "opts": model_admin.opts,
        "original": incident,
        "change_url": reverse("admin:complaints_incident_change", args=[incident.pk]),
        "incident_clock": clock_html(incident),
        "incident_clock_state": clock_state(incident),
        "incident_counts": affected_counts(incident),
    }


def _document_response(
    model_admin: IncidentAdmin,
    request: HttpRequest,
    incident: Incident,
    *,
    template: str,
    context: Callable[[], dict[str, Any]],
    filename: str,
    as_pdf: bool,
) -> HttpResponse:
    """A printed document of the incident, always in Vietnamese: the page to print, or the same
    page as a PDF file (customers.kernel.pdf). A machine without WeasyPrint's libraries gives a
    message on the incident's page, never an error page."""
    with translation.override("vi"):
        html = render_to_string(template, context())
    if not as_pdf:
        response = HttpResponse(html)
    else:
        try:
            content = pdf.html_to_pdf(html, title=f"{filename} {incident.reference}")
        except pdf.PdfUnavailable as missing:
            logger.error("PDF of %s not made: %s", incident.reference, missing)
            model_admin.message_user(
                request,
                _(
                    "The PDF cannot be made on this server (its PDF libraries are missing: "
                    "make pdf-libs). Print the page instead."
                ),
                messages.ERROR,
            )
            return HttpResponseRedirect(
                reverse("admin:complaints_incident_change", args=[incident.pk])
            )
        response = HttpResponse(content, content_type="application/pdf")
        response["Content-Disposition"] = (
            f'attachment; filename="{filename}-{incident.reference}.pdf"'
        )
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def notice_view(
    model_admin: IncidentAdmin, request: HttpRequest, object_id: str, *, as_pdf: bool = False
) -> HttpResponse:
    """The notice to the authority on Mẫu số 08 (Decree 356/2025 Art. 28(2)), printable or as a
    PDF file. It names no customer: only how many were affected."""
    incident = model_admin.incident_or_404(request, object_id)
    return _document_response(
        model_admin,
        request,
        incident,
        template="complaints/incident_notice.html",
        context=lambda: incidents.notice_context(incident),
        filename="mau-08-thong-bao-vi-pham",
        as_pdf=as_pdf,
    )


def confirmation_view(
    model_admin: IncidentAdmin,
    request: HttpRequest,
    object_id: str,
    minutes_id: int,
    *,
    as_pdf: bool = False,
) -> HttpResponse:
    """The confirmation minutes (Law 91/2025/QH15 Art. 23(2)), printable or as a PDF file."""
    incident = model_admin.incident_or_404(request, object_id)
    minutes = IncidentConfirmation.objects.filter(incident=incident, pk=minutes_id).first()
    if minutes is None:
        raise Http404
    return _document_response(
        model_admin,
        request,
        incident,
        template="complaints/incident_confirmation.html",
        context=lambda: incidents.confirmation_context(minutes),
        filename=f"bien-ban-xac-nhan-{minutes.pk}",
        as_pdf=as_pdf,
    )


def _posted_ids(request: HttpRequest) -> list[int]:
    return [int(value) for value in request.POST.getlist("called") if value.isdigit()]


def phone_list_view(
    model_admin: IncidentAdmin, request: HttpRequest, object_id: str
) -> HttpResponse:
    """The customers to call (no email address), a page at a time, with a box per customer to
    record the call. Showing their names and phones is logged (Law 91/2025 Art. 3(4): the measures
    that protect the data)."""
    incident = model_admin.incident_or_404(request, object_id)
    change_url = reverse("admin:complaints_incident_change", args=[incident.pk])
    user: Any = request.user
    if not user.has_perm(incidents.PERM_NOTIFY):
        raise PermissionDenied
    rows = incidents.phone_list(incident)
    if request.method == "POST":
        posted = list(rows.filter(pk__in=_posted_ids(request)).values_list("pk", flat=True))
        form = forms.PhoneCallsForm(request.POST, record=incident, row_ids=posted)
        if form.is_valid():
            try:
                recorded = incidents.incident_record_calls(
                    incident=incident, actor=request.user, rows=list(rows.filter(pk__in=posted))
                )
            except (PermissionDenied, ValidationError) as error:
                model_admin.message_user(request, refusal_text(error), messages.ERROR)
            else:
                model_admin.message_user(
                    request,
                    ngettext("%(count)d call recorded.", "%(count)d calls recorded.", recorded)
                    % {"count": recorded},
                    messages.SUCCESS,
                )
            return HttpResponseRedirect(request.get_full_path())
    else:
        form = forms.PhoneCallsForm(record=incident, row_ids=[])
    page = Paginator(rows, PHONE_PAGE_SIZE).get_page(request.GET.get("page"))
    listed = list(page.object_list)
    if listed and request.method == "GET":
        access_log_record(
            staff=request.user,
            customer_ids=[row.customer_id for row in listed],
            action=AccessLog.Action.VIEW,
            detail=staff_text(
                gettext_noop("incident %(reference)s: phone list"), reference=incident.reference
            ),
            ip_address=client_ip(request),
        )
    context = {
        **_page_context(model_admin, request, incident, _("Phone list")),
        "form": form,
        "page": page,
        "calls": [
            {
                "row": row,
                "customer": row.customer,
                "phone": format_phone_national(row.customer.phone),
                "url": reverse("admin:customers_customer_change", args=[row.customer_id]),
            }
            for row in listed
        ],
        "csv_url": reverse("admin:complaints_incident_phones_csv", args=[incident.pk]),
        "csv_limit": PHONE_CSV_LIMIT,
        "submit_label": _("Record the calls made"),
        "change_url": change_url,
    }
    request.current_app = model_admin.admin_site.name
    return TemplateResponse(request, "admin/complaints/incident/phone_list.html", context)


def phone_csv_view(
    model_admin: IncidentAdmin, request: HttpRequest, object_id: str
) -> HttpResponse:
    """The phone list as CSV for a spreadsheet (UTF-8 with a byte-order mark, like
    customers/exports.py), logged as an export of each listed customer."""
    incident = model_admin.incident_or_404(request, object_id)
    user: Any = request.user
    if not user.has_perm(incidents.PERM_NOTIFY):
        raise PermissionDenied
    rows = list(incidents.phone_list(incident)[:PHONE_CSV_LIMIT])
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([_("Customer id"), _("Name"), _("Phone"), _("Address")])
    for row in rows:
        customer = row.customer
        writer.writerow(
            [
                str(customer.pk),
                spreadsheet_cell(customer.full_name or ""),
                format_phone_national(customer.phone),
                spreadsheet_cell(customer.address or ""),
            ]
        )
    if rows:
        access_log_record(
            staff=request.user,
            customer_ids=[row.customer_id for row in rows],
            action=AccessLog.Action.EXPORT,
            detail=staff_text(
                gettext_noop("incident %(reference)s: phone list CSV, %(count)s rows"),
                reference=incident.reference,
                count=len(rows),
            ),
            ip_address=client_ip(request),
        )
    response = HttpResponse(
        buffer.getvalue().encode("utf-8-sig"), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="phone-list-{incident.reference}.csv"'
    response["Cache-Control"] = "no-store"
    return response


# Who was affected: read-only ---------------------------------------------------------------


@admin.register(IncidentCustomer)
class IncidentCustomerAdmin(ReadOnlyAdminMixin, PersonalDataAdminMixin, admin.ModelAdmin):
    """The affected customers of incidents, read-only: filled by the incident's steps."""

    list_display = ("incident", "customer_link", "channel", "notified_at", "error")
    list_select_related = ("incident", "customer")
    list_filter = ("channel", ("notified_at", admin.EmptyFieldListFilter))
    search_fields = ("=customer__id", "=incident__reference")
    search_help_text = gettext_lazy("A customer id, or an incident's reference.")
    raw_id_fields = ("incident",)
    autocomplete_fields = ("customer",)  # by name or phone (CustomerAdmin's search)
    personal_columns = {"customer_link": "customer"}
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    actions = None

    @admin.display(description=gettext_lazy("customer"), ordering="customer")
    def customer_link(self, obj: IncidentCustomer) -> str:
        url = reverse("admin:customers_customer_change", args=[obj.customer_id])
        return format_html('<a href="{}">#{} {}</a>', url, obj.customer_id, obj.customer)
