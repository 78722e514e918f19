"""Forms and form fields of the customers admin."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from customers.kernel.text import local_datetime
from customers.models import AdChannel, Channel, Consent, Purpose
from customers.personal_data import LegalItem
from customers.validators import format_phone_national, phone_search_key

# Consents given on the web form are recorded by the form itself, with its evidence.
STAFF_CHANNELS = [choice for choice in Channel.choices if choice[0] != Channel.WEB_FORM]


class NationalPhoneField(forms.CharField):
    """Shows a stored number the way it is written in Vietnam ("0912 853 984"); the model
    field normalises what is typed back to E.164."""

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, str) and re.fullmatch(r"\+\d{6,15}", value):
            return format_phone_national(value)
        return value

    def has_changed(self, initial: Any, data: Any) -> bool:
        typed = str(data or "").strip()
        return (phone_search_key(typed) or typed) != (initial or "")


# What staff give as the evidence of a consent or of its withdrawal, channel by channel
# (customers.consent_evidence.consent_evidence_errors holds the rule).
REFERENCE_HELP = _(
    "Phone: the call recording's id (required). SMS: the message's id at the SMS gateway "
    "(required). In person or by letter: the paper form's number, if it has one."
)
EVIDENCE_FILE_HELP = _(
    "Email: the message file (.eml) or a PDF print of it (required). In person or by letter: "
    "the signed form's scan, PDF, JPEG or PNG (required). At most 10 MB."
)
EVIDENCE_ACCEPT = ".pdf,.jpg,.jpeg,.png,.eml"


class ConsentGrantForm(forms.ModelForm):
    """Staff record a consent given by phone, email, in person or by letter; the admin hands
    the values to services.consent_grant, which keeps the evidence with the consent."""

    class Meta:
        model = Consent
        fields = (
            "customer",
            "purpose",
            "channel",
            "form_reference",
            "evidence_file",
            "sensitive_notice_given",
        )
        help_texts = {
            "form_reference": REFERENCE_HELP,
            "evidence_file": EVIDENCE_FILE_HELP,
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["purpose"].queryset = Purpose.objects.filter(is_active=True)  # type: ignore[attr-defined]  # a ModelChoiceField
        self.fields["channel"].choices = [("", "---------"), *STAFF_CHANNELS]  # type: ignore[attr-defined]  # a ChoiceField
        self.fields["evidence_file"].widget.attrs["accept"] = EVIDENCE_ACCEPT

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned_data = self.cleaned_data
        customer, purpose = cleaned_data.get("customer"), cleaned_data.get("purpose")
        if customer is None or purpose is None:
            return cleaned_data
        existing = Consent.objects.filter(customer=customer, purpose=purpose).first()
        if existing is not None and existing.is_granted:
            raise ValidationError(
                _("%(customer)s already consented to “%(purpose)s” on %(date)s."),
                code="already_granted",
                params={
                    "customer": customer,
                    "purpose": purpose,
                    "date": local_datetime(existing.granted_at),
                },
            )
        if existing is not None:
            # A withdrawn consent is granted again on the same record (consent_grant), so the
            # form validates against that record instead of reporting a duplicate.
            self.instance = existing
        return cleaned_data


class ConsentWithdrawForm(forms.Form):
    """The confirmation step of the "withdraw selected consents" action."""

    channel = forms.ChoiceField(
        label=_("Withdrawal came through"), choices=[("", "---------"), *Channel.choices]
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=_("What the customer said, or the reference of their request."),
    )
    withdrawal_reference = forms.CharField(
        label=_("Withdrawal reference"), max_length=120, required=False, help_text=REFERENCE_HELP
    )
    withdrawal_evidence_file = forms.FileField(
        label=_("Withdrawal evidence file"),
        required=False,
        help_text=format_lazy(
            "{} {}",
            EVIDENCE_FILE_HELP,
            _("A file is one customer's: with a file, withdraw the consents of one customer."),
        ),
        widget=forms.ClearableFileInput(attrs={"accept": EVIDENCE_ACCEPT}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A withdrawal on the web form is recorded by the form itself, with its evidence.
        self.fields["channel"].choices = [("", "---------"), *STAFF_CHANNELS]  # type: ignore[attr-defined]  # a ChoiceField


class PurposeForm(forms.ModelForm):
    """A purpose with the data items it processes and, for advertising, its channels, content
    and frequency: what the consent receipt tells the person (Law 91/2025/QH15 Art. 9(2), 28(3))."""

    data_items = forms.MultipleChoiceField(
        label=_("Data items processed"),
        choices=LegalItem.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_(
            "Decree 356/2025 Art. 3 (basic data, 3.x) and Art. 4 (sensitive data, 4.1.x). A "
            "purpose that processes sensitive data tells the person so when asking consent."
        ),
    )
    ad_channels = forms.MultipleChoiceField(
        label=_("Advertising channels"),
        choices=AdChannel.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = Purpose
        fields = (
            "code",
            "legal_basis",
            "is_advertising",
            "is_active",
            "name_vi",
            "description_vi",
            "retention_vi",
            "name_en",
            "description_en",
            "retention_en",
            "data_items",
            "ad_channels",
            "ad_content_vi",
            "ad_content_en",
            "ad_frequency_vi",
            "ad_frequency_en",
            "ad_opt_out_vi",
            "ad_opt_out_en",
        )
