"""Validation and normalisation of what people type: phone numbers, tax codes, citizen IDs.

Each function takes what was typed and returns the stored form, or raises ValidationError with
a translated message meant for the field where it was typed.
"""

import re
from typing import Any

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum.exceptions import ValidationError as StdnumValidationError
from stdnum.vn import mst

PHONE_REGION = "VN"
_SEPARATORS = re.compile(r"[\s.\-()/]+")
_VALID_PHONE_TYPES = {
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.FIXED_LINE,
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    phonenumbers.PhoneNumberType.TOLL_FREE,  # 1800 hotlines
    phonenumbers.PhoneNumberType.PREMIUM_RATE,  # 1900 hotlines
    phonenumbers.PhoneNumberType.SHARED_COST,
    phonenumbers.PhoneNumberType.UAN,
    phonenumbers.PhoneNumberType.VOIP,
}


def parse_phone(value: str) -> phonenumbers.PhoneNumber | None:
    """The number typed in any usual way ("0912 853 984", "+84912853984", "84-912-853-984"),
    or None when it is not a valid number."""
    text = (value or "").strip()
    if not text or len(text) > 32:
        return None
    try:
        number = phonenumbers.parse(text, PHONE_REGION)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    if phonenumbers.number_type(number) not in _VALID_PHONE_TYPES:
        return None
    return number


def normalize_phone(value: str) -> str:
    """E.164 ("+84912853984") for storage, or ValidationError."""
    number = parse_phone(value)
    if number is None:
        raise ValidationError(
            _("Enter a valid phone number, for example 0912 853 984, 028 3822 1234 or 1800 1595."),
            code="invalid_phone",
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_search_key(value: str) -> str | None:
    """The stored form of a search term that looks like a phone number, else None."""
    if not value or not re.fullmatch(r"[\d\s.\-()+/]{6,32}", value.strip()):
        return None
    number = parse_phone(value)
    if number is None:
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def format_phone_national(e164: str) -> str:
    """The Vietnamese way of writing a stored number ("0912 853 984"); foreign numbers keep
    their international form."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, PHONE_REGION)
    except phonenumbers.NumberParseException:
        return e164
    if number.country_code == 84:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def clean_digits(value: str) -> str:
    return _SEPARATORS.sub("", (value or "").strip())


def is_citizen_id(value: str) -> bool:
    """A 12-digit citizen ID (CCCD); its first three digits are a province code 001–096."""
    return bool(re.fullmatch(r"\d{12}", value)) and 1 <= int(value[:3]) <= 96


def normalize_tax_code(value: str) -> str:
    """A tax code (MST) of 10 digits, or 13 for a branch ("0312345678-001"), with its check digit
    (python-stdnum vn.mst), or a 12-digit citizen ID, which individuals use as their tax code.
    Returns the digits only."""
    digits = clean_digits(value)
    if not digits:
        return ""
    if not digits.isdigit():
        raise ValidationError(
            _("A tax code contains only digits (10 or 13), or a 12-digit citizen ID."),
            code="invalid_tax_code",
        )
    if len(digits) == 12:
        if is_citizen_id(digits):
            return digits
        raise ValidationError(
            _("This 12-digit number is not a valid citizen ID (CCCD)."), code="invalid_citizen_id"
        )
    if len(digits) not in (10, 13):
        raise ValidationError(
            _("A tax code has 10 digits (13 for a branch), or 12 digits for a citizen ID."),
            code="invalid_tax_code_length",
        )
    try:
        return str(mst.validate(digits))
    except StdnumValidationError:
        raise ValidationError(
            _("This tax code's check digit is wrong: please check the number."),
            code="invalid_tax_code_checksum",
        ) from None


def format_tax_code(digits: str) -> str:
    if len(digits) == 13:
        return f"{digits[:10]}-{digits[10:]}"
    return digits


def null_character_error() -> ValidationError:
    """The message for text holding a NUL character, which PostgreSQL cannot store."""
    return ValidationError(
        _("Remove the null character (\\x00) from this text: it cannot be stored."),
        code="null_characters_not_allowed",
    )


def reject_null_characters(instance: Any) -> None:
    """Text holding a NUL character, which PostgreSQL cannot store (the admin's forms refuse it;
    a service called from a task, a command or another service must too): a message on each
    field that holds one, instead of a database error after the transaction began."""
    errors: dict[str, list[ValidationError]] = {}
    for field in instance._meta.concrete_fields:
        value = getattr(instance, field.attname, None)
        if isinstance(value, str) and "\x00" in value:
            errors[field.name] = [null_character_error()]
    if errors:
        raise ValidationError(errors)


def full_clean(instance: Any, *, exclude: list[str] | None = None, unique: bool = True) -> None:
    """instance.full_clean(), refusing NUL characters first: what every service runs before a
    save. ``unique=False`` leaves out the uniqueness checks (a query each), for a caller that
    checks them for a whole batch at once."""
    reject_null_characters(instance)
    instance.full_clean(exclude=exclude, validate_unique=unique, validate_constraints=unique)
