"""The personal-data declaration: every field that holds personal data, declared once, next to
its model.

Masking, export, erasure and disclosure checks read this one declaration; a test fails when a
model of the project has a text-like field that is declared neither personal nor non-personal.

Usage, directly above a model::

    @personal_data.declare(
        personal={
            "full_name": PersonalField(
                Category.IDENTITY, legal=LegalItem.NAME, erasure=Erasure.REDACT
            ),
            "phone": PersonalField(
                Category.CONTACT, legal=LegalItem.NUMBERS, erasure=Erasure.KEYED_HASH
            ),
        },
        non_personal=["kind", "status"],
    )
    class Customer(models.Model): ...

django-simple-history's historical models inherit the declaration of the model they record, with
the history bookkeeping fields declared here once.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import hmac
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    """The kinds of personal data we hold (Decree 356/2025 Art. 3 basic, Art. 4 sensitive data)."""

    IDENTITY = "identity", _("Identity")
    CONTACT = "contact", _("Contact")
    ADDRESS = "address", _("Address")
    TAX_ID = "tax_id", _("Tax code / ID number")
    ONLINE_ID = "online_id", _("Online identifier")
    TRANSACTION = "transaction", _("Transaction")
    FREE_TEXT = "free_text", _("Free text")


class Sensitivity(models.TextChoices):
    # Decree 356/2025/NĐ-CP Art. 3: basic data (name, contacts, addresses, ID numbers, …).
    BASIC = "basic", _("Basic")
    # Decree 356/2025/NĐ-CP Art. 4(1): the closed list of sensitive data; it gets the access
    # limits of Art. 4(2) and the person is told before consenting (Art. 6(4)).
    SENSITIVE = "sensitive", _("Sensitive")


class LegalItem(models.TextChoices):
    """The point of the law's lists a piece of personal data is: Decree 356/2025/NĐ-CP Art. 3
    (basic data, points 1–11) and Art. 4(1) (sensitive data, points a–m). A personal field
    declares one; purposes list the items they process (the consent receipt names them, Law
    91/2025/QH15 Art. 9(2)(a)). The value is the point: "3.7", "4.1.i"."""

    NAME = "3.1", _("Full name, middle and given name, other names")
    BIRTH_DEATH = "3.2", _("Date of birth; date of death or disappearance")
    GENDER = "3.3", _("Gender")
    PLACES = "3.4", _("Place of birth, residence, contact address")
    NATIONALITY = "3.5", _("Nationality")
    IMAGE = "3.6", _("Images of the person")
    NUMBERS = "3.7", _("Phone number, personal ID, passport, driving licence, plate numbers")
    MARITAL_STATUS = "3.8", _("Marital status")
    FAMILY = "3.9", _("Family relationships")
    DIGITAL_ACCOUNT = "3.10", _("Digital account information")
    OTHER_BASIC = "3.11", _("Other information tied to or identifying a person")
    ORIGIN = "4.1.a", _("Racial or ethnic origin")
    BELIEFS = "4.1.b", _("Political, religious or belief views")
    PRIVATE_LIFE = "4.1.c", _("Private life, personal and family secrets")
    HEALTH = "4.1.d", _("Health")
    BIOMETRIC = "4.1.dd", _("Biometric and genetic data")
    SEX_LIFE = "4.1.e", _("Sex life and sexual orientation")
    CRIME = "4.1.g", _("Crimes and breaches of the law collected by law enforcement")
    LOCATION = "4.1.h", _("Location determined by location services")
    ID_ACCOUNT_AND_CARD = (
        "4.1.i",
        _("Electronic-identity login and password; images of identity cards"),
    )
    FINANCIAL = "4.1.k", _("Bank and credit information held by financial institutions")
    BEHAVIOUR = "4.1.l", _("Tracking of behaviour and use of online services")
    SECRET_BY_LAW = "4.1.m", _("Other data the law requires to be kept secret")


def legal_sensitivity(item: str) -> Sensitivity:
    """Art. 4(1)'s items are sensitive, Art. 3's basic."""
    return Sensitivity.SENSITIVE if item.startswith("4.") else Sensitivity.BASIC


def legal_article(item: str) -> str:
    """The citation of an item: "Decree 356/2025/NĐ-CP Art. 3(7)", "… Art. 4(1)(đ)"."""
    parts = item.split(".")
    if parts[0] == "3":
        return f"Decree 356/2025/NĐ-CP Art. 3({parts[1]})"
    letter = "đ" if parts[2] == "dd" else parts[2]
    return f"Decree 356/2025/NĐ-CP Art. 4(1)({letter})"


class DataItem(models.TextChoices):
    """What a person would call a piece of their data: the unit a recipient may receive
    (Decree 52/2013 Art. 68(2): a shipper gets name, delivery address and phone)."""

    NAME = "name", _("Name")
    PHONE = "phone", _("Phone number")
    EMAIL = "email", _("Email address")
    CONTACT_ADDRESS = "contact_address", _("Contact address")
    DELIVERY_ADDRESS = "delivery_address", _("Delivery address")
    TAX_ID = "tax_id", _("Tax code / citizen ID")
    ORDERS = "orders", _("Orders and amounts")
    ONLINE_IDS = "online_ids", _("IP address and browser")
    NOTES = "notes", _("Notes and free text")


class Erasure(enum.Enum):
    """What erasure does to a field's value."""

    DELETE_ROW = "delete_row"  # the whole row goes
    CLEAR = "clear"  # set to NULL or to the empty string
    REDACT = "redact"  # replaced by a fixed placeholder that says it was erased
    KEYED_HASH = "keyed_hash"  # an HMAC: recognisable again, not readable
    KEEP = "keep"  # a legal duty keeps it (e.g. Law on Accounting Art. 41)


def keyed_hash(value: str, *, length: int | None = None) -> str:
    """What Erasure.KEYED_HASH leaves: HMAC-SHA256 of the value with SECRET_KEY, in hex. The
    same value is recognised again (a returning customer, the status page), but cannot be read
    back."""
    digest = hmac.new(settings.SECRET_KEY.encode(), value.encode(), hashlib.sha256).hexdigest()
    return digest[:length] if length else digest


@dataclass(frozen=True)
class PersonalField:
    category: Category
    # The point of Decree 356/2025 Art. 3 or Art. 4(1) the value is; it decides sensitivity.
    legal: LegalItem = dataclasses.field(kw_only=True)
    erasure: Erasure = Erasure.CLEAR
    # The item a disclosure names when it hands this field over; None: never handed over.
    item: DataItem | None = None
    # A record for which the value names no person (an organization's name): shown unmasked.
    # Erasure still treats it as declared.
    names_no_person: Callable[[Any], bool] | None = None
    # Staff's own working note about the person (how their identity was checked, a remark on
    # their file): erased with the rest, but left out of the copy the customer receives.
    internal: bool = False

    @property
    def sensitivity(self) -> Sensitivity:
        return legal_sensitivity(self.legal)

    @property
    def article(self) -> str:
        return legal_article(self.legal)


@dataclass(frozen=True)
class Declaration:
    model_label: str
    personal: dict[str, PersonalField]
    non_personal: frozenset[str]
    # A row that holds a copy of many customers' data in its files (an export), made at the
    # time this field names: an erasure deletes the files of every such row made before it,
    # since any may hold the erased customer (retention.erasure). "" for every other model.
    copy_made_at: str = ""

    def is_declared(self, field_name: str) -> bool:
        return field_name in self.personal or field_name in self.non_personal


# Fields django-simple-history adds to every historical model.
HISTORY_PERSONAL = {
    # Staff type free text here ("phone changed at the customer's request …").
    "history_change_reason": PersonalField(
        Category.FREE_TEXT, legal=LegalItem.OTHER_BASIC, erasure=Erasure.CLEAR
    ),
}
HISTORY_NON_PERSONAL = frozenset({"history_id", "history_date", "history_type", "history_user"})

_REGISTRY: dict[str, Declaration] = {}

ModelT = TypeVar("ModelT", bound=type[models.Model])


def legal_items_for(items: Iterable[str]) -> set[str]:
    """The law's points (LegalItem) that a recipient receiving these DataItems gets, read from
    the declarations: every declared field handed over as one of them."""
    wanted = set(items)
    return {
        field.legal
        for declaration in _REGISTRY.values()
        for field in declaration.personal.values()
        if field.item is not None and field.item in wanted
    }


def declare(
    *,
    personal: dict[str, PersonalField],
    non_personal: Iterable[str] = (),
    copy_made_at: str = "",
) -> Callable[[ModelT], ModelT]:
    """Class decorator that records a model's declaration. ``copy_made_at``: the model's rows
    hold copies of many customers' data in their declared files (Declaration.copy_made_at)."""

    def decorator(model: ModelT) -> ModelT:
        overlap = set(personal) & set(non_personal)
        if overlap:
            raise ValueError(f"{model.__name__}: declared both personal and not: {sorted(overlap)}")
        label = model._meta.label
        _REGISTRY[label] = Declaration(label, dict(personal), frozenset(non_personal), copy_made_at)
        return model

    return decorator


def _history_source(model: type[models.Model]) -> type[models.Model] | None:
    instance_type = getattr(model, "instance_type", None)  # set by simple_history on its models
    if isinstance(instance_type, type) and issubclass(instance_type, models.Model):
        return instance_type
    return None


def declaration_for(model: type[models.Model]) -> Declaration | None:
    """The declaration of a model, or of the model a historical model records."""
    if model._meta.label in _REGISTRY:
        return _REGISTRY[model._meta.label]
    source = _history_source(model)
    if source is None:
        return None
    base = declaration_for(source)
    if base is None:
        return None
    return Declaration(
        model._meta.label,
        {**base.personal, **HISTORY_PERSONAL},
        base.non_personal | HISTORY_NON_PERSONAL,
    )


def copy_made_at(model: type[models.Model]) -> str:
    """The field that says when a row holding copies of many customers' data was made, or ""."""
    declaration = _REGISTRY.get(model._meta.label)
    return declaration.copy_made_at if declaration else ""


def personal_fields(model: type[models.Model]) -> dict[str, PersonalField]:
    declaration = declaration_for(model)
    return dict(declaration.personal) if declaration else {}


def fields_for_items(model: type[models.Model], items: Iterable[str]) -> list[str]:
    """The model's personal fields that carry the given data items, in declaration order."""
    wanted = set(items)
    return [
        name
        for name, field in personal_fields(model).items()
        if field.item is not None and field.item in wanted
    ]


# The field types that can hold personal data as text, files or structures.
TEXT_LIKE_FIELDS: tuple[type[models.Field], ...] = (
    models.CharField,  # EmailField, SlugField, URLField and our phone/tax fields too
    models.TextField,
    models.GenericIPAddressField,
    models.FileField,
    models.JSONField,
)


def project_app_labels() -> tuple[str, ...]:
    """The project's own apps (settings.LOCAL_APPS), found without the base app naming them."""
    from django.apps import apps
    from django.conf import settings

    local = set(settings.LOCAL_APPS)
    return tuple(config.label for config in apps.get_app_configs() if config.name in local)


def project_models() -> list[type[models.Model]]:
    """Every model of the project's apps, django-simple-history's historical models included."""
    from django.apps import apps

    return [
        model
        for app_label in project_app_labels()
        for model in apps.get_app_config(app_label).get_models()
    ]


def undeclared_fields(model_list: Iterable[type[models.Model]]) -> list[str]:
    """Names "app.Model.field" of each text-like field declared neither personal nor non-personal,
    and for each declared name that is not a field of its model (a stale declaration)."""
    problems: list[str] = []
    for model in model_list:
        declaration = declaration_for(model)
        field_names = {f.name for f in model._meta.concrete_fields}
        for field in model._meta.concrete_fields:
            if not isinstance(field, TEXT_LIKE_FIELDS):
                continue
            if declaration is None or not declaration.is_declared(field.name):
                problems.append(f"{model._meta.label}.{field.name}")
        if declaration is not None:
            declared = set(declaration.personal) | declaration.non_personal
            problems += [
                f"{model._meta.label}.{name} (declared, but no such field)"
                for name in sorted(declared - field_names)
            ]
    return problems


CUSTOMER_MODEL = "customers.Customer"
# How many foreign keys a row may be away from its customer (evidence → complaint → customer).
CUSTOMER_PATH_MAX_DEPTH = 3


def customer_lookups(model: type[models.Model], *, _depth: int = 0) -> list[str]:
    """The ORM lookups through which a row of ``model`` belongs to a customer, each ending in
    the customer's id: ``"pk"`` for Customer, ``"id"`` for its historical model, ``"customer"``
    for a foreign key to Customer (historical models keep it, without a constraint), and
    ``"complaint__customer"`` through a project model that belongs to a customer itself.
    Erasure and export find a customer's rows in every model through these; [] for a model
    whose rows belong to nobody."""
    from django.apps import apps

    customer = apps.get_model(CUSTOMER_MODEL)
    if model is customer:
        return ["pk"]
    if _history_source(model) is customer:
        return [customer._meta.pk.name]  # the historical row's copy of the customer's id
    if _depth >= CUSTOMER_PATH_MAX_DEPTH:
        return []
    lookups: list[str] = []
    for field in model._meta.concrete_fields:
        target = field.related_model if field.is_relation else None
        if not isinstance(target, type) or target is model:
            continue
        if target is customer:
            lookups.append(field.name)
        elif target._meta.app_label in project_app_labels():
            lookups += [
                f"{field.name}__{sub}" for sub in customer_lookups(target, _depth=_depth + 1)
            ]
    return lookups


def source_field(model: type[models.Model], name: str) -> models.Field | None:
    """The field ``name`` of the model itself or, for a historical model, of the model it
    records (simple_history stores a FileField's name in a TextField)."""
    from django.core.exceptions import FieldDoesNotExist

    source = _history_source(model) or model
    try:
        field = source._meta.get_field(name)
    except FieldDoesNotExist:  # a history-only field
        return None
    return field if isinstance(field, models.Field) else None
