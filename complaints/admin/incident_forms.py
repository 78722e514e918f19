"""The forms of the breach-incident admin: the incident itself, and one small form per step. They
only collect what complaints.incidents asks for; the services decide."""

from __future__ import annotations

import datetime
import re
from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelectMultiple
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from complaints import incidents
from complaints.admin.complaint_forms import DATETIME_FORMATS
from complaints.models import Incident, IncidentCustomer
from customers.admin.steps import StepForm
from customers.models import Customer, Recipient
from customers.personal_data import Category


def _datetime_field(label: Any, *, required: bool = True, help_text: Any = "") -> Any:
    return forms.DateTimeField(
        label=label,
        required=required,
        input_formats=DATETIME_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=help_text,
    )


class QuantitiesWidget(forms.MultiWidget):
    """A number per category of data, each with its label."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        widgets = [
            forms.NumberInput(attrs={"min": 0, "style": "width: 8em"}) for _category in Category
        ]
        super().__init__(widgets, attrs)

    def decompress(self, value: Any) -> list[Any]:
        value = value if isinstance(value, dict) else {}
        return [value.get(category.value) for category in Category]

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> Any:
        if not isinstance(value, list):
            value = self.decompress(value)
        rows = []
        for index, category in enumerate(Category):
            widget_attrs = {**(attrs or {}), "id": f"id_{name}_{index}"}
            field = self.widgets[index].render(
                f"{name}_{index}", value[index] if index < len(value) else None, widget_attrs
            )
            rows.append((widget_attrs["id"], category.label, field))
        return format_html(
            '<div class="data-quantities">{}</div>',
            format_html_join(
                "",
                '<p><label for="{}" style="display:inline-block;min-width:14em">{}</label> {}</p>',
                rows,
            ),
        )


class QuantitiesField(forms.MultiValueField):
    """Decree 356/2025 Art. 28(1)(a): the quantity of data concerned, per category."""

    widget = QuantitiesWidget

    def __init__(self, **kwargs: Any) -> None:
        fields = [forms.IntegerField(min_value=0, required=False) for _category in Category]
        super().__init__(fields, require_all_fields=False, required=False, **kwargs)

    def compress(self, data_list: list[Any]) -> dict[str, int]:
        return {
            category.value: count
            for category, count in zip(Category, data_list or [], strict=False)
            if count is not None
        }


class IncidentForm(forms.ModelForm):
    """The incident's own fields (the admin adds its split date/time widgets)."""

    categories = forms.MultipleChoiceField(
        label=_("Categories of data affected"),
        choices=Category.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    data_quantities = QuantitiesField(
        label=_("Quantity of data per category"),
        help_text=_(
            "How many records of each category ticked above the breach concerns (the notice "
            "states the types of data and their quantity). Empty: not yet known."
        ),
    )

    class Meta:
        model = Incident
        fields = list(incidents.EDITABLE_FIELDS)


_ID_SEPARATORS = re.compile(r"[\s,;]+")


class SelectCustomersForm(StepForm):
    kind = forms.ChoiceField(
        label=_("Affected customers are"),
        widget=forms.RadioSelect,
        choices=[
            (
                incidents.Selection.RECIPIENT,
                _("Those whose data was disclosed to a recipient (optionally within a window)"),
            ),
            (
                incidents.Selection.ACCESS_WINDOW,
                _("Those whose data staff opened within a window"),
            ),
            (incidents.Selection.IDS, _("The customers with these ids")),
            (
                incidents.Selection.CONTACTS,
                _("The customers with these phones or emails (pasted from the leaked file)"),
            ),
            (incidents.Selection.ALL, _("All customers")),
        ],
    )
    recipient = forms.ModelChoiceField(
        label=_("Recipient"), queryset=Recipient.objects.order_by("name"), required=False
    )
    start = _datetime_field(
        _("From"),
        required=False,
        help_text=_("The start of the window (of disclosure, or of staff access)."),
    )
    end = _datetime_field(_("To"), required=False, help_text=_("The end of the window."))
    ids = forms.CharField(
        label=_("Customer ids"),
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        required=False,
        help_text=_("Separated by commas, spaces or new lines."),
    )
    # The same choice, customers found by name or phone (CustomerAdmin's search).
    picked = forms.ModelMultipleChoiceField(
        label=_("Or pick them by name or phone"),
        queryset=Customer.objects.all(),
        required=False,
        widget=AutocompleteSelectMultiple(IncidentCustomer._meta.get_field("customer"), admin.site),
    )

    contacts = forms.CharField(
        label=_("Phones or emails of the leaked file"),
        widget=forms.Textarea(attrs={"rows": 8, "cols": 60}),
        required=False,
        max_length=2_000_000,
        help_text=_(
            "One record a line: a phone number (0912 853 984, +84 912 853 984) or an email, or "
            "both separated by a comma, a semicolon or a tab. Lines that match no customer are "
            "listed once the customers are chosen."
        ),
    )

    def clean_contacts(self) -> str:
        text: str = self.cleaned_data.get("contacts") or ""
        if self.data.get("kind") != incidents.Selection.CONTACTS:
            return text
        lines, unreadable = incidents.contact_lines(text)
        if unreadable:
            raise incidents.unreadable_lines_error(unreadable)
        if not lines:
            raise forms.ValidationError(_("Paste at least one phone or email."), code="empty")
        return text

    def clean_ids(self) -> list[int]:
        text = self.cleaned_data.get("ids") or ""
        parts = [part.lstrip("#") for part in _ID_SEPARATORS.split(text) if part]
        wrong = [part for part in parts if not part.isdigit()]
        if wrong:
            raise forms.ValidationError(
                _("Customer ids are whole numbers; not: %(wrong)s."),
                code="ids",
                params={"wrong": ", ".join(wrong[:10])},
            )
        return [int(part) for part in parts]

    def selection(self) -> dict[str, Any]:
        data = self.cleaned_data
        selection: dict[str, Any] = {"kind": data["kind"]}
        if data.get("recipient") is not None:
            selection["recipient"] = data["recipient"].pk
        if data.get("start"):
            selection["from"] = data["start"]
        if data.get("end"):
            selection["to"] = data["end"]
        if data["kind"] == incidents.Selection.IDS:
            picked = [customer.pk for customer in data.get("picked") or ()]
            selection["ids"] = list(dict.fromkeys([*(data.get("ids") or []), *picked]))
        return selection


class _NotRequiredByBrowser(forms.Textarea):
    """Shown as required, checked by the form: the browser must not insist."""

    def use_required_attribute(self, initial: Any) -> bool:
        return False


class _LateReasonField(forms.CharField):
    """Marked required when the notice is late now; the form requires it only when the notice
    was sent late (a notice sent in time may be recorded after the 72 hours)."""

    def validate(self, value: Any) -> None:
        if value not in self.empty_values:
            super().validate(value)


class AuthorityNoticeForm(StepForm):
    sent_at = _datetime_field(_("Sent at"))
    reference = forms.CharField(
        label=_("Reference of the notice (number, dispatch)"), max_length=255, required=False
    )
    late_reason = _LateReasonField(
        label=_("Reason the notice is late"),
        widget=_NotRequiredByBrowser(attrs={"rows": 4, "cols": 60}),
        required=False,
        max_length=10_000,
        help_text=_("Required when the notice was sent more than 72 hours after detection."),
    )

    def __init__(self, *args: Any, record: Incident, **kwargs: Any) -> None:
        super().__init__(*args, record=record, **kwargs)
        self.initial.setdefault("sent_at", timezone.localtime().replace(second=0, microsecond=0))
        self.late_now = incidents.clock(record).is_late
        self.fields["late_reason"].required = self.late_now

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        sent_at: datetime.datetime | None = cleaned.get("sent_at")
        late = sent_at is not None and incidents.clock(self.record, now=sent_at).is_late
        if late and not (cleaned.get("late_reason") or "").strip():
            self.add_error(
                "late_reason",
                forms.ValidationError(
                    _("The notice is later than 72 hours after detection: write the reason."),
                    code="late_reason_required",
                ),
            )
        return cleaned


class NotifyCustomersForm(StepForm):
    subject = forms.CharField(label=_("Subject"), max_length=255)
    text = forms.CharField(
        label=_("Text"),
        widget=forms.Textarea(attrs={"rows": 18, "cols": 80}),
        max_length=20_000,
        help_text=_(
            "{name} is replaced by each customer's name. Customers without an email address go "
            "on the phone list."
        ),
    )


class PhoneCallsForm(StepForm):
    called = forms.MultipleChoiceField(
        label=_("Called"), widget=forms.CheckboxSelectMultiple, required=True
    )

    def __init__(self, *args: Any, record: Incident, row_ids: list[int], **kwargs: Any) -> None:
        super().__init__(*args, record=record, **kwargs)
        called: Any = self.fields["called"]
        called.choices = [(str(pk), str(pk)) for pk in row_ids]
        called.error_messages["required"] = _("Tick the customers you called.")


class ConfirmationForm(StepForm):
    """The confirmation minutes (Law 91/2025/QH15 Art. 23(2))."""

    held_at = _datetime_field(_("Drawn up at"))
    place = forms.CharField(label=_("Place"), max_length=255)
    participants = forms.CharField(
        label=_("Who took part"),
        widget=forms.Textarea(attrs={"rows": 4, "cols": 80}),
        max_length=5_000,
        help_text=_("One per line: full name, position, organisation."),
    )
    breach_confirmed = forms.CharField(
        label=_("The breach confirmed"),
        widget=forms.Textarea(attrs={"rows": 5, "cols": 80}),
        max_length=20_000,
    )
    scope = forms.CharField(
        label=_("Its scope"),
        widget=forms.Textarea(attrs={"rows": 4, "cols": 80}),
        max_length=20_000,
        help_text=_("The data, the systems and the number of people concerned."),
    )
    measures = forms.CharField(
        label=_("The measures"),
        widget=forms.Textarea(attrs={"rows": 4, "cols": 80}),
        max_length=20_000,
    )

    def __init__(self, *args: Any, record: Incident, **kwargs: Any) -> None:
        super().__init__(*args, record=record, **kwargs)
        self.initial.setdefault("held_at", timezone.localtime().replace(second=0, microsecond=0))
        self.initial.setdefault("place", record.place)
        self.initial.setdefault("breach_confirmed", record.description)
        self.initial.setdefault(
            "measures",
            "\n".join(text for text in (record.measures_taken, record.measures_planned) if text),
        )


class IncidentFromComplaintForm(StepForm):
    """Opening a breach incident from a substantiated complaint (Law 91/2025/QH15 Art. 23(3))."""

    substantiated_at = _datetime_field(
        _("Substantiated at"),
        help_text=_(
            "When the complaint was found to be substantiated: the incident is detected then, "
            "and the 72 hours to notify the authority run from that moment."
        ),
    )
    title = forms.CharField(label=_("Title of the incident"), max_length=255)
    description = forms.CharField(
        label=_("What happened"),
        widget=forms.Textarea(attrs={"rows": 5, "cols": 80}),
        max_length=20_000,
        help_text=_("The event, not the customer: do not name the complainant."),
    )
    place = forms.CharField(
        label=_("Where"), max_length=255, required=False, help_text=_("The system, site or office.")
    )
    categories = forms.MultipleChoiceField(
        label=_("Categories of data affected"),
        choices=Category.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    complainant_affected = forms.BooleanField(
        label=_("The complainant's data is affected"),
        required=False,
        help_text=_("They become one of the incident's affected customers."),
    )

    def __init__(self, *args: Any, record: Any, **kwargs: Any) -> None:
        super().__init__(*args, record=record, **kwargs)
        self.initial.setdefault("complainant_affected", record.customer_id is not None)
