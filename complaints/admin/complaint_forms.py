"""The small forms of the complaints admin: one per step of the workflow, and the staff's add
form. They only collect what the services ask for; the services decide."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelect
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints import selectors, services
from complaints.models import (
    STAFF_IDENTITY_METHODS,
    Complaint,
    ComplaintMessage,
    Department,
    RepresentativeRelation,
    ResponseChannel,
    grouped_kind_choices,
    normalize_tracking_code,
)
from customers.admin.steps import StepForm
from customers.kernel.text import local_date
from customers.models import Channel, Consent, Customer

TEXTAREA = forms.Textarea(attrs={"rows": 4, "cols": 60})
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M", "%Y-%m-%d %H:%M"]


class RouteForm(StepForm):
    department = forms.ModelChoiceField(
        label=_("Department"),
        queryset=Department.objects.filter(is_active=True),
        to_field_name="code",
        help_text=_("The list Legal & compliance keeps (Departments)."),
    )
    assignee = forms.ModelChoiceField(
        label=_("Assignee"),
        queryset=get_user_model().objects.none(),
        required=False,
        help_text=_("Only staff whose role may resolve complaints are listed."),
    )
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=grouped_kind_choices,
        help_text=_("Correct it if the customer chose the wrong one: the due date follows it."),
    )
    third_party_involved = forms.BooleanField(
        label=_("A processor or third party must also act"),
        required=False,
        help_text=_(
            "The law's longer period then applies (Decree 356/2025 Art. 5): 15 days instead of "
            "10 for access and correction, 20 instead of 15 for withdrawal, restriction and "
            "objection, 30 instead of 20 for deletion."
        ),
    )
    note = forms.CharField(
        label=_("Internal note"), widget=TEXTAREA, required=False, strip=True, max_length=10_000
    )

    def __init__(self, *args: Any, record: Complaint, **kwargs: Any) -> None:
        super().__init__(*args, record=record, **kwargs)
        assignee: Any = self.fields["assignee"]
        assignee.queryset = selectors.staff_who_can_resolve()
        self.initial.setdefault("department", record.department_id)
        self.initial.setdefault("assignee", record.assignee_id)
        self.initial.setdefault("kind", record.kind)
        self.initial.setdefault("third_party_involved", record.third_party_involved)


class AskCustomerForm(StepForm):
    message = forms.CharField(
        label=_("What we need from the customer"),
        widget=TEXTAREA,
        max_length=10_000,
        help_text=_("Shown on the status page, and emailed when the complaint has an email."),
    )


class ResumeForm(StepForm):
    note = forms.CharField(
        label=_("What the customer sent (internal note)"),
        widget=TEXTAREA,
        required=False,
        max_length=10_000,
    )


class ResolveForm(StepForm):
    resolution = forms.CharField(
        label=_("Result told to the customer"),
        widget=TEXTAREA,
        max_length=10_000,
        help_text=_("Shown on the status page."),
    )
    response_channel = forms.ChoiceField(
        label=_("Answered by"), choices=ResponseChannel.choices, widget=forms.RadioSelect
    )
    phone_call_at = forms.DateTimeField(
        label=_("Phone call at"),
        required=False,
        input_formats=DATETIME_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("For an answer by phone."),
    )
    phone_call_summary = forms.CharField(
        label=_("Summary of the call"), widget=TEXTAREA, required=False, max_length=10_000
    )

    def __init__(self, *args: Any, record: Complaint, **kwargs: Any) -> None:
        super().__init__(*args, record=record, **kwargs)
        self.initial.setdefault(
            "response_channel",
            ResponseChannel.EMAIL if record.submitter_email else ResponseChannel.PHONE,
        )
        self.initial.setdefault("phone_call_at", timezone.localtime().replace(second=0))


class CallForm(StepForm):
    """A call staff made to a customer: when (now, by default), and what they said."""

    called_at = forms.DateTimeField(
        label=_("Called at"),
        input_formats=DATETIME_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    summary = forms.CharField(
        label=_("What you told the customer"), widget=TEXTAREA, max_length=10_000
    )

    def __init__(self, *args: Any, record: Any, **kwargs: Any) -> None:
        super().__init__(*args, record=record, **kwargs)
        self.initial.setdefault("called_at", timezone.localtime().replace(second=0))


class AcknowledgeCallForm(CallForm):
    def __init__(self, *args: Any, record: Complaint, **kwargs: Any) -> None:
        super().__init__(*args, record=record, **kwargs)
        self.fields["summary"].help_text = _(
            "The procedure (what happens next), the deadline, and how to follow: the tracking "
            "code and the status page, or the hotline."
        )
        self.initial.setdefault(
            "summary",
            _("Told the tracking code %(code)s, the answer by %(due)s, and the status page.")
            % {"code": record.tracking_code, "due": local_date(record.due_at)},
        )


class RejectForm(StepForm):
    reason = forms.CharField(
        label=_("Reason told to the customer"), widget=TEXTAREA, max_length=10_000
    )


class DuplicateForm(StepForm):
    original = forms.CharField(
        label=_("Tracking code of the original complaint"),
        max_length=40,
        help_text=_("For example KN-7Q3X0-AB1CD."),
    )

    def clean_original(self) -> Complaint:
        code = normalize_tracking_code(self.cleaned_data["original"])
        original = Complaint.objects.filter(tracking_code=code).first() if code else None
        if original is None:
            raise forms.ValidationError(_("No complaint has this tracking code."), code="not_found")
        return original


class ExtendForm(StepForm):
    days = forms.IntegerField(label=_("Extend by (days)"), min_value=1, max_value=365)
    reason = forms.CharField(label=_("Reason"), widget=TEXTAREA, max_length=10_000)

    def __init__(self, *args: Any, record: Complaint, **kwargs: Any) -> None:
        super().__init__(*args, record=record, **kwargs)
        from complaints import deadlines

        maximum = deadlines.terms_for(record.kind).max_extension_days
        self.fields["days"].help_text = _("At most %(max)d days, once.") % {"max": maximum}


class MessageForm(StepForm):
    visibility = forms.ChoiceField(
        label=_("Who sees it"),
        choices=ComplaintMessage.Visibility.choices,
        widget=forms.RadioSelect,
        initial=ComplaintMessage.Visibility.INTERNAL,
        help_text=_(
            "An internal note is for staff only; a reply is shown on the status page and emailed "
            "to the customer."
        ),
    )
    body = forms.CharField(label=_("Text"), widget=TEXTAREA, max_length=10_000)


class LinkCustomerForm(StepForm):
    """Pick one of the customers whose phone or email matches, or give a customer's id."""

    match = forms.ModelChoiceField(
        label=_("Customers with the same phone or email"),
        queryset=Customer.objects.none(),
        required=False,
        widget=forms.RadioSelect,
    )
    # Picked by name or phone as typed (CustomerAdmin's search), or "#123" for an id.
    customer_id = forms.ModelChoiceField(
        label=_("Or another customer"),
        queryset=Customer.objects.all(),
        required=False,
        widget=AutocompleteSelect(Complaint._meta.get_field("customer"), admin.site),
        help_text=_("Type a name, a phone number or #id."),
        error_messages={"invalid_choice": _("No customer has this id.")},
    )

    def __init__(self, *args: Any, record: Complaint, **kwargs: Any) -> None:
        super().__init__(*args, record=record, **kwargs)
        self.matches = selectors.matching_customers(record)
        match: Any = self.fields["match"]
        match.queryset = Customer.objects.filter(pk__in=[c.pk for c in self.matches])
        match.label_from_instance = _customer_choice_label

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        chosen, typed = cleaned.get("match"), cleaned.get("customer_id")
        if chosen is not None and typed is not None and chosen.pk != typed.pk:
            raise forms.ValidationError(
                _("Choose one customer: a listed one or another, not both."), code="both"
            )
        if chosen is None and typed is not None:
            chosen = typed
        if chosen is None and not self.errors:
            raise forms.ValidationError(_("Choose the customer to link."), code="required")
        cleaned["customer"] = chosen
        return cleaned


def _customer_choice_label(customer: Customer) -> str:
    contact = " · ".join(part for part in (customer.phone_display, customer.email) if part)
    return f"#{customer.pk} {customer.full_name} — {contact}"


class RepresentativeForm(StepForm):
    name = forms.CharField(label=_("Representative's name"), max_length=255)
    relation = forms.ChoiceField(
        label=_("Representing as"), choices=[("", "---------"), *RepresentativeRelation.choices]
    )
    proof = forms.CharField(
        label=_("Proof of representation"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("E.g. the child's birth certificate no. 123/2015 seen at the counter."),
    )


class IdentityForm(StepForm):
    method = forms.ChoiceField(
        label=_("How you checked"), choices=[("", "---------"), *STAFF_IDENTITY_METHODS]
    )
    note = forms.CharField(
        label=_("What you checked"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "E.g. called back 0912 *** 984 on 02/12/2026 at 09:10; the customer confirmed."
        ),
    )


class WithdrawConsentsForm(StepForm):
    consents = forms.ModelMultipleChoiceField(
        label=_("Consents to withdraw"),
        queryset=Consent.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, record: Complaint, **kwargs: Any) -> None:
        super().__init__(*args, record=record, **kwargs)
        consents: Any = self.fields["consents"]
        consents.queryset = granted_consents(record)
        consents.label_from_instance = _consent_choice_label


def granted_consents(complaint: Complaint) -> QuerySet[Consent]:
    if complaint.customer_id is None:
        return Consent.objects.none()
    return (
        Consent.objects.filter(customer_id=complaint.customer_id, status=Consent.Status.GRANTED)
        .select_related("purpose")
        .order_by("purpose__code")
    )


def _consent_choice_label(consent: Consent) -> str:
    granted = local_date(consent.granted_at)
    return f"{consent.purpose} ({granted})" if granted else str(consent.purpose)


# Staff record a complaint received by phone, email, letter or in person ---------------------


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented recipe)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data]
        if not data:
            return []
        return [super().clean(data, initial)]


STAFF_CHANNELS = [choice for choice in Channel.choices if choice[0] != Channel.WEB_FORM]


class ComplaintAddForm(forms.Form):
    channel = forms.ChoiceField(label=_("Received by"), choices=STAFF_CHANNELS)
    name = forms.CharField(label=_("Name"), max_length=services.MAX_NAME)
    phone = forms.CharField(label=_("Phone"), max_length=32, required=False)
    email = forms.CharField(label=_("Email"), max_length=254, required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=grouped_kind_choices)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 8, "cols": 60})
    )
    language = forms.ChoiceField(
        label=_("Language of the customer"),
        choices=settings.LANGUAGES,
        initial=settings.LANGUAGE_CODE,
        help_text=_("Emails to the customer are written in it."),
    )
    evidence = MultipleFileField(
        label=_("Evidence files"),
        required=False,
        help_text=_("Optional: PDF, JPEG or PNG."),
    )
    received_at = forms.DateTimeField(
        label=_("Received at"),
        required=False,
        input_formats=DATETIME_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Empty: now. The deadlines count from this moment."),
    )

    def clean_received_at(self) -> datetime.datetime | None:
        value: datetime.datetime | None = self.cleaned_data.get("received_at")
        if value is not None and value > timezone.now() + datetime.timedelta(minutes=5):
            raise forms.ValidationError(
                _("The complaint cannot be received in the future."), code="future"
            )
        return value
