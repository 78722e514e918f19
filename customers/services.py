"""Every write to customers' data goes through here (admin, public views, tasks, commands).

Each function validates with full_clean() before saving and attributes the change to the staff
member who made it, so that the history rows say who, when and what.
"""

from __future__ import annotations

import datetime
import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from customers import consent_evidence, tallies
from customers.kernel import events
from customers.kernel.text import fold_vietnamese, local_datetime
from customers.kernel.writes import (
    Actor,
    history_record_bulk,
    insert_bulk,
    queue_after_commit,
    save,
    staff_or_none,
)
from customers.models import (
    AccessLog,
    Channel,
    Consent,
    Controller,
    Customer,
    DeliveryAddress,
    Order,
    PolicyVersion,
    Purpose,
    RecipientRequest,
)
from customers.personal_data import keyed_hash
from customers.recipient_requests import recipient_requests_open
from customers.restriction_model import Restriction
from customers.selectors import (
    CustomerProcessingState,
    ProcessingCheck,
    policy_version_current,
    processing_check,
    processing_decide,
)
from customers.validators import full_clean

CUSTOMER_EDITABLE_FIELDS = (
    "kind",
    "full_name",
    "contact_person",
    "email",
    "phone",
    "address",
    "tax_code",
    "source_channel",
    "notes",
    "external_id",
)

logger = logging.getLogger(__name__)


def _normalize_email(value: str) -> str:
    return (value or "").strip().lower()


# Controller -------------------------------------------------------------------


@transaction.atomic
def controller_update(*, actor: Actor = None, **fields: Any) -> Controller:
    """Create or change the one controller profile."""
    controller = Controller.objects.select_for_update().order_by("id").first() or Controller()
    for name, value in fields.items():
        setattr(controller, name, value)
    save(controller, actor=actor)
    return controller


# Customers --------------------------------------------------------------------


def _apply_customer_fields(customer: Customer, fields: dict[str, Any]) -> None:
    unknown = set(fields) - set(CUSTOMER_EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"not editable customer fields: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(customer, name, value)
    customer.email = _normalize_email(customer.email)
    customer.full_name = " ".join((customer.full_name or "").split())
    customer.name_folded = fold_vietnamese(customer.full_name)


@transaction.atomic
def customer_create(
    *, actor: Actor = None, full_name: str, when: Any = None, **fields: Any
) -> Customer:
    """`when`: when the customer first came to us, for records entered later (seed 003 keeps
    paper records; demo data); now by default. Inactivity rules count from it."""
    customer = Customer()
    if when is not None:
        customer.created_at = customer.last_activity_at = when
    _apply_customer_fields(customer, {"full_name": full_name, **fields})
    save(customer, actor=actor)
    return customer


@transaction.atomic
def customer_update(*, customer: Customer, actor: Actor = None, **fields: Any) -> Customer:
    if customer.status == Customer.Status.ERASED:
        raise ValidationError(_("An erased customer cannot be changed."), code="erased")
    before = {name: getattr(customer, name) for name in fields if hasattr(customer, name)}
    _apply_customer_fields(customer, fields)
    save(customer, actor=actor)
    _corrected(
        customer,
        {name: None for name, value in before.items() if getattr(customer, name) != value},
        actor=actor,
    )
    return customer


def _corrected(customer: Customer, fields: dict[str, Any], *, actor: Actor = None) -> None:
    """Tell the subscribers which fields changed (their names only: never the values), and ask
    the recipients that hold them to correct them (Decree 356/2025 Art. 5(3))."""
    events.emit(events.EventName.CUSTOMER_CORRECTED, customer_id=customer.pk, fields=sorted(fields))
    recipient_requests_open(
        customer_ids=[customer.pk],
        action=RecipientRequest.Action.CORRECT,
        cause=RecipientRequest.Cause.CORRECTED,
        changed_fields=fields,
        actor=actor,
    )


@transaction.atomic
def customer_upsert(
    *, external_id: str, actor: Actor = None, **fields: Any
) -> tuple[Customer, str]:
    """Create or update the customer the shop knows by ``external_id``; "created", "updated" or
    "unchanged" (the same call twice writes nothing, no history row). A customer erased at their
    request is not brought back by a shop system that still has them (Law 91/2025/QH15 Art. 14)."""
    external_id = (external_id or "").strip()
    if not external_id:
        raise ValidationError(
            {
                "external_id": ValidationError(
                    _("The shop's customer id is required."), code="required"
                )
            }
        )
    customer = Customer.objects.select_for_update().filter(external_id=external_id).first()
    if customer is None:
        if Customer.objects.filter(
            external_id=keyed_hash(external_id, length=64), status=Customer.Status.ERASED
        ).exists():
            raise ValidationError({"external_id": _erased_error()})
        return customer_create(actor=actor, external_id=external_id, **fields), "created"
    if customer.status != Customer.Status.ACTIVE:
        raise ValidationError({"external_id": _erasure_pending_error()})
    before = {name: getattr(customer, name) for name in CUSTOMER_EDITABLE_FIELDS}
    _apply_customer_fields(customer, fields)
    full_clean(customer)  # normalises what was sent (a phone in any usual form) before comparing
    changed = [name for name, value in before.items() if getattr(customer, name) != value]
    if not changed:
        return customer, "unchanged"
    save(customer, actor=actor)
    _corrected(customer, dict.fromkeys(changed), actor=actor)
    return customer, "updated"


@dataclass
class UpsertOutcome:
    """What ``customer_upsert_batch`` did with one row: "created", "updated", "unchanged" or
    "refused" (``error`` says why; ``customer`` is the existing customer a refused row is
    about, if any)."""

    external_id: str
    result: str
    customer: Customer | None = None
    error: ValidationError | None = None


# Rows per bulk statement: PostgreSQL's and SQLite's limits on parameters leave room for these.
UPSERT_BULK_SIZE = 500


@transaction.atomic
def customer_upsert_batch(
    *, rows: Sequence[dict[str, Any]], actor: Actor = None
) -> list[UpsertOutcome]:
    """``customer_upsert`` for many rows (each ``external_id`` plus the fields), with the same
    result, error, history row, event and requests to recipients for each row as one call per
    row would give — validated once per batch and written with a few bulk statements. A refused
    row is not written at all and stops no other row. A shop id given twice in the batch: the
    later rows go one by one after the others, as they would in a loop."""
    outcomes: list[UpsertOutcome | None] = [None] * len(rows)
    first: dict[str, int] = {}
    later: list[tuple[int, str]] = []
    for index, row in enumerate(rows):
        external_id = (row.get("external_id") or "").strip()
        if not external_id:
            outcomes[index] = UpsertOutcome(
                "",
                "refused",
                error=ValidationError(
                    {
                        "external_id": ValidationError(
                            _("The shop's customer id is required."), code="required"
                        )
                    }
                ),
            )
        elif external_id in first:
            later.append((index, external_id))
        else:
            first[external_id] = index
    for attempt in (1, 2):
        try:
            with transaction.atomic():
                written = _upsert_first_rows(rows, first, actor=actor)
            break
        except IntegrityError:
            # Another writer created one of these shop ids after the lookup: once more, now
            # that its row is visible (the unique index waited for its commit).
            if attempt == 2:
                raise
    for index, outcome in written.items():
        outcomes[index] = outcome
    for index, external_id in later:
        fields = {name: value for name, value in rows[index].items() if name != "external_id"}
        try:
            with transaction.atomic():
                customer, result = customer_upsert(external_id=external_id, actor=actor, **fields)
            outcomes[index] = UpsertOutcome(external_id, result, customer)
        except ValidationError as error:
            outcomes[index] = UpsertOutcome(external_id, "refused", error=error)
    return [outcome for outcome in outcomes if outcome is not None]


def _upsert_first_rows(
    rows: Sequence[dict[str, Any]], first: dict[str, int], *, actor: Actor
) -> dict[int, UpsertOutcome]:
    """The rows whose shop id comes first in the batch: one locked lookup of the existing ones,
    one of the erased ones, each row validated, then bulk writes."""
    # exclude(external_id=""): the unique index is partial (WHERE NOT external_id = ''), and
    # PostgreSQL proves an IN list of more than 100 values implies it only when told so; without
    # it, a thousand ids scan the whole table (250 ms at 1M customers).
    by_shop_id = Customer.objects.exclude(external_id="")
    existing = {
        customer.external_id: customer
        for customer in by_shop_id.select_for_update().filter(external_id__in=list(first))
    }
    hashed = {
        keyed_hash(external_id, length=64): external_id
        for external_id in first
        if external_id not in existing
    }
    erased = {
        hashed[value]
        for value in by_shop_id.filter(
            external_id__in=list(hashed), status=Customer.Status.ERASED
        ).values_list("external_id", flat=True)
    }
    outcomes: dict[int, UpsertOutcome] = {}
    created: list[Customer] = []
    updated: list[tuple[Customer, list[str]]] = []
    for external_id, index in first.items():
        fields = {name: value for name, value in rows[index].items() if name != "external_id"}
        customer = existing.get(external_id)
        try:
            if customer is None:
                if external_id in erased:
                    raise ValidationError({"external_id": _erased_error()})
                customer = Customer()
                _apply_customer_fields(customer, {"external_id": external_id, **fields})
                # The shop id's uniqueness was checked for the batch by the lookup above.
                full_clean(customer, unique=False)
                created.append(customer)
                outcomes[index] = UpsertOutcome(external_id, "created", customer)
                continue
            if customer.status != Customer.Status.ACTIVE:
                raise ValidationError({"external_id": _erasure_pending_error()})
            before = {name: getattr(customer, name) for name in CUSTOMER_EDITABLE_FIELDS}
            _apply_customer_fields(customer, fields)
            full_clean(customer, unique=False)
            changed = [name for name, value in before.items() if getattr(customer, name) != value]
        except ValidationError as error:
            found = existing.get(external_id)
            outcomes[index] = UpsertOutcome(external_id, "refused", found, error)
            continue
        if changed:
            updated.append((customer, changed))
        result = "updated" if changed else "unchanged"
        outcomes[index] = UpsertOutcome(external_id, result, customer)
    now = timezone.now()
    insert_bulk(created)
    history_record_bulk(created, actor=actor, created=True, when=now)
    changed_rows = [customer for customer, _fields in updated]
    Customer.objects.bulk_update(
        changed_rows, [*CUSTOMER_EDITABLE_FIELDS, "name_folded"], batch_size=UPSERT_BULK_SIZE
    )
    history_record_bulk(changed_rows, actor=actor, created=False, when=now)
    _corrected_many(updated, actor=actor)
    return outcomes


def _corrected_many(updated: list[tuple[Customer, list[str]]], *, actor: Actor) -> None:
    """``_corrected`` for many customers: one event each, the requests to recipients asked once
    per set of changed fields (Decree 356/2025 Art. 5(3))."""
    if not updated:
        return
    events.emit_many(
        events.EventName.CUSTOMER_CORRECTED,
        [(customer.pk, {"fields": sorted(changed)}) for customer, changed in updated],
    )
    by_fields: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for customer, changed in updated:
        by_fields[tuple(sorted(changed))].append(customer.pk)
    for fields, customer_ids in by_fields.items():
        recipient_requests_open(
            customer_ids=customer_ids,
            action=RecipientRequest.Action.CORRECT,
            cause=RecipientRequest.Cause.CORRECTED,
            changed_fields=fields,
            actor=actor,
        )


def _erased_error() -> ValidationError:
    return ValidationError(
        _(
            "This customer was erased at their request: they are not created "
            "again. Delete them from the shop's systems too."
        ),
        code="erased",
    )


def _erasure_pending_error() -> ValidationError:
    return ValidationError(
        _("This customer is being erased: their data can no longer be changed."),
        code="erasure_pending",
    )


def customer_touch(*, customer: Customer, when: Any = None) -> None:
    """Record contact with the customer (order, consent change, complaint): inactivity rules
    count from the last one. A plain UPDATE: activity is not a change to personal data."""
    when = when or timezone.now()
    Customer.objects.filter(pk=customer.pk, last_activity_at__lt=when).update(last_activity_at=when)
    customer.last_activity_at = max(customer.last_activity_at, when)


@transaction.atomic
def delivery_address_create(
    *, customer: Customer, actor: Actor = None, is_default: bool = False, **fields: Any
) -> DeliveryAddress:
    address = DeliveryAddress(customer=customer, is_default=is_default, **fields)
    save(address, actor=actor)
    if is_default:
        delivery_address_make_default(address=address, actor=actor)
    return address


@transaction.atomic
def delivery_address_update(
    *, delivery_address: DeliveryAddress, actor: Actor = None, **fields: Any
) -> DeliveryAddress:
    """Change a delivery address; ``fields`` may include its street ``address``."""
    for name, value in fields.items():
        setattr(delivery_address, name, value)
    save(delivery_address, actor=actor)
    if delivery_address.is_default:
        delivery_address_make_default(address=delivery_address, actor=actor)
    return delivery_address


@transaction.atomic
def delivery_address_make_default(*, address: DeliveryAddress, actor: Actor = None) -> None:
    for other in DeliveryAddress.objects.filter(customer_id=address.customer_id, is_default=True):
        if other.pk != address.pk:
            other.is_default = False
            save(other, actor=actor)
    if not address.is_default:
        address.is_default = True
        save(address, actor=actor)


@transaction.atomic
def order_create(*, customer: Customer | None, actor: Actor = None, **fields: Any) -> Order:
    order = Order(customer=customer, **fields)
    save(order, actor=actor)
    if customer is not None:
        customer_touch(customer=customer, when=order.ordered_at)
    return order


@transaction.atomic
def order_update(*, order: Order, actor: Actor = None, **fields: Any) -> Order:
    for name, value in fields.items():
        setattr(order, name, value)
    save(order, actor=actor)
    return order


ORDER_FIELDS = (
    "ordered_at",
    "total_vnd",
    "invoice_number",
    "status",
    "recipient_name",
    "delivery_phone",
    "delivery_address",
)
# A clock a few minutes ahead on the shop's side is not a wrong date.
ORDER_CLOCK_SKEW = datetime.timedelta(minutes=5)


@transaction.atomic
def order_upsert(
    *, reference: str, customer: Customer, actor: Actor = None, **fields: Any
) -> tuple[Order, str]:
    """Create or update the order the shop knows by ``reference``: "created", "updated" or
    "unchanged". An order stays with the customer it was placed by; a date in the future is
    refused (a record is evidence: the accounting period depends on it)."""
    unknown = set(fields) - set(ORDER_FIELDS)
    if unknown:
        raise TypeError(f"not editable order fields: {sorted(unknown)}")
    if customer.status != Customer.Status.ACTIVE:
        raise ValidationError(
            {
                "customer": ValidationError(
                    _("This customer is not active."), code="customer_not_active"
                )
            }
        )
    ordered_at = fields.get("ordered_at")
    if ordered_at is not None and ordered_at > timezone.now() + ORDER_CLOCK_SKEW:
        raise ValidationError(
            {
                "ordered_at": ValidationError(
                    _("The order date %(date)s is in the future."),
                    code="future",
                    params={"date": local_datetime(ordered_at)},
                )
            }
        )
    order = Order.objects.select_for_update().filter(reference=reference).first()
    if order is None:
        return order_create(
            customer=customer, actor=actor, reference=reference, **fields
        ), "created"
    if order.customer_id != customer.pk:
        raise ValidationError(
            {
                "customer": ValidationError(
                    _("Order %(reference)s belongs to another customer."),
                    code="other_customer",
                    params={"reference": reference},
                )
            }
        )
    before = {name: getattr(order, name) for name in ORDER_FIELDS}
    for name, value in fields.items():
        setattr(order, name, value)
    full_clean(order)
    if all(getattr(order, name) == value for name, value in before.items()):
        return order, "unchanged"
    save(order, actor=actor)
    return order, "updated"


# Purposes and policy versions -------------------------------------------------


@transaction.atomic
def purpose_save(*, purpose: Purpose, actor: Actor = None) -> Purpose:
    save(purpose, actor=actor)
    return purpose


@transaction.atomic
def policy_version_save(*, policy: PolicyVersion, actor: Actor = None) -> PolicyVersion:
    """Publish a new version, or correct one that has not come into effect yet.

    A version in effect is what customers agreed to: it is never rewritten; publish a new one.
    """
    if policy.pk is not None:
        stored = PolicyVersion.objects.get(pk=policy.pk)
        if stored.is_in_effect:
            raise ValidationError(
                _(
                    "Version %(version)s is in effect and customers have agreed to it: publish "
                    "a new version instead of editing it."
                ),
                code="policy_in_effect",
                params={"version": stored.version},
            )
    save(policy, actor=actor)
    return policy


# Consent ----------------------------------------------------------------------


@transaction.atomic
def consent_grant(
    *,
    customer: Customer,
    purpose: Purpose,
    channel: str,
    actor: Actor = None,
    policy_version: PolicyVersion | None = None,
    form_reference: str = "",
    ip_address: str | None = None,
    user_agent: str = "",
    evidence_file: Any = None,  # an UploadedFile; any File will do
    sensitive_notice_given: bool = False,
    when: Any = None,
) -> Consent:
    """Record the customer's explicit consent to one purpose.

    Law 91/2025/QH15 Art. 9 and Decree 356/2025 Art. 6: consent is an explicit act, verifiable,
    never a default — so the policy version shown and the evidence are kept with it. Granting again
    a consent that was withdrawn re-grants the same record; history keeps the earlier withdrawal.
    The evidence each channel needs is consent_evidence.consent_evidence_errors'; without it,
    nothing is written (ValidationError keyed by the missing fields).
    """
    if customer.status != Customer.Status.ACTIVE:
        raise ValidationError(
            _("Consent cannot be recorded for a customer who is being or has been erased."),
            code="customer_not_active",
        )
    if not purpose.is_active:
        raise ValidationError(
            _("The purpose “%(purpose)s” is no longer used."),
            code="purpose_inactive",
            params={"purpose": purpose.name},
        )
    gaps = purpose.consent_gaps()
    if gaps:
        # Law 91/2025/QH15 Art. 9(2), Art. 28(3): consent without knowing these is not valid.
        raise ValidationError(
            _("Consent to “%(purpose)s” cannot be valid yet: the purpose does not say %(gaps)s."),
            code="purpose_incomplete",
            params={"purpose": purpose.name, "gaps": ", ".join(gaps)},
        )
    if channel not in Channel.values:
        raise ValidationError(
            _("Choose the channel the consent was given through."), code="channel"
        )
    policy_version = policy_version or policy_version_current()
    if policy_version is None:
        raise ValidationError(
            _("No privacy policy is in effect: publish one before recording consent."),
            code="no_policy",
        )
    errors = consent_evidence.consent_evidence_errors(
        channel=channel,
        reference=form_reference,
        ip_address=ip_address,
        user_agent=user_agent,
        file=evidence_file,
    )
    sensitive = purpose.sensitive_item_labels
    if sensitive and not sensitive_notice_given:
        # Decree 356/2025 Art. 6(4).
        errors["sensitive_notice_given"] = ValidationError(
            _(
                "This purpose processes sensitive data (%(items)s): the person must be told so "
                "when asked to consent."
            ),
            code="sensitive_notice",
            params={"items": "; ".join(sensitive)},
        )
    if errors:
        raise ValidationError(errors)
    when = when or timezone.now()
    consent = Consent.objects.select_for_update().filter(customer=customer, purpose=purpose).first()
    if consent is not None and consent.is_granted:
        return consent
    consent = consent or Consent(customer=customer, purpose=purpose)
    consent.status = Consent.Status.GRANTED
    consent.granted_at = when
    consent.withdrawn_at = None
    consent.withdrawal_channel = ""
    consent.withdrawal_reason = ""
    consent.withdrawal_reference = ""
    consent.withdrawal_ip_address = None
    consent.withdrawal_user_agent = ""
    consent.channel = channel
    consent.policy_version = policy_version
    consent.form_reference = form_reference.strip()
    consent.sensitive_notice_given = bool(sensitive)
    consent.ip_address = ip_address or None
    consent.user_agent = (user_agent or "")[:500]
    # A re-grant replaces the evidence; the earlier files stay with the history rows that
    # name them, until an erasure deletes every one.
    consent.evidence_file = (
        consent_evidence.evidence_file_stored(evidence_file, channel) if evidence_file else ""
    )
    consent.withdrawal_evidence_file = ""
    consent.recorded_by = staff_or_none(actor)
    save(consent, actor=actor)
    customer_touch(customer=customer, when=when)
    tallies.tally_add(metric=tallies.Metric.CONSENT_GRANTED, key=purpose.code, when=when)
    events.emit(
        events.EventName.CONSENT_GRANTED,
        customer_id=customer.pk,
        consent_id=consent.pk,
        purpose_code=purpose.code,
    )
    return consent


@transaction.atomic
def consent_withdraw(
    *,
    consent: Consent,
    channel: str,
    actor: Actor = None,
    reason: str = "",
    withdrawal_reference: str = "",
    withdrawal_ip_address: str | None = None,
    withdrawal_user_agent: str = "",
    withdrawal_evidence_file: Any = None,  # an UploadedFile; any File will do
    through_request: bool = False,
    when: Any = None,
) -> Consent:
    """Withdraw a consent. The record stays, with when and how it was withdrawn.

    Law 91/2025/QH15 Art. 10(2): a withdrawal is in writing or in a verifiable form, so it needs
    the evidence its channel needs for a consent (consent_evidence.consent_evidence_errors),
    kept in the withdrawal_* fields. ``through_request``: it was asked for by a data-subject
    request, whose tracking code is ``withdrawal_reference``."""
    consent = Consent.objects.select_for_update().get(pk=consent.pk)
    if not consent.is_granted:
        raise ValidationError(
            _("This consent was already withdrawn on %(date)s."),
            code="already_withdrawn",
            params={"date": local_datetime(consent.withdrawn_at)},
        )
    if channel not in Channel.values:
        raise ValidationError(_("Choose the channel the withdrawal came through."), code="channel")
    errors = consent_evidence.consent_evidence_errors(
        channel=channel,
        reference=withdrawal_reference,
        ip_address=withdrawal_ip_address,
        user_agent=withdrawal_user_agent,
        file=withdrawal_evidence_file,
        fields=consent_evidence.WITHDRAWAL,
        through_request=through_request,
    )
    if errors:
        raise ValidationError(errors)
    when = when or timezone.now()
    consent.status = Consent.Status.WITHDRAWN
    consent.withdrawn_at = when
    consent.withdrawal_channel = channel
    consent.withdrawal_reason = reason
    consent.withdrawal_reference = withdrawal_reference.strip()
    consent.withdrawal_ip_address = withdrawal_ip_address or None
    consent.withdrawal_user_agent = (withdrawal_user_agent or "")[:500]
    consent.withdrawal_evidence_file = (
        consent_evidence.evidence_file_stored(withdrawal_evidence_file, channel)
        if withdrawal_evidence_file
        else ""
    )
    save(consent, actor=actor)
    customer_touch(customer=consent.customer, when=when)
    tallies.tally_add(metric=tallies.Metric.CONSENT_WITHDRAWN, key=consent.purpose.code, when=when)
    events.emit(
        events.EventName.CONSENT_WITHDRAWN,
        customer_id=consent.customer_id,
        consent_id=consent.pk,
        purpose_code=consent.purpose.code,
    )
    # Those who received the data for this purpose stop too (Decree 356/2025 Art. 5(2)).
    recipient_requests_open(
        customer_ids=[consent.customer_id],
        action=RecipientRequest.Action.STOP,
        cause=RecipientRequest.Cause.CONSENT_WITHDRAWN,
        purpose=consent.purpose,
        reference=consent.withdrawal_reference if through_request else "",
        actor=actor,
    )
    return consent


# Consent receipt by email -----------------------------------------------------


def consent_receipt_request_email(*, customer: Customer, actor: Actor = None) -> None:
    """Queue the consent receipt for the customer's email, once the transaction commits."""
    if not customer.email:
        raise ValidationError(
            _("%(name)s has no email address: print the receipt instead."),
            code="no_email",
            params={"name": customer.full_name},
        )
    if customer.status != Customer.Status.ACTIVE:
        raise ValidationError(_("This customer is not active."), code="customer_not_active")
    queue_after_commit("customers.tasks.send_consent_receipt", customer.pk)


def consent_receipt_send_email(*, customer_id: int) -> bool:
    """Send the receipt now (called by the task). False when there is nothing to send to."""
    from django.core.mail import EmailMultiAlternatives
    from django.template.loader import render_to_string
    from django.utils import translation

    from customers.documents import consent_receipt_pdf
    from customers.kernel.pdf import PdfUnavailable
    from customers.selectors import consent_receipt_get

    customer = Customer.objects.filter(pk=customer_id, status=Customer.Status.ACTIVE).first()
    if customer is None or not customer.email:
        return False
    receipt = consent_receipt_get(customer=customer)
    with translation.override("vi"):
        context = {"receipt": receipt, "controller": receipt.controller}
        subject = _("Your consent receipt")
        if receipt.controller:
            subject = (
                f"{subject} — {receipt.controller.short_name or receipt.controller.legal_name}"
            )
        text = render_to_string("customers/email/consent_receipt.txt", context)
        html = render_to_string("customers/email/consent_receipt.html", context)
    message = EmailMultiAlternatives(subject=str(subject), body=text, to=[customer.email])
    message.attach_alternative(html, "text/html")
    try:
        with translation.override("vi"):
            content = consent_receipt_pdf(receipt)
    except PdfUnavailable as missing:  # the email's own page still carries the receipt
        logger.error(
            "consent receipt of customer %s sent without its PDF: %s", customer_id, missing
        )
    else:
        message.attach("phieu-dong-y.pdf", content, "application/pdf")
    message.send()
    return True


# Access log -------------------------------------------------------------------


def access_log_record(
    *,
    staff: Actor,
    customer_ids: Iterable[int],
    action: str,
    detail: str = "",
    ip_address: str | None = None,
) -> int:
    """Append who read, exported, printed or disclosed which customers' personal data.

    One row per customer, written in one statement; returns how many rows were written.
    """
    if staff is None or staff.pk is None or not staff.is_authenticated:
        raise ValueError("the access log names a signed-in staff member")
    if action not in AccessLog.Action.values:
        raise ValueError(f"unknown access-log action {action!r}")
    now = timezone.now()
    staff_id = staff.pk
    rows = [
        AccessLog(
            at=now,
            staff_id=staff_id,
            customer_id=customer_id,
            action=action,
            detail=detail[:255],
            ip_address=ip_address or None,
        )
        for customer_id in dict.fromkeys(customer_ids)  # each customer once, in order
    ]
    insert_bulk(rows, ids=False)
    return len(rows)


# The consent check (what a marketing tool asks before every send) --------------------------

# How a check finds the customer: the shop's id, an email or a phone (normalised by the caller).
CHECK_LOOKUPS = {"customer": "external_id", "email": "email", "phone": "phone"}
# Customers sharing an email or a phone that one check reads at most.
CHECK_CUSTOMERS = 20


def consent_check_logged(
    *, purpose_code: str, by: str, value: str, staff: Actor, detail: str
) -> ProcessingCheck | None:
    """May the shop process for the purpose now (customers.selectors.processing_check), with
    the access-log row of every customer read, under ``staff`` (the API key's user): every
    access to personal data is logged (the access log, a technical measure of Law 91/2025/QH15
    Art. 3(4)) by the statement that reads it, never held back in memory where a crash would
    lose it. None when no purpose in use has that code (nothing
    is read, nothing logged). On PostgreSQL one statement answers and logs; elsewhere the ORM."""
    if staff is None or staff.pk is None or not staff.is_authenticated:
        raise ValueError("the access log names a signed-in staff member")
    column = CHECK_LOOKUPS[by]
    if connection.vendor == "postgresql":
        return _consent_check_in_one_statement(purpose_code, column, value, staff.pk, detail)
    purpose = Purpose.objects.filter(code=purpose_code, is_active=True).first()
    if purpose is None:
        return None
    customers = list(
        Customer.objects.filter(**{column: value}).exclude(status=Customer.Status.ERASED)[
            :CHECK_CUSTOMERS
        ]
    )
    with transaction.atomic():
        check = processing_check(purpose=purpose, customers=customers)
        if check.customer_ids:
            access_log_record(
                staff=staff,
                customer_ids=check.customer_ids,
                action=AccessLog.Action.API,
                detail=detail,
            )
    return check


def _consent_check_in_one_statement(
    purpose_code: str, column: str, value: str, staff_id: int, detail: str
) -> ProcessingCheck | None:
    """The purpose, the customers (newest first, as the ORM orders them), their restrictions
    in force and consents, and the access log's INSERT in a data-modifying CTE: PostgreSQL runs
    the INSERT exactly once, in the statement's own transaction, whatever the SELECT reads."""
    tables = {
        "purpose": Purpose._meta.db_table,
        "customer": Customer._meta.db_table,
        "restriction": Restriction._meta.db_table,
        "consent": Consent._meta.db_table,
        "policy": PolicyVersion._meta.db_table,
        "log": AccessLog._meta.db_table,
    }
    lookup = {field.name: field.column for field in Customer._meta.concrete_fields}[column]
    sql = f"""
        WITH p AS (
            SELECT id, legal_basis FROM {tables["purpose"]} WHERE code = %s AND is_active
        ), c AS (
            SELECT id, status FROM {tables["customer"]}
            WHERE {lookup} = %s AND status <> %s AND EXISTS (SELECT 1 FROM p)
            ORDER BY id DESC LIMIT {CHECK_CUSTOMERS}
        ), logged AS (
            INSERT INTO {tables["log"]} (at, staff_id, customer_id, action, detail, ip_address)
            SELECT %s, %s, c.id, %s, %s, NULL FROM c
            RETURNING customer_id
        )
        SELECT p.legal_basis, c.id, c.status,
            EXISTS (
                SELECT 1 FROM {tables["restriction"]} r
                WHERE r.customer_id = c.id AND r.lifted_at IS NULL
                    AND (r.purpose_id IS NULL OR r.purpose_id = p.id)
            ),
            consent.status, consent.granted_at, policy.version
        FROM p
        LEFT JOIN c ON TRUE
        LEFT JOIN {tables["consent"]} consent
            ON consent.customer_id = c.id AND consent.purpose_id = p.id
        LEFT JOIN {tables["policy"]} policy ON policy.id = consent.policy_version_id
        ORDER BY c.id DESC
    """  # noqa: S608  # the tables' names come from the models; every value is a parameter
    params = [
        purpose_code,
        value,
        Customer.Status.ERASED,
        timezone.now(),
        staff_id,
        AccessLog.Action.API,
        detail[:255],
    ]
    rows = _prepared(sql, params)
    if not rows:
        return None
    states = [
        CustomerProcessingState(pk, status, restricted, consent or "", granted_at, version or "")
        for _basis, pk, status, restricted, consent, granted_at, version in rows
        if pk is not None
    ]
    return processing_decide(legal_basis=rows[0][0], states=states)


def _prepared(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    """The statement run as a prepared statement of the connection (planned once per
    connection, not per call: planning cost more than running it, 2 ms against 1 on the 1M
    database), through a cursor with server-side parameters, in Django's query log too."""
    import time

    import psycopg

    connection.close_if_health_check_failed()  # what connection.cursor() does first
    connection.ensure_connection()
    started = time.monotonic()
    raw = connection.connection
    prepare = bool(getattr(settings, "DATABASE_PREPARED_STATEMENTS", True))
    if prepare and raw.prepare_threshold is None:
        # Django leaves automatic preparing off (for poolers); a huge threshold keeps it off
        # while letting this statement, asked with prepare=True, be prepared.
        raw.prepare_threshold = 2**31 - 1
    with connection.wrap_database_errors, psycopg.Cursor(raw) as cursor:
        cursor.execute(sql, params, prepare=prepare)
        rows = cursor.fetchall()
    if connection.queries_logged:
        connection.queries_log.append({"sql": sql, "time": f"{time.monotonic() - started:.3f}"})
    return rows
