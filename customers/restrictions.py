"""Restriction of processing and objection (Law 91/2025/QH15 Art. 4(1)(d)): placing and lifting
a restriction, each naming who and why, and the one check every path that lets data out asks
(disclosures, hand-overs to shippers, exports). The model is customers.restriction_model."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.kernel import events
from customers.kernel.text import local_date
from customers.kernel.writes import (
    Actor,
    copy_saved,
    lock,
    require_permission,
    required_text,
    save,
    staff_or_none,
)
from customers.models import Customer, Purpose
from customers.recipient_request_model import RecipientRequest
from customers.recipient_requests import recipient_requests_open
from customers.restriction_model import Restriction

PERM_PLACE = "customers.add_restriction"
PERM_LIFT = "customers.change_restriction"


def restrictions_in_force(customer_ids: Iterable[int]) -> QuerySet[Restriction]:
    return Restriction.objects.filter(customer_id__in=list(customer_ids), lifted_at__isnull=True)


def restriction_for(customer_id: int, purpose_id: int | None) -> Restriction | None:
    """The restriction in force that stops processing the customer's data for this purpose (a
    restriction of all processing stops every purpose)."""
    scope = Q(purpose__isnull=True)
    if purpose_id is not None:
        scope |= Q(purpose_id=purpose_id)
    return restrictions_in_force([customer_id]).filter(scope).order_by("placed_at").first()


def restricted_customer_ids(customer_ids: Iterable[int]) -> set[int]:
    """Of these customers, those whose processing is restricted altogether."""
    return set(
        restrictions_in_force(customer_ids)
        .filter(purpose__isnull=True)
        .values_list("customer_id", flat=True)
    )


def restriction_error(customer: Customer, purpose_id: int | None) -> ValidationError | None:
    restriction = restriction_for(customer.pk, purpose_id)
    if restriction is None:
        return None
    return ValidationError(
        _(
            "Processing of customer #%(id)s's data is restricted since %(date)s (%(scope)s): "
            "nothing may go out until the restriction is lifted."
        ),
        code="restricted",
        params={
            "id": customer.pk,
            "date": local_date(restriction.placed_at),
            "scope": restriction.purpose.name if restriction.purpose else _("all processing"),
        },
    )


@transaction.atomic
def restriction_place(
    *,
    customer: Customer,
    actor: Actor,
    reason: str,
    purpose: Purpose | None = None,
    reference: str = "",
) -> Restriction:
    """Restrict processing of the customer's data (for one purpose, or all). The same
    restriction already in force is returned, not doubled."""
    require_permission(actor, PERM_PLACE, _("Your role may not restrict processing."))
    reason = required_text(
        reason, field="reason", message=_("Say why (the customer's request, …)."), code="required"
    )
    Customer.objects.select_for_update().get(pk=customer.pk)  # one placement at a time
    existing = restrictions_in_force([customer.pk]).filter(purpose=purpose).first()
    if existing is not None:
        return existing
    restriction = Restriction(
        customer=customer,
        purpose=purpose,
        reason=reason,
        reference=reference[:40],
        placed_by=staff_or_none(actor),
    )
    save(restriction, actor=actor)
    events.emit(
        events.EventName.CUSTOMER_RESTRICTED,
        customer_id=customer.pk,
        restriction_id=restriction.pk,
        purpose_code=purpose.code if purpose else None,
    )
    # Those who received the data restrict it too (Decree 356/2025 Art. 5(2)).
    recipient_requests_open(
        customer_ids=[customer.pk],
        action=RecipientRequest.Action.RESTRICT,
        cause=RecipientRequest.Cause.RESTRICTED,
        purpose=purpose,
        reference=reference,
        actor=actor,
    )
    return restriction


@transaction.atomic
def restriction_lift(*, restriction: Restriction, actor: Actor, reason: str) -> Restriction:
    """Lift a restriction (the customer withdrew the request, the objection was settled)."""
    require_permission(actor, PERM_LIFT, _("Your role may not lift restrictions."))
    reason = required_text(
        reason, field="lift_reason", message=_("Say why it is lifted."), code="required"
    )
    stored = lock(restriction)
    if stored.lifted_at is not None:
        raise ValidationError(
            _("This restriction was lifted on %(date)s."),
            code="lifted",
            params={"date": local_date(stored.lifted_at)},
        )
    stored.lifted_at = timezone.now()
    stored.lifted_by = staff_or_none(actor)
    stored.lift_reason = reason
    save(stored, actor=actor)
    copy_saved(restriction, stored)
    return stored
