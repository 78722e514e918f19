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
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from complaints.models import (
    PENDING_STATUSES,
    REQUEST_KINDS,
    STAFF_IDENTITY_METHODS,
    Complaint,
    ComplaintEvent,
    IdentityMethod,
    RepresentativeRelation,
)
from complaints.selectors import unlinked_complaints_matching
from complaints.services import (
    PERM_ADD,
    PERM_CHANGE,
    PERM_RESOLVE,
    TASK_DATA_EXPORT,
    complaint_event_record,
    complaint_save_step,
    complaint_submit,
)
from customers.kernel.text import staff_text
from customers.kernel.writes import (
    Actor,
    copy_saved,
    lock,
    queue_after_commit,
    require_permission,
    required_text,
    staff_or_none,
)
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


def complaint_lock_for_request(
    complaint: Complaint, *, identity_checked: bool = True
) -> tuple[Complaint, Customer]:
    """The complaint locked, and the customer it is linked to, for a step that acts on the
    customer's data: only while the request is being handled, once staff linked it, and once
    the requester is known to be that customer — nothing personal goes to anyone else."""
    stored = lock(complaint)
    _pending_request(stored)
    customer = _linked_customer(stored)
    if identity_checked and stored.identity_verified_at is None:
        raise ValidationError(
            _(
                "Verify the requester's identity first: call back the phone number on record, "
                "see their citizen ID, or confirm the request came from their shop account."
            ),
            code="identity_not_verified",
        )
    return stored, customer


@transaction.atomic
def complaint_verify_identity(
    *, complaint: Complaint, actor: Actor, method: str, note: str
) -> Complaint:
    """Record how staff made sure the requester is the linked customer (the history keeps it);
    only then do the steps that act on the customer's data go ahead."""
    require_permission(actor, PERM_RESOLVE, _("Your role may not answer requests."))
    stored, _customer = complaint_lock_for_request(complaint, identity_checked=False)
    if method not in dict(STAFF_IDENTITY_METHODS):
        raise ValidationError(
            {"identity_method": ValidationError(_("Choose how you checked."), code="required")}
        )
    note = required_text(
        note,
        field="identity_note",
        message=_("Say what you checked, e.g. the number called back and when."),
        code="required",
    )
    stored.identity_verified_at = timezone.now()
    stored.identity_verified_by = staff_or_none(actor)
    stored.identity_method = method
    stored.identity_note = note
    complaint_save_step(stored, actor=actor)
    complaint_event_record(
        stored,
        action=ComplaintEvent.Action.IDENTITY_VERIFIED,
        actor=actor,
        detail=str(IdentityMethod(method).label),
    )
    copy_saved(complaint, stored)
    return stored


@transaction.atomic
def request_file_from_shop_account(
    *, customer: Customer, kind: str, description: str, account: str, actor: Actor
) -> Complaint:
    """A request the customer made on their signed-in account page of the shop: the shop has
    identified them, so the request is linked and its identity recorded as verified by the
    shop's account (IdentityMethod.SHOP_ACCOUNT), naming the system that said so."""
    require_permission(actor, PERM_ADD, _("Your role may not record complaints."))
    if kind not in REQUEST_KINDS:
        raise ValidationError(
            {"kind": ValidationError(_("Choose a request about the customer's data."), code="kind")}
        )
    if customer.status != Customer.Status.ACTIVE:
        raise ValidationError(
            {
                "customer": ValidationError(
                    _("This customer is not active."), code="customer_not_active"
                )
            }
        )
    complaint = complaint_submit(
        name=customer.full_name,
        phone=customer.phone,
        email=customer.email,
        kind=kind,
        description=description,
        language=translation.get_language() or "",
        actor=actor,
    )
    now = timezone.now()
    complaint.customer = customer
    complaint.customer_linked_at = now
    complaint.customer_linked_by = staff_or_none(actor)
    complaint.identity_verified_at = now
    complaint.identity_verified_by = staff_or_none(actor)
    complaint.identity_method = IdentityMethod.SHOP_ACCOUNT
    complaint.identity_note = staff_text(
        gettext_noop("Signed in to the shop account %(account)s (%(system)s)."),
        account=account,
        system=str(getattr(actor, "first_name", "") or actor),
    )
    complaint_save_step(complaint, actor=actor)
    complaint.history.filter(customer__isnull=True).update(customer=customer)
    complaint_event_record(
        complaint, action=ComplaintEvent.Action.CUSTOMER_LINKED, actor=actor, detail=account
    )
    complaint_event_record(
        complaint,
        action=ComplaintEvent.Action.IDENTITY_VERIFIED,
        actor=actor,
        detail=str(IdentityMethod.SHOP_ACCOUNT.label),
    )
    return complaint


@transaction.atomic
def complaint_record_representative(
    *, complaint: Complaint, actor: Actor, name: str, relation: str, proof: str
) -> Complaint:
    """The request is made by the customer's legal representative — a parent for a child, a
    guardian (Law 91/2025/QH15 Art. 24(2)) — with the proof of representation seen. Recorded
    before the identity check, which then checks the representative."""
    require_permission(actor, PERM_CHANGE, _("Your role may not change complaints."))
    stored = lock(complaint)
    _pending_request(stored)
    if stored.kind not in REQUEST_KINDS:
        raise ValidationError(
            _("Only a request about one's data is made by a representative."), code="not_request"
        )
    if stored.identity_verified_at is not None:
        raise ValidationError(
            _("The identity was verified already: a representative is recorded before that."),
            code="verified",
        )
    errors: dict[str, ValidationError] = {}
    if not (name or "").strip():
        errors["name"] = ValidationError(_("Enter the representative's name."), code="required")
    if relation not in RepresentativeRelation.values:
        errors["relation"] = ValidationError(_("Choose how they represent."), code="required")
    if not (proof or "").strip():
        errors["proof"] = ValidationError(
            _("Say what proves it, e.g. the birth certificate or the court's decision seen."),
            code="required",
        )
    if errors:
        raise ValidationError(errors)
    stored.representative_name = name.strip()
    stored.representative_relation = relation
    stored.representative_proof = proof.strip()
    complaint_save_step(stored, actor=actor)
    complaint_event_record(
        stored,
        action=ComplaintEvent.Action.REPRESENTATIVE_RECORDED,
        actor=actor,
        detail=str(RepresentativeRelation(relation).label),
    )
    copy_saved(complaint, stored)
    return stored


def _pending_request(complaint: Complaint) -> None:
    if complaint.status not in PENDING_STATUSES:
        raise ValidationError(
            _("The complaint is “%(status)s”: act on the data while it is being handled."),
            code="not_pending",
            params={"status": complaint.get_status_display()},
        )


@transaction.atomic
def complaint_record_withheld(*, complaint: Complaint, customer: Customer, actor: Actor) -> int:
    """What a copy of the data leaves out, on the complaint's history for staff: who issued the
    copy, when, and each withheld record (Law 91/2025/QH15 Art. 15(2)(a): no copy for the data
    subject where it could harm national defence, security or public order — requests Legal
    marked confidential). The customer's copy says nothing of it. How many were withheld."""
    from complaints.data_export import withheld_records

    records = withheld_records(customer)
    for withheld in records:
        complaint_event_record(
            complaint,
            action=ComplaintEvent.Action.DATA_WITHHELD,
            actor=actor,
            detail=staff_text(
                gettext_noop("Law 91/2025/QH15 Art. 15(2)(a): %(what)s"), what=withheld.description
            ),
        )
    return len(records)


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
    # To the address on record only: one typed on the form may be anyone's.
    if not customer.email:
        raise ValidationError(
            _(
                "The customer has no email address on record: print the page and hand it over "
                "instead."
            ),
            code="no_email",
        )
    from customers.models import AccessLog
    from customers.services import access_log_record

    access_log_record(
        staff=actor,
        customer_ids=[customer.pk],
        action=AccessLog.Action.EXPORT,
        detail=staff_text(gettext_noop("Access request %(code)s"), code=stored.tracking_code),
    )
    complaint_event_record(
        stored,
        action=ComplaintEvent.Action.DATA_EXPORTED,
        actor=actor,
        detail=customer.email,
    )
    complaint_record_withheld(complaint=stored, customer=customer, actor=actor)
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
                # Law 91/2025/QH15 Art. 10(2): the request is the written withdrawal.
                withdrawal_reference=stored.tracking_code,
                through_request=True,
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
