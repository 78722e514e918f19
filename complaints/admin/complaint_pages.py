"""The pages behind a complaint's buttons: one per step of the workflow (each a small form that
calls complaints.services), the evidence download, and the preview of an access request's
export. ComplaintAdmin (complaints/admin/complaints.py) routes to them.

The buttons shown are those the staff member's role and the complaint's status allow; the
services check again, and their refusals come back as form errors or messages.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop, ngettext

from complaints import data_requests, incidents, services
from complaints.admin import complaint_forms, incident_forms
from complaints.models import (
    OPEN_STATUSES,
    PENDING_STATUSES,
    REQUEST_KINDS,
    Complaint,
    ComplaintMessage,
    Evidence,
    Kind,
    ResponseChannel,
    Status,
)
from customers import masking
from customers.admin.steps import ConfirmForm, Step, Steps, record_or_404
from customers.http import client_ip
from customers.kernel import files, pdf
from customers.kernel.text import local_datetime, staff_text
from customers.models import AccessLog, Customer
from customers.services import access_log_record

if TYPE_CHECKING:
    from complaints.admin.complaints import ComplaintAdmin

logger = logging.getLogger(__name__)

FULL_VIEW = masking.FULL_VIEW_PERMISSION

# Links an app above complaints adds to a complaint's page: each gives (name, label, url) rows.
CHANGE_PAGE_LINKS: list[Callable[[HttpRequest, Complaint], list[tuple[str, Any, str]]]] = []


def _can_move(complaint: Complaint, to_status: str) -> bool:
    return to_status in services.TRANSITIONS.get(complaint.status, ())


# The steps ----------------------------------------------------------------------------------


def _route(request: HttpRequest, complaint: Complaint, form: Any) -> str:
    data = form.cleaned_data
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
        "department": complaint.department,
        "due": local_datetime(complaint.due_at),
    }


def _ask(request: HttpRequest, complaint: Complaint, form: Any) -> str:
    data = form.cleaned_data
    services.complaint_await_customer(
        complaint=complaint, actor=request.user, message=data["message"]
    )
    return _("The question was recorded for the customer; the complaint awaits their answer.")


def _resume(request: HttpRequest, complaint: Complaint, form: Any) -> str:
    data = form.cleaned_data
    services.complaint_resume(complaint=complaint, actor=request.user, note=data["note"])
    return _("The customer answered: the complaint is back to received, to be routed.")


def _resolve(request: HttpRequest, complaint: Complaint, form: Any) -> str:
    data = form.cleaned_data
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


def _close(request: HttpRequest, complaint: Complaint, form: Any) -> str:
    services.complaint_close(complaint=complaint, actor=request.user)
    return _("Closed.")


def _reject(request: HttpRequest, complaint: Complaint, form: Any) -> str:
    data = form.cleaned_data
    services.complaint_reject(complaint=complaint, actor=request.user, reason=data["reason"])
    return _("Rejected: the customer is told the reason.")


def _duplicate(request: HttpRequest, complaint: Complaint, form: Any) -> str:
    data = form.cleaned_data
    original: Complaint = data["original"]
    services.complaint_mark_duplicate(complaint=complaint, actor=request.user, original=original)
    return _("Marked as a duplicate of %(code)s.") % {"code": original.tracking_code}


def _acknowledge_call(request: HttpRequest, complaint: Complaint, form: Any) -> str:
    data = form.cleaned_data
    services.complaint_acknowledge_by_call(
        complaint=complaint,
        actor=request.user,
        called_at=data["called_at"],
        summary=data["summary"],
    )
    return _("The acknowledgement call is recorded.")


def _extend(request: HttpRequest, complaint: Complaint, form: Any) -> str:
    data = form.cleaned_data
    services.complaint_extend(
        complaint=complaint, actor=request.user, days=data["days"], reason=data["reason"]
    )
    return _("Deadline extended: now due on %(due)s.") % {"due": local_datetime(complaint.due_at)}


def _message(request: HttpRequest, complaint: Complaint, form: Any) -> str:
    data = form.cleaned_data
    services.complaint_add_message(
        complaint=complaint,
        actor=request.user,
        visibility=data["visibility"],
        body=data["body"],
    )
    if data["visibility"] == ComplaintMessage.Visibility.CUSTOMER:
        return _("Reply added: it is shown on the status page and emailed when we have an email.")
    return _("Internal note added.")


def _link(request: HttpRequest, complaint: Complaint, form: Any) -> str:
    data = form.cleaned_data
    customer: Customer = data["customer"]
    services.complaint_link_customer(complaint=complaint, customer=customer, actor=request.user)
    return _("Linked to customer #%(id)s.") % {"id": customer.pk}


def _verify_identity(request: HttpRequest, complaint: Complaint, form: Any) -> str:
    data = form.cleaned_data
    data_requests.complaint_verify_identity(
        complaint=complaint, actor=request.user, method=data["method"], note=data["note"]
    )
    return _("Identity verified: the steps on the customer's data can go ahead.")


def _record_representative(request: HttpRequest, complaint: Complaint, form: Any) -> str:
    data = form.cleaned_data
    data_requests.complaint_record_representative(
        complaint=complaint,
        actor=request.user,
        name=data["name"],
        relation=data["relation"],
        proof=data["proof"],
    )
    return _("The legal representative is recorded: now verify their identity.")


def _identity_unchecked(complaint: Complaint) -> bool:
    return acts_on_data(REQUEST_KINDS)(complaint) and complaint.identity_verified_at is None


def _recipient(request: HttpRequest, complaint: Complaint, form: Any) -> None:
    """The send page names the address the copy goes to: the one on record."""
    customer = complaint.customer
    form.recipient = customer.email if customer is not None else ""


def _send_export(request: HttpRequest, complaint: Complaint, form: Any) -> str:
    data_requests.complaint_send_data_export(complaint=complaint, actor=request.user)
    return _("The copy of the customer's data will be emailed to them.")


def _withdraw(request: HttpRequest, complaint: Complaint, form: Any) -> str:
    data = form.cleaned_data
    withdrawn = data_requests.complaint_withdraw_consents(
        complaint=complaint, actor=request.user, consents=data["consents"]
    )
    return ngettext(
        "%(count)d consent withdrawn.", "%(count)d consents withdrawn.", len(withdrawn)
    ) % {"count": len(withdrawn)}


def _open_incident(request: HttpRequest, complaint: Complaint, form: Any) -> str:
    incident = incidents.incident_open_from_complaint(
        complaint=complaint, actor=request.user, **form.cleaned_data
    )
    return _(
        "The breach incident %(reference)s is opened from this complaint: the 72 hours to "
        "notify the authority run from %(at)s."
    ) % {"reference": incident.reference, "at": local_datetime(incident.detected_at)}


def _may_open_incident(complaint: Complaint) -> bool:
    return (
        complaint.kind in incidents.BREACH_COMPLAINT_KINDS
        and complaint.incident_id is None
        and complaint.status not in (Status.REJECTED, Status.DUPLICATE)
    )


def acts_on_data(kinds: tuple[str, ...]) -> Callable[[Complaint], bool]:
    def available(complaint: Complaint) -> bool:
        return (
            complaint.kind in kinds
            and complaint.customer_id is not None
            and complaint.status in PENDING_STATUSES
        )

    return available


def _step_context(request: HttpRequest, complaint: Complaint) -> dict[str, Any]:
    return {"due": local_datetime(complaint.due_at), "overdue": complaint.is_overdue()}


def _mask_matches(request: HttpRequest, complaint: Complaint, form: Any) -> None:
    """Staff without the full view choose among matching customers by their masked names."""
    if not masking.can_see_full(request.user):
        masked = lambda customer: f"#{customer.pk} {masking.masked_str(customer)}"  # noqa: E731
        form.fields["match"].label_from_instance = masked
        form.fields["customer_id"].label_from_instance = masked  # the one picked, shown again


STEPS = Steps(
    template="admin/complaints/complaint/step.html",
    context=_step_context,
    steps=(
        Step(
            "acknowledge_call",
            gettext_lazy("Record the acknowledgement call"),
            complaint_forms.AcknowledgeCallForm,
            _acknowledge_call,
            permissions=(services.PERM_CHANGE,),
            service_judges_state=True,
            available=lambda c: c.acknowledged_at is None and c.status in PENDING_STATUSES,
            explanation=gettext_lazy(
                "Every complaint and request is answered within 2 working days with the "
                "procedure, the deadline and how to follow (Decree 356/2025 Art. 5). Without an "
                "email address, call the customer and record the call here."
            ),
        ),
        Step(
            "route",
            gettext_lazy("Classify and route"),
            complaint_forms.RouteForm,
            _route,
            permissions=(services.PERM_ROUTE,),
            service_judges_state=True,
            available=lambda c: _can_move(c, Status.ROUTED),
            explanation=gettext_lazy(
                "Step 2 (seed 004 §7): the department responsible, and who handles it. The due "
                "date follows the kind and whether a third party must also act."
            ),
        ),
        Step(
            "ask",
            gettext_lazy("Ask the customer"),
            complaint_forms.AskCustomerForm,
            _ask,
            permissions=(services.PERM_CHANGE,),
            service_judges_state=True,
            available=lambda c: _can_move(c, Status.AWAITING_CUSTOMER),
            explanation=gettext_lazy(
                "Ask for details or evidence (seed 000: the customer brings evidence)."
            ),
        ),
        Step(
            "resume",
            gettext_lazy("The customer answered"),
            complaint_forms.ResumeForm,
            _resume,
            permissions=(services.PERM_CHANGE,),
            service_judges_state=True,
            available=lambda c: c.status == Status.AWAITING_CUSTOMER,
        ),
        Step(
            "resolve",
            gettext_lazy("Resolve"),
            complaint_forms.ResolveForm,
            _resolve,
            permissions=(services.PERM_RESOLVE,),
            service_judges_state=True,
            available=lambda c: _can_move(c, Status.RESOLVED),
            explanation=gettext_lazy(
                "Step 3: the result, answered by phone (the time of the call and a summary) or "
                "by email (sent from here)."
            ),
        ),
        Step(
            "close",
            gettext_lazy("Close"),
            ConfirmForm,
            _close,
            permissions=(services.PERM_CHANGE,),
            service_judges_state=True,
            available=lambda c: _can_move(c, Status.CLOSED),
            explanation=gettext_lazy("The customer was answered and nothing is left to do."),
        ),
        Step(
            "reject",
            gettext_lazy("Reject"),
            complaint_forms.RejectForm,
            _reject,
            permissions=(services.PERM_REJECT,),
            service_judges_state=True,
            available=lambda c: _can_move(c, Status.REJECTED),
        ),
        Step(
            "duplicate",
            gettext_lazy("Mark as duplicate"),
            complaint_forms.DuplicateForm,
            _duplicate,
            permissions=(services.PERM_REJECT,),
            service_judges_state=True,
            available=lambda c: _can_move(c, Status.DUPLICATE),
        ),
        Step(
            "extend",
            gettext_lazy("Extend the deadline"),
            complaint_forms.ExtendForm,
            _extend,
            permissions=(services.PERM_EXTEND,),
            service_judges_state=True,
            available=lambda c: c.status in PENDING_STATUSES and not c.extension_days,
            explanation=gettext_lazy(
                "The law allows one extension, with its reason (Decree 356/2025)."
            ),
        ),
        Step(
            "message",
            gettext_lazy("Add a note or reply"),
            complaint_forms.MessageForm,
            _message,
            permissions=(services.PERM_CHANGE,),
            service_judges_state=True,
            available=lambda c: True,
        ),
        Step(
            "link",
            gettext_lazy("Link a customer"),
            complaint_forms.LinkCustomerForm,
            _link,
            permissions=(services.PERM_CHANGE,),
            service_judges_state=True,
            available=lambda c: c.status in OPEN_STATUSES,
            explanation=gettext_lazy(
                "Check that the person who filed it is this customer before linking: the "
                "requests then act on the customer's data."
            ),
            field_names={"customer": "customer_id"},
            prepare_form=_mask_matches,
        ),
        Step(
            "representative",
            gettext_lazy("Record the legal representative"),
            complaint_forms.RepresentativeForm,
            _record_representative,
            permissions=(services.PERM_CHANGE,),
            service_judges_state=True,
            available=lambda c: _identity_unchecked(c) and not c.representative_name,
            explanation=gettext_lazy(
                "For a child, or a person without full legal capacity, the legal representative "
                "makes the request (Law 91/2025/QH15 Art. 24(2)): record who, as what, and the "
                "proof you saw; then verify the representative's identity."
            ),
        ),
        Step(
            "verify_identity",
            gettext_lazy("Verify the requester's identity"),
            complaint_forms.IdentityForm,
            _verify_identity,
            permissions=(services.PERM_RESOLVE,),
            available=_identity_unchecked,
            explanation=gettext_lazy(
                "Before anything of the customer's data is shown or sent: make sure the person "
                "asking is the customer on record — call back the phone number on record (never "
                "one given in the request), see their citizen ID, or confirm the request came "
                "from their signed-in shop account. The customer can also confirm on the status "
                "page with a one-time code sent to the phone or email on record."
            ),
            field_names={"identity_method": "method", "identity_note": "note"},
        ),
        Step(
            "open_incident",
            gettext_lazy("Open a breach incident"),
            incident_forms.IncidentFromComplaintForm,
            _open_incident,
            permissions=(incidents.PERM_ADD,),
            service_judges_state=True,
            available=_may_open_incident,
            explanation=gettext_lazy(
                "A substantiated leak or use beyond the stated purpose is a breach the "
                "authority must be told of within 72 hours (Law 91/2025/QH15 Art. 23(1), "
                "(3)). The incident describes the event, not the customer; the complainant "
                "becomes one of its affected customers."
            ),
        ),
        Step(
            "send_export",
            gettext_lazy("Send the export to the customer"),
            ConfirmForm,
            _send_export,
            permissions=(services.PERM_RESOLVE, FULL_VIEW),
            available=acts_on_data((Kind.ACCESS,)),
            explanation=gettext_lazy(
                "The customer is emailed a copy of every record we hold about them (a page and "
                "a JSON file), at the address on record. Preview it first."
            ),
            prepare_form=_recipient,
        ),
        Step(
            "withdraw",
            gettext_lazy("Withdraw consents"),
            complaint_forms.WithdrawConsentsForm,
            _withdraw,
            permissions=(services.PERM_RESOLVE, "customers.change_consent"),
            available=acts_on_data((Kind.WITHDRAW_CONSENT, Kind.STOP_MARKETING)),
            explanation=gettext_lazy(
                "The consents stay on record, withdrawn, with this request as the reason."
            ),
        ),
    ),
)


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
                    "export-pdf",
                    _("Download the letter (PDF)"),
                    reverse("admin:complaints_complaint_export_pdf", args=[complaint.pk]),
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
    viewer: Any = request.user
    if complaint.incident is not None and viewer.has_perm("complaints.view_incident"):
        links.append(
            (
                "incident",
                _("Breach incident %(reference)s") % {"reference": complaint.incident.reference},
                reverse("admin:complaints_incident_change", args=[complaint.incident.pk]),
            )
        )
    for extra_links in CHANGE_PAGE_LINKS:
        links.extend(extra_links(request, complaint))
    return {
        "complaint_steps": STEPS.buttons(request, complaint),
        "complaint_links": links,
        "complaint_overdue": complaint.is_overdue(),
    }


# Files and the export -----------------------------------------------------------------------


def evidence_view(
    model_admin: ComplaintAdmin, request: HttpRequest, object_id: str, evidence_id: int
) -> FileResponse:
    """An evidence file, for staff who may see complaints and customers' data in full. Media
    files are never served publicly; reading one is logged when it names a customer."""
    complaint = record_or_404(model_admin, request, object_id)
    if not masking.can_see_full(request.user):
        raise PermissionDenied(_("Evidence files show personal data your role sees masked."))
    # Sensitive data (Decree 356/2025 Art. 4(2): access limited to the roles that need it):
    # the staff who answer complaints.
    user: Any = request.user
    if not user.has_perm(services.PERM_RESOLVE):
        raise PermissionDenied(_("Only the staff who answer complaints open their evidence."))
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
            detail=staff_text(
                gettext_noop("evidence file #%(id)s of complaint %(code)s"),
                id=evidence.pk,
                code=complaint.tracking_code,
            ),
            ip_address=client_ip(request),
        )
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=files.download_name(
            f"{complaint.tracking_code}-{evidence.pk}", evidence.content_type
        ),
        content_type=evidence.content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


def export_view(
    model_admin: ComplaintAdmin, request: HttpRequest, object_id: str, *, as_format: str
) -> HttpResponse:
    """An access request's copy of the customer's data, as the customer will receive it: the
    printable letter, its PDF file, or the JSON file (Law 91/2025/QH15 Art. 4(1)(d)). Logged as
    an export. What Legal marked confidential is withheld (Art. 15(2)(a)), as in the email."""
    from complaints import data_export

    complaint = record_or_404(model_admin, request, object_id)
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
    details = {
        "json": gettext_noop("access request %(code)s: JSON file"),
        "pdf": gettext_noop("access request %(code)s: PDF letter"),
    }
    with translation.override(complaint.language):
        export = data_export.customer_data(customer)
        if as_format == "pdf":
            try:
                content = data_export.render_pdf(export)
            except pdf.PdfUnavailable as missing:
                logger.error("PDF of the export of %s not made: %s", complaint.pk, missing)
                model_admin.message_user(
                    request,
                    _(
                        "The PDF cannot be made on this server (its PDF libraries are missing: "
                        "make pdf-libs). Print the page instead."
                    ),
                    messages.ERROR,
                )
                return HttpResponseRedirect(
                    reverse("admin:complaints_complaint_change", args=[complaint.pk])
                )
            response = HttpResponse(content, content_type="application/pdf")
            response["Content-Disposition"] = (
                f'attachment; filename="personal-data-{complaint.tracking_code}.pdf"'
            )
        elif as_format == "json":
            response = HttpResponse(
                data_export.render_json(export), content_type="application/json; charset=utf-8"
            )
            response["Content-Disposition"] = (
                f'attachment; filename="personal-data-{complaint.tracking_code}.json"'
            )
        else:
            response = HttpResponse(data_export.render_html(export))
    if as_format in details:
        # The letter or the file is handed over (the page is staff's preview): what it
        # withholds goes on the record.
        data_requests.complaint_record_withheld(
            complaint=complaint, customer=customer, actor=request.user
        )
    access_log_record(
        staff=request.user,
        customer_ids=[customer.pk],
        action=AccessLog.Action.EXPORT,
        detail=staff_text(
            details.get(as_format, gettext_noop("access request %(code)s: preview")),
            code=complaint.tracking_code,
        ),
        ip_address=client_ip(request),
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response
