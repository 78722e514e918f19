"""A service's refusal on the form that asked for it: staff and customers read each message next
to the field it is about, with everything they typed kept."""

from __future__ import annotations

from collections.abc import Mapping

from django import forms
from django.core.exceptions import ValidationError


def add_service_errors(
    form: forms.BaseForm, error: ValidationError, names: Mapping[str, str] | None = None
) -> None:
    """A service's ValidationError on the form: on the field it names (``names`` maps the
    service's field names to the form's) when the form has it, otherwise above the form."""
    names = names or {}
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            shown = names.get(name, name)
            form.add_error(shown if shown in form.fields else None, errors)
    else:
        form.add_error(None, error)
