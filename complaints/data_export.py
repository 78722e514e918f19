"""A customer's copy of their data (access request: Law 91/2025/QH15 Art. 4(1)(c)–(d)):
every declared personal field of every record that belongs to them — the customer, delivery
addresses, orders, consents, disclosures to third parties, complaints, erasure requests — as a
letter from the controller (a PDF file) and a JSON file.

Built from the personal-data declaration: a model or field added later and declared personal
appears here without a change. Records of staff work about the customer (the access log, a
complaint's event trail, internal notes, fields declared ``internal``) are not the customer's
data and stay out; so do staff members' names and where files are stored. An authority's
request that Legal marked confidential is withheld (Law 91/2025/QH15 Art. 15(2)(a)).
"""

from __future__ import annotations

import datetime
import json
import os
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from customers import personal_data
from customers.disclosures import disclosures_withheld
from customers.fields import PhoneNumberField
from customers.kernel import pdf
from customers.kernel.text import local_date, local_datetime
from customers.models import AccessLog, Customer, Disclosure
from customers.personal_data import DataItem
from customers.selectors import controller_get
from customers.validators import format_phone_national

# Staff's own records about the customer, or the systems' bookkeeping: not the customer's data.
EXCLUDED = {
    AccessLog._meta.label,
    "complaints.ComplaintEvent",
    "imports.ImportRow",
    "api.WebhookDelivery",
}
# Not useful to the customer, or internal: bookkeeping, search copies, delivery errors, routing.
SKIPPED_FIELDS = {
    "id",
    "name_folded",
    "submitter_name_folded",
    "sha256",
    "file",
    "reminded_at",
    "last_error",
    "error",
    "department",
    "language",
    "visibility",
    "content_type",
    "disclosure_ids",
}
# Non-personal JSON fields that list data items (what a recipient received): shown by label.
ITEM_LIST_FIELDS = {"items"}

# The letter's sections, in order: what we hold, as the customer would name it.
GROUPS: dict[str, tuple[int, Any]] = {
    "customers.Customer": (10, gettext_lazy("Identity and contact details")),
    "customers.DeliveryAddress": (20, gettext_lazy("Delivery addresses")),
    "customers.Order": (30, gettext_lazy("Orders")),
    "customers.Consent": (40, gettext_lazy("Consents")),
    "customers.Restriction": (45, gettext_lazy("Restrictions and objections")),
    "customers.Disclosure": (50, gettext_lazy("Who received your data")),
    "customers.RecipientRequest": (50, gettext_lazy("Who received your data")),
    "complaints.Complaint": (60, gettext_lazy("Complaints and requests")),
    "complaints.ComplaintMessage": (60, gettext_lazy("Complaints and requests")),
    "complaints.Evidence": (60, gettext_lazy("Complaints and requests")),
    "complaints.IncidentCustomer": (70, gettext_lazy("Breach notices sent to you")),
    "retention.ErasureRequest": (80, gettext_lazy("Erasure requests")),
}
OTHER_GROUP = 90
TABLE_FROM_RECORDS = 3
TABLE_MAX_COLUMNS = 8


def _rows_for_subject(model: type[models.Model]) -> Q:
    """Rows of a model the copy leaves out: staff's internal notes on a complaint; an
    authority's request Legal marked confidential (Law 91/2025/QH15 Art. 15(2)(a))."""
    from complaints.models import ComplaintMessage

    if model is ComplaintMessage:
        return Q(visibility=ComplaintMessage.Visibility.CUSTOMER)
    if model is Disclosure:
        return Q(confidential=False)
    return Q()


@dataclass
class Section:
    label: str  # "customers.Order"
    title: str
    columns: list[tuple[str, str]]  # (field name, its label)
    rows: list[dict[str, Any]] = field(default_factory=list)  # the JSON's values
    # The letter's values: (label, text) for each field that holds something.
    entries: list[list[tuple[str, str]]] = field(default_factory=list)
    group: str = ""
    order: int = OTHER_GROUP

    @property
    def as_table(self) -> bool:
        """Many records of few fields (a customer's orders) read better as a table."""
        return (
            len(self.entries) > TABLE_FROM_RECORDS and len(self.table_headers) <= TABLE_MAX_COLUMNS
        )

    @property
    def table_headers(self) -> list[str]:
        filled = {label for entries in self.entries for label, _text in entries}
        return [label for _name, label in self.columns if label in filled]

    @property
    def table_rows(self) -> list[list[str]]:
        headers = self.table_headers
        return [[dict(entries).get(label, "") for label in headers] for entries in self.entries]


@dataclass
class Withheld:
    """A record the copy withholds, for the staff's record (never for the customer)."""

    label: str
    pk: int
    description: str


@dataclass
class CustomerData:
    customer_id: int
    generated_at: datetime.datetime
    controller: Any
    sections: list[Section]
    customer_name: str = ""
    withheld: list[Withheld] = field(default_factory=list)

    @property
    def groups(self) -> list[tuple[str, list[Section]]]:
        """The sections under the letter's headings, in the letter's order."""
        grouped: dict[str, list[Section]] = {}
        for section in sorted(self.sections, key=lambda section: section.order):
            grouped.setdefault(section.group, []).append(section)
        return list(grouped.items())


def _file_name(value: Any) -> str:
    """A stored file by its own name, never its path in storage."""
    name = getattr(value, "name", value) or ""
    return os.path.basename(str(name))


def _value(instance: models.Model, model_field: models.Field) -> Any:
    """The machine-readable value (JSON): ISO dates, E.164 phones, amounts as integers."""
    if model_field.choices:
        return str(getattr(instance, f"get_{model_field.name}_display")())
    if isinstance(model_field, models.ForeignKey):
        related = getattr(instance, model_field.name)
        return str(related) if related is not None else ""
    if isinstance(model_field, models.FileField):
        return _file_name(getattr(instance, model_field.attname))
    value = getattr(instance, model_field.attname)
    if model_field.name in ITEM_LIST_FIELDS and isinstance(value, list):
        return [str(DataItem(item).label) for item in value if item in DataItem.values]
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).isoformat(timespec="minutes")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, models.Model):
        return str(value)
    return value


def amount_text(amount: int) -> str:
    """1.250.000 ₫, as amounts are written in Vietnam."""
    return f"{amount:,} ₫".replace(",", ".")


def _display(instance: models.Model, model_field: models.Field, value: Any) -> str:
    """The letter's value: dd/mm/yyyy, 0912 345 678, 1.250.000 ₫, Yes/No; "" for nothing."""
    if value is None or value == "" or value == []:
        return ""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(model_field, models.FileField):
        return _("a file we keep on record")  # its stored name means nothing to the customer
    if model_field.choices or isinstance(model_field, models.ForeignKey):
        return str(value)
    raw = getattr(instance, model_field.attname)
    if isinstance(raw, datetime.datetime):
        return local_datetime(raw)
    if isinstance(raw, datetime.date):
        return local_date(raw)
    if isinstance(model_field, PhoneNumberField):
        return format_phone_national(str(raw))
    if isinstance(raw, int) and model_field.name.endswith("_vnd"):
        return amount_text(raw)
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)


def _columns(model: type[models.Model]) -> list[models.Field]:
    declared = personal_data.declaration_for(model)
    columns: list[models.Field] = []
    for model_field in model._meta.concrete_fields:
        if model_field.name in SKIPPED_FIELDS:
            continue
        related = model_field.related_model if model_field.is_relation else None
        if related is not None:
            if related is Customer or related._meta.label == settings.AUTH_USER_MODEL:
                continue  # the customer is the subject; staff names stay out
            if related is model:
                continue
        if declared is not None:
            personal = declared.personal.get(model_field.name)
            if personal is not None and personal.internal:
                continue  # staff's working note, not the customer's data
            if (
                model_field.name in declared.non_personal
                and isinstance(model_field, models.JSONField)
                and model_field.name not in ITEM_LIST_FIELDS
            ):
                continue
        if model is Disclosure and model_field.name.startswith("confidential"):
            continue  # only ever False here: the confidential ones are withheld
        columns.append(model_field)
    return columns


def withheld_records(customer: Customer) -> list[Withheld]:
    return [
        Withheld(
            label=Disclosure._meta.label,
            pk=disclosure.pk,
            description=_("disclosure #%(id)s to %(recipient)s, request no. %(number)s of %(date)s")
            % {
                "id": disclosure.pk,
                "recipient": disclosure.recipient.name,
                "number": disclosure.request_number or "—",
                "date": local_date(disclosure.request_date, empty="—"),
            },
        )
        for disclosure in disclosures_withheld(customer=customer)
    ]


def customer_data(customer: Customer) -> CustomerData:
    sections: list[Section] = []
    for model in personal_data.project_models():
        if getattr(model, "instance_type", None) is not None:
            continue  # history rows: earlier versions of the same records
        if model._meta.label in EXCLUDED or not personal_data.personal_fields(model):
            continue
        lookups = personal_data.customer_lookups(model)
        if not lookups:
            continue
        match = Q()
        for lookup in lookups:
            match |= Q(**{lookup: customer.pk})
        rows = list(
            model._base_manager.filter(match).filter(_rows_for_subject(model)).order_by("pk")
        )
        if not rows:
            continue
        columns = _columns(model)
        values = [{column.name: _value(row, column) for column in columns} for row in rows]
        order, group = GROUPS.get(model._meta.label, (OTHER_GROUP, model._meta.verbose_name_plural))
        labels = {column.name: str(column.verbose_name).capitalize() for column in columns}
        entries = []
        for row, row_values in zip(rows, values, strict=True):
            shown = [
                (labels[column.name], _display(row, column, row_values[column.name]))
                for column in columns
            ]
            entries.append([(label, text) for label, text in shown if text])
        sections.append(
            Section(
                label=model._meta.label,
                title=str(model._meta.verbose_name_plural).capitalize(),
                columns=[(column.name, labels[column.name]) for column in columns],
                rows=values,
                entries=entries,
                group=str(group).capitalize(),
                order=order,
            )
        )
    return CustomerData(
        customer.pk,
        timezone.now(),
        controller_get(),
        sections,
        customer_name=customer.full_name,
        withheld=withheld_records(customer),
    )


def render_json(export: CustomerData) -> str:
    controller = export.controller
    document = {
        "generated_at": timezone.localtime(export.generated_at).isoformat(timespec="seconds"),
        "controller": {
            "legal_name": controller.legal_name,
            "address": controller.address,
            "email": controller.email,
        }
        if controller
        else None,
        "customer_id": export.customer_id,
        "records": {
            section.label: [
                {name: row[name] for name, _label in section.columns} for row in section.rows
            ]
            for section in export.sections
        },
    }
    return json.dumps(document, ensure_ascii=False, indent=2, default=str)


def render_html(export: CustomerData) -> str:
    """The letter: the controller's heading, addressed to the customer, what we hold under its
    headings, signed; printable, and the page the PDF is made of."""
    from complaints.incidents import document_date_line, organisation_context

    context = organisation_context()
    controller = context["controller"]
    return render_to_string(
        "complaints/data_export.html",
        {
            **context,
            "export": export,
            "groups": export.groups,
            "generated": local_datetime(export.generated_at),
            "date_line": document_date_line(
                controller.document_place if controller else "", export.generated_at
            ),
        },
    )


def render_pdf(export: CustomerData) -> bytes:
    """The letter as a PDF file (customers.kernel.pdf); PdfUnavailable without WeasyPrint."""
    return pdf.html_to_pdf(render_html(export), title=_("Your personal data"))
