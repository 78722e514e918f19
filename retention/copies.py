"""A copy of production made safe for staging: every declared personal field replaced by a fake
but realistic Vietnamese value, the same everywhere in the copy (one phone → one fake phone, in
the live rows and in every history table), files replaced by one placeholder.

Driven by the personal-data declaration (customers.personal_data), like erasure: a field added
later is anonymized by being declared. A staging copy is still processing of personal data
unless nothing in it identifies a person (Law 91/2025 Art. 14(6): de-identification is
controlled so that no one can re-identify; Decree 356/2025 Art. 3 lists what identifies).

It refuses any database not marked as a copy by its operator:
``COMMENT ON DATABASE pdpdesk_staging IS 'pdpdesk-copy'`` — a production database never carries
that mark, so a wrong ``--database-url`` cannot anonymize it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connections, models, transaction
from django.utils.translation import gettext as _

from customers import personal_data
from customers.kernel.text import fold_vietnamese
from customers.personal_data import Category, LegalItem
from retention.erasure import REDACTED

COPY_MARK = "pdpdesk-copy"
PLACEHOLDER_FILE = "anonymized/placeholder.pdf"
PLACEHOLDER_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PLACEHOLDER_TEXT = "Nội dung đã được ẩn danh trong bản sao thử nghiệm."
BATCH_SIZE = 1000

FAMILY: tuple[str, ...] = (
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Hoàng",
    "Huỳnh",
    "Phan",
    "Vũ",
    "Võ",
    "Đặng",
    "Bùi",
)
FAMILY += ("Đỗ", "Hồ", "Ngô", "Dương", "Lý")
MIDDLE: tuple[str, ...] = (
    "Văn",
    "Thị",
    "Minh",
    "Thanh",
    "Ngọc",
    "Quốc",
    "Hữu",
    "Gia",
    "Đức",
    "Thu",
    "Kim",
)
GIVEN: tuple[str, ...] = (
    "An",
    "Bình",
    "Châu",
    "Dũng",
    "Giang",
    "Hà",
    "Hải",
    "Hạnh",
    "Hiếu",
    "Hoa",
    "Hùng",
)
GIVEN += ("Huy", "Khánh", "Lan", "Linh", "Long", "Mai", "Nam", "Nga", "Phúc", "Quân", "Sơn")
GIVEN += ("Tâm", "Thảo", "Trang", "Trung", "Tuấn", "Uyên", "Việt", "Yến")
STREETS: tuple[str, ...] = (
    "Lê Lợi",
    "Nguyễn Huệ",
    "Hai Bà Trưng",
    "Trần Hưng Đạo",
    "Lý Thường Kiệt",
)
STREETS += ("Điện Biên Phủ", "Cách Mạng Tháng Tám", "Nguyễn Trãi", "Lê Duẩn", "Pasteur")
WARDS: tuple[str, ...] = (
    "Phường Bến Nghé",
    "Phường Bến Thành",
    "Phường Tân Định",
    "Phường Hàng Bạc",
)
WARDS += ("Phường Tràng Tiền", "Phường Thạch Thang", "Phường Hải Châu")
PROVINCES: tuple[str, ...] = (
    "TP. Hồ Chí Minh",
    "Hà Nội",
    "Đà Nẵng",
    "Hải Phòng",
    "Cần Thơ",
    "Khánh Hòa",
)
MOBILE_PREFIXES: tuple[str, ...] = (
    "32",
    "33",
    "34",
    "35",
    "36",
    "37",
    "38",
    "39",
    "70",
    "76",
    "77",
    "78",
    "79",
)
MOBILE_PREFIXES += ("81", "82", "83", "84", "85", "86", "88", "89", "90", "91", "93", "94", "96")
MOBILE_PREFIXES += ("97", "98")
USER_AGENT = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36"
)


@dataclass
class Faker:
    """Fake values drawn from a keyed hash of the original: the same original gives the same
    fake within one run (one key), and no fake leads back to its original. Fakes of a kind
    are kept distinct, so unique columns stay unique."""

    key: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    seen: dict[tuple[str, str], str] = field(default_factory=dict)
    used: dict[str, set[str]] = field(default_factory=dict)

    def _number(self, kind: str, original: str, attempt: int) -> int:
        digest = hmac.new(self.key, f"{kind}\x00{attempt}\x00{original}".encode(), hashlib.sha256)
        return int.from_bytes(digest.digest()[:8], "big")

    def fake(
        self, kind: str, original: str, make: Callable[[int], str], *, unique: bool = True
    ) -> str:
        known = self.seen.get((kind, original))
        if known is not None:
            return known
        used = self.used.setdefault(kind, set())
        attempt = 0
        while (value := make(self._number(kind, original, attempt))) in used and unique:
            attempt += 1
        used.add(value)
        self.seen[(kind, original)] = value
        return value

    def name(self, original: str) -> str:
        def make(n: int) -> str:
            second = "" if n // 8192 % 3 else f" {GIVEN[n // 32768 % len(GIVEN)]}"
            return (
                f"{FAMILY[n % len(FAMILY)]} {MIDDLE[n // 16 % len(MIDDLE)]} "
                f"{GIVEN[n // 256 % len(GIVEN)]}{second}"
            )

        # Keyed by the folded name, so that a folded copy of it maps to the folded fake.
        return self.fake("name", fold_vietnamese(original), make, unique=False)

    def folded_name(self, original: str) -> str:
        return fold_vietnamese(self.name(original))

    def phone(self, original: str) -> str:
        digits = "".join(ch for ch in original if ch.isdigit())
        digits = digits.removeprefix("84") if original.startswith("+") else digits.lstrip("0")

        def make(n: int) -> str:
            return f"+84{MOBILE_PREFIXES[n % len(MOBILE_PREFIXES)]}{n // 64 % 10**7:07d}"

        fake = self.fake("phone", digits, make)
        return fake if original.startswith("+") else "0" + fake.removeprefix("+84")

    def email(self, original: str) -> str:
        def make(n: int) -> str:
            name = fold_vietnamese(self.name(original)).replace(" ", ".")
            return f"{name}.{n % 100_000}@example.vn"

        return self.fake("email", original.strip().lower(), make)

    def address(self, original: str) -> str:
        def make(n: int) -> str:
            return (
                f"{n % 300 + 1} {STREETS[n // 300 % len(STREETS)]}, "
                f"{WARDS[n // 3000 % len(WARDS)]}, {PROVINCES[n // 30000 % len(PROVINCES)]}"
            )

        return self.fake("address", original, make, unique=False)

    def pick(self, kind: str, options: tuple[str, ...], original: str) -> str:
        return options[self._number(kind, original, 0) % len(options)]

    def personal_id(self, original: str) -> str:
        def make(n: int) -> str:  # a citizen ID: province, century and sex, year, number
            return f"0{n % 96 + 1:02d}{n // 96 % 4}{n // 384 % 100:02d}{n // 38400 % 10**6:06d}"

        return self.fake("tax_id", original, make)

    def ip(self, original: str) -> str:
        def make(n: int) -> str:  # the documentation ranges: never someone's address
            net = ("192.0.2", "198.51.100", "203.0.113")[n % 3]
            return f"{net}.{n // 3 % 254 + 1}"

        return self.fake("ip", original, make, unique=False)

    def reference(self, original: str) -> str:
        return self.fake("reference", original, lambda n: f"anon-{n:016x}")


def _replacement(
    model: type[models.Model], name: str, declared: personal_data.PersonalField
) -> Callable[[Faker, Any], Any] | None:
    """How one declared field's value is replaced, from its type and category; None: the
    field is not a value to replace (a link to the customer, an amount)."""
    model_field = model._meta.get_field(name)
    source = personal_data.source_field(model, name) or model_field
    if isinstance(model_field, models.ForeignKey) or not isinstance(model_field, models.Field):
        return None
    if isinstance(source, models.FileField):
        return lambda faker, value: PLACEHOLDER_FILE
    if isinstance(model_field, models.JSONField):
        return lambda faker, value: {} if isinstance(value, dict) else []
    if isinstance(model_field, models.GenericIPAddressField):
        return lambda faker, value: faker.ip(value)
    internal = model_field.get_internal_type()
    if internal not in ("CharField", "TextField", "EmailField"):
        return None
    lowered = name.lower()
    if isinstance(source, models.EmailField) or "email" in lowered:
        return lambda faker, value: faker.email(value)
    if "phone" in lowered or type(source).__name__ == "PhoneNumberField":
        return lambda faker, value: faker.phone(value)
    if declared.category == Category.TAX_ID:
        return lambda faker, value: faker.personal_id(value)
    if declared.category == Category.IDENTITY and declared.legal == LegalItem.NAME:
        if lowered.endswith("_folded"):
            return lambda faker, value: faker.folded_name(value)
        if internal == "CharField":
            return lambda faker, value: faker.name(value)
    if declared.category == Category.ADDRESS:
        if "ward" in lowered:
            return lambda faker, value: faker.pick("ward", WARDS, value)
        if "province" in lowered:
            return lambda faker, value: faker.pick("province", PROVINCES, value)
        return lambda faker, value: faker.address(value)
    if "user_agent" in lowered:
        return lambda faker, value: USER_AGENT
    if declared.category == Category.ONLINE_ID:
        return lambda faker, value: faker.reference(value)
    return lambda faker, value: PLACEHOLDER_TEXT  # free text may quote anyone: none of it stays


@dataclass
class CopyReport:
    rows: dict[str, int] = field(default_factory=dict)  # model label → rows changed
    values: int = 0


def copy_check(alias: str) -> None:
    """Refuse a database its operator has not marked as a copy."""
    connection = connections[alias]
    if connection.vendor != "postgresql":
        raise ValidationError(_("Only a PostgreSQL copy can be anonymized."), code="not_postgres")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database "
            "WHERE datname = current_database()"
        )
        row = cursor.fetchone()
    if not row or row[0] != COPY_MARK:
        raise ValidationError(
            _(
                "This database is not marked as a copy. Mark it first: "
                "COMMENT ON DATABASE <name> IS '%(mark)s';"
            )
            % {"mark": COPY_MARK},
            code="not_a_copy",
        )


def anonymize_copy(alias: str, *, faker: Faker | None = None) -> CopyReport:
    """Replace every declared personal value of the copy behind ``alias``, in one transaction."""
    copy_check(alias)
    faker = faker or Faker()
    report = CopyReport()
    if not default_storage.exists(PLACEHOLDER_FILE):
        default_storage.save(PLACEHOLDER_FILE, ContentFile(PLACEHOLDER_PDF))
    with transaction.atomic(using=alias):
        for model in personal_data.project_models():
            replacements = {
                name: make
                for name, declared in personal_data.personal_fields(model).items()
                if (make := _replacement(model, name, declared)) is not None
            }
            if replacements:
                report.values += _anonymize_model(model, alias, faker, replacements, report)
        _anonymize_framework_tables(alias)
    return report


def _anonymize_model(
    model: type[models.Model],
    alias: str,
    faker: Faker,
    replacements: dict[str, Callable[[Faker, Any], Any]],
    report: CopyReport,
) -> int:
    names = list(replacements)
    manager = model._base_manager.db_manager(alias)
    changed: list[models.Model] = []
    values = rows = 0
    for pk, *originals in manager.order_by("pk").values_list("pk", *names).iterator(BATCH_SIZE):
        row = dict(zip(names, originals, strict=True))
        updated = 0
        for name, original in row.items():
            if original in (None, "", {}, []) or original == REDACTED:
                continue  # empty, or erased already
            value = replacements[name](faker, original)
            max_length = getattr(model._meta.get_field(name), "max_length", None)
            row[name] = value[:max_length] if isinstance(value, str) and max_length else value
            updated += 1
        if updated:
            changed.append(model(pk=pk, **row))
            values += updated
            rows += 1
        if len(changed) >= BATCH_SIZE:
            manager.bulk_update(changed, names)
            changed = []
    if changed:
        manager.bulk_update(changed, names)
    if rows:
        report.rows[model._meta.label] = rows
    return values


def _anonymize_framework_tables(alias: str) -> None:
    """Django's own tables that quote people: the admin log's descriptions of objects (a
    customer's str() is their name) and the sessions of production's staff."""
    from django.contrib.admin.models import LogEntry
    from django.contrib.sessions.models import Session

    LogEntry.objects.db_manager(alias).update(
        object_repr=models.functions.Concat(models.Value("#"), "object_id"), change_message=""
    )
    Session.objects.db_manager(alias).all().delete()
