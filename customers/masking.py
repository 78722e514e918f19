"""How personal data looks to staff who may not see it in full (seed 004 §8: staff see only what
their role needs).

Every masking rule lives here, chosen by the category each field has in the personal-data
declaration (customers/personal_data.py): the admin's lists, forms and receipts, and the exports,
all call mask_value() or display_value(). A field declared non-personal is shown as it is.

What a masked value keeps, and why:

- phone (contact): the first and last groups of the national form, "0912 *** 984" — enough to
  recognise a number the customer reads out, not enough to call it;
- email (contact): the first letter and the domain, "n***@gmail.com";
- tax code / citizen ID: the first 4 and the last 2 digits, "0100****06", "0012******45";
- address: the last two parts (ward, province), "***, Phường Bến Thành, TP. Hồ Chí Minh"; a field
  that holds only a ward or a province is shown as it is;
- name (identity): the family name and the initials of the others, "Nguyễn V. A." — staff can
  still address the customer politely and tell customers apart, without the full name;
- online identifier: the network part of an IP address ("203.113.*.*"), the first 3 characters of
  anything else;
- free text (notes, reasons): hidden entirely, "***" — it may say anything;
- transaction (order amounts): shown as it is — sales work with amounts, and an amount next to a
  masked name identifies nobody.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from typing import Any

from django.db import models
from django.db.models.fields.files import FieldFile
from django.utils.text import capfirst

from customers.personal_data import Category, DataItem, PersonalField, personal_fields
from customers.validators import clean_digits, format_phone_national, parse_phone

HIDDEN = "***"
FULL_VIEW_PERMISSION = "customers.view_full_personal_data"

# Address fields that hold only an administrative area: shown as they are.
AREA_FIELDS = frozenset({"ward", "province"})


def can_see_full(user: Any) -> bool:
    """True when the user may see customers' personal data unmasked."""
    return bool(getattr(user, "is_active", False) and user.has_perm(FULL_VIEW_PERMISSION))


# One rule per kind of value ------------------------------------------------------------------


def mask_phone(value: str) -> str:
    number = parse_phone(value)
    national = format_phone_national(value) if number is not None else value.strip()
    groups = national.split()
    if len(groups) >= 3:
        return f"{groups[0]} {HIDDEN} {groups[-1]}"
    if len(groups) == 2:
        return f"{groups[0]} {HIDDEN}"
    digits = clean_digits(value)
    return f"{digits[:4]} {HIDDEN}" if len(digits) > 6 else HIDDEN


def mask_email(value: str) -> str:
    local, at, domain = value.strip().rpartition("@")
    if not at or not local:
        return HIDDEN
    return f"{local[0]}{HIDDEN}@{domain}"


def mask_tax_id(value: str) -> str:
    digits = clean_digits(value)
    if len(digits) <= 6:
        return HIDDEN
    return f"{digits[:4]}{'*' * (len(digits) - 6)}{digits[-2:]}"


def mask_address(value: str, *, area_only: bool = False) -> str:
    parts = [part.strip() for part in re.split(r"[,\n]", value) if part.strip()]
    if area_only:
        return ", ".join(parts)
    kept = parts[-2:] if len(parts) >= 3 else parts[1:]
    return ", ".join([HIDDEN, *kept])


def mask_name(value: str) -> str:
    words = value.split()
    if not words:
        return ""
    if len(words) == 1:
        return f"{words[0][0]}."
    return " ".join([words[0], *(f"{word[0]}." for word in words[1:])])


def mask_online_id(value: str) -> str:
    try:
        address = ipaddress.ip_address(value.strip())
    except ValueError:
        return f"{value[:3]}{HIDDEN}" if len(value) > 3 else HIDDEN
    if address.version == 4:
        return ".".join([*str(address).split(".")[:2], "*", "*"])
    return ":".join([*address.exploded.split(":")[:2], "*", "*"])


def _mask_contact(value: str, field: PersonalField) -> str:
    if field.item == DataItem.EMAIL or (field.item != DataItem.PHONE and "@" in value):
        return mask_email(value)
    return mask_phone(value)


_RULES: dict[str, Callable[[str, PersonalField], str]] = {
    Category.IDENTITY: lambda value, field: mask_name(value),
    Category.CONTACT: _mask_contact,
    Category.ADDRESS: lambda value, field: mask_address(value),
    Category.TAX_ID: lambda value, field: mask_tax_id(value),
    Category.ONLINE_ID: lambda value, field: mask_online_id(value),
    Category.TRANSACTION: lambda value, field: value,
    Category.FREE_TEXT: lambda value, field: HIDDEN,
}


# By the declaration ------------------------------------------------------------------------


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, FieldFile):
        return value.name or ""
    return str(value)


def mask_value(
    model: type[models.Model], field_name: str, value: Any, *, record: Any = None
) -> str:
    """The value of ``model.field_name`` as staff without the full view see it.

    A related record (a foreign key declared personal, e.g. a consent's customer) is shown the
    way masked_str() shows it; a non-personal field's value is shown as it is.
    """
    if isinstance(value, models.Model):
        return masked_str(value)
    text = _as_text(value)
    field = personal_fields(model).get(field_name)
    if field is None or not text:
        return text
    if record is not None and field.names_no_person is not None and field.names_no_person(record):
        return text
    if field.category == Category.ADDRESS and field_name in AREA_FIELDS:
        return mask_address(text, area_only=True)
    return _RULES[field.category](text, field)


def display_value(user: Any, model: type[models.Model], field_name: str, value: Any) -> str:
    """The value as this user may see it: in full, or masked."""
    if can_see_full(user):
        return _as_text(value)
    return mask_value(model, field_name, value)


# Records as a whole ------------------------------------------------------------------------


def _consent_str(consent: Any) -> str:
    return f"{masked_str(consent.customer)} — {consent.purpose}: {consent.get_status_display()}"


# What str() of a record shows: the personal field whose rule masks it, None when it shows
# nothing personal, or a function for a record whose str() combines several things.
_STR_SHOWS: dict[str, str | Callable[[Any], str] | None] = {
    "customers.Customer": "full_name",
    "customers.DeliveryAddress": "address",
    "customers.Order": None,  # its reference
    "customers.Consent": _consent_str,
    "customers.Disclosure": None,  # recipient, customer id and date
    "customers.AccessLog": None,  # staff member, action, customer id
}


def masked_str(obj: models.Model) -> str:
    """str(obj) as staff without the full view may see it."""
    model = type(obj)
    label = model._meta.label
    if label in _STR_SHOWS:
        shows = _STR_SHOWS[label]
        if shows is None:
            return str(obj)
        if callable(shows):
            return shows(obj)
        return mask_value(model, shows, str(obj), record=obj)
    if not personal_fields(model):
        return str(obj)
    return f"{capfirst(model._meta.verbose_name)} #{obj.pk}"


class MaskedRecord:
    """A read-only stand-in for a record, for templates: its personal fields (and their
    ``<field>_display`` forms) read masked, everything else as on the record."""

    def __init__(self, record: models.Model) -> None:
        self._record = record
        self._personal = personal_fields(type(record))

    def __getattr__(self, name: str) -> Any:
        record, model = self._record, type(self._record)
        if name in self._personal:
            return mask_value(model, name, getattr(record, name), record=record)
        base = name.removesuffix("_display")
        if base != name and base in self._personal:
            return mask_value(model, base, getattr(record, base), record=record)
        return getattr(record, name)

    def __str__(self) -> str:
        return masked_str(self._record)
