"""Model fields that store what people type in one normalized form."""

from typing import Any

from django.db import models

from customers.validators import normalize_phone, normalize_tax_code


class _NormalizingCharField(models.CharField):
    """A CharField whose validation (full_clean, ModelForms) stores the normalized value.

    Normalising in clean() rather than to_python() keeps lookups such as
    ``filter(phone="anything")`` free of validation errors.
    """

    normalizer: Any = None

    def clean(self, value: Any, model_instance: models.Model | None) -> Any:
        if value in self.empty_values:
            return super().clean(value, model_instance)
        return super().clean(type(self).normalizer(value), model_instance)


class PhoneNumberField(_NormalizingCharField):
    """A phone number stored in E.164 ("+84912853984")."""

    normalizer = staticmethod(normalize_phone)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 20)
        super().__init__(*args, **kwargs)


class TaxCodeField(_NormalizingCharField):
    """A tax code (MST, 10 or 13 digits) or a 12-digit citizen ID, stored as digits."""

    normalizer = staticmethod(normalize_tax_code)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 13)
        super().__init__(*args, **kwargs)
