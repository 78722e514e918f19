"""Exports of customers' personal data: who may export, what is written, and the access-log rows
that prove it (Law 91/2025/QH15 Art. 3(4): processing is logged, a measure that protects the data).

The columns are the personal-data declaration's (customers/personal_data.py); a staff member
without the full view gets the values masked by customers.masking, like on screen.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from typing import Any

from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from customers import masking, services
from customers.kernel.text import local_datetime, spreadsheet_cell, staff_text
from customers.models import AccessLog, Customer
from customers.personal_data import personal_fields
from customers.restrictions import restricted_customer_ids
from customers.validators import format_phone_national, format_tax_code

EXPORT_PERMISSION = "customers.export_personal_data"
# One export holds at most this many customers: larger ones are a batch job, not a download.
EXPORT_LIMIT = 5_000
# The record's own columns, before the declared personal fields.
RECORD_COLUMNS = ("id", "kind", "status", "created_at")


def customer_export_columns() -> list[str]:
    """The columns of a customer export: the record's, then every personal field of the
    declaration, in its order. The search key derived from the name (not editable, never
    shown) is left out."""
    personal = [
        name for name in personal_fields(Customer) if Customer._meta.get_field(name).editable
    ]
    return [*RECORD_COLUMNS, *personal]


def _full_value(customer: Customer, name: str) -> str:
    if name == "phone":
        # The national form, spaced: a spreadsheet keeps it as text, with its leading 0.
        return format_phone_national(customer.phone)
    if name == "tax_code":
        return format_tax_code(customer.tax_code)
    value = getattr(customer, name)
    return "" if value is None else str(value)


def _cell(customer: Customer, name: str, *, masked: bool) -> str:
    if name == "id":
        return str(customer.pk)
    if name in ("kind", "status"):
        return str(getattr(customer, f"get_{name}_display")())
    if name == "created_at":
        return local_datetime(customer.created_at)
    value = _full_value(customer, name)
    return masking.mask_value(Customer, name, value, record=customer) if masked else value


def _header(name: str) -> str:
    field: models.Field[Any, Any] = Customer._meta.get_field(name)  # type: ignore[assignment]  # every column is a concrete field
    return str(field.verbose_name)


def _selected(customers: Iterable[Customer]) -> list[Customer]:
    if isinstance(customers, QuerySet):
        return list(customers[: EXPORT_LIMIT + 1])
    selected = []
    for customer in customers:
        selected.append(customer)
        if len(selected) > EXPORT_LIMIT:
            break
    return selected


def require_export_permission(actor: Any) -> None:
    """Refuse (PermissionDenied) an actor who may not export customers' personal data."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise PermissionDenied(_("Sign in to export customers' personal data."))
    if not actor.has_perm(EXPORT_PERMISSION):
        raise PermissionDenied(
            _(
                "Your role may not export customers' personal data; ask Legal & compliance "
                "(DPO) for the export you need."
            )
        )


def customer_export_header(columns: list[str]) -> list[str]:
    return [_header(name) for name in columns]


def customer_export_row(customer: Customer, columns: list[str], *, masked: bool) -> list[str]:
    """One customer's cells, masked for an actor without the full view (masking.can_see_full)."""
    return [spreadsheet_cell(_cell(customer, name, masked=masked)) for name in columns]


def export_log_detail(count: int, *, masked: bool) -> str:
    return staff_text(
        gettext_noop("CSV of %(count)s selected customers, masked")
        if masked
        else gettext_noop("CSV of %(count)s selected customers"),
        count=count,
    )


@transaction.atomic
def customer_export_csv(
    *, actor: Any, customers: Iterable[Customer], ip_address: str | None = None
) -> bytes:
    """The customers as CSV for a spreadsheet (UTF-8 with a byte-order mark, so that Excel reads
    Vietnamese correctly; CRLF line ends), with one access-log row per exported customer. Built
    in memory: for a few customers at most (the admin's exports go through an export job,
    imports.exports, which writes the same columns to a file batch by batch).

    Refused (PermissionDenied) without the export permission; refused (ValidationError) for more
    than EXPORT_LIMIT customers. An actor without the full view gets masked values. Customers
    under a restriction of all processing are left out.
    """
    require_export_permission(actor)
    selected = _selected(customers)
    if len(selected) > EXPORT_LIMIT:
        raise ValidationError(
            _(
                "Export at most %(limit)d customers at a time: narrow the list with a filter "
                "or a search."
            ),
            code="export_too_large",
            params={"limit": EXPORT_LIMIT},
        )
    # A customer whose processing is restricted altogether is left out (Law 91/2025 Art.
    # 4(1)(d)); the caller says how many (restricted_customer_ids).
    restricted = restricted_customer_ids(customer.pk for customer in selected)
    selected = [customer for customer in selected if customer.pk not in restricted]
    masked = not masking.can_see_full(actor)
    columns = customer_export_columns()

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(customer_export_header(columns))
    for customer in selected:
        writer.writerow(customer_export_row(customer, columns, masked=masked))

    services.access_log_record(
        staff=actor,
        customer_ids=[customer.pk for customer in selected],
        action=AccessLog.Action.EXPORT,
        detail=export_log_detail(len(selected), masked=masked),
        ip_address=ip_address,
    )
    return buffer.getvalue().encode("utf-8-sig")


# Exports made in the background -------------------------------------------------------------

# What starts one: set by the app that runs them (imports, in its AppConfig.ready), so that the
# customers' and the register's admin ask for it without naming an app above theirs. Called as
# starter(kind, actor=…, customers=…, ip_address=…); returns the job's page to redirect to.
BackgroundStarter = Callable[..., str]
_background: list[BackgroundStarter] = []


def background_export_register(starter: BackgroundStarter) -> None:
    _background[:] = [starter]


def background_export_start(
    kind: str, *, actor: Any, customers: QuerySet[Customer] | None = None, ip_address: str | None
) -> str:
    """Ask for an export made in the background (imports.exports); the page that shows its
    progress and, at the end, its file. PermissionDenied / ValidationError as the export's."""
    if not _background:
        raise ImproperlyConfigured("no app runs background exports (imports is not installed)")
    return _background[0](kind, actor=actor, customers=customers, ip_address=ip_address)
