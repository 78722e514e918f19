"""Third parties: recipients, disclosures to them, the shipping hand-over, and the "who received
my data" report (seeds §4: shippers, state authorities, contracted partners, integrated services).

Every hand-over of personal data goes through disclosure_create, which refuses anything the
recipient's contract, the customer's consent or the law does not allow, and writes the
Disclosure and its AccessLog row in one transaction.
"""

from __future__ import annotations

import csv
import datetime
import io
import os
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from customers import tallies
from customers.agreements import agreement_error
from customers.kernel import files
from customers.kernel.text import fold_vietnamese, local_date, spreadsheet_cell, staff_text
from customers.kernel.writes import Actor, require_permission, save, staff_or_none
from customers.models import AccessLog, Consent, Controller, Customer, Disclosure, Order, Recipient
from customers.models import Purpose as PurposeModel
from customers.personal_data import DataItem, fields_for_items, personal_fields
from customers.restrictions import restriction_error, restriction_for
from customers.selectors import controller_get
from customers.services import access_log_record
from customers.validators import format_phone_national

ADD_DISCLOSURE = "customers.add_disclosure"
# Seeds §4: police investigation agencies, procuracy, courts — recorded by Legal & compliance only.
RECORD_AUTHORITY_DISCLOSURE = "customers.record_authority_disclosure"
# Law 91/2025/QH15 Art. 15(2)(a): which authority requests the customer's copy withholds.
MARK_CONFIDENTIAL = "customers.mark_disclosure_confidential"

SCAN_MAX_BYTES = 10 * 1024 * 1024
# What a scan of a written request may be, told by its first bytes (not by its name).
# The order fields a shipper needs to deliver at all; an order missing one is not handed over.
SHIPPING_ITEMS = (DataItem.NAME, DataItem.PHONE, DataItem.DELIVERY_ADDRESS)
HANDOVER_PREFIX = "SHIP"


def _labels(items: Iterable[str]) -> str:
    return ", ".join(str(DataItem(item).label) for item in items if item in DataItem.values)


def _in_item_order(items: Iterable[str]) -> list[str]:
    """Known items once each, in the declaration's order; unknown ones are left to the caller."""
    wanted = set(items)
    return [item for item in DataItem.values if item in wanted]


# Recipients --------------------------------------------------------------------------------


@transaction.atomic
def recipient_save(*, recipient: Recipient, actor: Actor) -> Recipient:
    """Create or change a recipient: the data it may receive and why (Decree 52/2013 Art. 68(2):
    third parties receive data under a contract that says what they get)."""
    if isinstance(recipient.allowed_items, list):
        unknown = sorted(set(recipient.allowed_items) - set(DataItem.values))  # clean() says so
        recipient.allowed_items = _in_item_order(recipient.allowed_items) + unknown
    errors: dict[str, ValidationError] = {}
    if isinstance(recipient.allowed_items, list) and not recipient.allowed_items:
        errors["allowed_items"] = ValidationError(
            _("Choose the data this recipient may receive."), code="no_items"
        )
    purpose = recipient.purpose if recipient.purpose_id is not None else None
    if purpose is not None:
        is_authority = recipient.kind == Recipient.Kind.AUTHORITY
        if purpose.legal_basis == PurposeModel.LegalBasis.LEGAL_OBLIGATION and not is_authority:
            errors["purpose"] = ValidationError(
                _(
                    "Only a state authority receives data under a legal obligation; other "
                    "recipients need a contract or the customer's consent."
                ),
                code="legal_obligation_not_authority",
            )
        elif is_authority and purpose.legal_basis != PurposeModel.LegalBasis.LEGAL_OBLIGATION:
            errors["purpose"] = ValidationError(
                _(
                    "A state authority receives data because the law obliges us to: choose a "
                    "purpose whose legal basis is a legal obligation."
                ),
                code="authority_not_legal_obligation",
            )
        if recipient.is_active and not purpose.is_active and "purpose" not in errors:
            errors["purpose"] = ValidationError(
                _("The purpose “%(purpose)s” is no longer used."),
                code="purpose_inactive",
                params={"purpose": purpose.name},
            )
    try:
        recipient.full_clean()
    except ValidationError as error:
        for name, messages in error.error_dict.items():
            errors.setdefault(name, ValidationError(messages))
    if errors:
        raise ValidationError(errors)
    save(recipient, actor=actor)
    return recipient


# Disclosures -------------------------------------------------------------------------------


def scan_kind(scan: File) -> str | None:
    """The content type the scan really is (PDF, JPEG or PNG), or None."""
    return files.sniff(files.read_all(scan))


def _scan_error(scan: File) -> ValidationError | None:
    if scan.size is not None and scan.size > SCAN_MAX_BYTES:
        return ValidationError(
            _("The scan is %(size)s MB; a scan may be at most %(limit)d MB."),
            code="scan_too_large",
            params={
                "size": f"{scan.size / 1024 / 1024:.1f}",
                "limit": SCAN_MAX_BYTES // 1024 // 1024,
            },
        )
    if scan_kind(scan) is None:
        return ValidationError(
            _("The scan must be a PDF, JPEG or PNG file; “%(name)s” is none of these."),
            code="scan_type",
            params={"name": os.path.basename(scan.name or "")},
        )
    return None


def _scan_stored(scan: File) -> ContentFile[bytes]:
    """The scan under a random name whose extension says what its content is: the uploaded
    name may name the person ("cong-van-ve-nguyen-thi-….pdf") and would outlive an erasure."""
    content_type = scan_kind(scan) or ""
    return ContentFile(files.read_all(scan), files.random_name(content_type))


def _consent_error(customer: Customer, purpose: PurposeModel) -> ValidationError | None:
    consent = Consent.objects.filter(customer=customer, purpose=purpose).first()
    if consent is not None and consent.is_granted:
        return None
    if consent is not None:
        return ValidationError(
            _("%(name)s withdrew consent to “%(purpose)s” on %(date)s: nothing may be shared."),
            code="consent_withdrawn",
            params={
                "name": customer.full_name,
                "purpose": purpose.name,
                "date": local_date(consent.withdrawn_at),
            },
        )
    return ValidationError(
        _("%(name)s has not consented to “%(purpose)s”: nothing may be shared."),
        code="no_consent",
        params={"name": customer.full_name, "purpose": purpose.name},
    )


@transaction.atomic
def disclosure_create(
    *,
    actor: Actor,
    customer: Customer,
    recipient: Recipient,
    items: Sequence[str],
    request_issuer: str = "",
    request_number: str = "",
    request_date: datetime.date | None = None,
    request_scan: File | None = None,  # an UploadedFile; any File will do
    notes: str = "",
    batch_reference: str = "",
    customer_instruction: str = "",
    ip_address: str | None = None,
    when: datetime.datetime | None = None,
) -> Disclosure:
    """Record that the customer's data items were handed to the recipient, or refuse.

    Refused (nothing written) when: the actor may not record disclosures (PermissionDenied),
    or, for a state authority, is not Legal & compliance (PermissionDenied); the customer is
    being or has been erased; the recipient is inactive; an item is outside the recipient's
    allowed list; the purpose rests on consent the customer has not given (or withdrew); the
    purpose is a legal obligation but the recipient is no authority; an authority's written
    request (issuing body, number, date, scan) is incomplete.
    """
    require_permission(actor, ADD_DISCLOSURE, _("You may not record disclosures of personal data."))
    is_authority = recipient.kind == Recipient.Kind.AUTHORITY
    if is_authority:
        require_permission(
            actor,
            RECORD_AUTHORITY_DISCLOSURE,
            _("Only Legal & compliance may record a disclosure to a state authority."),
        )

    errors: dict[str, list[ValidationError]] = {}

    def refuse(name: str, error: ValidationError) -> None:
        errors.setdefault(name, []).append(error)

    if customer.status != Customer.Status.ACTIVE:
        refuse(
            "customer",
            ValidationError(
                _("Customer #%(id)s is being or has been erased: none of their data goes out."),
                code="customer_not_active",
                params={"id": customer.pk},
            ),
        )
    # A restriction stops every disclosure but an authority's, which the law obliges and which
    # needs no consent (Law 91/2025/QH15 Art. 19(1)(c)).
    restricted = None if is_authority else restriction_error(customer, recipient.purpose_id)
    if restricted is not None:
        refuse("customer", restricted)
    if not recipient.is_active:
        refuse(
            "recipient",
            ValidationError(
                _("%(recipient)s is no longer an active recipient."),
                code="recipient_inactive",
                params={"recipient": recipient.name},
            ),
        )
    if not is_authority:
        # Decree 356/2025 Art. 7(1): a transfer rests on an agreement in force that day.
        ended = agreement_error(recipient, timezone.localtime(when or timezone.now()).date())
        if ended is not None:
            refuse("recipient", ended)

    unknown = sorted(set(items) - set(DataItem.values))
    chosen = _in_item_order(items)
    not_allowed = [item for item in chosen if item not in recipient.allowed_items]
    if not items:
        refuse("items", ValidationError(_("Choose the data to hand over."), code="no_items"))
    elif unknown:
        refuse(
            "items",
            ValidationError(
                _("Unknown data items: %(items)s."),
                code="unknown_items",
                params={"items": ", ".join(unknown)},
            ),
        )
    elif not_allowed:
        # Decree 52/2013 Art. 68(2): a recipient gets what its contract names, nothing else.
        refuse(
            "items",
            ValidationError(
                _("%(recipient)s may receive: %(allowed)s. Not allowed: %(refused)s."),
                code="item_not_allowed",
                params={
                    "recipient": recipient.name,
                    "allowed": _labels(recipient.allowed_items) or _("nothing"),
                    "refused": _labels(not_allowed),
                },
            ),
        )

    purpose = recipient.purpose
    if not purpose.is_active:
        refuse(
            "recipient",
            ValidationError(
                _("The purpose “%(purpose)s” is no longer used."),
                code="purpose_inactive",
                params={"purpose": purpose.name},
            ),
        )
    basis = purpose.legal_basis
    customer_instruction = customer_instruction.strip()
    if customer_instruction and is_authority:
        refuse(
            "customer_instruction",
            ValidationError(
                _("A state authority receives data on its written request, not on the customer's."),
                code="instruction_to_authority",
            ),
        )
    elif customer_instruction:
        basis = PurposeModel.LegalBasis.CONSENT  # this hand-over's own consent, Art. 17(1)(a)
    elif basis == PurposeModel.LegalBasis.CONSENT:
        consent_error = _consent_error(customer, purpose)
        if consent_error is not None:
            refuse(NON_FIELD_ERRORS, consent_error)
    elif basis == PurposeModel.LegalBasis.LEGAL_OBLIGATION and not is_authority:
        refuse(
            "recipient",
            ValidationError(
                _(
                    "“%(purpose)s” is a legal obligation towards state authorities; "
                    "%(recipient)s is not one."
                ),
                code="legal_obligation_not_authority",
                params={"purpose": purpose.name, "recipient": recipient.name},
            ),
        )
    # A contract purpose (shipping, e-signature) requires the hand-over: no consent is asked.

    if is_authority:
        # Seeds §4: data goes to police, procuracy or courts on their written request only.
        required = {
            "request_issuer": (request_issuer.strip(), _("Give the body that issued the request.")),
            "request_number": (request_number.strip(), _("Give the request's document number.")),
            "request_date": (request_date, _("Give the date of the request.")),
            "request_scan": (request_scan, _("Attach a scan of the written request.")),
        }
        for name, (value, message) in required.items():
            if not value:
                refuse(name, ValidationError(message, code="request_required"))
    if request_scan:
        scan_error = _scan_error(request_scan)
        if scan_error is not None:
            refuse("request_scan", scan_error)

    if errors:
        raise ValidationError(errors)

    disclosure = Disclosure(
        customer=customer,
        recipient=recipient,
        items=chosen,
        purpose=purpose,
        legal_basis=basis,
        request_issuer=request_issuer.strip(),
        request_number=request_number.strip(),
        request_date=request_date,
        notes=notes,
        batch_reference=batch_reference,
        customer_instruction=customer_instruction,
        approved_by_id=staff_or_none(actor).pk,
        disclosed_at=when or timezone.now(),
    )
    if request_scan:
        disclosure.request_scan = _scan_stored(request_scan)
    save(disclosure, actor=actor)
    tallies.tally_add(
        metric=tallies.Metric.DISCLOSURE, key=recipient.pk, when=disclosure.disclosed_at
    )
    # The detail names the recipient and the items, never a personal value.
    items = ", ".join(staff_text(DataItem(item).label) for item in chosen)
    detail = staff_text(
        gettext_noop("to %(recipient)s: %(items)s"), recipient=recipient.name, items=items
    )
    if batch_reference:
        detail = f"{batch_reference} {detail}"
    access_log_record(
        staff=actor,
        customer_ids=[customer.pk],
        action=AccessLog.Action.DISCLOSE,
        detail=detail,
        ip_address=ip_address,
    )
    return disclosure


@transaction.atomic
def disclosure_mark_confidential(
    *, disclosure: Disclosure, actor: Actor, confidential: bool = True
) -> Disclosure:
    """Mark an authority's request confidential (or lift it): the customer's copy of their data
    and the "who received my data" report then leave it out. Law 91/2025/QH15 Art. 15(2)(a): a
    copy for the data subject is refused where it could harm national defence, security or
    public order. Who set it and when stay on the record and in its history."""
    require_permission(
        actor,
        MARK_CONFIDENTIAL,
        _("Only Legal & compliance may mark an authority's request confidential."),
    )
    stored = (
        Disclosure.objects.select_for_update().select_related("recipient").get(pk=disclosure.pk)
    )
    if stored.recipient.kind != Recipient.Kind.AUTHORITY:
        raise ValidationError(
            _("Only a disclosure to a state authority can be confidential."),
            code="not_authority",
        )
    if stored.confidential == confidential:
        return stored
    stored.confidential = confidential
    stored.confidential_set_by_id = staff_or_none(actor).pk
    stored.confidential_set_at = timezone.now()
    save(stored, actor=actor)
    disclosure.confidential = stored.confidential
    disclosure.confidential_set_by_id = stored.confidential_set_by_id
    disclosure.confidential_set_at = stored.confidential_set_at
    return stored


def disclosures_for_subject(*, customer: Customer) -> QuerySet[Disclosure]:
    """The disclosures the customer's own copies show: all but the authorities' requests Legal
    marked confidential (Law 91/2025/QH15 Art. 15(2)(a))."""
    return disclosure_list_for_customer(customer=customer).exclude(confidential=True)


def disclosures_withheld(*, customer: Customer) -> QuerySet[Disclosure]:
    """The customer's disclosures their copies withhold (Law 91/2025/QH15 Art. 15(2)(a))."""
    return disclosure_list_for_customer(customer=customer).filter(confidential=True)


# Shipping hand-over ------------------------------------------------------------------------


@dataclass(frozen=True)
class SkippedOrder:
    reference: str
    reason: str


@dataclass(frozen=True)
class HandoverPreview:
    """What a hand-over of the selected orders would do, before a shipper is chosen."""

    ready: list[Order]
    skipped: list[SkippedOrder]


@dataclass(frozen=True)
class Handover:
    """A shipping list handed over: the file for the shipper, and what was recorded."""

    filename: str
    content: bytes
    batch_reference: str
    disclosures: list[Disclosure]
    orders: list[Order]
    skipped: list[SkippedOrder] = field(default_factory=list)


def _order_skip_reason(order: Order, required_fields: Sequence[str]) -> str | None:
    if order.customer is None:
        return _("no customer on record: a hand-over is recorded against a customer")
    if order.customer.status != Customer.Status.ACTIVE:
        return _("the customer is being or has been erased")
    if restriction_for(order.customer.pk, None) is not None:
        return _("processing of the customer's data is restricted")
    if order.status in (Order.Status.CANCELLED, Order.Status.DELIVERED):
        return _("the order is %(status)s") % {"status": order.get_status_display().lower()}
    missing = [_verbose_name(name) for name in required_fields if not getattr(order, name)]
    if missing:
        return _("the order has no %(fields)s") % {"fields": ", ".join(missing)}
    return None


def _verbose_name(order_field: str) -> str:
    model_field = Order._meta.get_field(order_field)
    assert isinstance(model_field, models.Field)
    return str(model_field.verbose_name)


def _orders_loaded(orders: Iterable[Order]) -> list[Order]:
    """The orders as they are now, with their customers, oldest first."""
    if isinstance(orders, QuerySet):
        ids: Iterable[int] = orders.order_by().values_list("pk", flat=True)
    else:
        ids = [order.pk for order in orders]
    return list(
        Order.objects.filter(pk__in=ids).select_related("customer").order_by("ordered_at", "pk")
    )


def shipper_handover_preview(*, orders: Iterable[Order]) -> HandoverPreview:
    """Which of the orders a shipper could get, and why the others could not."""
    required = fields_for_items(Order, SHIPPING_ITEMS)
    ready, skipped = [], []
    for order in _orders_loaded(orders):
        reason = _order_skip_reason(order, required)
        if reason is None:
            ready.append(order)
        else:
            skipped.append(SkippedOrder(order.reference, reason))
    return HandoverPreview(ready=ready, skipped=skipped)


def _handover_reference() -> str:
    """SHIP-<date>-<n>: the day's next number. The caller holds the lock on the shippers' rows,
    so two hand-overs never take the same number."""
    prefix = f"{HANDOVER_PREFIX}-{timezone.localdate():%Y%m%d}-"
    last = (
        Disclosure.objects.filter(batch_reference__startswith=prefix)
        .order_by("-batch_reference")
        .values_list("batch_reference", flat=True)
        .first()
    )
    number = int(last.removeprefix(prefix)) + 1 if last and last[len(prefix) :].isdigit() else 1
    return f"{prefix}{number:04d}"


def _csv_value(order: Order, name: str) -> object:
    value = getattr(order, name)
    if name == "delivery_phone":
        return format_phone_national(value)  # "0912 853 984": what a shipper dials
    return value


def shipping_list_csv(*, orders: Sequence[Order], columns: Sequence[str]) -> bytes:
    """UTF-8 with a byte-order mark (Excel then reads Vietnamese correctly), CRLF line ends,
    a header row in Vietnamese."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    with translation.override("vi"):
        writer.writerow(capfirst(_verbose_name(name)) for name in columns)
    for order in orders:
        writer.writerow(
            # Precomposed Unicode: what Excel and the shipper's phones show.
            spreadsheet_cell(unicodedata.normalize("NFC", str(_csv_value(order, name))))
            for name in columns
        )
    return buffer.getvalue().encode("utf-8-sig")


@transaction.atomic
def shipper_handover(
    *,
    actor: Actor,
    orders: Iterable[Order] | QuerySet[Order],
    recipient: Recipient,
    ip_address: str | None = None,
) -> Handover:
    """Hand the orders to a shipper: a CSV with exactly the fields the shipper may receive (the
    personal-data declaration maps its allowed items to Order's fields) plus the order
    reference, and one Disclosure per customer under one hand-over reference.

    Orders that cannot go (no customer, customer erased, cancelled or delivered, no delivery
    data, a refusal by disclosure_create) are skipped with a reason. All or nothing: when
    anything else fails, no disclosure is recorded.
    """
    require_permission(actor, ADD_DISCLOSURE, _("You may not record disclosures of personal data."))
    if recipient.kind != Recipient.Kind.SHIPPER:
        raise ValidationError(
            {"recipient": _("%(recipient)s is not a shipper.") % {"recipient": recipient.name}},
            code="not_a_shipper",
        )
    # Locks the shippers' rows: hand-over numbers are taken one at a time, and the chosen
    # shipper cannot be switched off half-way.
    shippers = {
        r.pk: r
        for r in Recipient.objects.select_for_update()
        .filter(kind=Recipient.Kind.SHIPPER)
        .select_related("purpose")
        .order_by("pk")
    }
    recipient = shippers.get(recipient.pk, recipient)
    if not recipient.is_active:
        raise ValidationError(
            {
                "recipient": _("%(recipient)s is no longer an active recipient.")
                % {"recipient": recipient.name}
            },
            code="recipient_inactive",
        )
    personal_columns = fields_for_items(Order, recipient.allowed_items)
    columns = ["reference", *personal_columns]
    declared = personal_fields(Order)
    items = _in_item_order(
        item for name in personal_columns if (item := declared[name].item) is not None
    )
    if not items:
        raise ValidationError(
            {
                "recipient": _("%(recipient)s may receive none of the data an order carries.")
                % {"recipient": recipient.name}
            },
            code="no_order_items",
        )

    required = [name for name in fields_for_items(Order, SHIPPING_ITEMS) if name in columns]
    batch_reference = _handover_reference()
    loaded = _orders_loaded(orders)
    skipped: list[SkippedOrder] = []
    by_customer: dict[int, list[Order]] = {}
    for order in loaded:
        reason = _order_skip_reason(order, required)
        if reason is not None:
            skipped.append(SkippedOrder(order.reference, reason))
        elif order.customer_id is not None:
            by_customer.setdefault(order.customer_id, []).append(order)

    disclosures: list[Disclosure] = []
    handed_over: list[int] = []
    for customer_id, customer_orders in by_customer.items():
        customer = customer_orders[0].customer
        assert customer is not None  # _order_skip_reason skipped the orders without one
        try:
            disclosure = disclosure_create(
                actor=actor,
                customer=customer,
                recipient=recipient,
                items=items,
                batch_reference=batch_reference,
                notes=_("Orders: %(orders)s")
                % {"orders": ", ".join(o.reference for o in customer_orders)},
                ip_address=ip_address,
            )
        except ValidationError as error:
            reason = " ".join(error.messages)
            skipped.extend(SkippedOrder(o.reference, reason) for o in customer_orders)
        else:
            disclosures.append(disclosure)
            handed_over.append(customer_id)
    shipped = [order for customer_id in handed_over for order in by_customer[customer_id]]
    shipped.sort(key=lambda order: (order.ordered_at, order.pk))
    if not shipped:
        raise ValidationError(
            _("None of the selected orders can be handed over: %(reasons)s")
            % {"reasons": skipped_summary(skipped)},
            code="nothing_to_hand_over",
        )
    slug = re.sub(r"[^a-z0-9]+", "-", fold_vietnamese(recipient.name)).strip("-")[:40]
    return Handover(
        filename=f"{batch_reference}-{slug}.csv" if slug else f"{batch_reference}.csv",
        content=shipping_list_csv(orders=shipped, columns=columns),
        batch_reference=batch_reference,
        disclosures=disclosures,
        orders=shipped,
        skipped=skipped,
    )


SKIPPED_SHOWN = 10


def skipped_summary(skipped: Sequence[SkippedOrder]) -> str:
    shown = "; ".join(f"{s.reference}: {s.reason}" for s in skipped[:SKIPPED_SHOWN])
    return f"{shown} …" if len(skipped) > SKIPPED_SHOWN else shown


# Selectors ---------------------------------------------------------------------------------


def disclosure_list_for_customer(*, customer: Customer) -> QuerySet[Disclosure]:
    return (
        Disclosure.objects.filter(customer=customer)
        .select_related("recipient", "purpose", "approved_by")
        .order_by("-disclosed_at", "-id")
    )


@dataclass(frozen=True)
class DisclosureReportLine:
    disclosed_at: datetime.datetime
    recipient: str
    recipient_kind: str
    items: list[str]
    legal_basis: str
    purpose: str
    is_authority: bool
    request_issuer: str
    request_number: str
    request_date: datetime.date | None


@dataclass(frozen=True)
class DisclosureReport:
    """The "who received my data" page (Law 91/2025/QH15 Art. 4(1)(a): the data subject's right to
    know who their data was given to)."""

    customer: Customer
    controller: Controller | None
    lines: list[DisclosureReportLine]
    issued_at: datetime.datetime


def disclosure_report_get(*, customer: Customer) -> DisclosureReport:
    """The report's content; reading it for the customer is disclosure_report_issue."""
    lines = [
        DisclosureReportLine(
            disclosed_at=d.disclosed_at,
            recipient=d.recipient.name,
            recipient_kind=d.recipient.get_kind_display(),
            items=d.item_labels,
            legal_basis=d.get_legal_basis_display(),
            purpose=d.purpose.name,
            is_authority=d.recipient.kind == Recipient.Kind.AUTHORITY,
            request_issuer=d.request_issuer,
            request_number=d.request_number,
            request_date=d.request_date,
        )
        for d in disclosures_for_subject(customer=customer)
    ]
    return DisclosureReport(
        customer=customer, controller=controller_get(), lines=lines, issued_at=timezone.now()
    )


@transaction.atomic
def disclosure_report_issue(
    *, actor: Actor, customer: Customer, ip_address: str | None = None
) -> DisclosureReport:
    """The report, issued to print or send to the customer; the access log says who did it."""
    report = disclosure_report_get(customer=customer)
    access_log_record(
        staff=actor,
        customer_ids=[customer.pk],
        action=AccessLog.Action.PRINT,
        detail=staff_text(
            gettext_noop("who received the data: %(count)s disclosures"), count=len(report.lines)
        ),
        ip_address=ip_address,
    )
    return report
