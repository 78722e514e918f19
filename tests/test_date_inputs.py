"""Every date and date-time field of every admin form takes dd/mm/yyyy (and dd/mm/yyyy hh:mm):
"01/12/2026" is the 1st of December, never the 12th of January, and a date that is not
day-first is refused with the field's message."""

from __future__ import annotations

import datetime
import importlib
import inspect
import pkgutil
from collections.abc import Iterator
from typing import Any

import pytest
from django import forms
from django.contrib import admin
from django.core.exceptions import FieldError, ValidationError
from django.test import RequestFactory
from django.utils import timezone

from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db

ADMIN_MODULES = ("customers.admin", "complaints.admin", "retention.admin")


def _form_classes() -> Iterator[tuple[str, type[forms.BaseForm]]]:
    """The forms the admin shows: each ModelAdmin's own, and every form class of our admin
    modules (the step pages, the incident form, the consent forms)."""
    request = RequestFactory().get("/")
    request.user = StaffFactory.create(username="root", is_superuser=True)
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label in ("customers", "complaints", "retention"):
            try:
                yield model._meta.label, model_admin.get_form(request)
            except FieldError:
                continue  # an admin whose add page is a form of its own (listed below)
    for package in ADMIN_MODULES:
        module = importlib.import_module(package)
        names = [package]
        if hasattr(module, "__path__"):
            names += [f"{package}.{info.name}" for info in pkgutil.iter_modules(module.__path__)]
        for name in names:
            for attribute, value in vars(importlib.import_module(name)).items():
                if inspect.isclass(value) and issubclass(value, forms.BaseForm):
                    yield f"{name}.{attribute}", value


def _date_fields() -> list[tuple[str, str, forms.Field]]:
    found = {}
    for owner, form_class in _form_classes():
        for name, field in getattr(form_class, "base_fields", {}).items():
            if isinstance(field, (forms.DateField, forms.DateTimeField, forms.SplitDateTimeField)):
                found[(owner, name)] = field
    return [(owner, name, field) for (owner, name), field in sorted(found.items())]


def _typed(field: forms.Field, date_text: str) -> Any:
    if isinstance(field, forms.SplitDateTimeField):
        return field.clean([date_text, "08:30"])
    if isinstance(field, forms.DateTimeField):
        return field.clean(f"{date_text} 08:30")
    return field.clean(date_text)


def _day(value: Any) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).date()
    return value


def test_the_admin_has_date_fields_to_check() -> None:
    owners = {owner for owner, _name, _field in _date_fields()}
    assert {"customers.Order", "complaints.PublicHoliday", "complaints.Incident"} <= owners


def test_every_admin_date_field_reads_day_first() -> None:
    for owner, name, field in _date_fields():
        assert _day(_typed(field, "01/12/2026")) == datetime.date(2026, 12, 1), (owner, name)
        assert _day(_typed(field, "13/12/2026")) == datetime.date(2026, 12, 13), (owner, name)
        with pytest.raises(ValidationError):
            _typed(field, "12/13/2026")  # month-first: refused, never read the other way


def test_a_date_is_shown_day_first_in_the_admin() -> None:
    from django.utils import formats, translation

    with translation.override("vi"):
        assert formats.date_format(datetime.date(2026, 12, 1), "SHORT_DATE_FORMAT") == "01/12/2026"
        assert formats.get_format("DATE_INPUT_FORMATS")[0] == "%d/%m/%Y"
