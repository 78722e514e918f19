"""What several operations share: the customer by the shop's id, and the access log."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from customers import services
from customers.models import AccessLog, Customer


def customer_by_shop_id(shop_id: str, *, field: str = "customer") -> Customer:
    customer = Customer.objects.filter(external_id=shop_id).first()
    if customer is None:
        raise ValidationError(
            {
                field: ValidationError(
                    _("No customer has the shop's id “%(id)s”: create them first."),
                    code="unknown_customer",
                    params={"id": shop_id},
                )
            }
        )
    return customer


def log_access(actor: Any, customer_ids: list[int], detail: str) -> None:
    """Every call that reads or writes a customer's personal data is in the access log, under
    the key's own user."""
    if customer_ids:
        services.access_log_record(
            staff=actor, customer_ids=customer_ids, action=AccessLog.Action.API, detail=detail
        )


def path_value(value: str, *, field: str, max_length: int) -> str:
    """A value from the URL's path, checked as the schemas check the body's text."""
    problem = None
    if not value.strip():
        problem = _("This field is required.")
    elif len(value) > max_length:
        problem = _("Too long: at most %(limit)s characters.") % {"limit": max_length}
    elif "\x00" in value:
        problem = _("This value is not valid.")
    if problem:
        raise ValidationError({field: ValidationError(problem, code="invalid")})
    return value


def local(moment: Any) -> Any:
    """A time as Vietnam reads it (+07:00), for the answers."""
    return timezone.localtime(moment) if moment is not None else None
