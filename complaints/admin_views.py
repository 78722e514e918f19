"""The pages behind a complaint's buttons: one per step of the workflow (each a small form that
calls complaints.services), the evidence download, and the preview of an access request's
export. ComplaintAdmin (complaints/admin.py) routes to them.

The buttons shown are those the staff member's role and the complaint's status allow; the
services check again, and their refusals come back as form errors or messages.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from complaints import admin_forms, services
from complaints.models import (
    OPEN_STATUSES,
    PENDING_STATUSES,
    Complaint,
    ComplaintMessage,
    Evidence,
    Kind,
    ResponseChannel,
    Status,
)
from customers import masking
from customers.admin import refusal_text
from customers.http import client_ip
from customers.models import AccessLog, Customer
from customers.services import access_log_record

if TYPE_CHECKING:
    from complaints.admin import ComplaintAdmin

FULL_VIEW = masking.FULL_VIEW_PERMISSION


def _can_move(complaint: Complaint, to_status: str) -> bool:
    return to_status in services.TRANSITIONS.get(complaint.status, ())


def _local(moment: Any) -> str:
    return timezone.localtime(moment).strftime("%d/%m/%Y %H:%M") if moment else ""


# The steps ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    name: str
    title: Any  # lazy text: the button and the page's title
    form: type[admin_forms.StepForm]
    permissions: tuple[str, ...]
    available: Callable[[Complaint], bool]
    # Does the step; returns the success message.
    run: Callable[[HttpRequest, Complaint, dict[str, Any]], str]
    explanation: Any = ""
    # The service's field names that the form names otherwise.
    field_names: dict[str, str] = field(default_factory=dict)


def _route(request: HttpRequest, complaint: Complaint, data: dict[str, Any]) -> str:
    services.complaint_route(
        complaint=complaint,
        actor=request.user,
        department=data["department"],
        assignee=data["assignee"],
        kind=data["kind"],
        third_party_involved=data["third_party_involved"],
        note=data["note"],
    )
    return _("Routed to %(department)s; due on %(due)s.") % {
        "department": complaint.get_department_display(),
        "due": _local(complaint.due_at),
    }


def _ask(request: HttpRequest, complaint: Complaint, data: dict[str, Any]) -> str:
    services.complaint_await_customer(
        complaint=complaint, actor=request.user, message=data["message"]
    )
    return _("The question was recorded for the customer; the complaint awaits their answer.")


def _resume(request: HttpRequest, complaint: Complaint, data: dict[str, Any]) -> str:
    services.complaint_resume(complaint=complaint, actor=request.user, note=data["note"])
    return _("The customer answered: the complaint is back to received, to be routed.")


def _resolve(request: HttpRequest, complaint: Complaint, data: dict[str, Any]) -> str:
    services.complaint_resolve(
        complaint=complaint,
        actor=request.user,
        resolution=data["resolution"],
        response_channel=data["response_channel"],
        phone_call_at=data["phone_call_at"],
        phone_call_summary=data["phone_call_summary"],
    )
    if data["response_channel"] == ResponseChannel.EMAIL:
        return _("Resolved: the result will be emailed to the customer.")
    return _("Resolved: the phone call is recorded.")


def _close(request: HttpRequest, complaint: Complaint, data: dict[str, Any]) -> str:
    services.complaint_close(complaint=complaint, actor=request.user)
    return _("Closed.")


def _reject(request: HttpRequest, complaint: Complaint, data: dict[str, Any]) -> str:
    services.complaint_reject(complaint=complaint, actor=request.user, reason=data["reason"])
    return _("Rejected: the customer is told the reason.")


def _duplicate(request: HttpRequest, complaint: Complaint, data: dict[str, Any]) -> str:
    original: Complaint = data["original"]
    services.complaint_mark_duplicate(complaint=complaint, actor=request.user, original=original)
    return _("Marked as a duplicate of %(code)s.") % {"code": original.tracking_code}


def _extend(request: HttpRequest, complaint: Complaint, data: dict[str, Any]) -> str:
    services.complaint_extend(
        complaint=complaint, actor=request.user, days=data["days"], reason=data["reason"]
    )
    return _("Deadline extended: now due on %(due)s.") % {"due": _local(complaint.due_at)}


def _message(request: HttpRequest, complaint: Complaint, data: dict[str, Any]) -> str:
    services.complaint_add_message(
        complaint=complaint,
        actor=request.user,
        visibility=data["visibility"],
        body=data["body"],
    )
    if data["visibility"] == ComplaintMessage.Visibility.CUSTOMER:
        return _("Reply added: it is shown on the status page and emailed when we have an email.")
    return _("Internal note added.")


def _link(request: HttpRequest, complaint: Complaint, data: dict[str, Any]) -> str:
    customer: Customer = data["customer"]
    services.complaint_link_customer(complaint=complaint, customer=customer, actor=request.user)
    return _("Linked to customer #%(id)s.") % {"id": customer.pk}


def _send_export(request: HttpRequest, complaint: Complaint, data: dict[str, Any]) -> str:
    services.complaint_send_data_export(complaint=complaint, actor=request.user)
    return _("The copy of the customer's data will be emailed to them.")


def _withdraw(request: HttpRequest, complaint: Complaint, data: dict[str, Any]) -> str:
    withdrawn = services.complaint_withdraw_consents(
        complaint=complaint, actor=request.user, consents=data["consents"]
    )
    return ngettext(
        "%(count)d consent withdrawn.", "%(count)d consents withdrawn.", len(withdrawn)
    ) % {"count": len(withdrawn)}


def _erasure(request: HttpRequest, complaint: Complaint, data: dict[str, Any]) -> str:
    erasure_request = services.complaint_request_erasure(complaint=complaint, actor=request.user)
    return _(
        "Erasure request #%(id)s filed: verify the requester's identity and approve it there."
    ) % {"id": erasure_request.pk}


def _acts_on_data(kinds: tuple[str, ...]) -> Callable[[Complaint], bool]:
    def available(complaint: Complaint) -> bool:
        return (
            complaint.kind in kinds
            and complaint.customer_id is not None
            and complaint.status in PENDING_STATUSES
        )

    return available


STEPS: dict[str, Step] = {
    step.name: step
    for step in (
        Step(
            "route",
            gettext_lazy("Classify and route"),
            admin_forms.RouteForm,
            (services.PERM_ROUTE,),
            lambda c: _can_move(c, Status.ROUTED),
            _route,
            gettext_lazy(
                "Step 2 (seed 004 §7): the department responsible, and who handles it. The due "
                "date follows the kind and whether a third party must also act."
            ),
        ),
        Step(
            "ask",
            gettext_lazy("Ask the customer"),
            admin_forms.AskCustomerForm,
            (services.PERM_CHANGE,),
            lambda c: _can_move(c, Status.AWAITING_CUSTOMER),
            _ask,
            gettext_lazy("Ask for details or evidence (seed 000: the customer brings evidence)."),
        ),
        Step(
            "resume",
            gettext_lazy("The customer answered"),
            admin_forms.ResumeForm,
            (services.PERM_CHANGE,),
            lambda c: c.status == Status.AWAITING_CUSTOMER,
            _resume,
        ),
        Step(
            "resolve",
            gettext_lazy("Resolve"),
            admin_forms.ResolveForm,
            (services.PERM_RESOLVE,),
            lambda c: _can_move(c, Status.RESOLVED),
            _resolve,
            gettext_lazy(
                "Step 3: the result, answered by phone (the time of the call and a summary) or "
                "by email (sent from here)."
            ),
        ),
        Step(
            "close",
            gettext_lazy("Close"),
            admin_forms.ConfirmForm,
            (services.PERM_CHANGE,),
            lambda c: _can_move(c, Status.CLOSED),
            _close,
            gettext_lazy("The customer was answered and nothing is left to do."),
        ),
        Step(
            "reject",
            gettext_lazy("Reject"),
            admin_forms.RejectForm,
            (services.PERM_REJECT,),
            lambda c: _can_move(c, Status.REJECTED),
            _reject,
        ),
        Step(
            "duplicate",
            gettext_lazy("Mark as duplicate"),
            admin_forms.DuplicateForm,
            (services.PERM_REJECT,),
            lambda c: _can_move(c, Status.DUPLICATE),
            _duplicate,
        ),
        Step(
            "extend",
            gettext_lazy("Extend the deadline"),
            admin_forms.ExtendForm,
            (services.PERM_EXTEND,),
            lambda c: c.status in PENDING_STATUSES and not c.extension_days,
            _extend,
            gettext_lazy("The law allows one extension, with its reason (Decree 356/2025)."),
        ),
        Step(
            "message",
            gettext_lazy("Add a note or reply"),
            admin_forms.MessageForm,
            (services.PERM_CHANGE,),
            lambda c: True,
            _message,
        ),
        Step(
            "link",
            gettext_lazy("Link a customer"),
            admin_forms.LinkCustomerForm,
            (services.PERM_CHANGE,),
            lambda c: c.status in OPEN_STATUSES,
            _link,
            gettext_lazy(
                "Check that the person who filed it is this customer before linking: the "
                "requests then act on the customer's data."
            ),
            {"customer": "customer_id"},
        ),
        Step(
            "send_export",
            gettext_lazy("Send the export to the customer"),
            admin_forms.ConfirmForm,
            (services.PERM_RESOLVE, FULL_VIEW),
            _acts_on_data((Kind.ACCESS,)),
            _send_export,
            gettext_lazy(
                "The customer is emailed a copy of every record we hold about them (a page and "
                "a JSON file). Preview it first."
            ),
        ),
        Step(
            "withdraw",
            gettext_lazy("Withdraw consents"),
            admin_forms.WithdrawConsentsForm,
            (services.PERM_RESOLVE, "customers.change_consent"),
            _acts_on_data((Kind.WITHDRAW_CONSENT, Kind.STOP_MARKETING)),
            _withdraw,
            gettext_lazy(
                "The consents stay on record, withdrawn, with this request as the reason."
            ),
        ),
        Step(
            "erasure",
            gettext_lazy("File an erasure request"),
            admin_forms.ConfirmForm,
            (services.PERM_RESOLVE, "retention.add_erasurerequest"),
            lambda c: _acts_on_data((Kind.DELETION,))(c) and c.erasure_request_id is None,
            _erasure,
            gettext_lazy(
                "The request goes through verification and approval in Retention; the status "
                "page shows its outcome."
            ),
        ),
    )
}


# Steps that act on the customer's data: only for the kinds of request that ask for them.
DATA_STEPS = frozenset({"send_export", "withdraw", "erasure"})


def steps_allowed(request: HttpRequest, complaint: Complaint) -> list[Step]:
    """The buttons a staff member sees on a complaint's page (the services check again)."""
    user: Any = request.user
    return [
        step
        for step in STEPS.values()
        if step.available(complaint) and all(user.has_perm(name) for name in step.permissions)
    ]


def _step_url(complaint: Complaint, step: str) -> str:
    return reverse("admin:complaints_complaint_step", args=[complaint.pk, step])


def can_export(request: HttpRequest) -> bool:
    user: Any = request.user
    return bool(user.has_perm(services.PERM_RESOLVE) and masking.can_see_full(user))


def change_page_context(
    model_admin: ComplaintAdmin, request: HttpRequest, complaint: Complaint
) -> dict[str, Any]:
    links: list[tuple[str, Any, str]] = []
    if complaint.customer_id is not None:
        if complaint.kind == Kind.ACCESS and can_export(request):
            links.append(
                (
                    "export-preview",
                    _("Preview the export"),
                    reverse("admin:complaints_complaint_export", args=[complaint.pk]),
                )
            )
            links.append(
                (
                    "export-json",
                    _("Download the export (JSON)"),
                    reverse("admin:complaints_complaint_export_json", args=[complaint.pk]),
                )
            )
        user: Any = request.user
        if complaint.kind == Kind.CORRECTION and user.has_perm("customers.change_customer"):
            links.append(
                (
                    "correct-customer",
                    _("Correct the customer's data"),
                    reverse("admin:customers_customer_change", args=[complaint.customer_id]),
                )
            )
    if complaint.erasure_request_id is not None:
        links.append(
            (
                "erasure-request",
                _("Erasure request #%(id)s") % {"id": complaint.erasure_request_id},
                reverse(
                    "admin:retention_erasurerequest_change", args=[complaint.erasure_request_id]
                ),
            )
        )
    return {
        "complaint_steps": [
            (step.name, step.title, _step_url(complaint, step.name))
            for step in steps_allowed(request, complaint)
        ],
        "complaint_links": links,
        "complaint_overdue": complaint.is_overdue(),
    }


def add_service_errors(
    form: forms.BaseForm, error: ValidationError, names: dict[str, str] | None = None
) -> None:
    """A service's ValidationError on the form: on the field it names when the form has it."""
    names = names or {}
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            shown = names.get(name, name)
            form.add_error(shown if shown in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _complaint_or_404(
    model_admin: ComplaintAdmin, request: HttpRequest, object_id: str
) -> Complaint:
    complaint = model_admin.get_object(request, unquote(object_id))
    if complaint is None:
        raise Http404(_("No such complaint."))
    if not model_admin.has_view_permission(request, complaint):
        raise PermissionDenied
    return complaint


def step_view(
    model_admin: ComplaintAdmin, request: HttpRequest, object_id: str, name: str
) -> HttpResponse:
    """One step, asked on its own page and done by the service."""
    step = STEPS.get(name)
    if step is None:
        raise Http404
    complaint = _complaint_or_404(model_admin, request, object_id)
    change_url = reverse("admin:complaints_complaint_change", args=[complaint.pk])
    user: Any = request.user
    if not all(user.has_perm(permission) for permission in step.permissions):
        model_admin.message_user(
            request,
            _("Your role may not take the step “%(step)s”.") % {"step": step.title},
            messages.ERROR,
        )
        return HttpResponseRedirect(change_url)
    # A step the status does not allow is shown, when posted, with the service's own reason;
    # the actions on the customer's data depend on the kind too, which only this page checks.
    if not step.available(complaint) and (request.method != "POST" or name in DATA_STEPS):
        model_admin.message_user(
            request,
            _("“%(step)s” is not possible for this complaint now.") % {"step": step.title},
            messages.ERROR,
        )
        return HttpResponseRedirect(change_url)
    form = step.form(request.POST if request.method == "POST" else None, complaint=complaint)
    if request.method == "POST" and form.is_valid():
        try:
            done = step.run(request, complaint, form.cleaned_data)
        except PermissionDenied as denied:
            model_admin.message_user(request, refusal_text(denied), messages.ERROR)
            return HttpResponseRedirect(change_url)
        except ValidationError as error:
            add_service_errors(form, error, step.field_names)
        else:
            model_admin.message_user(request, done, messages.SUCCESS)
            return HttpResponseRedirect(change_url)
    context = {
        **model_admin.admin_site.each_context(request),
        "title": step.title,
        "subtitle": str(complaint),
        "opts": model_admin.opts,
        "original": complaint,
        "form": form,
        "step": step,
        "change_url": change_url,
        "due": _local(complaint.due_at),
        "overdue": complaint.is_overdue(),
    }
    if name == "link" and not masking.can_see_full(request.user):
        match: Any = form.fields["match"]
        match.label_from_instance = lambda customer: (
            f"#{customer.pk} {masking.masked_str(customer)}"
        )
    request.current_app = model_admin.admin_site.name
    return TemplateResponse(request, "admin/complaints/complaint/step.html", context)


# Files and the export -----------------------------------------------------------------------


def evidence_view(
    model_admin: ComplaintAdmin, request: HttpRequest, object_id: str, evidence_id: int
) -> FileResponse:
    """An evidence file, for staff who may see complaints and customers' data in full. Media
    files are never served publicly; reading one is logged when it names a customer."""
    complaint = _complaint_or_404(model_admin, request, object_id)
    if not masking.can_see_full(request.user):
        raise PermissionDenied(_("Evidence files show personal data your role sees masked."))
    evidence = Evidence.objects.filter(pk=evidence_id, complaint_id=complaint.pk).first()
    if evidence is None or not evidence.file:
        raise Http404(_("No such evidence file."))
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError as missing:
        raise Http404(_("No such evidence file.")) from missing
    if complaint.customer_id is not None:
        access_log_record(
            staff=request.user,
            customer_ids=[complaint.customer_id],
            action=AccessLog.Action.VIEW,
            detail=f"evidence #{evidence.pk} of complaint {complaint.tracking_code}",
            ip_address=client_ip(request),
        )
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=evidence.original_name or "evidence",
        content_type=evidence.content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


def export_view(
    model_admin: ComplaintAdmin, request: HttpRequest, object_id: str, *, as_json: bool
) -> HttpResponse:
    """An access request's copy of the customer's data, as the customer will receive it: the
    printable page, or the JSON file (Decree 13/2023 Art. 9(2)). Logged as an export."""
    from complaints import data_export

    complaint = _complaint_or_404(model_admin, request, object_id)
    if not can_export(request):
        raise PermissionDenied(_("Your role may not export customers' data."))
    customer = None
    if complaint.customer_id is not None:
        customer = (
            Customer.objects.filter(pk=complaint.customer_id)
            .exclude(status=Customer.Status.ERASED)
            .first()
        )
    if customer is None:
        raise Http404(_("The complaint has no linked customer."))
    access_log_record(
        staff=request.user,
        customer_ids=[customer.pk],
        action=AccessLog.Action.EXPORT,
        detail=f"access request {complaint.tracking_code}: {'json' if as_json else 'preview'}",
        ip_address=client_ip(request),
    )
    with translation.override(complaint.language):
        export = data_export.customer_data(customer)
        if as_json:
            response = HttpResponse(
                data_export.render_json(export), content_type="application/json; charset=utf-8"
            )
            response["Content-Disposition"] = (
                f'attachment; filename="personal-data-{complaint.tracking_code}.json"'
            )
        else:
            response = HttpResponse(data_export.render_html(export))
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response
