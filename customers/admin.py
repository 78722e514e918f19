"""The back office for customers, their consents and what we hold about them.

Every save made here goes through customers.services (the one way in for writes); a refusal
by a service comes back on the form, like any other validation error. Nothing is deleted here:
erasure has its own service and its own checks.
"""

from __future__ import annotations

import dataclasses
import datetime
import operator
from collections.abc import Callable, Iterator
from functools import reduce
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin import widgets as admin_widgets
from django.contrib.admin.utils import flatten_fieldsets, label_for_field, unquote
from django.contrib.admin.views.main import SEARCH_VAR
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.db import models
from django.db.models import Count, Max, Min, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.forms import BaseModelForm, ModelForm
from django.forms.models import BaseInlineFormSet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import formats, timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin

from customers import exports, masking, selectors, services
from customers.admin_forms import (
    ConsentGrantForm,
    ConsentWithdrawForm,
    NationalPhoneField,
)
from customers.fields import PhoneNumberField
from customers.http import client_ip
from customers.kernel.text import fold_vietnamese
from customers.kernel.writes import copy_saved
from customers.models import (
    AccessLog,
    Consent,
    Controller,
    Customer,
    DeliveryAddress,
    Order,
    PolicyVersion,
    Purpose,
)
from customers.paginator import SEARCH_COUNT_CAP, EstimatedCountPaginator
from customers.personal_data import personal_fields
from customers.validators import clean_digits, phone_search_key

# An action on more rows than this is refused: select fewer, or ask for a batch job.
ACTION_LIMIT = 500
# The withdrawal confirmation lists at most this many of the selected consents.
CONFIRMATION_LIST_LIMIT = 50
# At most this many refusals are spelled out in one message.
REFUSALS_SHOWN = 10


# Writes through the services --------------------------------------------------------------


class ServiceRefused(Exception):
    """A service refused a save that the admin form had accepted."""

    def __init__(self, error: ValidationError) -> None:
        super().__init__(error)
        self.error = error


_REFUSAL_ATTR = "_customers_admin_service_refusal"


def _add_refusal(form: BaseModelForm[Any], error: ValidationError) -> None:
    """Put a service's ValidationError on the form: on its field when the form has it."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _form_with_refusal(
    form_class: type[BaseModelForm[Any]], error: ValidationError
) -> type[BaseModelForm[Any]]:
    class RefusedForm(form_class):  # type: ignore[valid-type,misc]  # a class made by modelform_factory
        def clean(self) -> dict[str, Any]:
            cleaned_data: dict[str, Any] = super().clean()
            _add_refusal(self, error)
            return cleaned_data

    RefusedForm.__name__ = form_class.__name__
    return RefusedForm


def _form_values(
    form: BaseModelForm[Any], obj: models.Model, *, exclude: tuple[str, ...] = ()
) -> dict[str, Any]:
    """The model values the form edits, read from the instance: model validation has already
    normalised them there (phone in E.164, tax code as digits)."""
    names = {field.name for field in obj._meta.concrete_fields if not field.primary_key}
    return {
        name: getattr(obj, name) for name in form.fields if name in names and name not in exclude
    }


def join_refusals(refusals: list[str]) -> str:
    shown = "; ".join(refusals[:REFUSALS_SHOWN])
    if len(refusals) > REFUSALS_SHOWN:
        shown += " …"
    return shown


def refusal_text(error: ValidationError | PermissionDenied) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error) or str(_("Your role may not do this."))


# Phone numbers are shown the Vietnamese way in forms (a field class of its own: Django's
# defaults for CharField do not apply to it, hence the widget).
PHONE_FORMFIELD: dict[type[models.Field[Any, Any]], dict[str, Any]] = {
    PhoneNumberField: {
        "form_class": NationalPhoneField,
        "widget": admin_widgets.AdminTextInputWidget,
    },
}

# Personal data: masked for staff without the full view, logged when shown in full -----------


def _shows_personal_data(model: type[models.Model], name: Any) -> bool:
    """True for a declared personal field, and for a foreign key to a record whose str()
    shows personal data (a delivery address's customer)."""
    if not isinstance(name, str):
        return False
    if name in personal_fields(model):
        return True
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    related = field.related_model if field.many_to_one else None
    return isinstance(related, type) and bool(personal_fields(related))


# One function object per (model, column): the admin tells its read-only fields apart by
# identity, so a form's fieldsets and its read-only fields must hold the same object.
_MASKED_COLUMNS: dict[tuple[type[models.Model], str, str], Callable[[Any], str]] = {}


def _masked_column(
    model: type[models.Model],
    field_name: str,
    *,
    column: str = "",
    label: Any = None,
    ordering: Any = None,
) -> Callable[[Any], str]:
    """A read-only column or form field that shows ``field_name`` masked (customers.masking)."""
    key = (model, field_name, column)
    if key in _MASKED_COLUMNS:
        return _MASKED_COLUMNS[key]

    def masked(obj: Any) -> str:
        value = getattr(obj, field_name)
        if value is None:
            return "-"  # the admin's sign for no value (a read-only callable gets no default)
        return masking.mask_value(model, field_name, value)

    # Not the field's own name: the admin would show the field's help text, which tells how to
    # type a value (with example numbers) — nothing to type here. CSS class: field-<name>-masked.
    masked.__name__ = f"{field_name}-masked"
    field: Any = model._meta.get_field(field_name)  # a concrete field: it has a verbose name
    masked.short_description = label if label is not None else field.verbose_name  # type: ignore[attr-defined]  # read by the admin
    if ordering:
        masked.admin_order_field = ordering  # type: ignore[attr-defined]  # read by the admin
    return _MASKED_COLUMNS.setdefault(key, masked)


def _masked_str_column(model: type[models.Model]) -> Callable[[Any], str]:
    key = (model, "__str__", "__str__")
    if key not in _MASKED_COLUMNS:

        def masked_str(obj: Any) -> str:
            return masking.masked_str(obj)

        masked_str.short_description = model._meta.verbose_name  # type: ignore[attr-defined]  # read by the admin
        _MASKED_COLUMNS.setdefault(key, masked_str)
    return _MASKED_COLUMNS[key]


class _MaskedInlineAdminFormSet(helpers.InlineAdminFormSet):
    """Titles each inline row with the masked str() of its record."""

    def __iter__(self) -> Iterator[helpers.InlineAdminForm]:
        for inline_admin_form in super().__iter__():
            original: Any = inline_admin_form.original
            if original is not None:
                inline_admin_form.original = masking.MaskedRecord(original)  # type: ignore[assignment]  # the template only prints it and reads .pk
            yield inline_admin_form


class PersonalDataAdminMixin:
    """Masks personal data for staff without customers.view_full_personal_data, and logs the
    pages that show a customer's personal data in full (seed 004 §8; Decree 13/2023 Art. 27).

    For staff without the full view, every personal field of a record's page (and of its inlines)
    is read-only and masked by customers.masking — they cannot edit what they cannot see; list
    columns are masked; the history pages, which show every past value, are refused. The form
    never carries a personal field for them, so a POST cannot change one.

    With ``access_log_views``, opening a record's page or its history writes an AccessLog "view"
    row for the record's customer. Lists are not logged: a list is where staff search; the log
    answers "who opened this customer's record", and one row per listed customer would bury it.
    """

    model: type[models.Model]
    # list_display columns that show a personal field under another name: column -> field.
    personal_columns: dict[str, str] = {}
    access_log_views = False

    def masks_personal_data(self, request: HttpRequest, obj: Any = None) -> bool:
        """True on the pages of an existing record for staff without the full view; an add form
        has nothing to mask. (Lists are masked by get_list_display.)"""
        return obj is not None and not masking.can_see_full(request.user)

    def _personal_names(self) -> list[str]:
        parent = getattr(self, "parent_model", None)  # an inline's link to its page's record
        return [
            field.name
            for field in self.model._meta.concrete_fields
            if _shows_personal_data(self.model, field.name)
            and not (parent is not None and field.related_model is parent)
        ]

    def _mask_name(self, name: Any) -> Any:
        if isinstance(name, list | tuple):
            return type(name)(self._mask_name(part) for part in name)
        if _shows_personal_data(self.model, name):
            return _masked_column(self.model, name)
        return name

    def get_exclude(self, request: HttpRequest, obj: Any = None) -> Any:
        exclude = super().get_exclude(request, obj)  # type: ignore[misc]  # a ModelAdmin method
        if not self.masks_personal_data(request, obj):
            return exclude
        return [*(exclude or ()), *self._personal_names()]

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)  # type: ignore[misc]  # a ModelAdmin method
        if not self.masks_personal_data(request, obj):
            return fieldsets
        return [
            (title, {**options, "fields": [self._mask_name(name) for name in options["fields"]]})
            for title, options in fieldsets
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        readonly = super().get_readonly_fields(request, obj)  # type: ignore[misc]  # a ModelAdmin method
        if not self.masks_personal_data(request, obj):
            return readonly
        masked = [self._mask_name(name) for name in readonly]
        masked += [_masked_column(self.model, name) for name in self._personal_names()]
        return list(dict.fromkeys(masked))

    def get_list_display(self, request: HttpRequest) -> Any:
        columns = super().get_list_display(request)  # type: ignore[misc]  # a ModelAdmin method
        if masking.can_see_full(request.user):
            return columns
        return [self._masked_list_column(column) for column in columns]

    def _masked_list_column(self, column: Any) -> Any:
        if column == "__str__":
            return _masked_str_column(self.model) if personal_fields(self.model) else column
        if not isinstance(column, str):
            return column
        field_name = self.personal_columns.get(column, column)
        if not _shows_personal_data(self.model, field_name):
            return column
        admin_self: Any = self  # a ModelAdmin, with this mixin first
        label, attr = label_for_field(column, self.model, admin_self, return_attr=True)
        ordering = getattr(attr, "admin_order_field", None) if attr is not None else column
        return _masked_column(self.model, field_name, column=column, label=label, ordering=ordering)

    def get_changelist_instance(self, request: HttpRequest) -> Any:
        changelist = super().get_changelist_instance(request)  # type: ignore[misc]  # a ModelAdmin method
        if not masking.can_see_full(request.user):
            for record in changelist.result_list:
                record._personal_data_masked = True  # read by action_checkbox()
        return changelist

    def action_checkbox(self, obj: Any) -> SafeString:
        """Django's row checkbox, whose label for screen readers names the record: masked on
        a masked list."""
        shown = masking.masked_str(obj) if getattr(obj, "_personal_data_masked", False) else obj
        attrs = {
            "class": "action-select",
            # Django's own message, in Django's catalogue.
            "aria-label": format_html(str(_("Select this object for an action - {}")), shown),
        }
        checkbox = forms.CheckboxInput(attrs, lambda value: False)
        return checkbox.render(helpers.ACTION_CHECKBOX_NAME, str(obj.pk))

    def get_inline_formsets(
        self, request: HttpRequest, formsets: Any, inline_instances: Any, obj: Any = None
    ) -> Any:
        inline_formsets = super().get_inline_formsets(request, formsets, inline_instances, obj)  # type: ignore[misc]  # a ModelAdmin method
        if self.masks_personal_data(request, obj):
            for inline_formset in inline_formsets:
                inline_formset.__class__ = _MaskedInlineAdminFormSet
        return inline_formsets

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Any = None,
    ) -> Any:
        if self.masks_personal_data(request, obj):
            shown = masking.masked_str(obj)
            context.update(subtitle=shown, masked_original=shown, personal_data_masked=True)
        elif change and obj is not None and request.method == "GET" and self.access_log_views:
            self.access_log_view(request, obj, detail=f"{self.model._meta.model_name} #{obj.pk}")
        return super().render_change_form(request, context, add, change, form_url, obj)  # type: ignore[misc]  # a ModelAdmin method

    def access_log_view(self, request: HttpRequest, obj: Any, *, detail: str) -> None:
        """Log that the signed-in staff member was shown this record's customer in full."""
        customer_id = obj.pk if isinstance(obj, Customer) else getattr(obj, "customer_id", None)
        if customer_id is None:
            return  # an order whose customer was erased: nobody's data
        services.access_log_record(
            staff=request.user,
            customer_ids=[customer_id],
            action=AccessLog.Action.VIEW,
            detail=detail,
            ip_address=client_ip(request),
        )

    def _refuse_history_when_masked(self, request: HttpRequest) -> None:
        if personal_fields(self.model) and not masking.can_see_full(request.user):
            raise PermissionDenied(_("The history shows personal data your role sees masked."))

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        self._refuse_history_when_masked(request)
        response: HttpResponse = super().history_view(request, object_id, extra_context)  # type: ignore[misc]  # SimpleHistoryAdmin's
        if response.status_code == 200 and request.method == "GET" and self.access_log_views:
            self._log_history(request, object_id)
        return response

    def history_form_view(
        self,
        request: HttpRequest,
        object_id: str,
        version_id: str,
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        self._refuse_history_when_masked(request)
        response: HttpResponse = super().history_form_view(  # type: ignore[misc]  # SimpleHistoryAdmin's
            request, object_id, version_id, extra_context
        )
        if response.status_code == 200 and request.method == "GET" and self.access_log_views:
            self._log_history(request, object_id, version_id)
        return response

    def _log_history(self, request: HttpRequest, object_id: str, version_id: str = "") -> None:
        pk = unquote(object_id)
        record = self.model._default_manager.filter(pk=pk).first()
        if record is None:
            return  # a deleted record's history: its customer is no longer linked
        detail = f"{self.model._meta.model_name} #{record.pk} history"
        self.access_log_view(request, record, detail=f"{detail} {version_id}".strip())


class ServiceModelAdmin(PersonalDataAdminMixin, SimpleHistoryAdmin):
    """Base of the customers admin: saves through a service, shows the history, deletes nothing,
    masks personal data for staff who may not see it (PersonalDataAdminMixin).

    A subclass implements save_through_service(). When the service raises ValidationError, the
    whole request's transaction is rolled back and the same submission is shown again with the
    service's reasons on the form: nothing the person typed is lost.
    """

    formfield_overrides = PHONE_FORMFIELD

    def get_paginator(
        self,
        request: HttpRequest,
        queryset: QuerySet[Any],
        per_page: int,
        orphans: int = 0,
        allow_empty_first_page: bool = True,
    ) -> Any:
        paginator = super().get_paginator(
            request, queryset, per_page, orphans, allow_empty_first_page
        )
        if (
            isinstance(paginator, EstimatedCountPaginator)
            and request.GET.get(SEARCH_VAR, "").strip()
        ):
            # A name search (here or through the customer, customers.admin._name_match) counts
            # its matches through the trigram index, rechecking each row: stop early (issue 7:
            # name search p95 under 300 ms at 1M customers).
            paginator.count_cap = SEARCH_COUNT_CAP
        return paginator

    def save_through_service(
        self, request: HttpRequest, obj: Any, values: dict[str, Any], change: bool
    ) -> models.Model:
        raise NotImplementedError

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        try:
            saved = self.save_through_service(request, obj, _form_values(form, obj), change)
        except ValidationError as error:
            raise ServiceRefused(error) from error
        copy_saved(obj, saved)

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ServiceRefused as refused:
            # changeform_view's transaction has rolled back what was written; validate the
            # same submission again, with the service's reasons added (see get_form).
            setattr(request, _REFUSAL_ATTR, refused.error)
            try:
                return super().changeform_view(request, object_id, form_url, extra_context)
            finally:
                delattr(request, _REFUSAL_ATTR)

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> type[BaseModelForm[Any]]:
        form_class: type[BaseModelForm[Any]] = super().get_form(request, obj, change, **kwargs)
        refusal = getattr(request, _REFUSAL_ATTR, None)
        if refusal is None:
            return form_class
        return _form_with_refusal(form_class, refusal)

    def history_form_view(
        self,
        request: HttpRequest,
        object_id: str,
        version_id: str,
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        """simple_history's "revert" saves with save_model; it needs the change permission
        (simple_history only checks the view permission) and reports a refusal as a message."""
        if request.method == "POST":
            obj = self.get_object(request, unquote(object_id))
            if obj is None or not self.has_change_permission(request, obj):
                raise PermissionDenied
        try:
            return super().history_form_view(request, object_id, version_id, extra_context)
        except ServiceRefused as refused:
            self.message_user(request, " ".join(refused.error.messages), messages.ERROR)
            return HttpResponseRedirect(request.path)

    def act_on_each(
        self,
        request: HttpRequest,
        rows: QuerySet[Any],
        act: Callable[[Any], object],
        *,
        too_many: str,
        done: Callable[[int], str],
        not_done: Callable[[int, str], str] | None = None,
        describe: Callable[[Any], str] | None = None,
    ) -> None:
        """An admin action's work, row by row through a service: at most ACTION_LIMIT rows,
        each refusal (ValidationError, PermissionDenied) collected, counts reported as messages
        — never a 500."""
        selected = list(rows[: ACTION_LIMIT + 1])
        if len(selected) > ACTION_LIMIT:
            self.message_user(request, too_many, messages.ERROR)
            return
        succeeded, refusals = 0, []
        for row in selected:
            try:
                act(row)
            except (ValidationError, PermissionDenied) as error:
                reason = refusal_text(error)
                refusals.append(f"{describe(row)}: {reason}" if describe else reason)
            else:
                succeeded += 1
        if succeeded:
            self.message_user(request, done(succeeded), messages.SUCCESS)
        if refusals:
            reasons = join_refusals(refusals)
            shown = not_done(len(refusals), reasons) if not_done else reasons
            self.message_user(request, shown, messages.ERROR)

    def action_confirmation(
        self,
        request: HttpRequest,
        queryset: QuerySet[Any],
        *,
        form: Any,
        title: Any,
        template: str,
        listed_as: str,
    ) -> TemplateResponse:
        """The intermediate page of an action that asks for more (a reason, a channel), laid
        out like Django's delete confirmation: the form, and the first of the selected rows."""
        listed = list(queryset.select_related("customer")[: CONFIRMATION_LIST_LIMIT + 1])
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.opts,
            "form": form,
            listed_as: listed[:CONFIRMATION_LIST_LIMIT],
            "more_selected": len(listed) > CONFIRMATION_LIST_LIMIT,
            "selected": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
            "select_across": request.POST.get("select_across", "0"),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "action": request.POST.get("action", ""),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, template, context)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Nothing personal is deleted by accident: erasure goes through its own service.
        return False


class ReadOnlyInline(PersonalDataAdminMixin, admin.TabularInline):
    """Related records shown on a change form, changed only through their own page."""

    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = True

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return flatten_fieldsets(self.get_fieldsets(request, obj))

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# Search ------------------------------------------------------------------------------------


def _identifier_match(term: str, prefix: str = "") -> Q | None:
    """Exact matches, on indexed columns, for a term that looks like a phone number, an email
    address or a tax code / citizen ID, typed the way people type them; None otherwise."""
    matches: list[Q] = []
    phone = phone_search_key(term)
    if phone:
        matches.append(Q(**{f"{prefix}phone": phone}))
    if "@" in term and " " not in term:
        matches.append(Q(**{f"{prefix}email": term.lower()}))  # stored lower-case
    digits = clean_digits(term)
    if digits.isdigit() and len(digits) in (10, 12, 13):
        matches.append(Q(**{f"{prefix}tax_code": digits}))
    if term.startswith("#") and term[1:].isdigit():
        matches.append(Q(**{f"{prefix}pk": int(term[1:])}))  # "#123", as on the receipt
    return reduce(operator.or_, matches) if matches else None


def _name_match(term: str, prefix: str = "") -> Q:
    """Every word of the term in the name, with or without accents ("nguyen van an")."""
    words = fold_vietnamese(term).split()
    return reduce(
        operator.and_, (Q(**{f"{prefix}name_folded__contains": word}) for word in words), Q()
    )


# Inlines -----------------------------------------------------------------------------------


class DeliveryAddressInline(PersonalDataAdminMixin, admin.TabularInline):
    model = DeliveryAddress
    fields = ("recipient_name", "phone", "address", "ward", "province", "is_default")
    extra = 0
    can_delete = False  # no service deletes an address yet
    formfield_overrides = PHONE_FORMFIELD

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if self.masks_personal_data(request, obj):
            return False  # an address they could type but not read back
        return bool(super().has_add_permission(request, obj))


class ConsentInline(ReadOnlyInline):
    """Consents change through the consent services: record one with "Add consent", withdraw
    with the action on the consent list."""

    model = Consent
    fields = ("purpose", "status", "granted_at", "withdrawn_at", "channel", "policy_version")
    ordering = ("purpose__code",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Consent]:
        # The customer too: each row is titled with str(consent), which names the customer.
        return super().get_queryset(request).select_related("customer", "purpose", "policy_version")


class OrderInline(ReadOnlyInline):
    """Orders are accounting records (Law on Accounting 2015 Art. 41): shown, linked, not
    edited here."""

    model = Order
    fields = ("reference", "ordered_at", "total", "status", "invoice_number")
    ordering = ("-ordered_at", "-id")

    @admin.display(description=_("total (VND)"))
    def total(self, obj: Order) -> str:
        return _format_vnd(obj.total_vnd)


def _format_vnd(amount: int | None) -> str:
    if amount is None:
        return ""
    return f"{amount:,} ₫".replace(",", ".")  # 1.250.000 ₫, as written in Vietnam


# Controller --------------------------------------------------------------------------------


@admin.register(Controller)
class ControllerAdmin(ServiceModelAdmin):
    """The one controller profile (Decree 52/2013 Art. 69: who collects the data)."""

    list_display = ("legal_name", "tax_code", "hotline_national", "email", "dpo_name", "updated_at")
    formfield_overrides = {
        **PHONE_FORMFIELD,
        models.URLField: {"assume_scheme": "https"},
    }
    list_filter = ()  # one row: nothing to filter
    list_select_related = ()
    search_fields = ("legal_name", "short_name", "tax_code")
    readonly_fields = ("updated_at",)
    fieldsets = (
        (None, {"fields": ("legal_name", "short_name", "tax_code", "address")}),
        (_("Contact"), {"fields": ("phone", "hotline", "email", "website", "business_hours")}),
        (_("Data-protection contact"), {"fields": ("dpo_name", "dpo_email", "dpo_phone")}),
        (_("Record"), {"fields": ("updated_at",)}),
    )

    @admin.display(description=_("hotline"), ordering="hotline")
    def hotline_national(self, obj: Controller) -> str:
        return obj.hotline_display

    def has_add_permission(self, request: HttpRequest) -> bool:
        return bool(super().has_add_permission(request)) and not Controller.objects.exists()

    def save_through_service(
        self, request: HttpRequest, obj: Controller, values: dict[str, Any], change: bool
    ) -> Controller:
        return services.controller_update(actor=request.user, **values)


# Customers ---------------------------------------------------------------------------------


@admin.register(Customer)
class CustomerAdmin(ServiceModelAdmin):
    list_display = (
        "full_name",
        "kind",
        "phone_national",
        "email",
        "status",
        "granted_consents",
        "created_at",
    )
    list_filter = ("kind", "status", "source_channel", "created_at")
    list_select_related = ()
    # get_search_results does the searching; these only name what it looks at.
    search_fields = ("full_name", "phone", "email", "tax_code")
    search_help_text = _(
        "Name (accents optional), phone number in any usual form, email, tax code or #id."
    )
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    readonly_fields = ("status", "created_at", "last_activity_at", "related_records")
    fieldsets = (
        (None, {"fields": ("kind", "full_name", "contact_person")}),
        (_("Contact"), {"fields": ("phone", "email", "address")}),
        (_("Identification"), {"fields": ("tax_code",)}),
        (
            _("Record"),
            {"fields": ("source_channel", "status", "notes", "created_at", "last_activity_at")},
        ),
        (_("Related records"), {"fields": ("related_records",)}),
    )
    inlines = (DeliveryAddressInline, ConsentInline, OrderInline)
    actions = ("email_consent_receipt", "export_csv")
    personal_columns = {"phone_national": "phone"}
    access_log_views = True

    def get_queryset(self, request: HttpRequest) -> QuerySet[Customer]:
        granted = (
            Consent.objects.filter(customer=OuterRef("pk"), status=Consent.Status.GRANTED)
            .order_by()
            .values("customer")
            .annotate(n=Count("pk"))
            .values("n")
        )
        # A correlated subquery runs for the rows of the page only, through the consent index.
        return (
            super().get_queryset(request).annotate(granted_consents=Coalesce(Subquery(granted), 0))
        )

    def get_fieldsets(self, request: HttpRequest, obj: Customer | None = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            return fieldsets[:-1]  # nothing related to a customer not yet saved
        return fieldsets

    def has_change_permission(self, request: HttpRequest, obj: Customer | None = None) -> bool:
        if obj is not None and obj.status == Customer.Status.ERASED:
            return False  # customer_update refuses it: show it read-only
        return bool(super().has_change_permission(request, obj))

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Customer], search_term: str
    ) -> tuple[QuerySet[Customer], bool]:
        term = search_term.strip()
        if not term:
            return queryset, False
        exact = _identifier_match(term)
        if exact is not None:
            return queryset.filter(exact), False
        return queryset.filter(_name_match(term)), False

    @admin.display(description=_("phone"), ordering="phone")
    def phone_national(self, obj: Customer) -> str:
        return obj.phone_display

    @admin.display(description=_("consents granted"))
    def granted_consents(self, obj: Customer) -> int:
        return int(getattr(obj, "granted_consents", 0))

    @admin.display(description=_("related records"))
    def related_records(self, obj: Customer) -> str:
        if obj.pk is None:
            return "—"
        links = [
            (
                reverse("admin:customers_customer_consent_receipt", args=[obj.pk]),
                _("Consent receipt"),
            ),
            (f"{reverse('admin:customers_consent_add')}?customer={obj.pk}", _("Record a consent")),
            (
                f"{reverse('admin:customers_consent_changelist')}?customer__id__exact={obj.pk}",
                _("All consents"),
            ),
            (
                f"{reverse('admin:customers_order_changelist')}?customer__id__exact={obj.pk}",
                _("All orders"),
            ),
        ]
        return format_html_join(" · ", '<a href="{}">{}</a>', links)

    def save_through_service(
        self, request: HttpRequest, obj: Customer, values: dict[str, Any], change: bool
    ) -> Customer:
        if change:
            return services.customer_update(customer=obj, actor=request.user, **values)
        return services.customer_create(actor=request.user, **values)

    def save_formset(
        self,
        request: HttpRequest,
        form: Any,
        formset: BaseInlineFormSet[Any, Any, Any],
        change: bool,
    ) -> None:
        # commit=False writes nothing; it lists what changed (also for the change message).
        formset.save(commit=False)
        if formset.model is not DeliveryAddress:
            return  # consents and orders are read-only here
        address_form: ModelForm[DeliveryAddress]
        for address_form in formset.saved_forms:
            address = address_form.instance
            values = _form_values(address_form, address, exclude=("customer",))
            try:
                if address.pk is None:
                    saved = services.delivery_address_create(
                        customer=formset.instance, actor=request.user, **values
                    )
                    copy_saved(address, saved)
                else:
                    services.delivery_address_update(
                        delivery_address=address, actor=request.user, **values
                    )
            except ValidationError as error:
                reasons = [
                    _("Delivery address “%(address)s”: %(reason)s")
                    % {"address": address, "reason": reason}
                    for reason in error.messages
                ]
                raise ServiceRefused(ValidationError(reasons)) from error

    @admin.action(description=_("Email consent receipt"), permissions=["view"])
    def email_consent_receipt(self, request: HttpRequest, queryset: QuerySet[Customer]) -> None:
        self.act_on_each(
            request,
            queryset,
            lambda customer: services.consent_receipt_request_email(
                customer=customer, actor=request.user
            ),
            too_many=_("Select at most %(limit)d customers at a time.") % {"limit": ACTION_LIMIT},
            done=lambda count: (
                ngettext(
                    "The consent receipt will be emailed to %(count)d customer.",
                    "The consent receipt will be emailed to %(count)d customers.",
                    count,
                )
                % {"count": count}
            ),
        )

    def has_export_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.has_perm(exports.EXPORT_PERMISSION))

    @admin.action(description=_("Export selected customers (CSV)"), permissions=["export"])
    def export_csv(self, request: HttpRequest, queryset: QuerySet[Customer]) -> HttpResponse | None:
        """A spreadsheet of the selected customers, masked for staff without the full view;
        each exported customer gets an access-log row."""
        try:
            data = exports.customer_export_csv(
                actor=request.user, customers=queryset, ip_address=client_ip(request)
            )
        except (PermissionDenied, ValidationError) as refusal:
            reason = " ".join(refusal.messages) if isinstance(refusal, ValidationError) else refusal
            self.message_user(request, str(reason), messages.ERROR)
            return None
        filename = f"khach-hang-{timezone.localdate():%Y-%m-%d}.csv"
        response = HttpResponse(data, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response

    def get_urls(self) -> list[URLPattern]:
        receipt = path(
            "<path:object_id>/consent-receipt/",
            self.admin_site.admin_view(self.consent_receipt_view),
            name="customers_customer_consent_receipt",
        )
        disclosure_report = path(
            "<path:object_id>/who-received-my-data/",
            self.admin_site.admin_view(self.disclosure_report_view),
            name="customers_customer_disclosure_report",
        )
        return [receipt, disclosure_report, *super().get_urls()]

    def disclosure_report_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """The "who received my data" page, built by customers.admin_disclosures (Decree 13/2023
        Art. 9: the right to know who received the data)."""
        from customers.admin_disclosures import disclosure_report_view

        return disclosure_report_view(self, request, object_id)

    def consent_receipt_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """The printable consent receipt (Decree 13/2023 Art. 11(3): consent in a form that can
        be printed or copied)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        customer = self.get_object(request, unquote(object_id))
        if customer is None:
            raise Http404(_("No such customer."))
        if not self.has_view_permission(request, customer):
            raise PermissionDenied
        receipt = selectors.consent_receipt_get(customer=customer)
        if masking.can_see_full(request.user):
            shown = str(customer)
            self.access_log_print(request, customer, detail="consent receipt")
        else:
            # Masked like the customer's page (the receipt names the customer and how to
            # reach them); the consents themselves are shown in full.
            shown = masking.masked_str(customer)
            receipt = dataclasses.replace(
                receipt,
                customer=masking.MaskedRecord(customer),  # type: ignore[arg-type]  # read like a Customer by the template
                consents=[masking.MaskedRecord(consent) for consent in receipt.consents],  # type: ignore[misc]  # read like Consents by the template
            )
        context = {
            **self.admin_site.each_context(request),
            "title": _("Consent receipt"),
            "subtitle": shown,
            "opts": self.opts,
            "original": customer,
            "original_shown": shown,
            "receipt": receipt,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/customers/customer/consent_receipt.html", context)

    def access_log_print(self, request: HttpRequest, customer: Customer, *, detail: str) -> None:
        services.access_log_record(
            staff=request.user,
            customer_ids=[customer.pk],
            action=AccessLog.Action.PRINT,
            detail=detail,
            ip_address=client_ip(request),
        )


@admin.register(DeliveryAddress)
class DeliveryAddressAdmin(ServiceModelAdmin):
    list_display = ("__str__", "recipient_name", "phone_national", "customer", "is_default")
    list_filter = ("is_default", "created_at")
    list_select_related = ("customer",)
    search_fields = ("recipient_name", "address", "province")
    search_help_text = _("Recipient, street or province; a phone number finds it exactly.")
    raw_id_fields = ("customer",)
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    fields = ("customer", "recipient_name", "phone", "address", "ward", "province", "is_default")
    personal_columns = {"phone_national": "phone"}
    access_log_views = True

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[DeliveryAddress], search_term: str
    ) -> tuple[QuerySet[DeliveryAddress], bool]:
        phone = phone_search_key(search_term)
        if phone:
            return queryset.filter(Q(phone=phone) | Q(customer__phone=phone)), False
        return super().get_search_results(request, queryset, search_term)

    @admin.display(description=_("recipient phone"), ordering="phone")
    def phone_national(self, obj: DeliveryAddress) -> str:
        return obj.phone_display

    def save_through_service(
        self, request: HttpRequest, obj: DeliveryAddress, values: dict[str, Any], change: bool
    ) -> DeliveryAddress:
        if change:
            return services.delivery_address_update(
                delivery_address=obj, actor=request.user, **values
            )
        return services.delivery_address_create(actor=request.user, **values)


@admin.register(Order)
class OrderAdmin(ServiceModelAdmin):
    list_display = ("reference", "ordered_at", "customer", "total", "status", "invoice_number")
    list_filter = ("status", "ordered_at")
    list_select_related = ("customer",)
    search_fields = ("reference", "invoice_number", "customer__full_name")
    search_help_text = _(
        "Reference or invoice number; the customer's name, phone, email or tax code."
    )
    raw_id_fields = ("customer",)
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    fieldsets = (
        (None, {"fields": ("customer", "reference", "ordered_at", "status")}),
        (_("Accounting"), {"fields": ("total_vnd", "invoice_number")}),
        (_("Delivery"), {"fields": ("recipient_name", "delivery_phone", "delivery_address")}),
    )
    actions = ("hand_over_to_shipper",)
    access_log_views = True

    def has_disclose_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.has_perm("customers.add_disclosure"))

    @admin.action(description=_("Hand over to a shipper (CSV)"), permissions=["disclose"])
    def hand_over_to_shipper(
        self, request: HttpRequest, queryset: QuerySet[Order]
    ) -> HttpResponse | None:
        """The shipping hand-over: customers.admin_disclosures does it (seeds §4)."""
        from customers.admin_disclosures import hand_over_to_shipper

        return hand_over_to_shipper(self, request, queryset)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Order], search_term: str
    ) -> tuple[QuerySet[Order], bool]:
        term = search_term.strip()
        if not term:
            return queryset, False
        exact = _identifier_match(term, prefix="customer__")
        if exact is not None:
            return queryset.filter(exact), False
        by_record = Q(reference=term) | Q(invoice_number=term)
        return queryset.filter(by_record | _name_match(term, prefix="customer__")), False

    @admin.display(description=_("total (VND)"), ordering="total_vnd")
    def total(self, obj: Order) -> str:
        return _format_vnd(obj.total_vnd)

    def save_through_service(
        self, request: HttpRequest, obj: Order, values: dict[str, Any], change: bool
    ) -> Order:
        if change:
            return services.order_update(order=obj, actor=request.user, **values)
        return services.order_create(actor=request.user, **values)


# Purposes, policies, consents --------------------------------------------------------------


@admin.register(Purpose)
class PurposeAdmin(ServiceModelAdmin):
    """Purposes are retired (active off), never deleted: consents refer to them."""

    list_display = ("code", "name_vi", "name_en", "legal_basis", "retention_vi", "is_active")
    list_filter = ("legal_basis", "is_active")
    list_select_related = ()
    search_fields = ("code", "name_vi", "name_en")
    fieldsets = (
        (None, {"fields": ("code", "legal_basis", "is_active")}),
        (_("Vietnamese"), {"fields": ("name_vi", "description_vi", "retention_vi")}),
        (_("English"), {"fields": ("name_en", "description_en", "retention_en")}),
    )

    def save_through_service(
        self, request: HttpRequest, obj: Purpose, values: dict[str, Any], change: bool
    ) -> Purpose:
        return services.purpose_save(purpose=obj, actor=request.user)


@admin.register(PolicyVersion)
class PolicyVersionAdmin(ServiceModelAdmin):
    """A version in effect is what customers agreed to: it is shown read-only, and a new
    version is a new row ("New version from this one" copies its text)."""

    list_display = ("version", "effective_from", "title_vi", "is_in_effect", "created_at")
    list_filter = ("effective_from",)
    list_select_related = ()
    search_fields = ("version", "title_vi", "title_en")
    readonly_fields = ("created_at",)
    fieldsets = (
        (None, {"fields": ("version", "effective_from", "created_at")}),
        (_("Vietnamese"), {"fields": ("title_vi", "body_vi")}),
        (_("English"), {"fields": ("title_en", "body_en")}),
    )

    @admin.display(description=_("in effect"), boolean=True)
    def is_in_effect(self, obj: PolicyVersion) -> bool:
        return obj.is_in_effect

    def has_change_permission(self, request: HttpRequest, obj: PolicyVersion | None = None) -> bool:
        if obj is not None and obj.is_in_effect:
            return False  # policy_version_save refuses it
        return bool(super().has_change_permission(request, obj))

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        initial: dict[str, Any] = super().get_changeform_initial_data(request)
        source_id = request.GET.get("copy_from", "")
        source = PolicyVersion.objects.filter(pk=source_id).first() if source_id.isdigit() else None
        if source is not None:
            for name in ("title_vi", "title_en", "body_vi", "body_en"):
                initial[name] = getattr(source, name)
        return initial

    def save_through_service(
        self, request: HttpRequest, obj: PolicyVersion, values: dict[str, Any], change: bool
    ) -> PolicyVersion:
        return services.policy_version_save(policy=obj, actor=request.user)


@admin.register(Consent)
class ConsentAdmin(ServiceModelAdmin):
    """Consents are recorded (add) and withdrawn (action) through the consent services; a
    consent's page is read-only, and a consent is never deleted (Decree 13/2023 Art. 11)."""

    list_display = (
        "customer",
        "purpose",
        "status",
        "channel",
        "granted_at",
        "withdrawn_at",
        "policy_version",
        "recorded_by",
    )
    list_filter = ("status", "channel", "purpose", "policy_version", "granted_at")
    list_select_related = ("customer", "purpose", "policy_version", "recorded_by")
    search_fields = ("customer__full_name", "customer__phone", "customer__email")
    search_help_text = _("The customer's name, phone, email or tax code.")
    raw_id_fields = ("customer",)
    ordering = ("-id",)
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    actions = ("withdraw_selected",)
    add_fieldsets = ((None, {"fields": ("customer", "purpose", "channel", "form_reference")}),)
    fieldsets = (
        (None, {"fields": ("customer", "purpose", "status", "policy_version")}),
        (
            _("Granted"),
            {
                "fields": (
                    "granted_at",
                    "channel",
                    "form_reference",
                    "recorded_by",
                    "ip_address",
                    "user_agent",
                )
            },
        ),
        (_("Withdrawn"), {"fields": ("withdrawn_at", "withdrawal_channel", "withdrawal_reason")}),
        (_("Record"), {"fields": ("updated_at",)}),
    )

    access_log_views = True

    def get_fieldsets(self, request: HttpRequest, obj: Consent | None = None) -> Any:
        return self.add_fieldsets if obj is None else super().get_fieldsets(request, obj)

    def get_readonly_fields(self, request: HttpRequest, obj: Consent | None = None) -> Any:
        if obj is None:
            return ()
        return flatten_fieldsets(self.get_fieldsets(request, obj))

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> type[BaseModelForm[Any]]:
        if obj is None:
            kwargs["form"] = ConsentGrantForm
        return super().get_form(request, obj, change, **kwargs)

    def has_change_permission(self, request: HttpRequest, obj: Consent | None = None) -> bool:
        if obj is not None:
            return False  # withdrawal is the one change, through the action
        return bool(super().has_change_permission(request, obj))

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Consent], search_term: str
    ) -> tuple[QuerySet[Consent], bool]:
        term = search_term.strip()
        if not term:
            return queryset, False
        exact = _identifier_match(term, prefix="customer__")
        if exact is not None:
            return queryset.filter(exact), False
        return queryset.filter(_name_match(term, prefix="customer__")), False

    def set_history_delta_changes(
        self, request: HttpRequest, historical_records: Any, foreign_keys_are_objs: bool = True
    ) -> None:
        super().set_history_delta_changes(request, historical_records, foreign_keys_are_objs)
        # Each history row is titled with str(consent), which names the customer and the
        # purpose: hand it the ones the history query joined instead of a query per row.
        for record in historical_records:
            consent = record.history_object
            if record.customer is not None and record.purpose is not None:
                consent.customer, consent.purpose = record.customer, record.purpose
            record.history_object = consent

    def save_through_service(
        self, request: HttpRequest, obj: Consent, values: dict[str, Any], change: bool
    ) -> Consent:
        if change:
            raise PermissionDenied
        return services.consent_grant(actor=request.user, **values)

    @admin.action(description=_("Withdraw selected consents"), permissions=["change"])
    def withdraw_selected(
        self, request: HttpRequest, queryset: QuerySet[Consent]
    ) -> HttpResponse | None:
        """Ask how the withdrawal came and why (like Django's delete confirmation), then
        withdraw each consent through services.consent_withdraw."""
        form = ConsentWithdrawForm(request.POST if request.POST.get("post") else None)
        if form.is_valid():
            self._withdraw(request, queryset, **form.cleaned_data)
            return None
        return self.action_confirmation(
            request,
            queryset.select_related("purpose"),
            form=form,
            title=_("Withdraw consents"),
            template="admin/customers/consent/withdraw_selected_confirmation.html",
            listed_as="consents",
        )

    def _withdraw(
        self, request: HttpRequest, queryset: QuerySet[Consent], *, channel: str, reason: str
    ) -> None:
        self.act_on_each(
            request,
            queryset.select_related("customer", "purpose"),
            lambda consent: services.consent_withdraw(
                consent=consent, channel=channel, reason=reason, actor=request.user
            ),
            too_many=_("Select at most %(limit)d consents at a time.") % {"limit": ACTION_LIMIT},
            describe=lambda consent: f"{consent.customer} — {consent.purpose}",
            done=lambda count: (
                ngettext("%(count)d consent withdrawn.", "%(count)d consents withdrawn.", count)
                % {"count": count}
            ),
            not_done=lambda count, reasons: (
                ngettext(
                    "%(count)d consent was not withdrawn: %(reasons)s",
                    "%(count)d consents were not withdrawn: %(reasons)s",
                    count,
                )
                % {"count": count, "reasons": reasons}
            ),
        )


# Access log --------------------------------------------------------------------------------


def _date_choices(
    request: HttpRequest, first: datetime.datetime, last: datetime.datetime
) -> dict[str, Any]:
    """Django's date drill-down (year › month › day) for the access log, built from the first and
    the last entry's dates: Django's own asks the database for every distinct year, month or day,
    which reads the whole table."""
    params = request.GET.copy()
    for name in ("at__year", "at__month", "at__day", "p"):
        params.pop(name, None)

    def link(**values: int) -> str:
        query = params.copy()
        for name, value in values.items():
            query[f"at__{name}"] = str(value)
        return f"?{query.urlencode()}"

    def number(name: str) -> int | None:
        value = request.GET.get(f"at__{name}", "")
        return int(value) if value.isdigit() else None

    year, month, day = number("year"), number("month"), number("day")
    if year is None or not first.year <= year <= last.year:
        return {
            "back": None,
            "choices": [
                {"link": link(year=y), "title": str(y)} for y in range(first.year, last.year + 1)
            ],
        }
    if month is None or not 1 <= month <= 12:
        months = [
            datetime.date(year, m, 1)
            for m in range(1, 13)
            if (first.year, first.month) <= (year, m) <= (last.year, last.month)
        ]
        return {
            "back": {"link": link(), "title": _("All dates")},
            "choices": [
                {
                    "link": link(year=year, month=m.month),
                    "title": capfirst(formats.date_format(m, "YEAR_MONTH_FORMAT")),
                }
                for m in months
            ],
        }
    start = datetime.date(year, month, 1)
    days = [
        date
        for date in (start + datetime.timedelta(days=n) for n in range(31))
        if date.month == month and first.date() <= date <= last.date()
    ]
    chosen = next((date for date in days if date.day == day), None)
    if chosen is None:
        return {
            "back": {"link": link(year=year), "title": str(year)},
            "choices": [
                {
                    "link": link(year=year, month=month, day=date.day),
                    "title": capfirst(formats.date_format(date, "MONTH_DAY_FORMAT")),
                }
                for date in days
            ],
        }
    return {
        "back": {
            "link": link(year=year, month=month),
            "title": capfirst(formats.date_format(start, "YEAR_MONTH_FORMAT")),
        },
        "choices": [
            {"link": None, "title": capfirst(formats.date_format(chosen, "MONTH_DAY_FORMAT"))}
        ],
    }


@admin.register(AccessLog)
class AccessLogAdmin(PersonalDataAdminMixin, admin.ModelAdmin):
    """Who read, exported, printed or disclosed which customer's personal data, and from where.
    Append-only: nobody adds, changes or deletes an entry here (services.access_log_record
    writes them); only staff with customers.view_accesslog see it."""

    list_display = ("at", "staff", "customer_link", "action", "detail", "ip_address")
    personal_columns = {"customer_link": "customer"}
    list_filter = ("staff", "action", "at")
    list_select_related = ("staff", "customer")
    date_hierarchy = "at"
    # get_search_results does the searching: a customer's id.
    search_fields = ("customer__id",)
    search_help_text = _("A customer's id: 123 or #123.")
    raw_id_fields = ("staff", "customer")
    fields = ("at", "staff", "customer", "action", "detail", "ip_address")
    readonly_fields = fields
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    actions = None

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[AccessLog], search_term: str
    ) -> tuple[QuerySet[AccessLog], bool]:
        term = search_term.strip().removeprefix("#")
        if not term:
            return queryset, False
        if not term.isdigit():
            return queryset.none(), False
        return queryset.filter(customer_id=int(term)), False

    @admin.display(description=_("customer"), ordering="customer")
    def customer_link(self, obj: AccessLog) -> str:
        url = reverse("admin:customers_customer_change", args=[obj.customer_id])
        return format_html('<a href="{}">#{} {}</a>', url, obj.customer_id, obj.customer)

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        bounds = AccessLog.objects.aggregate(first=Min("at"), last=Max("at"))
        dates = None
        if bounds["first"] is not None:
            first, last = timezone.localtime(bounds["first"]), timezone.localtime(bounds["last"])
            dates = _date_choices(request, first, last)
        return super().changelist_view(
            request, {**(extra_context or {}), "access_log_dates": dates}
        )


from customers import admin_disclosures  # noqa: E402,F401  (registers recipients and disclosures)
