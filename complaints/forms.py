"""The public forms: a complaint or request, and the status lookup.

The complaint form only collects what was typed: complaints.services.complaint_submit checks it
and the view puts each of its messages next to the field it is about. The fields are therefore
not required here (the service's messages are the ones shown, in one wording), and the page
turns the browser's own checks off so that every message comes from the same place.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from complaints import evidence
from complaints.models import grouped_kind_choices

EVIDENCE_ACCEPT = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"
HONEYPOT_FIELD = "website"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented pattern). Empty files are let through:
    complaints.evidence names them in its own message."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("allow_empty_file", True)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single_file_clean = super().clean
        items = data if isinstance(data, list | tuple) else [data]
        cleaned = [single_file_clean(item, initial) for item in items]
        return [item for item in cleaned if item]


class ComplaintForm(forms.Form):
    name = forms.CharField(
        label=_("Full name"),
        required=False,
        widget=forms.TextInput(
            attrs={"autocomplete": "name", "maxlength": 255, "aria-required": "true"}
        ),
    )
    phone = forms.CharField(
        label=_("Phone number"),
        required=False,
        help_text=_(
            "A Vietnamese number, e.g. 0912 345 678. Give a phone number, an email, or both."
        ),
        widget=forms.TextInput(
            attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel", "maxlength": 32}
        ),
    )
    email = forms.CharField(
        label=_("Email"),
        required=False,
        help_text=_("We email you an acknowledgement with your tracking code."),
        widget=forms.EmailInput(
            attrs={"autocomplete": "email", "inputmode": "email", "maxlength": 254}
        ),
    )
    kind = forms.ChoiceField(
        label=_("What is it about?"),
        required=False,
        widget=forms.Select(attrs={"aria-required": "true"}),
    )
    description = forms.CharField(
        label=_("Describe what happened or what you ask for"),
        required=False,
        help_text=_(
            "When, where (order number, website, phone call…), and what you would like us to do."
        ),
        widget=forms.Textarea(attrs={"rows": 7, "maxlength": 10_000, "aria-required": "true"}),
    )
    evidence = MultipleFileField(
        label=_("Evidence (optional)"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": EVIDENCE_ACCEPT}),
    )
    # A field people do not see and do not fill: something that fills it is a script.
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(
            attrs={
                "class": "hp-field",
                "tabindex": "-1",
                "autocomplete": "off",
                "aria-hidden": "true",
            }
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kind_field = self.fields["kind"]
        assert isinstance(kind_field, forms.ChoiceField)
        kind_field.choices = [("", _("— Choose —")), *grouped_kind_choices()]
        self.fields["evidence"].help_text = gettext(
            "Up to %(count)d files: PDF, JPEG or PNG, at most %(megabytes)d MB each."
        ) % {"count": evidence.MAX_FILES, "megabytes": evidence.MAX_BYTES // (1024 * 1024)}

    def honeypot_filled(self) -> bool:
        return bool((self.data.get(HONEYPOT_FIELD) or "").strip())


class StatusForm(forms.Form):
    tracking_code = forms.CharField(
        label=_("Tracking code"),
        max_length=40,
        help_text=_("As in the acknowledgement, e.g. KN-7Q3X0-AB1CD."),
        error_messages={"required": _("Enter the tracking code of your complaint.")},
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
            }
        ),
    )
    contact = forms.CharField(
        label=_("Phone number or email"),
        max_length=254,
        help_text=_("The one you gave when you sent the complaint."),
        error_messages={"required": _("Enter the phone number or email you gave us.")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


class IdentityCodeForm(forms.Form):
    """The one-time code the requester received on the phone or email on record."""

    code = forms.CharField(
        label=_("Code"),
        max_length=12,
        help_text=_("The 6 digits in the text message or email we sent."),
        error_messages={"required": _("Enter the 6-digit code we sent.")},
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false"}
        ),
    )
