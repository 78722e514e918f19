"""The admin's shared machinery for every app: ModelAdmins that save through the services and
turn their refusals into messages on the form, and the masking and access logging of personal
data (customers.masking, customers.personal_data)."""

from __future__ import annotations

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
from django.db.models import Q, QuerySet
from django.forms import BaseModelForm
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop, pgettext
from simple_history.admin import SimpleHistoryAdmin
from simple_history.template_utils import HistoricalRecordContextHelper

from customers import masking, services
from customers.admin.forms import NationalPhoneField
from customers.fields import PhoneNumberField
from customers.http import client_ip
from customers.kernel.forms import add_service_errors
from customers.kernel.text import fold_vietnamese, local_date, local_datetime, staff_text
from customers.kernel.writes import copy_saved
from customers.models import AccessLog, Customer
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
# Set while simple_history shows a past version of a record the staff member may only view.
_VIEW_ONLY_VERSION_ATTR = "_customers_admin_view_only_version"


def _form_with_refusal(
    form_class: type[BaseModelForm[Any]], error: ValidationError
) -> type[BaseModelForm[Any]]:
    class RefusedForm(form_class):  # type: ignore[valid-type,misc]  # a class made by modelform_factory
        def clean(self) -> dict[str, Any]:
            cleaned_data: dict[str, Any] = super().clean()
            add_service_errors(self, error)
            return cleaned_data

    RefusedForm.__name__ = form_class.__name__
    return RefusedForm


def form_values(
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
        return masking.mask_value(model, field_name, value, record=obj)

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


class StaffHistoryHelper(HistoricalRecordContextHelper):
    """A history row's changes as the admin shows the values, not as Python prints them: a
    choice's label, yes/no, Vietnam time, "—" for nothing (simple_history shows "received",
    "True", "2026-12-01 10:00:00+00:00", "None")."""

    def prepare_delta_change_value(self, change: Any, value: Any) -> Any:
        value = super().prepare_delta_change_value(change, value)
        field = self.model._meta.get_field(change.field)
        if value is None or value == "" or getattr(value, "pk", False) is None:
            return "—"  # a DeletedObject with pk None is an empty foreign key
        if isinstance(field, models.JSONField):
            return _("(changed: see the record)") if value else "—"
        if isinstance(value, bool):
            return pgettext("boolean", "Yes") if value else pgettext("boolean", "No")
        if getattr(field, "flatchoices", None):
            return dict(field.flatchoices).get(value, value)
        if isinstance(value, datetime.datetime):
            return local_datetime(value)
        if isinstance(value, datetime.date):
            return local_date(value)
        return value


class PersonalDataAdminMixin:
    """Masks personal data for staff without customers.view_full_personal_data, and logs the
    pages that show a customer's personal data in full (seed 004 §8; Law 91/2025/QH15 Art. 3(4)).

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
        if obj is not None:
            context.update(self.record_page_context(request, obj))
        if self.masks_personal_data(request, obj):
            shown = masking.masked_str(obj)
            context.update(subtitle=shown, masked_original=shown, personal_data_masked=True)
        elif change and obj is not None and request.method == "GET" and self.access_log_views:
            self.access_log_view(
                request,
                obj,
                detail=staff_text(
                    gettext_noop("%(record)s #%(id)s"),
                    record=self.model._meta.verbose_name,
                    id=obj.pk,
                ),
            )
        return super().render_change_form(request, context, add, change, form_url, obj)  # type: ignore[misc]  # a ModelAdmin method

    def record_page_context(self, request: HttpRequest, obj: Any) -> dict[str, Any]:
        """What a record's change page shows beyond its form: its steps, links, clock."""
        return {}

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

    def get_historical_record_context_helper(
        self, request: HttpRequest, historical_record: Any
    ) -> HistoricalRecordContextHelper:
        return StaffHistoryHelper(self.model, historical_record)

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
        detail = staff_text(
            gettext_noop("history of %(record)s #%(id)s")
            if not version_id
            else gettext_noop("history of %(record)s #%(id)s, version %(version)s"),
            record=self.model._meta.verbose_name,
            id=record.pk,
            version=version_id,
        )
        self.access_log_view(request, record, detail=detail)


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
            # SEARCH_VAR: a list's search; "term": an autocomplete's (Django's own name).
            and (request.GET.get(SEARCH_VAR, "") or request.GET.get("term", "")).strip()
        ):
            # A name search (here or through the customer, customers.admin.base.name_match) counts
            # its matches through the trigram index, rechecking each row: stop early (the target:
            # name search p95 under 300 ms at 1M customers, bench/admin.py).
            paginator.count_cap = SEARCH_COUNT_CAP
        return paginator

    def save_through_service(
        self, request: HttpRequest, obj: Any, values: dict[str, Any], change: bool
    ) -> models.Model:
        raise NotImplementedError

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        try:
            saved = self.save_through_service(request, obj, form_values(form, obj), change)
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
        # simple_history's page of a past version asks for the form of a stored record
        # without saying it is a change: a record staff may only view then fails on its
        # non-editable fields (a 500) instead of showing them read-only, as its change page does.
        change = change or obj is not None
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
        (simple_history only checks the view permission) and reports a refusal as a message.
        Without it the version is shown read-only, as the change page shows the record."""
        obj = self.get_object(request, unquote(object_id))
        may_change = obj is not None and self.has_change_permission(request, obj)
        if request.method == "POST" and not may_change:
            raise PermissionDenied
        if not may_change:
            setattr(request, _VIEW_ONLY_VERSION_ATTR, True)
        try:
            return super().history_form_view(request, object_id, version_id, extra_context)
        except ServiceRefused as refused:
            self.message_user(request, " ".join(refused.error.messages), messages.ERROR)
            return HttpResponseRedirect(request.path)
        finally:
            if hasattr(request, _VIEW_ONLY_VERSION_ATTR):
                delattr(request, _VIEW_ONLY_VERSION_ATTR)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if not getattr(request, _VIEW_ONLY_VERSION_ATTR, False):
            return super().get_readonly_fields(request, obj)
        delattr(request, _VIEW_ONLY_VERSION_ATTR)  # get_fieldsets may ask again
        try:
            return flatten_fieldsets(self.get_fieldsets(request, obj))
        finally:
            setattr(request, _VIEW_ONLY_VERSION_ATTR, True)

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


class ReadOnlyAdminMixin:
    """Records the services or the jobs write (a log, a run, a receipt): shown, never added,
    changed or deleted in the admin."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
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


def identifier_match(term: str, prefix: str = "") -> Q | None:
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


def name_match(term: str, prefix: str = "") -> Q:
    """Every word of the term in the name, with or without accents ("nguyen van an")."""
    words = fold_vietnamese(term).split()
    return reduce(
        operator.and_, (Q(**{f"{prefix}name_folded__contains": word}) for word in words), Q()
    )


class DateRangeFilter(admin.FieldListFilter):
    """From one day to another (both included, Vietnam time), typed in two date boxes, for
    lists that grow by the day (the access log, the hand-overs): an indexed range on the moment,
    never a cast of every row to its date."""

    template = "admin/date_range_filter.html"

    def __init__(
        self,
        field: Any,
        request: HttpRequest,
        params: dict[str, Any],
        model: Any,
        model_admin: Any,
        field_path: str,
    ) -> None:
        self.parameter_from = f"{field_path}__from"
        self.parameter_to = f"{field_path}__to"
        self.request = request
        super().__init__(field, request, params, model, model_admin, field_path)
        for name in (self.parameter_from, self.parameter_to):
            value = self.used_parameters.get(name)
            if isinstance(value, list):  # Django 5 keeps every value a parameter was given
                self.used_parameters[name] = value[-1] if value else ""

    def expected_parameters(self) -> list[str | None]:
        return [self.parameter_from, self.parameter_to]

    def has_output(self) -> bool:
        return True

    def _day(self, name: str) -> datetime.date | None:
        text = str(self.used_parameters.get(name) or "").strip()
        if not text:
            return None
        try:
            return datetime.date.fromisoformat(text)
        except ValueError:
            messages.error(
                self.request,
                _("%(value)s is not a date (dd/mm/yyyy): the list is not filtered by it.")
                % {"value": text},
            )
            return None

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        start, end = self._day(self.parameter_from), self._day(self.parameter_to)
        if start and end and end < start:
            messages.error(request, _("The range ends before it starts: the list is not filtered."))
            return queryset
        zone = timezone.get_current_timezone()
        if start:
            moment = datetime.datetime.combine(start, datetime.time.min, tzinfo=zone)
            queryset = queryset.filter(**{f"{self.field_path}__gte": moment})
        if end:
            moment = datetime.datetime.combine(
                end + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone
            )
            queryset = queryset.filter(**{f"{self.field_path}__lt": moment})
        return queryset

    def choices(self, changelist: Any) -> Any:
        kept = [
            (name, value)
            for name, value in changelist.get_filters_params().items()
            if name not in (self.parameter_from, self.parameter_to)
            for value in (value if isinstance(value, list) else [value])
        ]
        yield {
            "parameter_from": self.parameter_from,
            "parameter_to": self.parameter_to,
            "value_from": self.used_parameters.get(self.parameter_from, ""),
            "value_to": self.used_parameters.get(self.parameter_to, ""),
            "kept": kept,
            "query": changelist.query,
            "clear": changelist.get_query_string(remove=[self.parameter_from, self.parameter_to]),
        }
