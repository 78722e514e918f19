"""Every write of retention/ except the erasure itself (retention.erasure): erasure requests,
legal holds and retention rules. Admin, public views, tasks and commands all call these.

Each function validates with full_clean() before saving, names the staff member on the history
row it writes, refuses a wrong step with a ValidationError (a message and a code) and an action
the staff member's role may not take with PermissionDenied.

The request lifecycle: received → identity verified → approved (Legal & compliance)
→ executed by retention.erasure, or refused on a ground of Law 91/2025/QH15 Art. 14(2)
and the reason emailed to the customer. The customer stays "active" until a request is
approved: a request that is not yet checked changes nothing about how the customer is served.
Approval marks the customer "erasure pending"; a refusal after approval makes them active again.
"""

from __future__ import annotations

import datetime
import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from complaints import data_requests, deadlines
from complaints import services as complaint_services
from complaints.models import Complaint, ComplaintEvent, Kind
from customers.kernel.text import local_date, staff_text
from customers.kernel.writes import (
    Actor,
    attribute,
    call_errors,
    copy_saved,
    lock,
    queue_after_commit,
    require_permission,
    required_text,
    save,
    staff_or_none,
)
from customers.models import Customer
from customers.selectors import controller_get
from retention import selectors
from retention.models import ErasureReceipt, ErasureRequest, LegalHold, RetentionRule

logger = logging.getLogger(__name__)


APPROVE_PERMISSION = "retention.approve_erasurerequest"
# Law on Accounting 2015 Art. 41: accounting documents are kept at least 10 years.
ACCOUNTING_MINIMUM_MONTHS = 120


def _customer_set_status(*, customer_id: int, status: str, actor: Actor) -> None:
    """Change only the customer's status, with a history row naming the staff member. Not
    customers.services.customer_update: the status is not a field staff edit, and a save of
    the status alone must not re-validate (or rewrite) the personal fields."""
    customer = Customer.objects.select_for_update().get(pk=customer_id)
    if customer.status == status:
        return
    customer.status = status
    attribute(customer, actor)
    customer.save(update_fields=["status"])


# Erasure requests -------------------------------------------------------------------------


@transaction.atomic
def erasure_request_create(
    *,
    customer: Customer,
    source: str,
    actor: Actor = None,
    when: datetime.datetime | None = None,
    complaint: Complaint | None = None,
) -> ErasureRequest:
    """Record a request to erase the customer's data. Filed from a customer's request, it is due
    when that request is (the date the customer was told); otherwise the deadline table's
    period for a deletion (at most 20 days: Decree 356/2025 Art. 5(4)).

    Staff need retention.add_erasurerequest; a complaint or a rule files one without an actor.
    Refused for an erased customer and while the customer has an open request (the open one
    is named: follow it instead of filing a second).
    """
    if actor is not None:
        require_permission(
            actor,
            "retention.add_erasurerequest",
            _("Your role may not record erasure requests."),
        )
    # Locks the customer: two requests filed at the same moment are checked one after the other.
    locked = Customer.objects.select_for_update().get(pk=customer.pk)
    if locked.status == Customer.Status.ERASED:
        raise ValidationError(
            _("Customer #%(id)s has already been erased: there is nothing left to erase."),
            code="customer_erased",
            params={"id": locked.pk},
        )
    open_request = selectors.erasure_request_open_for(locked.pk)
    if open_request is not None:
        raise ValidationError(
            _(
                "Customer #%(id)s already has an open erasure request (#%(request)s, "
                "%(status)s, due %(due)s): follow that one."
            ),
            code="open_request",
            params={
                "id": locked.pk,
                "request": open_request.pk,
                "status": open_request.get_status_display(),
                "due": local_date(open_request.due_at),
            },
        )
    received_at = when or timezone.now()
    request = ErasureRequest(
        customer=locked,
        source=source,
        status=ErasureRequest.Status.RECEIVED,
        received_at=received_at,
        due_at=complaint.due_at
        if complaint is not None
        else deadlines.resolve_due(Kind.DELETION, received_at),
        received_by=staff_or_none(actor),
        complaint=complaint,
    )
    save(request, actor=actor)
    return request


@transaction.atomic
def erasure_request_verify(*, request: ErasureRequest, actor: Actor, note: str) -> ErasureRequest:
    """Record that the requester's identity was verified, and how ("CCCD shown at the counter",
    "call-back to the registered phone"): only the customer may have their data erased."""
    require_permission(
        actor,
        "retention.change_erasurerequest",
        _("Your role may not verify erasure requests."),
    )
    note = required_text(
        note,
        field="verification_note",
        message=_(
            "Say how the identity was verified (citizen ID shown, call-back to the "
            "registered phone …)."
        ),
        code="note_required",
    )
    stored = lock(request)
    if stored.status != ErasureRequest.Status.RECEIVED:
        raise ValidationError(
            _("Only a received request can be verified; this one is %(status)s."),
            code="not_received",
            params={"status": stored.get_status_display()},
        )
    stored.status = ErasureRequest.Status.VERIFIED
    stored.verified_at = timezone.now()
    stored.verified_by = staff_or_none(actor)
    stored.verification_note = note
    save(stored, actor=actor)
    copy_saved(request, stored)
    return stored


@transaction.atomic
def erasure_request_approve(*, request: ErasureRequest, actor: Actor) -> ErasureRequest:
    """Approve a verified request (Legal & compliance): the executor erases the customer at its
    next run. The customer becomes "erasure pending". Refused while a legal hold is active."""
    require_permission(
        actor,
        APPROVE_PERMISSION,
        _("Only Legal & compliance may approve erasure requests."),
    )
    stored = lock(request)
    if stored.status == ErasureRequest.Status.RECEIVED:
        raise ValidationError(
            _("Verify the requester's identity before approving the request."),
            code="not_verified",
        )
    if stored.status != ErasureRequest.Status.VERIFIED:
        raise ValidationError(
            _("Only a verified request can be approved; this one is %(status)s."),
            code="not_verified",
            params={"status": stored.get_status_display()},
        )
    controller = controller_get()
    if (
        controller is not None
        and controller.erasure_four_eyes
        and stored.verified_by_id is not None
        and stored.verified_by_id == getattr(staff_or_none(actor), "pk", None)
    ):
        raise ValidationError(
            _(
                "You verified this requester's identity: the company's settings ask another "
                "member of Legal & compliance to approve the erasure."
            ),
            code="same_verifier",
        )
    hold = selectors.legal_hold_active_for(stored.customer_id)
    if hold is not None:
        raise ValidationError(
            _(
                "Customer #%(id)s is under a legal hold (%(reason)s%(reference)s, placed on "
                "%(placed)s): nothing may be erased until it is lifted."
            ),
            code="legal_hold",
            params={
                "id": stored.customer_id,
                "reason": hold.get_reason_display(),
                "reference": f" {hold.reference}" if hold.reference else "",
                "placed": local_date(hold.placed_at),
            },
        )
    stored.status = ErasureRequest.Status.APPROVED
    stored.approved_at = timezone.now()
    stored.approved_by = staff_or_none(actor)
    save(stored, actor=actor)
    _customer_set_status(
        customer_id=stored.customer_id, status=Customer.Status.ERASURE_PENDING, actor=actor
    )
    copy_saved(request, stored)
    return stored


@transaction.atomic
def erasure_request_refuse(
    *, request: ErasureRequest, actor: Actor, exception: str, reason: str
) -> ErasureRequest:
    """Refuse a request on one of the grounds of Law 91/2025/QH15 Art. 14(2) (the cases of
    Art. 19, an abusive request) with a reason, emailed to the customer once the refusal is
    committed (Art. 14(5)). An unverified identity is no ground: the request waits for it. A
    refusal is a legal decision: the same permission as approving. An approved request may still be
    refused (e.g. an authority's hold came later); the customer is then active again."""
    require_permission(
        actor,
        APPROVE_PERMISSION,
        _("Only Legal & compliance may refuse erasure requests."),
    )
    errors: dict[str, list[ValidationError]] = {}
    if exception not in ErasureRequest.GROUNDS_IN_FORCE:
        errors["refusal_exception"] = [
            ValidationError(
                _("Choose the ground of Law 91/2025/QH15 the refusal rests on."),
                code="exception_required",
            )
        ]
    reason = (reason or "").strip()
    if not reason:
        errors["refusal_reason"] = [
            ValidationError(
                _("Write the reason: it is sent to the customer."), code="reason_required"
            )
        ]
    if errors:
        raise ValidationError(errors)
    stored = lock(request)
    if stored.status not in selectors.OPEN_STATUSES:
        raise ValidationError(
            _("This request is already %(status)s."),
            code="not_open",
            params={"status": stored.get_status_display()},
        )
    was_approved = stored.status == ErasureRequest.Status.APPROVED
    stored.status = ErasureRequest.Status.REFUSED
    stored.refused_at = timezone.now()
    stored.refused_by = staff_or_none(actor)
    stored.refusal_exception = exception
    stored.refusal_reason = reason
    save(stored, actor=actor)
    if was_approved:
        _customer_set_status(
            customer_id=stored.customer_id, status=Customer.Status.ACTIVE, actor=actor
        )
    queue_after_commit("retention.tasks.notify_erasure_refusal", stored.pk)
    copy_saved(request, stored)
    return stored


@transaction.atomic
def erasure_request_mark_executed(
    *, request: ErasureRequest, receipt: ErasureReceipt
) -> ErasureRequest:
    """Close an approved request with the receipt of its erasure (called by the executor in
    the erasure's transaction). Idempotent: a request already executed is left as it is."""
    stored = lock(request)
    if stored.status == ErasureRequest.Status.EXECUTED:
        copy_saved(request, stored)
        return stored
    if stored.status != ErasureRequest.Status.APPROVED:
        raise ValidationError(
            _("Only an approved request can be executed; this one is %(status)s."),
            code="not_approved",
            params={"status": stored.get_status_display()},
        )
    if receipt.customer_id != stored.customer_id:
        raise ValidationError(
            _("The receipt is of another customer."), code="receipt_of_another_customer"
        )
    stored.status = ErasureRequest.Status.EXECUTED
    stored.executed_at = receipt.erased_at
    save(stored, actor=receipt.staff)
    copy_saved(request, stored)
    return stored


# The refusal notice -----------------------------------------------------------------------


# The customer reads the ground in Vietnamese, with its article of Law 91/2025/QH15.
def erasure_refusal_notify(*, request_id: int) -> bool:
    """Email the customer that their request was refused, why, and on which legal ground
    (called by the task), and record that they were told. False when there is nothing to send:
    no such refused request, told already, or no email address — then staff call the customer
    and record it (erasure_refusal_told_by_call)."""
    from django.core.mail import EmailMessage
    from django.template.loader import render_to_string

    from customers.selectors import controller_get

    request = (
        ErasureRequest.objects.select_related("customer")
        .filter(pk=request_id, status=ErasureRequest.Status.REFUSED)
        .first()
    )
    if request is None or request.refusal_told_at is not None or not request.customer.email:
        return False
    controller = controller_get()
    company_short = (controller.short_name or controller.legal_name) if controller else ""
    with translation.override("vi"):  # customers are written to in Vietnamese first
        subject = str(_("Reply to your request to delete your personal data"))
        if company_short:
            subject = f"{subject} — {company_short}"
        body = render_to_string(
            "retention/email/erasure_refused.txt",
            {
                "request": request,
                "controller": controller,
                "company_name": controller.legal_name if controller else _("we"),
                "company_short": company_short,
                "contact_email": (controller.dpo_email or controller.email) if controller else "",
                "received": local_date(request.received_at),
                "exception": request.get_refusal_exception_display(),
            },
        )
    EmailMessage(subject=subject, body=body, to=[request.customer.email]).send()
    ErasureRequest.objects.filter(pk=request.pk).update(
        refusal_told_at=timezone.now(), refusal_told_how=staff_text(gettext_noop("Email"))
    )
    return True


@transaction.atomic
def erasure_refusal_told_by_call(
    *, request: ErasureRequest, actor: Actor, called_at: datetime.datetime | None, summary: str
) -> ErasureRequest:
    """The customer has no email address: staff called and told them the refusal, its ground
    and reason (Law 91/2025/QH15 Art. 14(5)); when, and what was said."""
    require_permission(
        actor, "retention.change_erasurerequest", _("Your role may not record this call.")
    )
    stored = lock(request)
    if stored.status != ErasureRequest.Status.REFUSED or stored.refusal_told_at is not None:
        raise ValidationError(
            _("Only a refusal the customer was not told yet is recorded this way."),
            code="not_to_tell",
        )
    errors = call_errors(
        called_at=called_at,
        summary=summary,
        fields=("called_at", "summary"),
        missing_call=_("Enter when you called."),
        missing_summary=_("Write what you told the customer (the ground and the reason)."),
    )
    if errors:
        raise ValidationError(errors)
    stored.refusal_told_at = called_at
    stored.refusal_told_how = f"{staff_text(gettext_noop('Phone call'))}: {summary.strip()}"
    save(stored, actor=actor)
    copy_saved(request, stored)
    return stored


# Legal holds ------------------------------------------------------------------------------


@transaction.atomic
def legal_hold_place(
    *,
    customer: Customer,
    actor: Actor,
    reason: str,
    reference: str = "",
    note: str = "",
) -> LegalHold:
    """Freeze the customer's data for an investigation or a dispute: while the hold is active no
    rule and no request erases them. An approved request stays approved; the executor skips it
    until the hold is lifted. Only Legal & compliance (retention.add_legalhold)."""
    require_permission(
        actor, "retention.add_legalhold", _("Only Legal & compliance may place legal holds.")
    )
    locked = Customer.objects.select_for_update().get(pk=customer.pk)
    if locked.status == Customer.Status.ERASED:
        raise ValidationError(
            _("Customer #%(id)s has already been erased: there is no data left to hold."),
            code="customer_erased",
            params={"id": locked.pk},
        )
    hold = LegalHold(
        customer=locked,
        reason=reason,
        reference=(reference or "").strip(),
        note=(note or "").strip(),
        placed_at=timezone.now(),
        placed_by=staff_or_none(actor),
    )
    save(hold, actor=actor)
    return hold


@transaction.atomic
def legal_hold_lift(*, hold: LegalHold, actor: Actor, reason: str) -> LegalHold:
    """Lift a hold, saying why (the case closed, the dispute settled); the hold stays as a
    record with who lifted it and when. Only Legal & compliance (retention.change_legalhold)."""
    require_permission(
        actor, "retention.change_legalhold", _("Only Legal & compliance may lift legal holds.")
    )
    reason = required_text(
        reason,
        field="lift_reason",
        message=_("Say why the hold is lifted."),
        code="reason_required",
    )
    stored = LegalHold.objects.select_for_update().get(pk=hold.pk)
    if not stored.is_active:
        raise ValidationError(
            _("This hold was already lifted on %(date)s."),
            code="already_lifted",
            params={"date": local_date(stored.lifted_at)},
        )
    stored.lifted_at = timezone.now()
    stored.lifted_by = staff_or_none(actor)
    stored.lift_reason = reason
    save(stored, actor=actor)
    copy_saved(hold, stored)
    return stored


# Retention rules --------------------------------------------------------------------------


@transaction.atomic
def rule_save(*, rule: RetentionRule, actor: Actor) -> RetentionRule:
    """Create or change a retention rule. Staff need the add or change permission (Legal &
    compliance); migrations and commands save with actor=None."""
    if actor is not None:
        verb = "add" if rule.pk is None else "change"
        require_permission(
            actor,
            f"retention.{verb}_retentionrule",
            _("Only Legal & compliance may change retention rules."),
        )
    if rule.period_months is not None and rule.period_months < 1:
        raise ValidationError(
            {
                "period_months": ValidationError(
                    _("The period is at least one month."), code="period_too_short"
                )
            }
        )
    if rule.target == RetentionRule.Target.ORDER_ACCOUNTING:
        # Law on Accounting 2015 Art. 41: accounting documents at least 10 years; an order is
        # stripped of the person, never deleted.
        if rule.period_months is not None and rule.period_months < ACCOUNTING_MINIMUM_MONTHS:
            raise ValidationError(
                {
                    "period_months": ValidationError(
                        _(
                            "Accounting records are kept at least %(months)d months (Law on "
                            "Accounting 2015 Art. 41)."
                        ),
                        code="accounting_minimum",
                        params={"months": ACCOUNTING_MINIMUM_MONTHS},
                    )
                }
            )
        if rule.action != RetentionRule.Action.ANONYMIZE:
            raise ValidationError(
                {
                    "action": ValidationError(
                        _(
                            "Orders are accounting records: they are anonymized (the person "
                            "removed, the amounts kept), never erased."
                        ),
                        code="accounting_anonymize_only",
                    )
                }
            )
    save(rule, actor=actor)
    return rule


@transaction.atomic
def complaint_request_erasure(*, complaint: Complaint, actor: Actor) -> ErasureRequest:
    """A deletion request on the complaint desk: files an ErasureRequest linked to the
    complaint; it goes through verification and approval here, and the complaint's status page
    shows its outcome."""
    require_permission(
        actor, complaint_services.PERM_RESOLVE, _("Your role may not answer requests.")
    )
    stored, customer = data_requests.complaint_lock_for_request(complaint)
    filed = ErasureRequest.objects.filter(complaint=stored).values_list("pk", flat=True).first()
    if filed is not None:
        raise ValidationError(
            _("An erasure request (#%(id)s) was already filed from this complaint."),
            code="already_filed",
            params={"id": filed},
        )
    request = erasure_request_create(
        customer=customer,
        source=ErasureRequest.Source.COMPLAINT,
        actor=actor,
        when=stored.received_at,
        complaint=stored,
    )
    complaint_services.complaint_event_record(
        stored,
        action=ComplaintEvent.Action.ERASURE_REQUESTED,
        actor=actor,
        detail=f"#{request.pk}",
    )
    copy_saved(complaint, stored)
    return request
