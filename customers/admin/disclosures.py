"""The back office for third parties: recipients, disclosures, the shipping hand-over and the
"who received my data" report (seeds §4).

Imported at the end of customers.admin (it builds on that module's ServiceModelAdmin). Every
write goes through customers.disclosures; a refusal comes back on the form or as a message.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import flatten_fieldsets, unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.forms import BaseModelForm
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop, ngettext

from customers import disclosures, masking
from customers.admin.base import (
    ACTION_LIMIT,
    CONFIRMATION_LIST_LIMIT,
    DateRangeFilter,
    ServiceModelAdmin,
)
from customers.http import client_ip
from customers.kernel import files
from customers.kernel.text import staff_text
from customers.models import AccessLog, Customer, Disclosure, Order, Recipient
from customers.paginator import EstimatedCountPaginator
from customers.personal_data import DataItem
from customers.services import access_log_record

# Forms -------------------------------------------------------------------------------------


def _items_field(label: Any, help_text: Any = "") -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=label,
        choices=DataItem.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=help_text,
    )


class RecipientForm(forms.ModelForm):
    allowed_items = _items_field(
        _("Data it may receive"),
        _("As the contract says. A shipper needs the name, phone number and delivery address."),
    )

    class Meta:
        model = Recipient
        fields = (
            "name",
            "kind",
            "purpose",
            "contract_reference",
            "contract_date",
            "allowed_items",
            "address",
            "country",
            "contact_email",
            "notes",
            "is_active",
        )


class DisclosureAddForm(forms.ModelForm):
    """Record a disclosure: the admin hands the values to disclosures.disclosure_create."""

    items = _items_field(_("Data handed over"), _("Only what the recipient may receive."))

    class Meta:
        model = Disclosure
        fields = (
            "customer",
            "recipient",
            "items",
            "request_issuer",
            "request_number",
            "request_date",
            "request_scan",
            "customer_instruction",
            "notes",
        )
        help_texts = {
            "request_scan": _("PDF, JPEG or PNG, at most 10 MB."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        recipient = self.fields["recipient"]
        recipient.queryset = Recipient.objects.filter(is_active=True).order_by("name")  # type: ignore[attr-defined]  # a ModelChoiceField
        self.fields["request_scan"].widget.attrs["accept"] = ".pdf,.jpg,.jpeg,.png"


class ShipperChoiceForm(forms.Form):
    """The question of the "hand over to a shipper" action."""

    recipient = forms.ModelChoiceField(
        label=_("Shipper"),
        queryset=Recipient.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        shippers = Recipient.objects.filter(
            kind=Recipient.Kind.SHIPPER, is_active=True
        ).select_related("purpose")
        self.fields["recipient"].queryset = shippers  # type: ignore[attr-defined]  # a ModelChoiceField
        self.fields["recipient"].label_from_instance = _shipper_label  # type: ignore[attr-defined]  # a ModelChoiceField


def _shipper_label(recipient: Recipient) -> str:
    return f"{recipient.name} — {', '.join(recipient.allowed_item_labels)}"


# Recipients --------------------------------------------------------------------------------


@admin.register(Recipient)
class RecipientAdmin(ServiceModelAdmin):
    """Third parties and the data each may receive (Decree 52/2013 Art. 68(2)). Retired with
    "active" off, never deleted: disclosures refer to them."""

    form = RecipientForm
    list_display = (
        "name",
        "kind",
        "purpose",
        "allowed_items_display",
        "contract_reference",
        "contract_date",
        "is_active",
    )
    list_filter = ("kind", "is_active", "purpose")
    list_select_related = ("purpose",)
    search_fields = ("name", "contract_reference")
    fieldsets = (
        (None, {"fields": ("name", "kind", "purpose", "is_active")}),
        (_("What it may receive"), {"fields": ("allowed_items",)}),
        (_("Contract"), {"fields": ("contract_reference", "contract_date")}),
        (_("Contact"), {"fields": ("address", "country", "contact_email", "notes")}),
    )

    @admin.display(description=_("data it may receive"))
    def allowed_items_display(self, obj: Recipient) -> str:
        return ", ".join(obj.allowed_item_labels)

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or self.has_change_permission(request, obj):
            return fieldsets
        # Read only: the items by their names, not the stored list of keys.
        return [
            (
                title,
                {
                    **options,
                    "fields": [
                        "allowed_items_display" if name == "allowed_items" else name
                        for name in options["fields"]
                    ],
                },
            )
            for title, options in fieldsets
        ]

    def save_through_service(
        self, request: HttpRequest, obj: Recipient, values: dict[str, Any], change: bool
    ) -> Recipient:
        return disclosures.recipient_save(recipient=obj, actor=request.user)


# Disclosures -------------------------------------------------------------------------------


class RecipientKindFilter(admin.SimpleListFilter):
    title = _("recipient kind")
    parameter_name = "recipient_kind"

    def lookups(self, request: HttpRequest, model_admin: Any) -> Any:
        return Recipient.Kind.choices

    def queryset(self, request: HttpRequest, queryset: QuerySet[Disclosure]) -> Any:
        if self.value():
            return queryset.filter(recipient__kind=self.value())
        return queryset


@admin.register(Disclosure)
class DisclosureAdmin(ServiceModelAdmin):
    """Each hand-over of a customer's data. Recorded (add) through disclosure_create; a record
    is evidence (Law 91/2025/QH15 Art. 4(1)(a), the right to know who received the data): it is
    never changed or deleted."""

    list_display = (
        "disclosed_at",
        "customer_link",
        "recipient",
        "items_display",
        "legal_basis",
        "approved_by",
        "batch_reference",
        "confidential",
    )
    list_filter = (
        "recipient",
        RecipientKindFilter,
        "legal_basis",
        "confidential",
        ("disclosed_at", DateRangeFilter),
    )
    list_select_related = ("customer", "recipient", "approved_by")
    # Masked like the customer's own page for staff without the full view (customers.masking).
    personal_columns = {"customer_link": "customer"}
    access_log_views = True
    # get_search_results does the searching; these only name what it looks at.
    search_fields = ("customer__id", "batch_reference", "request_number")
    search_help_text = _("Customer #id, hand-over reference (SHIP-…) or document number.")
    autocomplete_fields = ("customer",)  # by name or phone (CustomerAdmin's search)
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    add_fieldsets = (
        (None, {"fields": ("customer", "recipient", "items")}),
        (
            _("Written request of a state authority"),
            {
                "fields": ("request_issuer", "request_number", "request_date", "request_scan"),
                "description": _(
                    "Police investigation agency, procuracy or court: their written request is "
                    "required, with a scan. Only Legal & compliance records these."
                ),
            },
        ),
        (
            _("At the customer's own request"),
            {
                "fields": ("customer_instruction",),
                "description": _(
                    "The customer asked for this hand-over (to their accountant, an insurer, a "
                    "partner they chose): their instruction stands for their consent."
                ),
            },
        ),
        (None, {"fields": ("notes",)}),
    )
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "customer",
                    "recipient",
                    "items_display",
                    "purpose",
                    "legal_basis",
                    "disclosed_at",
                    "approved_by",
                    "batch_reference",
                )
            },
        ),
        (
            _("Written request of a state authority"),
            {
                "fields": (
                    "request_issuer",
                    "request_number",
                    "request_date",
                    "request_scan",
                    "confidential",
                    "confidential_set_by",
                    "confidential_set_at",
                )
            },
        ),
        (_("At the customer's own request"), {"fields": ("customer_instruction",)}),
        (None, {"fields": ("notes",)}),
    )

    actions = ("mark_confidential", "lift_confidential")

    def has_mark_confidential_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.has_perm(disclosures.MARK_CONFIDENTIAL))

    def _set_confidential(
        self, request: HttpRequest, queryset: QuerySet[Disclosure], *, confidential: bool
    ) -> None:
        self.act_on_each(
            request,
            queryset.select_related("recipient"),
            lambda disclosure: disclosures.disclosure_mark_confidential(
                disclosure=disclosure, actor=request.user, confidential=confidential
            ),
            too_many=_("Select at most %(limit)d disclosures at a time.") % {"limit": ACTION_LIMIT},
            done=lambda count: (
                ngettext("%(count)d disclosure updated.", "%(count)d disclosures updated.", count)
                % {"count": count}
            ),
            describe=lambda disclosure: f"#{disclosure.pk} {disclosure.recipient}",
        )

    # Law 91/2025/QH15 Art. 15(2)(a): withheld from the customer's copy of their data.
    @admin.action(
        description=_("Mark confidential: withhold from the customer's copy"),
        permissions=["mark_confidential"],
    )
    def mark_confidential(self, request: HttpRequest, queryset: QuerySet[Disclosure]) -> None:
        self._set_confidential(request, queryset, confidential=True)

    @admin.action(description=_("Lift confidentiality"), permissions=["mark_confidential"])
    def lift_confidential(self, request: HttpRequest, queryset: QuerySet[Disclosure]) -> None:
        self._set_confidential(request, queryset, confidential=False)

    def get_fieldsets(self, request: HttpRequest, obj: Disclosure | None = None) -> Any:
        if obj is None:
            return self.add_fieldsets
        fieldsets = super().get_fieldsets(request, obj)  # masked for staff without the full view
        if self.masks_personal_data(request, obj):
            return fieldsets
        # Media files are not served publicly: the scan opens through scan_view.
        return [
            (title, {**options, "fields": [_scan_as_link(name) for name in options["fields"]]})
            for title, options in fieldsets
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Disclosure | None = None) -> Any:
        if obj is None:
            return ()
        return flatten_fieldsets(self.get_fieldsets(request, obj))

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> type[BaseModelForm[Any]]:
        if obj is None:
            kwargs["form"] = DisclosureAddForm
        return super().get_form(request, obj, change, **kwargs)

    def has_change_permission(self, request: HttpRequest, obj: Disclosure | None = None) -> bool:
        if obj is not None:
            return False  # evidence: shown, never changed
        return bool(super().has_change_permission(request, obj))

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Disclosure], search_term: str
    ) -> tuple[QuerySet[Disclosure], bool]:
        term = search_term.strip()
        if not term:
            return queryset, False
        match = Q(batch_reference=term.upper()) | Q(request_number=term)
        number = term.removeprefix("#")
        if number.isdigit():
            match |= Q(customer_id=int(number))
        return queryset.filter(match), False

    @admin.display(description=_("customer"), ordering="customer")
    def customer_link(self, obj: Disclosure) -> str:
        url = reverse("admin:customers_customer_change", args=[obj.customer_id])
        return format_html('<a href="{}">{} (#{})</a>', url, obj.customer, obj.customer_id)

    @admin.display(description=_("data handed over"))
    def items_display(self, obj: Disclosure) -> str:
        return ", ".join(obj.item_labels)

    @admin.display(description=_("scan of the request"))
    def scan_link(self, obj: Disclosure) -> str:
        if not obj.request_scan:
            return "—"
        url = reverse("admin:customers_disclosure_scan", args=[obj.pk])
        content_type = files.content_type_of(obj.request_scan.name or "")
        return format_html(
            '<a href="{}">{}</a>',
            url,
            files.download_name(f"yeu-cau-cung-cap-{obj.pk}", content_type),
        )

    def save_through_service(
        self, request: HttpRequest, obj: Disclosure, values: dict[str, Any], change: bool
    ) -> Disclosure:
        if change:
            raise PermissionDenied
        scan = values.pop("request_scan", None)
        try:
            return disclosures.disclosure_create(
                actor=request.user,
                request_scan=scan.file if scan else None,
                ip_address=client_ip(request),
                **values,
            )
        except PermissionDenied as denied:
            # Shown where the choice was made, like any other refusal.
            raise ValidationError({"recipient": str(denied)}, code="permission") from denied

    def get_urls(self) -> list[URLPattern]:
        scan = path(
            "<path:object_id>/scan/",
            self.admin_site.admin_view(self.scan_view),
            name="customers_disclosure_scan",
        )
        return [scan, *super().get_urls()]

    def scan_view(self, request: HttpRequest, object_id: str) -> FileResponse:
        """The authority's request, for staff who may see the disclosure (media files are not
        served publicly). Reading it is logged: it names the customer."""
        disclosure = self.get_object(request, unquote(object_id))
        if disclosure is None or not disclosure.request_scan:
            raise Http404(_("No such scan."))
        if not self.has_view_permission(request, disclosure):
            raise PermissionDenied
        if self.masks_personal_data(request, disclosure):
            raise PermissionDenied(_("The scan shows personal data your role sees masked."))
        # Sensitive data (Decree 356/2025 Art. 4(1)(g), 4(2)): only Legal & compliance, who
        # record the authorities' requests, open them.
        user: Any = request.user
        if not user.has_perm(disclosures.RECORD_AUTHORITY_DISCLOSURE):
            raise PermissionDenied(_("Only Legal & compliance open an authority's request."))
        access_log_record(
            staff=request.user,
            customer_ids=[disclosure.customer_id],
            action=AccessLog.Action.VIEW,
            detail=staff_text(
                gettext_noop("the authority's request scanned for disclosure #%(id)s"),
                id=disclosure.pk,
            ),
            ip_address=client_ip(request),
        )
        content_type = files.content_type_of(disclosure.request_scan.name or "")
        response = FileResponse(
            disclosure.request_scan.open("rb"),
            filename=files.download_name(f"yeu-cau-cung-cap-{disclosure.pk}", content_type),
            content_type=content_type,
        )
        response["X-Content-Type-Options"] = "nosniff"
        return response


def _scan_as_link(name: Any) -> Any:
    return "scan_link" if name == "request_scan" else name


# The shipping hand-over: an action of the order list ---------------------------------------


@admin.action(description=_("Hand over to a shipper (CSV)"), permissions=["disclose"])
def hand_over_to_shipper(
    modeladmin: admin.ModelAdmin[Order], request: HttpRequest, queryset: QuerySet[Order]
) -> HttpResponse | None:
    """Step 1 shows which orders go and which cannot, and asks which shipper; step 2 records
    the hand-over (one disclosure per customer) and answers with the CSV to download."""
    if not request.user.has_perm(disclosures.ADD_DISCLOSURE):
        modeladmin.message_user(
            request, _("You may not record disclosures of personal data."), messages.ERROR
        )
        return None
    orders = list(queryset.order_by()[: ACTION_LIMIT + 1])
    if len(orders) > ACTION_LIMIT:
        modeladmin.message_user(
            request,
            _("Select at most %(limit)d orders at a time.") % {"limit": ACTION_LIMIT},
            messages.ERROR,
        )
        return None
    form = ShipperChoiceForm(request.POST if request.POST.get("post") else None)
    if not form.fields["recipient"].queryset.exists():  # type: ignore[attr-defined]  # a ModelChoiceField
        modeladmin.message_user(
            request,
            _("There is no active shipper: add one under Recipients first."),
            messages.ERROR,
        )
        return None
    if form.is_valid():
        try:
            handover = disclosures.shipper_handover(
                actor=request.user,
                orders=orders,
                recipient=form.cleaned_data["recipient"],
                ip_address=client_ip(request),
            )
        except (ValidationError, PermissionDenied) as error:
            reasons = error.messages if isinstance(error, ValidationError) else [str(error)]
            form.add_error(None, reasons)
        else:
            _report_handover(modeladmin, request, handover)
            response = HttpResponse(handover.content, content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = f'attachment; filename="{handover.filename}"'
            return response
    preview = disclosures.shipper_handover_preview(orders=orders)
    full_view = masking.can_see_full(request.user)
    ready = [
        (order.reference, str(order.customer) if full_view else masking.masked_str(order.customer))
        for order in preview.ready[:CONFIRMATION_LIST_LIMIT]
        if order.customer is not None
    ]
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": _("Hand over to a shipper"),
        "opts": modeladmin.opts,
        "form": form,
        "ready": ready,
        "ready_count": len(preview.ready),
        "more_ready": len(preview.ready) > CONFIRMATION_LIST_LIMIT,
        "skipped": preview.skipped,
        "selected": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
        "select_across": request.POST.get("select_across", "0"),
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "action_name": request.POST.get("action", "hand_over_to_shipper"),
    }
    request.current_app = modeladmin.admin_site.name
    return TemplateResponse(
        request, "admin/customers/disclosure/hand_over_to_shipper.html", context
    )


def _report_handover(
    modeladmin: admin.ModelAdmin[Order], request: HttpRequest, handover: disclosures.Handover
) -> None:
    """Messages for the next page the person opens (the answer itself is the file)."""
    customers = len(handover.disclosures)
    modeladmin.message_user(
        request,
        ngettext(
            "%(reference)s: %(orders)d order of %(customers)d customer handed over; one "
            "disclosure per customer recorded.",
            "%(reference)s: %(orders)d orders of %(customers)d customers handed over; one "
            "disclosure per customer recorded.",
            len(handover.orders),
        )
        % {
            "reference": handover.batch_reference,
            "orders": len(handover.orders),
            "customers": customers,
        },
        messages.SUCCESS,
    )
    if handover.skipped:
        modeladmin.message_user(
            request,
            ngettext(
                "%(count)d order was not handed over: %(reasons)s",
                "%(count)d orders were not handed over: %(reasons)s",
                len(handover.skipped),
            )
            % {
                "count": len(handover.skipped),
                "reasons": disclosures.skipped_summary(handover.skipped),
            },
            messages.WARNING,
        )


# "Who received my data": a page of the customer --------------------------------------------


def disclosure_report_view(
    modeladmin: admin.ModelAdmin[Customer],
    request: HttpRequest,
    object_id: str,
    *,
    as_pdf: bool = False,
) -> HttpResponse:
    """Every disclosure of the customer's data, to print or send to them (Law 91/2025/QH15
    Art. 4(1)(a): the right to know of the processing of their data), or its PDF file (full
    view only). Issued in full, it is logged as a print; staff without the full view see the
    customer's name masked, like on the consent receipt. Requests Legal marked confidential
    are left out (Art. 15(2)(a)); the page tells staff how many."""
    from customers.admin.customers import customer_document_pdf, customer_document_refused
    from customers.documents import disclosure_report_pdf
    from customers.kernel import pdf

    if not modeladmin.has_view_permission(request):
        raise PermissionDenied
    customer = modeladmin.get_object(request, unquote(object_id))
    if customer is None:
        raise Http404(_("No such customer."))
    if not modeladmin.has_view_permission(request, customer):
        raise PermissionDenied
    if as_pdf:
        page = reverse("admin:customers_customer_disclosure_report", args=[customer.pk])
        if not masking.can_see_full(request.user):
            return customer_document_refused(modeladmin, request, page, pdf_missing=None)
        try:
            content = disclosure_report_pdf(disclosures.disclosure_report_get(customer=customer))
        except pdf.PdfUnavailable as missing:
            return customer_document_refused(modeladmin, request, page, pdf_missing=missing)
        disclosures.disclosure_report_issue(
            actor=request.user, customer=customer, ip_address=client_ip(request)
        )
        return customer_document_pdf(content, f"ai-da-nhan-du-lieu-{customer.pk}")
    if masking.can_see_full(request.user):
        report = disclosures.disclosure_report_issue(
            actor=request.user, customer=customer, ip_address=client_ip(request)
        )
        shown = str(customer)
    else:
        # Masked like the consent receipt: the customer's name is; who received what is not.
        report = dataclasses.replace(
            disclosures.disclosure_report_get(customer=customer),
            customer=masking.MaskedRecord(customer),  # type: ignore[arg-type]  # read like a Customer by the template
        )
        shown = masking.masked_str(customer)
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": _("Who received your data"),
        "subtitle": shown,
        "opts": modeladmin.opts,
        "original": customer,
        "original_shown": shown,
        "report": report,
        "withheld_count": disclosures.disclosures_withheld(customer=customer).count(),
    }
    request.current_app = modeladmin.admin_site.name
    return TemplateResponse(request, "admin/customers/customer/disclosure_report.html", context)
