"""A customer's copy of their data (access request: Law 91/2025/QH15 Art. 4(1)(c)–(d)):
every declared personal field of every record that belongs to them — the customer, delivery
addresses, orders, consents, disclosures to third parties, complaints, erasure requests — as a
readable page and a JSON file.

Built from the personal-data declaration: a model or field added later and declared personal
appears here without a change. Records of staff work about the customer (the access log, a
complaint's event trail) are not the customer's data and stay out; so do staff members' names.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from customers import personal_data
from customers.kernel.text import local_datetime
from customers.models import AccessLog, Customer
from customers.selectors import controller_get

# Staff's own records about the customer, not the customer's data.
EXCLUDED = {AccessLog._meta.label, "complaints.ComplaintEvent"}
# Not useful to the customer, or internal.
SKIPPED_FIELDS = {"id", "name_folded", "sha256", "file", "reminded_at"}


@dataclass
class Section:
    label: str  # "customers.Order"
    title: str
    columns: list[tuple[str, str]]  # (field name, its label)
    rows: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class CustomerData:
    customer_id: int
    generated_at: datetime.datetime
    controller: Any
    sections: list[Section]


def _value(instance: models.Model, model_field: models.Field) -> Any:
    if model_field.choices:
        return str(getattr(instance, f"get_{model_field.name}_display")())
    if isinstance(model_field, models.ForeignKey):
        related = getattr(instance, model_field.name)
        return str(related) if related is not None else ""
    value = getattr(instance, model_field.attname)
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).isoformat(timespec="minutes")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, models.Model):
        return str(value)
    return value


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
        if (
            declared is not None
            and model_field.name in declared.non_personal
            and isinstance(model_field, models.JSONField)
        ):
            continue
        columns.append(model_field)
    return columns


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
        rows = list(model._base_manager.filter(match).order_by("pk"))
        if not rows:
            continue
        columns = _columns(model)
        sections.append(
            Section(
                label=model._meta.label,
                title=str(model._meta.verbose_name_plural).capitalize(),
                columns=[
                    (column.name, str(column.verbose_name).capitalize()) for column in columns
                ],
                rows=[{column.name: _value(row, column) for column in columns} for row in rows],
            )
        )
    return CustomerData(customer.pk, timezone.now(), controller_get(), sections)


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
    """The readable page: printable, so that "save as PDF" gives the PDF copy."""
    tables = [
        {
            "title": section.title,
            "headers": [label for _name, label in section.columns],
            "rows": [[row[name] for name, _label in section.columns] for row in section.rows],
        }
        for section in export.sections
    ]
    return render_to_string(
        "complaints/data_export.html",
        {
            "export": export,
            "tables": tables,
            "controller": export.controller,
            "generated": local_datetime(export.generated_at),
        },
    )
