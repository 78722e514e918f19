"""The processing register: per purpose, why (the legal basis), what (the data items, Decree
356/2025/NĐ-CP Art. 3 basic / Art. 4 sensitive), about whom and how many (counted in the
database), for whom (the recipients and what each receives), where (the systems and their
countries), how long (the retention rules) and how it is protected. Computed at every request
from what the other apps hold — never typed twice — in a handful of aggregate queries whatever
the number of customers (Law 91/2025/QH15 Art. 21(2); Decree 356/2025/NĐ-CP Art. 19, Mẫu số 10
§ II draws on it)."""

from __future__ import annotations

import csv
import datetime
import io
from dataclasses import dataclass, field

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.agreement_model import RecipientAgreement
from customers.countries import Country, is_abroad
from customers.kernel.text import local_date, spreadsheet_cell
from customers.models import Consent, Controller, Customer, Disclosure, Purpose, Recipient
from customers.personal_data import LegalItem, Sensitivity, legal_sensitivity
from customers.selectors import controller_get
from dossiers.models import ProcessingSystem
from retention.models import RetentionRule


@dataclass(frozen=True)
class Item:
    code: str
    label: str
    article: str
    sensitive: bool


@dataclass(frozen=True)
class RecipientLine:
    name: str
    kind: str
    country: str
    abroad: bool
    items: list[str]
    disclosures: int
    agreement: str  # the agreement in force today, or "" (none recorded or none in force)


@dataclass(frozen=True)
class SystemLine:
    name: str
    provider: str
    country: str
    abroad: bool
    hosting: str
    encrypted_in_transit: bool
    encrypted_at_rest: bool
    security_measures: str


@dataclass(frozen=True)
class Row:
    purpose: Purpose
    basis: str
    items: list[Item]
    subjects: int
    subjects_counted_as: str  # "consents" or "customers"
    recipients: list[RecipientLine]
    systems: list[SystemLine]

    @property
    def countries(self) -> list[str]:
        named = [line.country for line in self.systems] + [line.country for line in self.recipients]
        return sorted(set(named))

    @property
    def sensitive(self) -> bool:
        return any(item.sensitive for item in self.items)


@dataclass(frozen=True)
class RetentionLine:
    name: str
    applies_to: str
    clock_start: str
    period_months: int
    then: str


@dataclass(frozen=True)
class Register:
    controller: Controller | None
    generated_at: datetime.datetime
    rows: list[Row]
    retention: list[RetentionLine]
    customers_by_kind: dict[str, int] = field(default_factory=dict)


def _article(code: str) -> str:
    """Where the decree lists the item, in the reader's language."""
    parts = code.split(".")
    if parts[0] == "3":
        return _("Decree 356/2025/NĐ-CP Art. 3(%(point)s)") % {"point": parts[1]}
    letter = "đ" if parts[2] == "dd" else parts[2]
    return _("Decree 356/2025/NĐ-CP Art. 4(1)(%(letter)s)") % {"letter": letter}


def _item(code: str) -> Item:
    return Item(
        code=code,
        label=str(LegalItem(code).label),
        article=_article(code),
        sensitive=legal_sensitivity(code) == Sensitivity.SENSITIVE,
    )


def agreements_in_force(day: datetime.date) -> dict[int, RecipientAgreement]:
    """Each recipient's agreement in force on ``day`` (the latest to start), by recipient id."""
    in_force: dict[int, RecipientAgreement] = {}
    for agreement in RecipientAgreement.objects.select_related("recipient").order_by("starts_on"):
        if agreement.in_force_on(day):
            in_force[agreement.recipient_id] = agreement
    return in_force


def register_build() -> Register:
    """Eight queries, each an aggregate or a small table, at 10 customers as at 1M."""
    purposes = list(Purpose.objects.filter(is_active=True).order_by("code"))
    consents = dict(
        Consent.objects.filter(status=Consent.Status.GRANTED)
        .order_by()
        .values("purpose_id")
        .annotate(n=Count("customer_id", distinct=True))
        .values_list("purpose_id", "n")
    )
    by_kind = dict(
        Customer.objects.filter(status=Customer.Status.ACTIVE)
        .order_by()
        .values("kind")
        .annotate(n=Count("id"))
        .values_list("kind", "n")
    )
    active_customers = sum(by_kind.values())
    disclosed = dict(
        Disclosure.objects.order_by()
        .values("recipient_id")
        .annotate(n=Count("id"))
        .values_list("recipient_id", "n")
    )
    in_force: dict[int, str] = {}
    for recipient_id, agreement in agreements_in_force(timezone.localdate()).items():
        until = local_date(agreement.ends_on) if agreement.ends_on else ""
        in_force[recipient_id] = (
            f"{agreement.reference} ({until})" if until else agreement.reference
        )
    recipients: dict[int, list[RecipientLine]] = {}
    for recipient in Recipient.objects.filter(is_active=True).order_by("name"):
        recipients.setdefault(recipient.purpose_id, []).append(
            RecipientLine(
                name=recipient.name,
                kind=recipient.get_kind_display(),
                country=str(Country(recipient.country).label),
                abroad=is_abroad(recipient.country),
                items=recipient.allowed_item_labels,
                disclosures=disclosed.get(recipient.pk, 0),
                agreement=in_force.get(recipient.pk, ""),
            )
        )
    systems: dict[int, list[SystemLine]] = {}
    for system in ProcessingSystem.objects.filter(is_active=True).prefetch_related("purposes"):
        line = SystemLine(
            name=system.name,
            provider=system.provider,
            country=str(Country(system.country).label),
            abroad=system.is_abroad,
            hosting=system.get_hosting_display(),
            encrypted_in_transit=system.encrypted_in_transit,
            encrypted_at_rest=system.encrypted_at_rest,
            security_measures=system.security_measures,
        )
        for purpose in system.purposes.all():
            systems.setdefault(purpose.pk, []).append(line)
    rows = []
    for purpose in purposes:
        by_consent = purpose.legal_basis == Purpose.LegalBasis.CONSENT
        rows.append(
            Row(
                purpose=purpose,
                basis=purpose.get_legal_basis_display(),
                items=[
                    _item(code) for code in purpose.data_items or [] if code in LegalItem.values
                ],
                # Consent: those who gave it and did not withdraw; otherwise every active
                # customer (a contract or the law is the ground for each of them).
                subjects=consents.get(purpose.pk, 0) if by_consent else active_customers,
                subjects_counted_as="consents" if by_consent else "customers",
                recipients=recipients.get(purpose.pk, []),
                systems=systems.get(purpose.pk, []),
            )
        )
    retention = [
        RetentionLine(
            name=rule.name,
            applies_to=rule.get_target_display(),
            clock_start=rule.get_clock_start_display(),
            period_months=rule.period_months,
            then=rule.get_action_display(),
        )
        for rule in RetentionRule.objects.filter(is_active=True).order_by("target", "code")
    ]
    labels = dict(Customer.Kind.choices)
    return Register(
        controller=controller_get(),
        generated_at=timezone.now(),
        rows=rows,
        retention=retention,
        customers_by_kind={str(labels.get(kind, kind)): n for kind, n in sorted(by_kind.items())},
    )


CSV_HEADER = (
    "purpose_code",
    "purpose",
    "legal_basis",
    "data_items",
    "sensitive",
    "data_subjects",
    "recipients",
    "systems",
    "countries",
    "security_measures",
)


def _cells(row: Row) -> list[object]:
    return [
        spreadsheet_cell(value)
        for value in (
            row.purpose.code,
            row.purpose.name,
            row.basis,
            "; ".join(f"{item.label} ({item.article})" for item in row.items),
            "x" if row.sensitive else "",
            row.subjects,
            "; ".join(
                f"{line.name} ({line.country}): {', '.join(line.items)}" for line in row.recipients
            ),
            "; ".join(f"{line.name} ({line.country})" for line in row.systems),
            "; ".join(str(country) for country in row.countries),
            "; ".join(line.security_measures for line in row.systems if line.security_measures),
        )
    ]


def register_csv(register: Register) -> str:
    """One row per purpose; lists joined with "; " (UTF-8 with BOM, for spreadsheets)."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for row in register.rows:
        writer.writerow(_cells(row))
    return buffer.getvalue()


def register_xlsx(register: Register) -> bytes:
    """The same rows as the CSV in an Excel workbook (openpyxl, write-only), with a second sheet
    for the retention rules."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Register"))
    sheet.append(list(CSV_HEADER))
    for row in register.rows:
        sheet.append(_cells(row))
    retention = workbook.create_sheet(_("Retention"))
    retention.append(["rule", "applies_to", "clock_start", "period_months", "then"])
    for line in register.retention:
        retention.append(
            [
                spreadsheet_cell(line.name),
                line.applies_to,
                line.clock_start,
                line.period_months,
                line.then,
            ]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
