"""Customers, what we hold about them, what they agreed to (SPEC.md, customers/).

Writes go through customers.services; models keep fields, properties and validation.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from customers import personal_data
from customers.agreement_model import RecipientAgreement  # noqa: F401  # imported to register it
from customers.countries import Country
from customers.fields import PhoneNumberField, TaxCodeField

# A model of this app, kept with the code that writes it.
from customers.kernel.outbox import OutboxTask  # noqa: F401  # imported to register it
from customers.kernel.text import local_date, local_datetime
from customers.personal_data import (
    Category,
    DataItem,
    Erasure,
    LegalItem,
    PersonalField,
    Sensitivity,
    legal_sensitivity,
)
from customers.recipient_request_model import RecipientRequest  # noqa: F401  # imported to register it
from customers.restriction_model import Restriction  # noqa: F401  # imported to register it
from customers.tally_model import MonthlyTally  # noqa: F401  # imported to register it
from customers.validators import format_phone_national, is_citizen_id


def _empty_list() -> list[str]:
    return []


class AdChannel(models.TextChoices):
    """How advertising reaches the person (Law 91/2025/QH15 Art. 28(3): "hình thức")."""

    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")
    PHONE_CALL = "phone_call", _("Phone call")
    APP = "app", _("App notification")
    SOCIAL = "social", _("Social network message (Zalo, Facebook)")


class Channel(models.TextChoices):
    """How something reached us (seed 003 collects by hand, others by web form)."""

    WEB_FORM = "web_form", _("Web form")
    PHONE = "phone", _("Phone")
    # Decree 356/2025 Art. 6(1)(c): consent by a text-message syntax.
    SMS = "sms", _("SMS")
    EMAIL = "email", _("Email")
    IN_PERSON = "in_person", _("In person")
    LETTER = "letter", _("Letter")


class EnterpriseSize(models.TextChoices):
    HOUSEHOLD = "household", _("Household business")
    MICRO = "micro", _("Micro enterprise")
    SMALL = "small", _("Small enterprise")
    STARTUP = "startup", _("Start-up")
    MEDIUM = "medium", _("Medium enterprise")
    LARGE = "large", _("Large enterprise")


@personal_data.declare(
    # The controller's contacts are the company's own; the DPO is a named employee.
    personal={
        "dpo_name": PersonalField(Category.IDENTITY, legal=LegalItem.NAME, erasure=Erasure.KEEP),
        # Who signs the notices to the authority for the company (Decree 356/2025, Mẫu số 08).
        "signatory_name": PersonalField(
            Category.IDENTITY, legal=LegalItem.NAME, erasure=Erasure.KEEP
        ),
    },
    non_personal=[
        "registration_kind",
        "registration_number",
        "registration_issuer",
        "registration_place",
        "transaction_offices",
        "dpo_title",
        "signatory_title",
        "document_place",
        "legal_name",
        "short_name",
        "tax_code",
        "address",
        "phone",
        "hotline",
        "email",
        "website",
        "business_hours",
        "business_hours_en",
        "dpo_email",
        "dpo_phone",
        "enterprise_size",
    ],
)
class Controller(models.Model):
    """The one data-controller profile shown on public pages, emails and exports
    (Decree 52/2013 Art. 69: "address of the collecting unit"; seeds §5), and the organisation
    part of the notices to the authority (Decree 356/2025, Mẫu số 08, section 1)."""

    class RegistrationKind(models.TextChoices):
        # Mẫu số 08, section 1: "Quyết định thành lập/Giấy chứng nhận đăng ký doanh nghiệp/
        # Giấy chứng nhận đăng ký kinh doanh/Giấy chứng nhận đầu tư".
        ENTERPRISE = "enterprise", _("Enterprise registration certificate")
        BUSINESS = "business", _("Business registration certificate")
        INVESTMENT = "investment", _("Investment certificate")
        ESTABLISHMENT = "establishment", _("Establishment decision")

    legal_name = models.CharField(_("legal name"), max_length=255)
    short_name = models.CharField(_("short name"), max_length=100, blank=True)
    tax_code = models.CharField(_("tax code"), max_length=14, blank=True)
    address = models.CharField(_("address"), max_length=500)
    transaction_offices = models.TextField(
        _("transaction office addresses"),
        blank=True,
        help_text=_("One address per line; empty when business is done at the head office."),
    )
    registration_kind = models.CharField(
        _("registration document"),
        max_length=20,
        choices=RegistrationKind.choices,
        default=RegistrationKind.ENTERPRISE,
    )
    registration_number = models.CharField(_("registration number"), max_length=50, blank=True)
    registration_issuer = models.CharField(
        _("issued by"),
        max_length=255,
        blank=True,
        help_text=_("E.g. Phòng Đăng ký kinh doanh, Sở Tài chính tỉnh Đồng Tháp."),
    )
    registration_date = models.DateField(_("issued on"), null=True, blank=True)
    registration_place = models.CharField(_("issued at"), max_length=255, blank=True)
    phone = PhoneNumberField(_("phone"), blank=True)
    hotline = PhoneNumberField(_("hotline"), blank=True)
    email = models.EmailField(_("email"), blank=True)
    website = models.URLField(_("website"), blank=True)
    business_hours = models.CharField(_("business hours"), max_length=255, blank=True)
    business_hours_en = models.CharField(
        _("business hours (English)"),
        max_length=255,
        blank=True,
        help_text=_("Shown on the English pages; the Vietnamese hours when left empty."),
    )
    dpo_name = models.CharField(_("data-protection contact"), max_length=255, blank=True)
    dpo_email = models.EmailField(_("data-protection email"), blank=True)
    dpo_phone = PhoneNumberField(_("data-protection phone"), blank=True)
    dpo_title = models.CharField(
        _("data-protection contact's position"), max_length=255, blank=True
    )
    signatory_name = models.CharField(
        _("signatory"),
        max_length=255,
        blank=True,
        help_text=_(
            "Who signs the notices to the authority for the company (its legal representative)."
        ),
    )
    signatory_title = models.CharField(_("signatory's position"), max_length=255, blank=True)
    document_place = models.CharField(
        _("place written on documents"),
        max_length=100,
        blank=True,
        help_text=_("The place before the date on the company's documents, e.g. Đồng Tháp."),
    )
    # Law 91/2025/QH15 Art. 38(2)–(3), Decree 356/2025/NĐ-CP Art. 41: the size decides whether
    # the impact assessment (Art. 21–22) and the DPO duty (Art. 33(2)) apply (dossiers.exemption).
    enterprise_size = models.CharField(
        _("size of the business"),
        max_length=20,
        choices=EnterpriseSize.choices,
        blank=True,
        help_text=_("As the law on support for small and medium enterprises classes it."),
    )
    sells_processing_services = models.BooleanField(
        _("sells personal-data processing services"),
        default=False,
        help_text=_("Processing personal data for others is its business."),
    )
    # Four eyes on erasure: whoever checked the requester's identity does not also approve.
    erasure_four_eyes = models.BooleanField(
        _("verifier and approver of an erasure must be different people"),
        default=False,
        help_text=_(
            "When ticked, the staff member who verified a requester's identity may not also "
            "approve the erasure."
        ),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("controller profile")
        verbose_name_plural = _("controller profile")

    def __str__(self) -> str:
        return self.legal_name

    @property
    def hotline_display(self) -> str:
        return format_phone_national(self.hotline)

    @property
    def business_hours_shown(self) -> str:
        """The hours in the page's language (English when given, else the Vietnamese)."""
        if _current_language() == "en" and self.business_hours_en:
            return self.business_hours_en
        return self.business_hours

    @property
    def phone_display(self) -> str:
        return format_phone_national(self.phone)

    @property
    def dpo_phone_display(self) -> str:
        return format_phone_national(self.dpo_phone)


@personal_data.declare(
    personal={
        # An organization's name is no person's: sales see it in full.
        "full_name": PersonalField(
            Category.IDENTITY,
            legal=LegalItem.NAME,
            erasure=Erasure.REDACT,
            item=DataItem.NAME,
            names_no_person=lambda customer: customer.kind == "organization",
        ),
        "name_folded": PersonalField(
            Category.IDENTITY, legal=LegalItem.NAME, erasure=Erasure.CLEAR
        ),
        "contact_person": PersonalField(
            Category.IDENTITY, legal=LegalItem.NAME, erasure=Erasure.CLEAR, item=DataItem.NAME
        ),
        "email": PersonalField(
            Category.CONTACT,
            legal=LegalItem.OTHER_BASIC,
            erasure=Erasure.CLEAR,
            item=DataItem.EMAIL,
        ),
        "phone": PersonalField(
            Category.CONTACT, legal=LegalItem.NUMBERS, erasure=Erasure.CLEAR, item=DataItem.PHONE
        ),
        "address": PersonalField(
            Category.ADDRESS,
            legal=LegalItem.PLACES,
            erasure=Erasure.CLEAR,
            item=DataItem.CONTACT_ADDRESS,
        ),
        "tax_code": PersonalField(
            Category.TAX_ID, legal=LegalItem.NUMBERS, erasure=Erasure.CLEAR, item=DataItem.TAX_ID
        ),
        "notes": PersonalField(
            Category.FREE_TEXT,
            legal=LegalItem.OTHER_BASIC,
            erasure=Erasure.CLEAR,
            item=DataItem.NOTES,
            internal=True,
        ),
        # The shop's account id: hashed on erasure, so that a shop system pushing the erased
        # customer again is told so instead of bringing them back.
        "external_id": PersonalField(
            Category.ONLINE_ID, legal=LegalItem.DIGITAL_ACCOUNT, erasure=Erasure.KEYED_HASH
        ),
    },
    non_personal=["kind", "source_channel", "status"],
)
class Customer(models.Model):
    class Kind(models.TextChoices):
        INDIVIDUAL = "individual", _("Individual")
        ORGANIZATION = "organization", _("Organization")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        ERASURE_PENDING = "erasure_pending", _("Erasure pending")
        ERASED = "erased", _("Erased")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.INDIVIDUAL)
    full_name = models.CharField(
        _("full name"), max_length=255, help_text=_("The person's or organization's name.")
    )
    # Lower case without diacritics, kept by the services, so that "nguyen van an" finds
    # "Nguyễn Văn An" through an index.
    name_folded = models.CharField(max_length=255, editable=False, db_index=True, default="")
    contact_person = models.CharField(
        _("contact person"),
        max_length=255,
        blank=True,
        help_text=_("For organizations: the person we deal with."),
    )
    email = models.EmailField(_("email"), blank=True, db_index=True)
    phone = PhoneNumberField(
        _("phone"),
        blank=True,
        db_index=True,
        help_text=_("Any usual form: 0912 853 984, +84 912 853 984, 028 3822 1234."),
    )
    address = models.TextField(_("contact address"), blank=True)
    tax_code = TaxCodeField(
        _("tax code / citizen ID"),
        blank=True,
        db_index=True,
        help_text=_("Tax code of 10 or 13 digits; individuals may give their 12-digit citizen ID."),
    )
    source_channel = models.CharField(
        _("source channel"), max_length=20, choices=Channel.choices, default=Channel.WEB_FORM
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.ACTIVE, db_index=True
    )
    notes = models.TextField(_("internal notes"), blank=True)
    external_id = models.CharField(
        _("shop's customer id"),
        max_length=64,
        blank=True,
        help_text=_("The id the shop's own systems give this customer (set through the API)."),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    last_activity_at = models.DateTimeField(
        _("last activity"),
        default=timezone.now,
        db_index=True,
        help_text=_("Last order, consent change or contact; inactivity rules count from here."),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["-id"]
        indexes = [models.Index(fields=["status", "-id"], name="customer_status_id_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["external_id"],
                condition=~models.Q(external_id=""),
                name="customer_external_id_unique",
            )
        ]
        permissions = [
            # Seed 004 §8: staff see only what their role needs; the others see it masked.
            ("view_full_personal_data", _("Can see customers' personal data unmasked")),
            ("export_personal_data", _("Can export customers' personal data")),
        ]

    def __str__(self) -> str:
        return self.full_name

    def clean(self) -> None:
        super().clean()
        errors: dict[str, ValidationError] = {}
        if self.kind == self.Kind.ORGANIZATION and self.tax_code and is_citizen_id(self.tax_code):
            errors["tax_code"] = ValidationError(
                _("An organization's tax code has 10 or 13 digits, not a citizen ID."),
                code="organization_citizen_id",
            )
        if self.kind == self.Kind.INDIVIDUAL and self.contact_person:
            errors["contact_person"] = ValidationError(
                _("Only organizations have a contact person."), code="individual_contact_person"
            )
        if not (self.phone or self.email or self.address) and self.status == self.Status.ACTIVE:
            errors["phone"] = ValidationError(
                _("Give at least one way to reach the customer: phone, email or address."),
                code="no_contact",
            )
        if errors:
            raise ValidationError(errors)

    @property
    def phone_display(self) -> str:
        return format_phone_national(self.phone)


@personal_data.declare(
    personal={
        "recipient_name": PersonalField(
            Category.IDENTITY, legal=LegalItem.NAME, erasure=Erasure.DELETE_ROW, item=DataItem.NAME
        ),
        "phone": PersonalField(
            Category.CONTACT,
            legal=LegalItem.NUMBERS,
            erasure=Erasure.DELETE_ROW,
            item=DataItem.PHONE,
        ),
        "address": PersonalField(
            Category.ADDRESS,
            legal=LegalItem.PLACES,
            erasure=Erasure.DELETE_ROW,
            item=DataItem.DELIVERY_ADDRESS,
        ),
        "ward": PersonalField(
            Category.ADDRESS,
            legal=LegalItem.PLACES,
            erasure=Erasure.DELETE_ROW,
            item=DataItem.DELIVERY_ADDRESS,
        ),
        "province": PersonalField(
            Category.ADDRESS,
            legal=LegalItem.PLACES,
            erasure=Erasure.DELETE_ROW,
            item=DataItem.DELIVERY_ADDRESS,
        ),
    },
    non_personal=[],
)
class DeliveryAddress(models.Model):
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="addresses", verbose_name=_("customer")
    )
    recipient_name = models.CharField(_("recipient name"), max_length=255)
    phone = PhoneNumberField(_("recipient phone"))
    address = models.CharField(_("street address"), max_length=500)
    # Since 1 July 2025 Vietnam's local government has two levels: province and ward/commune.
    ward = models.CharField(_("ward / commune"), max_length=120, blank=True)
    province = models.CharField(_("province / city"), max_length=120, blank=True)
    is_default = models.BooleanField(_("default address"), default=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("delivery address")
        verbose_name_plural = _("delivery addresses")
        ordering = ["-is_default", "id"]

    def __str__(self) -> str:
        return ", ".join(p for p in (self.address, self.ward, self.province) if p)

    @property
    def phone_display(self) -> str:
        return format_phone_national(self.phone)


@personal_data.declare(
    personal={
        # Law on Accounting 2015 Art. 41: the record stays 10 years; the person leaves it.
        "customer": PersonalField(
            Category.IDENTITY, legal=LegalItem.OTHER_BASIC, erasure=Erasure.CLEAR
        ),
        "recipient_name": PersonalField(
            Category.IDENTITY, legal=LegalItem.NAME, erasure=Erasure.CLEAR, item=DataItem.NAME
        ),
        "delivery_phone": PersonalField(
            Category.CONTACT, legal=LegalItem.NUMBERS, erasure=Erasure.CLEAR, item=DataItem.PHONE
        ),
        "delivery_address": PersonalField(
            Category.ADDRESS,
            legal=LegalItem.PLACES,
            erasure=Erasure.CLEAR,
            item=DataItem.DELIVERY_ADDRESS,
        ),
        "total_vnd": PersonalField(
            Category.TRANSACTION,
            legal=LegalItem.OTHER_BASIC,
            erasure=Erasure.KEEP,
            item=DataItem.ORDERS,
        ),
    },
    non_personal=["reference", "invoice_number", "status"],
)
class Order(models.Model):
    """An accounting record. Erasure detaches and strips the person but keeps the record."""

    class Status(models.TextChoices):
        PLACED = "placed", _("Placed")
        DELIVERED = "delivered", _("Delivered")
        CANCELLED = "cancelled", _("Cancelled")
        RETURNED = "returned", _("Returned")

    customer = models.ForeignKey(
        Customer,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="orders",
        verbose_name=_("customer"),
    )
    reference = models.CharField(_("reference"), max_length=40, unique=True)
    ordered_at = models.DateTimeField(_("ordered at"), default=timezone.now, db_index=True)
    total_vnd = models.PositiveBigIntegerField(_("total (VND)"))
    invoice_number = models.CharField(_("invoice number"), max_length=40, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PLACED
    )
    recipient_name = models.CharField(_("recipient name"), max_length=255, blank=True)
    delivery_phone = PhoneNumberField(_("delivery phone"), blank=True)
    delivery_address = models.CharField(_("delivery address"), max_length=800, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-ordered_at", "-id"]

    def __str__(self) -> str:
        return self.reference


@personal_data.declare(
    personal={},
    non_personal=[
        "code",
        "name_vi",
        "name_en",
        "description_vi",
        "description_en",
        "legal_basis",
        "retention_vi",
        "retention_en",
        "data_items",
        "ad_channels",
        "ad_content_vi",
        "ad_content_en",
        "ad_frequency_vi",
        "ad_frequency_en",
        "ad_opt_out_vi",
        "ad_opt_out_en",
    ],
)
class Purpose(models.Model):
    """A processing purpose (seeds §2 "scope of use"), with its legal basis and retention."""

    class LegalBasis(models.TextChoices):
        CONSENT = "consent", _("Consent")
        CONTRACT = "contract", _("Contract")
        LEGAL_OBLIGATION = "legal_obligation", _("Legal obligation")

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name_vi = models.CharField(_("name (Vietnamese)"), max_length=255)
    name_en = models.CharField(_("name (English)"), max_length=255)
    description_vi = models.TextField(_("description (Vietnamese)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    legal_basis = models.CharField(_("legal basis"), max_length=20, choices=LegalBasis.choices)
    retention_vi = models.CharField(_("retention (Vietnamese)"), max_length=255, blank=True)
    retention_en = models.CharField(_("retention (English)"), max_length=255, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    # Law 91/2025/QH15 Art. 28: advertising. A request to stop marketing restricts these at once.
    is_advertising = models.BooleanField(
        _("advertising"),
        default=False,
        help_text=_("Marketing or advertising: a request to stop marketing stops it at once."),
    )
    # Law 91/2025/QH15 Art. 9(2)(a): consent is valid only if the person knows the kinds of data.
    data_items = models.JSONField(
        _("data items processed"),
        default=_empty_list,
        blank=True,
        help_text=_(
            "The items of Decree 356/2025 Art. 3 (basic) and Art. 4 (sensitive) this purpose "
            "processes. Required for a purpose based on consent: the consent receipt lists them."
        ),
    )
    # Law 91/2025/QH15 Art. 28(3): advertising consent rests on knowing the content, the
    # channel and the frequency, with a way to refuse.
    ad_channels = models.JSONField(_("advertising channels"), default=_empty_list, blank=True)
    ad_content_vi = models.TextField(_("advertising content (Vietnamese)"), blank=True)
    ad_content_en = models.TextField(_("advertising content (English)"), blank=True)
    ad_frequency_vi = models.CharField(
        _("advertising frequency (Vietnamese)"),
        max_length=255,
        blank=True,
        help_text=_("For example “at most 4 emails a month”."),
    )
    ad_frequency_en = models.CharField(
        _("advertising frequency (English)"), max_length=255, blank=True
    )
    ad_opt_out_vi = models.CharField(
        _("how to refuse (Vietnamese)"),
        max_length=255,
        blank=True,
        help_text=_(
            "A channel's own way, e.g. “reply TC to the SMS” or “the link at the end of each "
            "email”. The receipt always adds the hotline and the request form."
        ),
    )
    ad_opt_out_en = models.CharField(_("how to refuse (English)"), max_length=255, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("purpose")
        verbose_name_plural = _("purposes")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if _current_language() == "en" else self.name_vi

    @property
    def description(self) -> str:
        return self.description_en if _current_language() == "en" else self.description_vi

    @property
    def retention(self) -> str:
        return _localised(self.retention_vi, self.retention_en)

    @property
    def ad_content(self) -> str:
        return _localised(self.ad_content_vi, self.ad_content_en)

    @property
    def ad_frequency(self) -> str:
        return _localised(self.ad_frequency_vi, self.ad_frequency_en)

    @property
    def ad_opt_out(self) -> str:
        return _localised(self.ad_opt_out_vi, self.ad_opt_out_en)

    @property
    def data_item_labels(self) -> list[str]:
        """The items in the law's order, as the person reads them."""
        return [str(LegalItem(v).label) for v in LegalItem.values if v in (self.data_items or [])]

    @property
    def sensitive_item_labels(self) -> list[str]:
        return [
            str(LegalItem(v).label)
            for v in LegalItem.values
            if v in (self.data_items or []) and legal_sensitivity(v) == Sensitivity.SENSITIVE
        ]

    @property
    def ad_channel_labels(self) -> list[str]:
        return [str(AdChannel(v).label) for v in AdChannel.values if v in (self.ad_channels or [])]

    def consent_gaps(self) -> list[str]:
        """What the person must be told before consenting and this purpose does not say yet
        (Law 91/2025/QH15 Art. 9(2)(a), Art. 28(3)); empty when consent can be asked."""
        gaps: list[str] = []
        if self.legal_basis == self.LegalBasis.CONSENT and not self.data_items:
            gaps.append(str(_("the data items it processes")))
        if self.is_advertising:
            if not self.ad_channels:
                gaps.append(str(_("the advertising channels")))
            if not self.ad_content_vi.strip():
                gaps.append(str(_("what the advertising is about")))
            if not self.ad_frequency_vi.strip():
                gaps.append(str(_("how often it is sent")))
        return gaps

    def clean(self) -> None:
        super().clean()
        errors: dict[str, ValidationError] = {}
        for field, choices in (("data_items", LegalItem), ("ad_channels", AdChannel)):
            values = getattr(self, field)
            unknown = (
                sorted(set(values or []) - set(choices.values))
                if isinstance(values, list)
                else ["?"]
            )
            if unknown:
                errors[field] = ValidationError(
                    _("Unknown values: %(values)s."),
                    code="unknown",
                    params={"values": ", ".join(map(str, unknown))},
                )
        if self.legal_basis == self.LegalBasis.CONSENT and not self.data_items:
            errors.setdefault(
                "data_items",
                ValidationError(
                    _(
                        "A purpose based on consent lists the data items it processes: the "
                        "person must know them for the consent to be valid (Law 91/2025 Art. 9(2))."
                    ),
                    code="required",
                ),
            )
        if self.is_advertising:
            # Law 91/2025/QH15 Art. 28(3).
            required = _("Advertising consent needs it (Law 91/2025 Art. 28(3)).")
            if self.legal_basis != self.LegalBasis.CONSENT:
                errors["legal_basis"] = ValidationError(
                    _("Advertising rests on the customer's consent (Law 91/2025 Art. 28(3))."),
                    code="advertising_needs_consent",
                )
            if not self.ad_channels:
                errors.setdefault("ad_channels", ValidationError(required, code="required"))
            if not self.ad_content_vi.strip():
                errors["ad_content_vi"] = ValidationError(required, code="required")
            if not self.ad_frequency_vi.strip():
                errors["ad_frequency_vi"] = ValidationError(required, code="required")
        if errors:
            raise ValidationError(errors)


def _localised(vi: str, en: str) -> str:
    """The English text on an English page when there is one; Vietnamese otherwise."""
    return en if _current_language() == "en" and en else vi


def _current_language() -> str:
    from django.utils.translation import get_language

    return (get_language() or settings.LANGUAGE_CODE)[:2]


@personal_data.declare(
    personal={},
    non_personal=["version", "title_vi", "title_en", "body_vi", "body_en"],
)
class PolicyVersion(models.Model):
    """A published privacy policy. A new version is a new row; a version in effect is not
    edited (its text is what customers agreed to)."""

    version = models.CharField(_("version"), max_length=20, unique=True)
    effective_from = models.DateField(_("effective from"))
    title_vi = models.CharField(_("title (Vietnamese)"), max_length=255)
    title_en = models.CharField(_("title (English)"), max_length=255)
    body_vi = models.TextField(_("text (Vietnamese)"))
    body_en = models.TextField(_("text (English)"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("policy version")
        verbose_name_plural = _("policy versions")
        ordering = ["-effective_from", "-id"]
        get_latest_by = "effective_from"

    def __str__(self) -> str:
        return f"{self.version} ({local_date(self.effective_from)})"

    @property
    def title(self) -> str:
        return self.title_en if _current_language() == "en" else self.title_vi

    @property
    def body(self) -> str:
        return self.body_en if _current_language() == "en" else self.body_vi

    @property
    def is_in_effect(self) -> bool:
        return self.effective_from <= timezone.localdate()

    @property
    def public_path(self) -> str:
        """Where this version's text stays readable, also after a newer one replaces it."""
        from django.urls import reverse

        return reverse("customers:privacy_version", args=[self.version])


@personal_data.declare(
    personal={
        "customer": PersonalField(
            Category.IDENTITY, legal=LegalItem.OTHER_BASIC, erasure=Erasure.DELETE_ROW
        ),
        "form_reference": PersonalField(
            Category.ONLINE_ID, legal=LegalItem.OTHER_BASIC, erasure=Erasure.DELETE_ROW
        ),
        # Kept as evidence of the consent, not to track behaviour: basic data (Decree 356/2025
        # Art. 4(1)(l) is about tracking online activity).
        "ip_address": PersonalField(
            Category.ONLINE_ID, legal=LegalItem.OTHER_BASIC, erasure=Erasure.DELETE_ROW
        ),
        "user_agent": PersonalField(
            Category.ONLINE_ID, legal=LegalItem.OTHER_BASIC, erasure=Erasure.DELETE_ROW
        ),
        "withdrawal_reason": PersonalField(
            Category.FREE_TEXT, legal=LegalItem.OTHER_BASIC, erasure=Erasure.DELETE_ROW
        ),
        # A signed form or an email: the name, contacts and signature the person gave, basic
        # data (Decree 356/2025 Art. 3), a file like the other attachments (free text).
        "evidence_file": PersonalField(
            Category.FREE_TEXT, legal=LegalItem.OTHER_BASIC, erasure=Erasure.DELETE_ROW
        ),
        "withdrawal_reference": PersonalField(
            Category.ONLINE_ID, legal=LegalItem.OTHER_BASIC, erasure=Erasure.DELETE_ROW
        ),
        "withdrawal_ip_address": PersonalField(
            Category.ONLINE_ID, legal=LegalItem.OTHER_BASIC, erasure=Erasure.DELETE_ROW
        ),
        "withdrawal_user_agent": PersonalField(
            Category.ONLINE_ID, legal=LegalItem.OTHER_BASIC, erasure=Erasure.DELETE_ROW
        ),
        # The same kind of file as evidence_file, for the withdrawal.
        "withdrawal_evidence_file": PersonalField(
            Category.FREE_TEXT, legal=LegalItem.OTHER_BASIC, erasure=Erasure.DELETE_ROW
        ),
    },
    non_personal=["status", "channel", "withdrawal_channel", "sensitive_notice_given"],
)
class Consent(models.Model):
    """One record per customer × purpose. Never a boolean on the customer; never deleted on
    withdrawal (Law 91/2025/QH15 Art. 9; Decree 356/2025 Art. 6: consent must be verifiable; silence
    is not consent)."""

    class Status(models.TextChoices):
        GRANTED = "granted", _("Granted")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="consents", verbose_name=_("customer")
    )
    purpose = models.ForeignKey(
        Purpose, on_delete=models.PROTECT, related_name="consents", verbose_name=_("purpose")
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    granted_at = models.DateTimeField(_("granted at"))
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    policy_version = models.ForeignKey(
        PolicyVersion,
        on_delete=models.PROTECT,
        related_name="consents",
        verbose_name=_("policy version shown"),
    )
    form_reference = models.CharField(
        _("form reference"),
        max_length=120,
        blank=True,
        help_text=_(
            "Web form: the submission id. Phone: the call recording's id. SMS: the message's id "
            "at the SMS gateway."
        ),
    )
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=500, blank=True)
    # Decree 356/2025 Art. 6(4): asking consent to process sensitive data, the person is told so.
    sensitive_notice_given = models.BooleanField(
        _("told the data is sensitive"),
        default=False,
        help_text=_(
            "For a purpose that processes sensitive data (health, location, ID card images…): "
            "the person was told so when asked."
        ),
    )
    evidence_file = models.FileField(
        _("evidence file"),
        upload_to="consents/%Y/%m/",
        max_length=200,
        blank=True,
        help_text=_(
            "Email: the message file (.eml) or a PDF print of it. In person or by letter: the "
            "signed form's scan (PDF, JPEG or PNG)."
        ),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    withdrawal_channel = models.CharField(
        _("withdrawal channel"), max_length=20, choices=Channel.choices, blank=True
    )
    withdrawal_reason = models.TextField(_("withdrawal reason"), blank=True)
    withdrawal_reference = models.CharField(
        _("withdrawal reference"),
        max_length=120,
        blank=True,
        help_text=_(
            "Web form: the submission id. Phone: the call recording's id. SMS: the message's id "
            "at the SMS gateway. Through a request: its tracking code."
        ),
    )
    withdrawal_ip_address = models.GenericIPAddressField(
        _("withdrawal IP address"), null=True, blank=True
    )
    withdrawal_user_agent = models.CharField(_("withdrawal browser"), max_length=500, blank=True)
    withdrawal_evidence_file = models.FileField(
        _("withdrawal evidence file"),
        upload_to="consents/%Y/%m/",
        max_length=200,
        blank=True,
        help_text=_(
            "Email: the message file (.eml) or a PDF print of it. In person or by letter: the "
            "signed form's scan (PDF, JPEG or PNG)."
        ),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["customer_id", "purpose__code"]
        constraints = [
            models.UniqueConstraint(fields=["customer", "purpose"], name="one_consent_per_purpose"),
            models.CheckConstraint(
                condition=models.Q(status="granted", withdrawn_at__isnull=True)
                | models.Q(status="withdrawn", withdrawn_at__isnull=False),
                name="consent_withdrawn_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer} — {self.purpose}: {self.get_status_display()}"

    @property
    def is_granted(self) -> bool:
        return self.status == self.Status.GRANTED

    @property
    def receipt_number(self) -> str:
        """The number the receipt gives this consent: "ĐY-000123-20261201" (the record and the
        day it was given), enough for staff to find the record the person holds."""
        return f"ĐY-{self.pk:06d}-{timezone.localtime(self.granted_at):%Y%m%d}"


def _allowed_items_default() -> list[str]:
    return []


@personal_data.declare(
    personal={},
    non_personal=[
        "name",
        "kind",
        "contract_reference",
        "allowed_items",
        "address",
        "country",
        "contact_email",
        "notes",
    ],
)
class Recipient(models.Model):
    """A third party that may receive personal data (seeds §4), with the contract that allows it
    and the data items it may receive (Decree 52/2013 Art. 68(2))."""

    class Kind(models.TextChoices):
        SHIPPER = "shipper", _("Shipper")
        AUTHORITY = "authority", _("State authority")
        PARTNER = "partner", _("Contracted partner")
        INTEGRATED_SERVICE = "integrated_service", _("Integrated service")

    name = models.CharField(_("name"), max_length=255, unique=True)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    purpose = models.ForeignKey(
        Purpose,
        on_delete=models.PROTECT,
        related_name="recipients",
        verbose_name=_("purpose"),
        help_text=_(
            "Why data goes to this recipient. A purpose based on consent needs each customer's "
            "granted consent before anything is handed over."
        ),
    )
    contract_reference = models.CharField(
        _("contract reference"),
        max_length=120,
        blank=True,
        help_text=_("Required for shippers, partners and integrated services."),
    )
    contract_date = models.DateField(_("contract date"), null=True, blank=True)
    allowed_items = models.JSONField(
        _("data it may receive"),
        default=_allowed_items_default,
        blank=True,
    )
    address = models.CharField(_("address"), max_length=500, blank=True)
    # Where it stores or processes what it receives: abroad is a transfer (Law 91/2025 Art. 20).
    country = models.CharField(
        _("country"), max_length=2, choices=Country.choices, default=Country.VN
    )
    contact_email = models.EmailField(_("contact email"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("recipient")
        verbose_name_plural = _("recipients")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        errors: dict[str, ValidationError] = {}
        unknown = sorted(set(self.allowed_items or []) - set(DataItem.values))
        if not isinstance(self.allowed_items, list) or unknown:
            errors["allowed_items"] = ValidationError(
                _("Unknown data items: %(items)s."),
                code="unknown_items",
                params={"items": ", ".join(unknown)},
            )
        if self.kind != self.Kind.AUTHORITY and not self.contract_reference:
            errors["contract_reference"] = ValidationError(
                _(
                    "A third party other than a state authority receives data only under a "
                    "contract: give its reference."
                ),
                code="no_contract",
            )
        if errors:
            raise ValidationError(errors)

    @property
    def allowed_item_labels(self) -> list[str]:
        return [str(DataItem(item).label) for item in self.allowed_items if item in DataItem.values]


@personal_data.declare(
    personal={
        # The record of a hand-over is itself evidence the law asks for (Law 91/2025/QH15 Art.
        # 4(1)(a): the right to know who received the data); it names no personal value, only the
        # items.
        "customer": PersonalField(
            Category.IDENTITY, legal=LegalItem.OTHER_BASIC, erasure=Erasure.KEEP
        ),
        # An investigation agency's request: data on crime and breaches of the law.
        "request_scan": PersonalField(
            Category.FREE_TEXT,
            legal=LegalItem.CRIME,
            erasure=Erasure.KEEP,
        ),
        "notes": PersonalField(
            Category.FREE_TEXT,
            legal=LegalItem.OTHER_BASIC,
            erasure=Erasure.CLEAR,
            item=DataItem.NOTES,
            internal=True,
        ),
        # The evidence of the customer's own instruction may quote their email or name.
        "customer_instruction": PersonalField(
            Category.FREE_TEXT, legal=LegalItem.OTHER_BASIC, erasure=Erasure.CLEAR
        ),
    },
    non_personal=[
        "items",
        "legal_basis",
        "request_issuer",
        "request_number",
        "batch_reference",
    ],
)
class Disclosure(models.Model):
    """One hand-over of one customer's personal data to a recipient."""

    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="disclosures", verbose_name=_("customer")
    )
    recipient = models.ForeignKey(
        Recipient,
        on_delete=models.PROTECT,
        related_name="disclosures",
        verbose_name=_("recipient"),
    )
    items = models.JSONField(_("data handed over"), default=_allowed_items_default)
    purpose = models.ForeignKey(
        Purpose, on_delete=models.PROTECT, related_name="+", verbose_name=_("purpose")
    )
    legal_basis = models.CharField(
        _("legal basis"), max_length=20, choices=Purpose.LegalBasis.choices
    )
    # An authority's request (police investigation agency, procuracy, court): seeds §4.
    request_issuer = models.CharField(_("issuing body"), max_length=255, blank=True)
    request_number = models.CharField(_("document number"), max_length=120, blank=True)
    request_date = models.DateField(_("document date"), null=True, blank=True)
    request_scan = models.FileField(
        _("scan of the request"), upload_to="disclosures/%Y/%m/", blank=True
    )
    batch_reference = models.CharField(
        _("hand-over reference"),
        max_length=64,
        blank=True,
        db_index=True,
        help_text=_("Shared by the disclosures of one hand-over, e.g. one shipping list."),
    )
    # Seed 004 §4: "other parties when you agree or ask"; Law 91/2025/QH15 Art. 17(1)(a).
    customer_instruction = models.CharField(
        _("the customer's instruction"),
        max_length=255,
        blank=True,
        help_text=_(
            "When the customer asked for this hand-over themselves: where their instruction is "
            "(the request's tracking code KN-…, their email of …, the call's recording id)."
        ),
    )
    notes = models.TextField(_("notes"), blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("approved by"),
    )
    disclosed_at = models.DateTimeField(_("disclosed at"), default=timezone.now, db_index=True)
    # Law 91/2025/QH15 Art. 15(2)(a): a copy for the data subject leaves out what could harm
    # national defence, security or public order — an authority's request Legal marks so.
    confidential = models.BooleanField(
        _("confidential"),
        default=False,
        help_text=_(
            "Set by Legal & compliance: the authority's request is withheld from the customer's "
            "copy of their data and from the “who received my data” report."
        ),
    )
    confidential_set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("confidentiality set by"),
    )
    confidential_set_at = models.DateTimeField(_("confidentiality set at"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("disclosure")
        verbose_name_plural = _("disclosures")
        ordering = ["-disclosed_at", "-id"]
        indexes = [
            models.Index(fields=["customer", "-disclosed_at"], name="disclosure_customer_idx")
        ]
        permissions = [
            # Seeds §4: police investigation agencies, procuracy, courts. Only Legal & compliance.
            ("record_authority_disclosure", _("Can record a disclosure to a state authority")),
            # Law 91/2025/QH15 Art. 15(2)(a): Legal & compliance only.
            ("mark_disclosure_confidential", _("Can mark an authority's request confidential")),
        ]

    def __str__(self) -> str:
        return f"{self.recipient} — #{self.customer_id} ({local_date(self.disclosed_at)})"

    @property
    def item_labels(self) -> list[str]:
        return [str(DataItem(item).label) for item in self.items if item in DataItem.values]


class AccessLogQuerySet(models.QuerySet["AccessLog"]):
    """Refuses bulk changes too: the log is evidence of who read what."""

    def update(self, **kwargs: object) -> int:
        raise ValidationError(_("The access log is append-only."), code="append_only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise ValidationError(_("The access log is append-only."), code="append_only")


@personal_data.declare(
    personal={
        # Processing logs are kept (Law 91/2025/QH15 Art. 3(4)); they name the customer by id only.
        "customer": PersonalField(
            Category.IDENTITY, legal=LegalItem.OTHER_BASIC, erasure=Erasure.KEEP
        ),
        # The staff member's address, not the customer's.
        "ip_address": PersonalField(
            Category.ONLINE_ID, legal=LegalItem.OTHER_BASIC, erasure=Erasure.KEEP
        ),
    },
    non_personal=["action", "detail"],
)
class AccessLog(models.Model):
    """Append-only: a staff member viewed, exported, printed or disclosed a customer's personal
    data. Written by customers.services.access_log_record only; never changed or deleted."""

    class Action(models.TextChoices):
        VIEW = "view", _("Viewed full personal data")
        EXPORT = "export", _("Exported")
        PRINT = "print", _("Printed a receipt or report")
        DISCLOSE = "disclose", _("Disclosed to a third party")
        # A shop system's call through an API key (the "staff member" is the key's own user).
        API = "api", _("Read or written through the API")

    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True, editable=False)
    # No foreign-key constraint in the database, and no index of its own (the two below lead
    # with it): PostgreSQL checks a constraint by locking the customer's and the staff member's
    # rows FOR KEY SHARE, which rewrites the customer's table page (an 8 KB page image in the
    # WAL after each checkpoint) and, for one API key's user locked by every worker at once,
    # makes multixacts: a read that writes. PROTECT still stops Django deleting a named row;
    # the rows are written only by access_log_record with ids it has just read.
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("staff member"),
        editable=False,
        db_constraint=False,
        db_index=False,
    )
    customer = models.ForeignKey(
        Customer,
        on_delete=models.PROTECT,
        related_name="access_logs",
        verbose_name=_("customer"),
        editable=False,
        db_constraint=False,
        db_index=False,
    )
    action = models.CharField(_("action"), max_length=20, choices=Action.choices, editable=False)
    detail = models.CharField(_("detail"), max_length=255, blank=True, editable=False)
    ip_address = models.GenericIPAddressField(
        _("IP address"), null=True, blank=True, editable=False
    )

    objects = AccessLogQuerySet.as_manager()

    class Meta:
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["customer", "-at"], name="accesslog_customer_idx"),
            models.Index(fields=["staff", "-at"], name="accesslog_staff_idx"),
        ]

    def __str__(self) -> str:
        action = self.get_action_display()
        return f"{local_datetime(self.at)} {self.staff} {action} #{self.customer_id}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None and not self._state.adding:
            raise ValidationError(_("The access log is append-only."), code="append_only")
        super().save(*args, **kwargs)  # type: ignore[arg-type]  # Django's own signature

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise ValidationError(_("The access log is append-only."), code="append_only")
