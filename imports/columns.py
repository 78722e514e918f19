"""What each kind of import takes: its fields, the headers each is recognised by (Vietnamese
first, with or without diacritics, and English), and how a cell is read.

Dates are read day first, as Vietnamese write them (dd/mm/yyyy, config/formats/vi): "03/04/2025"
is the 3rd of April, and "04/13/2025" is refused, never swapped into a month-first date.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from config.formats.vi import formats as vi_formats
from customers.kernel.text import fold_vietnamese
from customers.models import Channel, Customer, Order
from imports.models import Kind
from imports.readers import cell_text

Parser = Callable[[Any], Any]


def fold_header(text: str) -> str:
    """ "Mã KH", "ma_kh", "MÃ  KH:" → "ma kh"."""
    return " ".join(re.sub(r"[^0-9a-z]+", " ", fold_vietnamese(text)).split())


def text(value: Any) -> str:
    return cell_text(value)


def moment(value: Any) -> datetime.datetime | None:
    """A date or a date and time, day first; Vietnam time when no offset is given."""
    if value in (None, ""):
        return None
    found: datetime.datetime | None
    if isinstance(value, datetime.datetime):
        found = value
    elif isinstance(value, datetime.date):
        found = datetime.datetime.combine(value, datetime.time())
    else:
        typed = cell_text(value)
        found = None
        for pattern in vi_formats.DATETIME_INPUT_FORMATS:
            try:
                found = datetime.datetime.strptime(typed, pattern)
                break
            except ValueError:
                continue
        if found is None:
            raise ValidationError(
                _(
                    "“%(value)s” is not a date: write the day first, dd/mm/yyyy (for example "
                    "31/12/2025 or 31/12/2025 14:30)."
                ),
                code="date",
                params={"value": typed[:40]},
            )
    return timezone.make_aware(found) if timezone.is_naive(found) else found


_AMOUNT = re.compile(r"^\d{1,3}([.,\s]\d{3})+$")


def amount_vnd(value: Any) -> int | None:
    """Đồng, in whole numbers: 1250000, "1.250.000", "1,250,000 đ", "1 250 000 VND"."""
    if value in (None, ""):
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        if float(value).is_integer() and value >= 0:
            return int(value)
    else:
        typed = re.sub(r"(?i)\s*(vnd|vnđ|đồng|đ)\s*$", "", cell_text(value)).strip()
        if typed.isdigit():
            return int(typed)
        if _AMOUNT.match(typed):
            return int(re.sub(r"[.,\s]", "", typed))
    raise ValidationError(
        _("“%(value)s” is not an amount in đồng: write it in whole numbers, e.g. 1.250.000."),
        code="amount",
        params={"value": cell_text(value)[:40]},
    )


def phone(value: Any) -> str:
    """A phone number as typed; a number cell Excel stripped of its leading zero (912853984)
    gets it back, as a Vietnamese number has 10 digits starting with 0 (9 after it)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        digits = cell_text(value)
        if len(digits) == 9 and digits.isdigit():
            return "0" + digits
    return cell_text(value)


_YES = {"co", "yes", "y", "true", "1", "x", "da", "roi"}
_NO = {"khong", "no", "n", "false", "0", "chua", ""}


def yes_no(value: Any) -> bool:
    folded = fold_header(cell_text(value))
    if folded in _YES:
        return True
    if folded in _NO:
        return False
    raise ValidationError(
        _("“%(value)s”: write “có” or “không”."),
        code="yes_no",
        params={"value": cell_text(value)[:40]},
    )


def choice(choices: type[models.TextChoices], *extra: tuple[str, str]) -> Parser:
    """A choice by its code or by its label, Vietnamese or English, with or without accents."""

    known: dict[str, str] = {}

    def labels() -> dict[str, str]:
        if known:
            return known
        found = known
        for language in ("en", "vi"):
            with translation.override(language):
                for code, label in choices.choices:
                    found[fold_header(str(label))] = code
        for code in choices.values:
            found[fold_header(code)] = code
        found.update({fold_header(alias): code for alias, code in extra})
        return found

    def parse(value: Any) -> str | None:
        typed = cell_text(value)
        if not typed:
            return None
        code = labels().get(fold_header(typed))
        if code is None:
            with translation.override(translation.get_language()):
                allowed = ", ".join(str(label) for _code, label in choices.choices)
            raise ValidationError(
                _("“%(value)s” is not one of: %(allowed)s."),
                code="choice",
                params={"value": typed[:40], "allowed": allowed},
            )
        return code

    return parse


class Action(models.TextChoices):
    GRANT = "grant", gettext_lazy("Consent given")
    WITHDRAW = "withdraw", gettext_lazy("Consent withdrawn")


@dataclass(frozen=True)
class Column:
    field: str
    label: Any  # lazy: shown in the mapping form and the results
    aliases: tuple[str, ...]
    parse: Parser = text
    required: bool = False


CUSTOMER_COLUMNS = (
    Column(
        "shop_id",
        gettext_lazy("Customer id"),
        ("ma kh", "ma khach hang", "ma so khach hang", "ma khach", "shop id", "customer id", "id"),
        required=True,
    ),
    Column(
        "full_name",
        gettext_lazy("Full name"),
        ("ten", "ho ten", "ho va ten", "ten khach hang", "ten khach", "full name", "name"),
        required=True,
    ),
    Column(
        "kind",
        gettext_lazy("Kind"),
        ("loai", "loai khach hang", "ca nhan to chuc", "kind"),
        choice(Customer.Kind, ("ca nhan", "individual"), ("cong ty", "organization")),
    ),
    Column(
        "contact_person",
        gettext_lazy("Contact person"),
        ("nguoi lien he", "ten nguoi lien he", "contact person", "contact"),
    ),
    Column("email", gettext_lazy("Email"), ("email", "e mail", "mail", "thu dien tu")),
    Column(
        "phone",
        gettext_lazy("Phone"),
        ("dien thoai", "so dien thoai", "sdt", "dt", "phone", "phone number", "mobile"),
        phone,
    ),
    Column(
        "address",
        gettext_lazy("Contact address"),
        ("dia chi", "dia chi lien lac", "dia chi lien he", "address"),
    ),
    Column(
        "tax_code",
        gettext_lazy("Tax code / citizen ID"),
        ("ma so thue", "mst", "cccd", "so cccd", "tax code", "tax id"),
    ),
    Column(
        "source_channel",
        gettext_lazy("Source channel"),
        ("kenh", "kenh thu thap", "nguon", "source", "channel"),
        choice(Channel, ("truc tiep", "in_person"), ("dien thoai", "phone")),
    ),
    Column("notes", gettext_lazy("Notes"), ("ghi chu", "notes", "note")),
)

ORDER_COLUMNS = (
    Column(
        "reference",
        gettext_lazy("Order reference"),
        ("ma don", "ma don hang", "so don hang", "don hang", "reference", "order", "order id"),
        required=True,
    ),
    Column(
        "customer",
        gettext_lazy("Customer id"),
        (
            "ma kh",
            "ma khach hang",
            "ma so khach hang",
            "ma khach",
            "customer",
            "customer id",
            "shop id",
        ),
        required=True,
    ),
    Column(
        "ordered_at",
        gettext_lazy("Order date"),
        ("ngay", "ngay dat", "ngay dat hang", "ngay mua", "date", "ordered at", "order date"),
        moment,
        required=True,
    ),
    Column(
        "total_vnd",
        gettext_lazy("Total (VND)"),
        ("tong tien", "thanh tien", "so tien", "tong", "total", "total vnd", "amount"),
        amount_vnd,
        required=True,
    ),
    Column(
        "invoice_number",
        gettext_lazy("Invoice number"),
        ("so hoa don", "hoa don", "so hd", "invoice", "invoice number"),
    ),
    Column(
        "status",
        gettext_lazy("Status"),
        ("trang thai", "tinh trang", "status"),
        choice(Order.Status, ("da giao", "delivered"), ("huy", "cancelled")),
    ),
    Column(
        "recipient_name",
        gettext_lazy("Recipient name"),
        ("nguoi nhan", "ten nguoi nhan", "recipient", "recipient name"),
    ),
    Column(
        "delivery_phone",
        gettext_lazy("Delivery phone"),
        ("sdt nguoi nhan", "dien thoai nguoi nhan", "sdt giao hang", "delivery phone"),
        phone,
    ),
    Column(
        "delivery_address",
        gettext_lazy("Delivery address"),
        ("dia chi giao hang", "dia chi nhan hang", "noi giao hang", "delivery address"),
    ),
)

CONSENT_COLUMNS = (
    Column(
        "customer",
        gettext_lazy("Customer id"),
        (
            "ma kh",
            "ma khach hang",
            "ma so khach hang",
            "ma khach",
            "customer",
            "customer id",
            "shop id",
        ),
        required=True,
    ),
    Column(
        "purpose",
        gettext_lazy("Purpose code"),
        ("muc dich", "ma muc dich", "purpose", "purpose code"),
        required=True,
    ),
    Column(
        "action",
        gettext_lazy("Given or withdrawn"),
        ("dong y rut lai", "hanh dong", "trang thai", "action", "status"),
        choice(
            Action,
            ("dong y", "grant"),
            ("co", "grant"),
            ("granted", "grant"),
            ("rut lai", "withdraw"),
            ("rut", "withdraw"),
            ("withdrawn", "withdraw"),
        ),
    ),
    Column(
        "channel",
        gettext_lazy("Channel"),
        ("kenh", "hinh thuc", "channel"),
        choice(Channel, ("truc tiep", "in_person"), ("dien thoai", "phone")),
        required=True,
    ),
    Column(
        "policy_version",
        gettext_lazy("Policy version"),
        ("phien ban chinh sach", "chinh sach", "policy", "policy version"),
    ),
    Column(
        "reference",
        gettext_lazy("Evidence reference"),
        (
            "ma bang chung",
            "bang chung",
            "ma ghi am",
            "ma tin nhan",
            "ma phieu",
            "reference",
            "form reference",
            "evidence",
        ),
    ),
    Column("ip_address", gettext_lazy("IP address"), ("ip", "dia chi ip", "ip address")),
    Column("user_agent", gettext_lazy("Browser"), ("trinh duyet", "browser", "user agent")),
    Column("at", gettext_lazy("Date"), ("ngay", "thoi diem", "ngay dong y", "date", "at"), moment),
    Column(
        "sensitive_notice",
        gettext_lazy("Told the data is sensitive"),
        ("da thong bao du lieu nhay cam", "thong bao nhay cam", "sensitive notice"),
        yes_no,
    ),
    Column("reason", gettext_lazy("Withdrawal reason"), ("ly do", "ly do rut", "reason")),
)

COLUMNS: dict[str, tuple[Column, ...]] = {
    Kind.CUSTOMERS: CUSTOMER_COLUMNS,
    Kind.ORDERS: ORDER_COLUMNS,
    Kind.CONSENTS: CONSENT_COLUMNS,
}


def columns_for(kind: str) -> dict[str, Column]:
    return {column.field: column for column in COLUMNS[kind]}


def guess_mapping(kind: str, header: list[str]) -> list[str]:
    """Each column's field, by its header ("" when none matches); a field is taken once."""
    mapping: list[str] = []
    taken: set[str] = set()
    for name in header:
        folded = fold_header(name)
        field = next(
            (
                column.field
                for column in COLUMNS[kind]
                if column.field not in taken
                and (folded in column.aliases or folded == fold_header(str(column.label)))
            ),
            "",
        )
        mapping.append(field)
        if field:
            taken.add(field)
    return mapping
