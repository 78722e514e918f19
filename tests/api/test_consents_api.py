"""GET /api/v1/consents/check — the marketing tool asks before every send — and a customer's
consents (Law 91/2025/QH15 Art. 9(4)(c), Art. 10: consent holds until withdrawn; a restriction
stops processing)."""

from __future__ import annotations

import pytest

from customers import restrictions, services
from customers.models import AccessLog, Channel, Customer, PolicyVersion, Purpose
from tests.api.conftest import ApiClient
from tests.factories import PurposeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(api: ApiClient, policy: PolicyVersion, marketing: Purpose, superuser) -> dict:
    api.put(
        "/customers/shop-1",
        {"full_name": "Nguyễn Văn An", "phone": "0912 853 984", "email": "an@example.vn"},
    )
    api.put("/customers/shop-2", {"full_name": "Trần Bình", "phone": "0903 111 222"})
    an = Customer.objects.get(external_id="shop-1")
    services.consent_grant(
        customer=an, purpose=marketing, channel=Channel.PHONE, form_reference="GHI-AM-1"
    )
    return {"an": an, "marketing": marketing, "superuser": superuser}


def _check(api: ApiClient, **params: str) -> dict:
    response = api.get("/consents/check", purpose="marketing-email", **params)
    assert response.status_code == 200, response.json()
    return response.json()


def test_consents_check_answers_by_email_phone_or_shop_id(api: ApiClient, setup: dict) -> None:
    for params in (
        {"email": "AN@example.vn"},
        {"phone": "+84 912 853 984"},
        {"customer": "shop-1"},
    ):
        answer = _check(api, **params)
        assert answer["allowed"] is True and answer["reason"] == "granted", params
        assert answer["policy_version"] == "2026.1"
    assert _check(api, customer="shop-2") == {
        "allowed": False,
        "reason": "no_consent",
        "purpose": "marketing-email",
        "granted_at": None,
        "policy_version": None,
    }
    assert _check(api, email="nobody@example.vn")["reason"] == "unknown_customer"
    assert AccessLog.objects.filter(customer=setup["an"], action="api").count() >= 3


def test_consents_check_says_no_once_withdrawn_or_restricted(api: ApiClient, setup: dict) -> None:
    an = setup["an"]
    restriction = restrictions.restriction_place(
        customer=an, actor=setup["superuser"], reason="Khách phản đối", reference="KN-1"
    )
    assert _check(api, customer="shop-1")["reason"] == "restricted"
    restrictions.restriction_lift(
        restriction=restriction, actor=setup["superuser"], reason="Đã xác minh"
    )
    assert _check(api, customer="shop-1")["allowed"] is True

    consent = an.consents.get()
    services.consent_withdraw(
        consent=consent, channel=Channel.PHONE, withdrawal_reference="GHI-AM-2"
    )
    assert _check(api, customer="shop-1")["reason"] == "withdrawn"

    contract = PurposeFactory.create(code="order-fulfilment", legal_basis="contract")
    answer = api.get("/consents/check", purpose=contract.code, customer="shop-2").json()
    assert answer["allowed"] is True and answer["reason"] == "legal_basis"


def test_consents_check_refuses_a_question_it_cannot_answer(api: ApiClient, setup: dict) -> None:
    unknown = api.get("/consents/check", purpose="nope", email="an@example.vn", language="en")
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "purpose"
    both = api.get("/consents/check", purpose="marketing-email", email="a@b.vn", phone="0912853984")
    assert both.status_code == 422 and both.json()["errors"][0]["field"] == "email"
    bad_phone = api.get("/consents/check", purpose="marketing-email", phone="12")
    assert bad_phone.status_code == 422 and bad_phone.json()["errors"][0]["field"] == "phone"
    missing = api.get("/consents/check", email="an@example.vn")
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "purpose"


def test_a_customers_consents_are_read_with_their_receipt_numbers(
    api: ApiClient, setup: dict
) -> None:
    body = api.get("/consents/", customer="shop-1").json()

    [consent] = body["consents"]
    assert body["restricted"] is False
    assert consent["purpose"] == "marketing-email" and consent["status"] == "granted"
    assert consent["receipt_number"] == setup["an"].consents.get().receipt_number
    assert api.get("/consents/", customer="shop-404").status_code == 422


def test_times_are_answered_in_vietnams_offset(api: ApiClient, setup: dict) -> None:
    assert _check(api, customer="shop-1")["granted_at"].endswith("+07:00")


WEB = {
    "customer": "shop-2",
    "purpose": "marketing-email",
    "policy_version": "2026.1",
    "form_reference": "checkout-8841",
    "ip_address": "203.113.5.9",
    "user_agent": "Mozilla/5.0 (iPhone)",
}


def test_a_consent_from_the_website_is_recorded_with_its_evidence(
    api: ApiClient, setup: dict
) -> None:
    created = api.post("/consents/", WEB)
    again = api.post("/consents/", WEB)

    assert (created.status_code, again.status_code) == (201, 200)
    consent = Customer.objects.get(external_id="shop-2").consents.get()
    assert (consent.form_reference, consent.ip_address, consent.user_agent) == (
        "checkout-8841",
        "203.113.5.9",
        "Mozilla/5.0 (iPhone)",
    )
    assert consent.recorded_by.api_key.name == "Website checkout"
    assert created.json()["receipt_number"] == consent.receipt_number
    assert _check(api, customer="shop-2")["allowed"] is True


def test_a_consent_without_its_evidence_is_refused_at_the_field(
    api: ApiClient, setup: dict
) -> None:
    response = api.post("/consents/", {**WEB, "user_agent": ""}, language="en")

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["user_agent"]
    unknown_policy = api.post("/consents/", {**WEB, "policy_version": "1999.9"})
    assert unknown_policy.json()["errors"][0]["field"] == "policy_version"
    paper = api.post("/consents/", {**WEB, "channel": "in_person"})
    assert paper.status_code == 422 and paper.json()["errors"][0]["field"] == "channel"
    assert not Customer.objects.get(external_id="shop-2").consents.exists()


def test_a_consent_is_withdrawn_through_the_api_once(api: ApiClient, setup: dict) -> None:
    body = {
        "customer": "shop-1",
        "purpose": "marketing-email",
        "channel": "sms",
        "reference": "SMS-TC-77",
    }

    first = api.post("/consents/withdraw", body)
    second = api.post("/consents/withdraw", body, language="en")

    assert first.status_code == 200 and first.json()["status"] == "withdrawn"
    assert setup["an"].consents.get().withdrawal_reference == "SMS-TC-77"
    assert (
        second.status_code == 409 and "already withdrawn" in second.json()["errors"][0]["message"]
    )
    assert _check(api, customer="shop-1")["reason"] == "withdrawn"
    none = api.post("/consents/withdraw", {**body, "customer": "shop-2"})
    assert none.status_code == 422 and none.json()["errors"][0]["field"] == "purpose"


def test_every_check_is_in_the_access_log_under_the_keys_name(
    client, make_key, setup: dict
) -> None:
    """Law 91/2025/QH15 Art. 3(4): each call that reads a customer's data is logged, one row per
    customer read; a call that reads no one (unknown purpose or customer) logs no one."""
    key, secret = make_key("Email marketing tool", ["consents:read"])
    tool = ApiClient(client, secret)
    services.customer_upsert(external_id="shop-3", full_name="Lê Văn An", phone="0912853984")
    logged = AccessLog.objects.filter(staff=key.user, action=AccessLog.Action.API)
    for _ in range(3):
        assert _check(tool, customer="shop-1")["allowed"] is True
    assert logged.filter(customer=setup["an"]).count() == 3
    assert set(logged.values_list("detail", flat=True)) == {"GET /consents/check marketing-email"}

    shared = _check(tool, phone="0912 853 984")  # two customers have this phone
    assert shared["reason"] == "no_consent"  # shop-3 gave none: the cautious answer
    assert logged.count() == 5

    assert tool.get("/consents/check", purpose="nope", customer="shop-1").status_code == 422
    assert _check(tool, customer="nobody")["reason"] == "unknown_customer"
    assert logged.count() == 5


def test_on_redis_the_rate_limit_and_a_revocation_reach_the_next_call(
    client, make_key, setup: dict, settings, require_redis: str
) -> None:
    """A warm process asks Redis once per call (the keys' generation and the minute's count):
    the limit still holds and a key revoked elsewhere is refused at its next call."""
    from django.core.cache import caches

    from api import services as api_services

    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": require_redis,
        }
    }
    caches["default"].clear()
    try:
        limited_key, limited_secret = make_key(
            "Limited", ["consents:read"], rate_limit_per_minute=3
        )
        key, secret = make_key("Email marketing tool", ["consents:read"])
        limited, tool = ApiClient(client, limited_secret), ApiClient(client, secret)
        for _ in range(3):
            assert _check(limited, customer="shop-1")["allowed"] is True
        refused = limited.get("/consents/check", purpose="marketing-email", customer="shop-1")
        assert refused.status_code == 429 and int(refused["Retry-After"]) in range(1, 61)
        assert AccessLog.objects.filter(staff=limited_key.user).count() == 3

        assert _check(tool, customer="shop-1")["allowed"] is True
        api_services.api_key_revoke(api_key=key, actor=setup["superuser"])
        gone = tool.get("/consents/check", purpose="marketing-email", customer="shop-1")
        assert gone.status_code == 401
    finally:
        caches["default"].clear()
