"""The back office for customers and what we hold about them: the controller profile,
customers, delivery addresses and orders.

Every save made here goes through customers.services (the one way in for writes); a refusal
by a service comes back on the form, like any other validation error. Nothing is deleted here:
erasure has its own service and its own checks.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.forms import ModelForm
from django.forms.models import BaseInlineFormSet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop, ngettext

from customers import documents, exports, masking, selectors, services
from customers.admin.base import (
    ACTION_LIMIT,
    PHONE_FORMFIELD,
    PersonalDataAdminMixin,
    ReadOnlyInline,
    ServiceModelAdmin,
    ServiceRefused,
    form_values,
    identifier_match,
    name_match,
)
from customers.customer_summary import customer_summary
from customers.http import client_ip
from customers.kernel import pdf
from customers.kernel.text import staff_text
from customers.kernel.writes import copy_saved
from customers.models import (
    AccessLog,
    Consent,
    Controller,
    Customer,
    DeliveryAddress,
    Order,
)
from customers.paginator import EstimatedCountPaginator
from customers.validators import phone_search_key

logger = logging.getLogger(__name__)

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
        (
            None,
            {"fields": ("legal_name", "short_name", "tax_code", "address", "transaction_offices")},
        ),
        (
            # Decree 356/2025, Mẫu số 08, section 1: the registration the notices name.
            _("Registration"),
            {
                "fields": (
                    "registration_kind",
                    "registration_number",
                    "registration_issuer",
                    "registration_date",
                    "registration_place",
                )
            },
        ),
        (
            # Law 91/2025 Art. 38(2)–(3), Decree 356/2025 Art. 41: which dossiers are owed.
            _("Size"),
            {"fields": ("enterprise_size", "sells_processing_services")},
        ),
        (_("Erasure"), {"fields": ("erasure_four_eyes",)}),
        (
            _("Contact"),
            {
                "fields": (
                    "phone",
                    "hotline",
                    "email",
                    "website",
                    "business_hours",
                    "business_hours_en",
                )
            },
        ),
        (
            _("Data-protection contact"),
            {"fields": ("dpo_name", "dpo_title", "dpo_email", "dpo_phone")},
        ),
        (
            _("Notices to the authority"),
            {"fields": ("signatory_name", "signatory_title", "document_place")},
        ),
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

    def record_page_context(self, request: HttpRequest, obj: Customer) -> dict[str, Any]:
        summary = customer_summary(user=request.user, customer=obj)
        if request.method == "GET" and self.has_change_permission(request, obj):
            # Staff about to edit a frozen customer are told why first (the services' rules).
            for reason in summary.freezes:
                self.message_user(request, reason, messages.WARNING)
        return {"customer_summary": summary}

    def autocomplete_text(self, request: HttpRequest, obj: Customer) -> str:
        """How a customer is offered where one is picked (autocomplete_fields): id, name and
        phone, masked for staff without the full view."""
        if not masking.can_see_full(request.user):
            return f"#{obj.pk} {masking.masked_str(obj)}"
        return " · ".join(part for part in (f"#{obj.pk} {obj}", obj.phone_display) if part)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Customer], search_term: str
    ) -> tuple[QuerySet[Customer], bool]:
        term = search_term.strip()
        if not term:
            return queryset, False
        exact = identifier_match(term)
        if exact is not None:
            return queryset.filter(exact), False
        return queryset.filter(name_match(term)), False

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
            (
                f"{reverse('admin:customers_restriction_changelist')}?customer__id__exact={obj.pk}",
                _("Restrictions of processing"),
            ),
            (
                f"{reverse('admin:customers_restriction_add')}?customer={obj.pk}",
                _("Restrict processing"),
            ),
        ]
        # Restrictions in force are in the summary at the top of the page (customer_summary).
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
            values = form_values(address_form, address, exclude=("customer",))
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
        """A spreadsheet of the selected customers (all those the filters show, a million
        included), made in the background: the export's page shows its progress, then the file
        to download, masked for staff without the full view; each download is logged."""
        try:
            page = exports.background_export_start(
                "customers_csv",
                actor=request.user,
                customers=queryset,
                ip_address=client_ip(request),
            )
        except (PermissionDenied, ValidationError) as refusal:
            reason = " ".join(refusal.messages) if isinstance(refusal, ValidationError) else refusal
            self.message_user(request, str(reason), messages.ERROR)
            return None
        return HttpResponseRedirect(page)

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
        receipt_pdf = path(
            "<path:object_id>/consent-receipt/pdf/",
            self.admin_site.admin_view(self.consent_receipt_pdf_view),
            name="customers_customer_consent_receipt_pdf",
        )
        disclosure_report_pdf = path(
            "<path:object_id>/who-received-my-data/pdf/",
            self.admin_site.admin_view(self.disclosure_report_pdf_view),
            name="customers_customer_disclosure_report_pdf",
        )
        return [
            receipt,
            receipt_pdf,
            disclosure_report,
            disclosure_report_pdf,
            *super().get_urls(),
        ]

    def disclosure_report_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """The "who received my data" page, built by customers.admin.disclosures (Law 91/2025/QH15
        Art. 9: the right to know who received the data)."""
        from customers.admin.disclosures import disclosure_report_view

        return disclosure_report_view(self, request, object_id)

    def disclosure_report_pdf_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        from customers.admin.disclosures import disclosure_report_view

        return disclosure_report_view(self, request, object_id, as_pdf=True)

    def consent_receipt_pdf_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return self.consent_receipt_view(request, object_id, as_pdf=True)

    def consent_receipt_view(
        self, request: HttpRequest, object_id: str, *, as_pdf: bool = False
    ) -> HttpResponse:
        """The printable consent receipt (Law 91/2025/QH15 Art. 9; Decree 356/2025 Art. 6: consent
        in a form that can be printed or copied), or its PDF file for the customer (full view
        only: the file is the customer's, never masked)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        customer = self.get_object(request, unquote(object_id))
        if customer is None:
            raise Http404(_("No such customer."))
        if not self.has_view_permission(request, customer):
            raise PermissionDenied
        receipt = selectors.consent_receipt_get(
            customer=customer,
            base_url=selectors.public_base_url() or request.build_absolute_uri("/").rstrip("/"),
        )
        if as_pdf:
            page = reverse("admin:customers_customer_consent_receipt", args=[customer.pk])
            if not masking.can_see_full(request.user):
                return customer_document_refused(self, request, page, pdf_missing=None)
            try:
                content = documents.consent_receipt_pdf(receipt)
            except pdf.PdfUnavailable as missing:
                return customer_document_refused(self, request, page, pdf_missing=missing)
            self.access_log_print(
                request, customer, detail=staff_text(gettext_noop("consent receipt (PDF)"))
            )
            return customer_document_pdf(content, f"phieu-dong-y-{customer.pk}")
        if masking.can_see_full(request.user):
            shown = str(customer)
            self.access_log_print(
                request, customer, detail=staff_text(gettext_noop("consent receipt"))
            )
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
        """The shipping hand-over: customers.admin.disclosures does it (seeds §4)."""
        from customers.admin.disclosures import hand_over_to_shipper

        return hand_over_to_shipper(self, request, queryset)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Order], search_term: str
    ) -> tuple[QuerySet[Order], bool]:
        term = search_term.strip()
        if not term:
            return queryset, False
        exact = identifier_match(term, prefix="customer__")
        if exact is not None:
            return queryset.filter(exact), False
        by_record = Q(reference=term) | Q(invoice_number=term)
        return queryset.filter(by_record | name_match(term, prefix="customer__")), False

    @admin.display(description=_("total (VND)"), ordering="total_vnd")
    def total(self, obj: Order) -> str:
        return _format_vnd(obj.total_vnd)

    def save_through_service(
        self, request: HttpRequest, obj: Order, values: dict[str, Any], change: bool
    ) -> Order:
        if change:
            return services.order_update(order=obj, actor=request.user, **values)
        return services.order_create(actor=request.user, **values)


def customer_document_pdf(content: bytes, filename: str) -> HttpResponse:
    """A document for the customer as a PDF file to download."""
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}.pdf"'
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def customer_document_refused(
    modeladmin: admin.ModelAdmin[Customer],
    request: HttpRequest,
    page: str,
    *,
    pdf_missing: Exception | None,
) -> HttpResponse:
    """Back to the printable page with a message, never an error page: the role sees the
    customer masked (the file is the customer's own, in full), or the server cannot make PDFs."""
    if pdf_missing is not None:
        logger.error("customer document PDF not made: %s", pdf_missing)
        message = _(
            "The PDF cannot be made on this server (its PDF libraries are missing: "
            "make pdf-libs). Print the page instead."
        )
    else:
        message = _(
            "Your role sees this customer masked: only staff with the full view issue the PDF."
        )
    modeladmin.message_user(request, message, messages.ERROR)
    return HttpResponseRedirect(page)
