"""Consents: the check a marketing tool makes before every send, and a customer's consents."""

from __future__ import annotations

import datetime
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field, IPvAnyAddress

from api.auth import need
from api.lookups import customer_by_shop_id, local, log_access
from api.models import Scope
from api.schemas import PROBLEMS, Text
from customers import selectors, services
from customers.models import Consent, PolicyVersion, Purpose
from customers.restrictions import restricted_customer_ids
from customers.validators import phone_search_key

router = Router()

Reason = Literal[
    "granted",
    "legal_basis",
    "no_consent",
    "withdrawn",
    "restricted",
    "not_active",
    "unknown_customer",
]


class CheckQuery(Schema):
    purpose: Text(50, 1) = Field(description="The purpose's code, e.g. marketing-email.")  # type: ignore[valid-type]
    email: Text(254) | None = None  # type: ignore[valid-type]
    phone: Text(40) | None = None  # type: ignore[valid-type]
    customer: Text(64) | None = Field(None, description="The shop's id of the customer.")  # type: ignore[valid-type]


class ListQuery(Schema):
    customer: Text(64, 1) = Field(description="The shop's id of the customer.")  # type: ignore[valid-type]


class CheckOut(Schema):
    allowed: bool = Field(description="True only when the shop may process for this purpose now.")
    reason: Reason
    purpose: str
    granted_at: datetime.datetime | None = None
    policy_version: str | None = None


class ConsentOut(Schema):
    purpose: str
    status: Literal["granted", "withdrawn"]
    granted_at: datetime.datetime
    withdrawn_at: datetime.datetime | None
    channel: str
    policy_version: str
    receipt_number: str


class CustomerConsentsOut(Schema):
    customer: str
    restricted: bool
    consents: list[ConsentOut]


def _purpose(code: str) -> Purpose:
    purpose = Purpose.objects.filter(code=code, is_active=True).first()
    if purpose is None:
        raise _unknown_purpose(code)
    return purpose


def _unknown_purpose(code: str) -> ValidationError:
    return ValidationError(
        {
            "purpose": ValidationError(
                _("No purpose in use has the code “%(code)s”."),
                params={"code": code},
                code="unknown_purpose",
            )
        }
    )


def _lookup(query: CheckQuery) -> tuple[str, str]:
    """How the check finds the customer: ("customer" | "email" | "phone", the value to match)."""
    given = [name for name in ("email", "phone", "customer") if getattr(query, name)]
    if len(given) != 1:
        raise ValidationError(
            {
                "email": ValidationError(
                    _("Give exactly one of email, phone or customer."), code="one_of"
                )
            }
        )
    if query.customer:
        return "customer", query.customer
    if query.email:
        return "email", query.email.strip().lower()
    phone = phone_search_key(query.phone or "")
    if phone is None:
        raise ValidationError(
            {
                "phone": ValidationError(
                    _("Enter a valid phone number, for example 0912 853 984."),
                    code="invalid_phone",
                )
            }
        )
    return "phone", phone


@router.get(
    "/check",
    response={200: CheckOut, **PROBLEMS},
    summary="May the shop process for this purpose now? Ask before every marketing send",
)
def consent_check(request: HttpRequest, query: Query[CheckQuery]) -> Any:
    actor = need(request, Scope.CONSENTS_READ)
    by, value = _lookup(query)
    check = services.consent_check_logged(
        purpose_code=query.purpose,
        by=by,
        value=value,
        staff=actor,
        detail=f"GET /consents/check {query.purpose}",
    )
    if check is None:
        raise _unknown_purpose(query.purpose)
    return {
        "allowed": check.allowed,
        "reason": check.reason,
        "purpose": query.purpose,
        "granted_at": local(check.granted_at),
        "policy_version": check.policy_version or None,
    }


@router.get(
    "/",
    response={200: CustomerConsentsOut, **PROBLEMS},
    summary="A customer's consents, granted and withdrawn",
)
def consent_list(request: HttpRequest, query: Query[ListQuery]) -> Any:
    actor = need(request, Scope.CONSENTS_READ)
    customer = query.customer
    found = customer_by_shop_id(customer)
    consents = selectors.consent_list_for_customer(customer=found)
    log_access(actor, [found.pk], "GET /consents")
    return {
        "customer": customer,
        "restricted": bool(restricted_customer_ids([found.pk])),
        "consents": [_consent_out(consent) for consent in consents],
    }


API_CHANNELS = Literal["web_form", "phone", "sms"]


class ConsentIn(Schema):
    """A consent the shop collected: on its website (the submission id, the IP and the browser)
    or by a recorded call or a text message (the recording's or the message's id). Consents on
    paper or by email carry a file: staff record them in the back office."""

    customer: Text(64, 1) = Field(description="The shop's id of the customer.")  # type: ignore[valid-type]
    purpose: Text(50, 1)  # type: ignore[valid-type]
    channel: API_CHANNELS = "web_form"
    policy_version: Text(20, 1) = Field(description="The version of the policy shown.")  # type: ignore[valid-type]
    form_reference: Text(120) = ""  # type: ignore[valid-type]
    ip_address: IPvAnyAddress | None = None
    user_agent: Text(500) = ""  # type: ignore[valid-type]
    sensitive_notice_shown: bool = Field(
        False,
        description="The form told the person the data is sensitive (Decree 356/2025 Art. 6(4)).",
    )


class WithdrawalIn(Schema):
    customer: Text(64, 1)  # type: ignore[valid-type]
    purpose: Text(50, 1)  # type: ignore[valid-type]
    channel: API_CHANNELS = "web_form"
    reference: Text(120) = ""  # type: ignore[valid-type]
    ip_address: IPvAnyAddress | None = None
    user_agent: Text(500) = ""  # type: ignore[valid-type]
    reason: Text(1000) = ""  # type: ignore[valid-type]


def _consent_out(consent: Consent) -> dict[str, Any]:
    return {
        "purpose": consent.purpose.code,
        "status": consent.status,
        "granted_at": local(consent.granted_at),
        "withdrawn_at": local(consent.withdrawn_at),
        "channel": consent.channel,
        "policy_version": consent.policy_version.version,
        "receipt_number": consent.receipt_number,
    }


def _policy(version: str) -> PolicyVersion:
    policy = PolicyVersion.objects.filter(
        version=version, effective_from__lte=timezone.localdate()
    ).first()
    if policy is None:
        raise ValidationError(
            {
                "policy_version": ValidationError(
                    _("No policy version “%(version)s” is published."),
                    params={"version": version},
                    code="unknown_policy",
                )
            }
        )
    return policy


@router.post(
    "/",
    response={201: ConsentOut, 200: ConsentOut, **PROBLEMS},
    summary="Record a consent with its evidence",
)
def consent_record(request: HttpRequest, payload: ConsentIn) -> Any:
    actor = need(request, Scope.CONSENTS_WRITE)
    with transaction.atomic():
        customer = customer_by_shop_id(payload.customer)
        purpose = _purpose(payload.purpose)
        before = Consent.objects.filter(
            customer=customer, purpose=purpose, status="granted"
        ).exists()
        consent = services.consent_grant(
            customer=customer,
            purpose=purpose,
            channel=payload.channel,
            policy_version=_policy(payload.policy_version),
            form_reference=payload.form_reference,
            ip_address=str(payload.ip_address) if payload.ip_address else None,
            user_agent=payload.user_agent,
            sensitive_notice_given=payload.sensitive_notice_shown,
            actor=actor,
        )
        log_access(actor, [customer.pk], "POST /consents")
    return Status(200 if before else 201, _consent_out(consent))


@router.post(
    "/withdraw",
    response={200: ConsentOut, **PROBLEMS},
    summary="Withdraw a consent, with the withdrawal's evidence",
)
def consent_withdrawal(request: HttpRequest, payload: WithdrawalIn) -> Any:
    actor = need(request, Scope.CONSENTS_WRITE)
    with transaction.atomic():
        customer = customer_by_shop_id(payload.customer)
        purpose = _purpose(payload.purpose)
        consent = Consent.objects.filter(customer=customer, purpose=purpose).first()
        if consent is None:
            raise ValidationError(
                {
                    "purpose": ValidationError(
                        _("This customer gave no consent to this purpose."), code="no_consent"
                    )
                }
            )
        consent = services.consent_withdraw(
            consent=consent,
            channel=payload.channel,
            reason=payload.reason,
            withdrawal_reference=payload.reference,
            withdrawal_ip_address=str(payload.ip_address) if payload.ip_address else None,
            withdrawal_user_agent=payload.user_agent,
            actor=actor,
        )
        log_access(actor, [customer.pk], "POST /consents/withdraw")
    return _consent_out(consent)
