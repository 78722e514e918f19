"""The steps of a data-subject request that act on the customer's data: a copy of it sent to
them (access), consents withdrawn (withdraw consent, stop marketing). Retention adds its own
(a deletion files an erasure request) on top of complaint_lock_for_request. Each is recorded on
the complaint as an event. And for an erasure, the complaints never linked to the customer that
carry their phone or email are claimed for them first.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import OuterRef, Q, Subquery
from django.utils.translation import gettext as _

from complaints.models import PENDING_STATUSES, Complaint, ComplaintEvent
from complaints.selectors import unlinked_complaints_matching
from complaints.services import PERM_RESOLVE, TASK_DATA_EXPORT, complaint_event_record
from customers.kernel.writes import Actor, copy_saved, lock, queue_after_commit, require_permission
from customers.models import Consent, Customer


def _linked_customer(complaint: Complaint) -> Customer:
    if complaint.customer_id is None:
        raise ValidationError(
            _("Link the complaint to a customer first (check the phone or email)."),
            code="no_customer",
        )
    customer = Customer.objects.get(pk=complaint.customer_id)
    if customer.status == Customer.Status.ERASED:
        raise ValidationError(_("This customer has been erased."), code="erased")
    return customer


def complaint_lock_for_request(complaint: Complaint) -> tuple[Complaint, Customer]:
    """The complaint locked, and the customer it is linked to, for a step that acts on the
    customer's data: only while the request is being handled, and once staff linked it."""
    stored = lock(complaint)
    _pending_request(stored)
    return stored, _linked_customer(stored)


def _pending_request(complaint: Complaint) -> None:
    if complaint.status not in PENDING_STATUSES:
        raise ValidationError(
            _("The complaint is “%(status)s”: act on the data while it is being handled."),
            code="not_pending",
            params={"status": complaint.get_status_display()},
        )


@transaction.atomic
def complaint_send_data_export(*, complaint: Complaint, actor: Actor) -> Complaint:
    """Access request: email the customer a copy of their data (a readable page and a JSON
    file), built from the personal-data declaration, once this is committed."""
    require_permission(actor, PERM_RESOLVE, _("Your role may not answer requests."))
    require_permission(
        actor,
        "customers.view_full_personal_data",
        _("Your role may not see customers' data in full."),
    )
    stored, customer = complaint_lock_for_request(complaint)
    if not (stored.submitter_email or customer.email):
        raise ValidationError(
            _(
                "Neither the complaint nor the customer has an email address: print the page and "
                "hand it over instead."
            ),
            code="no_email",
        )
    from customers.models import AccessLog
    from customers.services import access_log_record

    access_log_record(
        staff=actor,
        customer_ids=[customer.pk],
        action=AccessLog.Action.EXPORT,
        detail=_("Access request %(code)s") % {"code": stored.tracking_code},
    )
    complaint_event_record(
        stored,
        action=ComplaintEvent.Action.DATA_EXPORTED,
        actor=actor,
        detail=stored.submitter_email or customer.email,
    )
    queue_after_commit(TASK_DATA_EXPORT, stored.pk)
    copy_saved(complaint, stored)
    return stored


@transaction.atomic
def complaint_withdraw_consents(
    *, complaint: Complaint, actor: Actor, consents: Iterable[Consent]
) -> list[Consent]:
    """Withdraw consent / stop marketing: withdraws through the consent service, recorded on
    the complaint."""
    from customers.services import consent_withdraw

    require_permission(actor, "customers.change_consent", _("Your role may not withdraw consents."))
    require_permission(actor, PERM_RESOLVE, _("Your role may not answer requests."))
    stored, customer = complaint_lock_for_request(complaint)
    chosen = list(consents)
    if not chosen:
        raise ValidationError(
            {"consents": ValidationError(_("Choose the consents to withdraw."), code="required")}
        )
    withdrawn: list[Consent] = []
    for consent in chosen:
        if consent.customer_id != customer.pk:
            raise ValidationError(
                {
                    "consents": ValidationError(
                        _("That consent is another customer's."), code="other"
                    )
                }
            )
        withdrawn.append(
            consent_withdraw(
                consent=consent,
                channel=stored.channel,
                actor=actor,
                reason=_("Request %(code)s") % {"code": stored.tracking_code},
            )
        )
    complaint_event_record(
        stored,
        action=ComplaintEvent.Action.CONSENT_WITHDRAWN,
        actor=actor,
        detail=", ".join(str(consent.purpose) for consent in withdrawn),
    )
    copy_saved(complaint, stored)
    return withdrawn


def complaints_claim_unlinked(*, customer_ids: Sequence[int]) -> None:
    """Link to these customers the complaints that staff never linked but that were filed with
    one of their phones or emails, their history rows too: an erasure then reaches them, their
    messages, events and evidence, as it reaches any linked complaint (seed 002 §7)."""
    customers = Customer._base_manager.filter(pk__in=list(customer_ids))
    unlinked = list(unlinked_complaints_matching(customers).values_list("pk", flat=True))
    if not unlinked:
        return
    owner = (
        customers.filter(
            Q(phone=OuterRef("submitter_phone"), phone__gt="")
            | Q(email=OuterRef("submitter_email"), email__gt="")
        )
        .order_by("pk")
        .values("pk")[:1]
    )
    Complaint._base_manager.filter(pk__in=unlinked).update(customer_id=Subquery(owner))
    linked_to = Complaint._base_manager.filter(pk=OuterRef("id")).values("customer_id")[:1]
    Complaint.history.model._base_manager.filter(id__in=unlinked, customer__isnull=True).update(
        customer_id=Subquery(linked_to)
    )
