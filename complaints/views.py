"""The public pages of complaints/: the form, its confirmation, and the status lookup. No login:
the tracking code and the phone or email the complaint was filed with open its status.

The writes go through complaints.services; these views only show the forms, count attempts
(complaints.ratelimit) and put the service's messages where the customer typed.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from complaints import identity_codes, ratelimit, selectors, services
from complaints.forms import ComplaintForm, IdentityCodeForm, StatusForm
from complaints.models import PENDING_STATUSES, REQUEST_KINDS, Complaint, ComplaintMessage, Status
from customers.kernel.forms import add_service_errors
from customers.kernel.text import local_datetime
from customers.selectors import controller_get

# The confirmation page's complaint travels in a signed cookie, not in the session: the public
# pages then open no session at all, so a POST is one transaction (the complaint), not two, and
# no session row is kept for a member of the public. Signed (it cannot be forged to show another
# complaint), HttpOnly, gone when the browser closes and refused after SENT_MAX_AGE.
SENT_COOKIE = "complaint_sent"
SENT_SALT = "complaints.views.sent"
SENT_MAX_AGE = 30 * 60

# What each status means for the customer, under its name (seed 004 §7's three steps).
STATUS_EXPLAINED: dict[str, Any] = {
    Status.RECEIVED: _("We have your complaint. Customer care is reading it."),
    Status.AWAITING_CUSTOMER: _(
        "We need more information or evidence from you: see our message below, or call us."
    ),
    Status.ROUTED: _("The department responsible is handling it."),
    Status.RESOLVED: _("We have answered you. The result is below."),
    Status.CLOSED: _("Handling is finished. The result is below."),
    Status.REJECTED: _("We could not accept it. The reason is below."),
    Status.DUPLICATE: _("It repeats another complaint of yours, which we handle instead."),
}
# The step of the three (1 received, 2 routed, 3 answered) each status has reached.
STATUS_STEP: dict[str, int] = {
    Status.RECEIVED: 1,
    Status.AWAITING_CUSTOMER: 1,
    Status.ROUTED: 2,
    Status.RESOLVED: 3,
    Status.CLOSED: 3,
    Status.REJECTED: 3,
    Status.DUPLICATE: 3,
}


def _to_sent_page(*, code: str = "", emailed: bool = False) -> HttpResponse:
    """The redirect to the confirmation page, carrying the complaint just sent (or, with no
    code, forgetting any earlier one)."""
    response = redirect("complaints:sent")
    if not code:
        response.delete_cookie(SENT_COOKIE, samesite="Lax")
        return response
    response.set_signed_cookie(
        SENT_COOKIE,
        f"{code}|{int(emailed)}",
        salt=SENT_SALT,
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )
    return response


def _sent_complaint(request: HttpRequest) -> tuple[str, bool]:
    """The tracking code of the complaint this browser just sent, and whether it was emailed."""
    value = request.get_signed_cookie(SENT_COOKIE, default="", salt=SENT_SALT, max_age=SENT_MAX_AGE)
    code, _, emailed = (value or "").partition("|")
    return code, emailed == "1"


def _too_many(response: HttpResponse, verdict: ratelimit.Verdict) -> HttpResponse:
    response["Retry-After"] = str(verdict.retry_after)
    return response


def _retry_at(verdict: ratelimit.Verdict) -> dict[str, Any]:
    """When the visitor may try again, for the 429 page: the time and the minutes to wait."""
    at = timezone.now() + datetime.timedelta(seconds=verdict.retry_after)
    return {"retry_at": local_datetime(at), "retry_minutes": max(1, -(-verdict.retry_after // 60))}


def _new_page(
    request: HttpRequest,
    form: ComplaintForm,
    *,
    status: int = 200,
    limited: ratelimit.Verdict | None = None,
) -> HttpResponse:
    files_dropped = request.method == "POST" and bool(request.FILES.getlist("evidence"))
    if files_dropped:
        # The note that the files must be chosen again belongs to the file input too.
        bound = form["evidence"]
        described = [f"{bound.auto_id}_helptext", f"{bound.auto_id}_again"]
        if bound.errors:
            described.append(f"{bound.auto_id}_error")
        form.fields["evidence"].widget.attrs["aria-describedby"] = " ".join(described)
    return render(
        request,
        "complaints/new.html",
        {
            "form": form,
            "controller": controller_get(),
            "limited": limited is not None,
            **(_retry_at(limited) if limited is not None else {}),
            "files_dropped": files_dropped,
        },
        status=status,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def complaint_new(request: HttpRequest) -> HttpResponse:
    """/complaints/new/: a complaint or a request about one's data, in the page's language."""
    if request.method != "POST":
        return _new_page(request, ComplaintForm())
    form = ComplaintForm(request.POST, request.FILES)
    # Every try counts against a high limit (a script); only accepted complaints against the
    # low one, so that a customer who mistypes is never locked out: counted at once, and given
    # back when the POST is not accepted.
    limits = ratelimit.reserve(
        request,
        tries=("complaint-try", "COMPLAINT_TRY_RATE"),
        accepted=("complaint-submit", "COMPLAINT_SUBMIT_RATE"),
    )
    refused = [verdict for verdict in (limits.tries, limits.accepted) if not verdict.allowed]
    if refused:
        limits.release()
        form.is_valid()  # keeps what was typed; the limit is said at the top
        verdict = max(refused, key=lambda v: v.retry_after)
        return _too_many(_new_page(request, form, status=429, limited=verdict), verdict)
    if form.honeypot_filled():
        # A script: nothing is saved, and it is told nothing it could learn from.
        limits.release()
        return _to_sent_page()
    if form.is_valid():
        data = form.cleaned_data
        try:
            complaint = services.complaint_submit(
                name=data["name"],
                phone=data["phone"],
                email=data["email"],
                kind=data["kind"],
                description=data["description"],
                files=data["evidence"],
                language=translation.get_language() or "",
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return _to_sent_page(
                code=complaint.tracking_code, emailed=bool(complaint.submitter_email)
            )
    limits.release()
    return _new_page(request, form)


@never_cache
@require_http_methods(["GET"])
def complaint_sent(request: HttpRequest) -> HttpResponse:
    """/complaints/sent/: the tracking code of the complaint this browser just sent."""
    code, emailed = _sent_complaint(request)
    complaint = Complaint.objects.filter(tracking_code=code).first() if code else None
    return render(
        request,
        "complaints/sent.html",
        {"complaint": complaint, "emailed": emailed, "controller": controller_get()},
    )


@dataclass(frozen=True)
class StatusSection:
    """A part of the status page that an app above complaints adds (retention: how a deletion
    request ended). ``context`` gives what its template shows, or None when it has nothing."""

    template: str
    context: Callable[[Complaint], dict[str, Any] | None]


STATUS_SECTIONS: list[StatusSection] = []


def _status_sections(complaint: Complaint) -> list[tuple[str, dict[str, Any]]]:
    return [
        (section.template, shown)
        for section in STATUS_SECTIONS
        if (shown := section.context(complaint)) is not None
    ]


def _customer_messages(complaint: Complaint) -> list[ComplaintMessage]:
    # Replies meant for the customer only: internal notes never leave the back office.
    return list(complaint.messages.filter(visibility=ComplaintMessage.Visibility.CUSTOMER))


def _identity_context(request: HttpRequest, complaint: Complaint) -> dict[str, Any]:
    """The "confirm it is you" part of a request's status: send a one-time code to the phone
    or email on record, then type it (complaints.identity_codes)."""
    if complaint.kind not in REQUEST_KINDS or complaint.identity_verified_at is not None:
        return {}
    if complaint.status not in PENDING_STATUSES:
        return {}
    shown: dict[str, Any] = {"identity": True, "code_form": IdentityCodeForm()}
    action = request.POST.get("action", "")
    try:
        if action == "send_code":
            identity_codes.identity_code_request(
                complaint=complaint, channel=request.POST.get("channel", "")
            )
        elif action == "check_code":
            form = shown["code_form"] = IdentityCodeForm(request.POST)
            if form.is_valid():
                try:
                    identity_codes.identity_code_confirm(
                        complaint=complaint, code=form.cleaned_data["code"]
                    )
                except ValidationError as error:
                    add_service_errors(form, error)
                else:
                    return {"identity_confirmed": True}
    except ValidationError as error:
        shown["identity_error"] = " ".join(error.messages)
    destinations = identity_codes.identity_code_destinations(complaint)
    pending = identity_codes.identity_code_pending(complaint)
    sent_to = next((d for d in destinations if pending and d.channel == pending.channel), None)
    return {
        **shown,
        "destinations": destinations,
        "code_sent_to": sent_to.shown if sent_to else "",
        "code_minutes": identity_codes.CODE_MINUTES,
        "awaiting_link": complaint.customer_id is None,
    }


@never_cache
@require_http_methods(["GET", "POST"])
def complaint_status(request: HttpRequest) -> HttpResponse:
    """/complaints/status/: the tracking code and the phone or email it was filed with show
    where the complaint is. A wrong pair gets one answer, whatever was wrong."""
    context: dict[str, Any] = {"controller": controller_get(), "looked_up": False}
    if request.method != "POST":
        form = StatusForm()
    else:
        form = StatusForm(request.POST)
        verdict = ratelimit.hit(
            request, scope="complaint-status", rate_setting="COMPLAINT_STATUS_RATE"
        )
        if not verdict.allowed:
            form.is_valid()
            context["limited"] = True
            context.update(_retry_at(verdict))
            response = render(
                request, "complaints/status.html", {**context, "form": form}, status=429
            )
            return _too_many(response, verdict)
        if form.is_valid():
            complaint = selectors.complaint_find_for_customer(
                tracking_code=form.cleaned_data["tracking_code"],
                contact=form.cleaned_data["contact"],
            )
            context["looked_up"] = True
            if complaint is not None:
                context.update(
                    {
                        "complaint": complaint,
                        "explained": STATUS_EXPLAINED.get(complaint.status, ""),
                        "step": STATUS_STEP.get(complaint.status, 1),
                        "replies": _customer_messages(complaint),
                        "sections": _status_sections(complaint),
                    }
                )
                context.update(_identity_context(request, complaint))
    context["form"] = form
    return render(request, "complaints/status.html", context)
