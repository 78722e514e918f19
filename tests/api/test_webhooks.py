"""Webhooks: events delivered to a real HTTP receiver on 127.0.0.1 that checks the Standard
Webhooks signature; retried with backoff, in order, once; given up after 3 days; replayed."""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import time_machine
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from api import tasks, webhooks
from api.models import WebhookDelivery, WebhookEndpoint
from customers import restrictions, services
from customers.kernel.outbox import OutboxTask
from customers.models import Channel, Customer, PolicyVersion, Purpose
from tests.factories import CustomerFactory, PurposeFactory

pytestmark = pytest.mark.django_db


class Receiver:
    """A webhook receiver: checks each signature as the Standard Webhooks libraries do, answers
    500 to the first ``fail`` calls, records what it accepted."""

    def __init__(self) -> None:
        self.secret = ""
        self.fail = 0
        self.calls = 0
        self.accepted: list[dict[str, Any]] = []
        self.bad_signatures = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.calls += 1
                signed = f"{self.headers['webhook-id']}.{self.headers['webhook-timestamp']}."
                key = base64.b64decode(receiver.secret.removeprefix("whsec_"))
                expected = base64.b64encode(
                    hmac.new(key, signed.encode() + body, hashlib.sha256).digest()
                ).decode()
                given = [s.split(",", 1)[1] for s in self.headers["webhook-signature"].split()]
                if expected not in given:
                    receiver.bad_signatures += 1
                    self.send_response(401)
                elif receiver.fail > 0:
                    receiver.fail -= 1
                    self.send_response(500)
                else:
                    receiver.accepted.append(
                        {"id": self.headers["webhook-id"], **json.loads(body.decode())}
                    )
                    self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    thread = threading.Thread(target=receiver.server.serve_forever, daemon=True)
    thread.start()
    yield receiver
    receiver.server.shutdown()


@pytest.fixture
def endpoint(receiver: Receiver, superuser) -> WebhookEndpoint:
    endpoint = webhooks.webhook_endpoint_create(
        name="Shop CRM",
        url=receiver.url,
        events=["consent.granted", "consent.withdrawn", "customer.restricted"],
        actor=superuser,
    )
    receiver.secret = endpoint.secret
    return endpoint


def _run_event_tasks() -> None:
    """What the worker does with the outbox's event rows (the task, called in place)."""
    for row in OutboxTask.objects.filter(task="api.tasks.webhook_deliver_created").order_by("id"):
        tasks.webhook_deliver_created(*row.args)
        row.delete()


def _customer_with_consent(policy: PolicyVersion, marketing: Purpose) -> Customer:
    customer = CustomerFactory.create(external_id="shop-77")
    services.consent_grant(
        customer=customer, purpose=marketing, channel=Channel.PHONE, form_reference="GA-1"
    )
    return customer


def test_an_event_reaches_the_receiver_signed_with_ids_only(
    receiver: Receiver, endpoint: WebhookEndpoint, policy: PolicyVersion, marketing: Purpose
) -> None:
    customer = _customer_with_consent(policy, marketing)

    _run_event_tasks()

    [event] = receiver.accepted
    assert event["type"] == "consent.granted" and receiver.bad_signatures == 0
    assert event["data"] == {
        "customer_id": customer.pk,
        "shop_id": "shop-77",
        "consent_id": customer.consents.get().pk,
        "purpose_code": "marketing-email",
    }
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "delivered" and delivery.message_id == event["id"]
    assert delivery.last_status_code == 204 and delivery.attempts == 1


def test_a_receiver_that_fails_twice_gets_each_event_once_and_in_order(
    receiver: Receiver,
    endpoint: WebhookEndpoint,
    policy: PolicyVersion,
    marketing: Purpose,
    superuser,
) -> None:
    receiver.fail = 2
    customer = _customer_with_consent(policy, marketing)
    restrictions.restriction_place(customer=customer, actor=superuser, reason="Phản đối")
    start = timezone.now()

    _run_event_tasks()  # the first try fails; the second event waits behind it
    assert receiver.accepted == [] and receiver.calls == 1
    with time_machine.travel(start + datetime.timedelta(seconds=6), tick=False):
        webhooks.deliver_due()  # the second try (after 5 s) fails too
    with time_machine.travel(start + datetime.timedelta(minutes=2), tick=False):
        webhooks.deliver_due()  # not due yet: nothing is sent
    assert receiver.calls == 2
    with time_machine.travel(start + datetime.timedelta(minutes=6), tick=False):
        webhooks.deliver_due()

    assert [event["type"] for event in receiver.accepted] == [
        "consent.granted",
        "customer.restricted",
    ]
    assert receiver.calls == 4
    first = WebhookDelivery.objects.order_by("id").first()
    assert first.attempts == 3 and first.last_error == ""


def test_a_delivery_is_given_up_after_three_days_and_replayed_from_the_admin(
    receiver: Receiver,
    endpoint: WebhookEndpoint,
    policy: PolicyVersion,
    marketing: Purpose,
    admin_client: Client,
) -> None:
    receiver.fail = 10**6
    _customer_with_consent(policy, marketing)
    start = timezone.now()
    _run_event_tasks()
    for hours in range(0, 80, 1):
        with time_machine.travel(start + datetime.timedelta(hours=hours, seconds=10), tick=False):
            webhooks.deliver_due()
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "failed" and delivery.last_status_code == 500
    assert 7 <= delivery.attempts <= 12

    receiver.fail = 0
    log = admin_client.get(reverse("admin:api_webhookdelivery_changelist")).content.decode()
    assert "Shop CRM" in log and str(WebhookDelivery.Status.FAILED.label) in log
    admin_client.post(
        reverse("admin:api_webhookdelivery_changelist"),
        {"action": "replay_selected", ACTION_CHECKBOX_NAME: [str(delivery.pk)]},
    )
    replay = WebhookDelivery.objects.get(replay_of=delivery)
    for row in OutboxTask.objects.filter(task="api.tasks.webhook_deliver_endpoint"):
        tasks.webhook_deliver_endpoint(*row.args)
    replay.refresh_from_db()
    assert replay.status == "delivered" and receiver.accepted[0]["id"] == delivery.message_id


def test_a_recipient_hears_only_of_customers_whose_data_it_received(
    receiver: Receiver, superuser, policy: PolicyVersion, marketing: Purpose
) -> None:
    from customers import disclosures
    from customers.models import Recipient

    shipper = disclosures.recipient_save(
        recipient=Recipient(
            name="Giao Hàng Nhanh",
            kind=Recipient.Kind.SHIPPER,
            purpose=PurposeFactory.create(code="order-fulfilment", legal_basis="contract"),
            contract_reference="HĐVC-1",
            allowed_items=["name", "phone"],
        ),
        actor=None,
    )
    endpoint = webhooks.webhook_endpoint_create(
        name="Shipper",
        url=receiver.url,
        events=["consent.granted"],
        actor=superuser,
        recipient=shipper,
    )
    receiver.secret = endpoint.secret
    stranger = _customer_with_consent(policy, marketing)
    _run_event_tasks()
    assert receiver.calls == 0 and not WebhookDelivery.objects.exists()

    known = CustomerFactory.create(external_id="shop-78")
    disclosures.disclosure_create(
        actor=superuser, customer=known, recipient=shipper, items=["name", "phone"]
    )
    services.consent_grant(
        customer=known, purpose=marketing, channel=Channel.PHONE, form_reference="GA-2"
    )
    _run_event_tasks()

    [event] = receiver.accepted
    assert event["data"]["customer_id"] == known.pk and "shop_id" not in event["data"]
    assert event["data"]["disclosures"] == list(known.disclosures.values_list("pk", flat=True))
    assert stranger.pk not in [e["data"]["customer_id"] for e in receiver.accepted]


def test_a_recipient_with_an_endpoint_is_asked_to_act_by_webhook_and_confirms(
    receiver: Receiver, superuser, policy: PolicyVersion, marketing: Purpose
) -> None:
    from customers import disclosures
    from customers.models import Recipient, RecipientRequest

    partner = disclosures.recipient_save(
        recipient=Recipient(
            name="Đối tác Sao Mai",
            kind=Recipient.Kind.PARTNER,
            purpose=marketing,
            contract_reference="HĐ-SM-1",
            allowed_items=["name", "phone"],
            contact_email="dpo@saomai.vn",  # not used: the webhook comes first
        ),
        actor=None,
    )
    hook = webhooks.webhook_endpoint_create(
        name="Sao Mai",
        url=receiver.url,
        events=["recipient.requested"],
        actor=superuser,
        recipient=partner,
    )
    receiver.secret = hook.secret
    customer = _customer_with_consent(policy, marketing)
    disclosures.disclosure_create(
        actor=superuser, customer=customer, recipient=partner, items=["name", "phone"]
    )

    services.consent_withdraw(
        consent=customer.consents.get(), channel=Channel.PHONE, withdrawal_reference="GA-9"
    )
    # The delivery exists as soon as the withdrawal is committed, not when a task runs.
    assert WebhookDelivery.objects.filter(event="recipient.requested").count() == 1
    _run_event_tasks()

    asked = RecipientRequest.objects.get()
    assert asked.channel == "webhook" and asked.status == "sent"
    [event] = receiver.accepted
    data = event["data"]
    assert event["type"] == "recipient.requested" and receiver.bad_signatures == 0
    assert data["recipient_request_id"] == asked.pk and data["action"] == "stop"
    assert data["purpose_code"] == "marketing-email" and data["items"] == ["name", "phone"]
    assert data["disclosures"] == [customer.disclosures.get().pk]
    assert "shop_id" not in data and "Nguyễn" not in json.dumps(event, ensure_ascii=False)

    token = data["confirm_url"].rstrip("/").rsplit("/", 1)[1]
    answer = Client().post(
        "/api/v1/recipient-requests/confirm",
        {"token": token, "by_name": "Hệ thống Sao Mai"},
        content_type="application/json",
    )
    assert answer.status_code == 200
    asked.refresh_from_db()
    assert asked.status == "confirmed" and asked.confirmed_via == "api"


def test_an_erasure_tells_the_shop_its_own_id_then_forgets_it(
    receiver: Receiver, superuser
) -> None:
    from retention.erasure import customer_erase

    hook = webhooks.webhook_endpoint_create(
        name="Shop CRM", url=receiver.url, events=["customer.erased"], actor=superuser
    )
    receiver.secret = hook.secret
    customer = CustomerFactory.create(external_id="shop-99")

    customer_erase(customer=customer, job="test")

    # The outbox carries delivery ids only: the shop's id never waits there.
    assert "shop-99" not in json.dumps(list(OutboxTask.objects.values_list("args", flat=True)))
    _run_event_tasks()
    [event] = receiver.accepted
    assert event["type"] == "customer.erased"
    assert event["data"] == {"customer_id": customer.pk, "shop_id": "shop-99"}
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "delivered" and "shop_id" not in delivery.payload["data"]
    customer.refresh_from_db()
    assert customer.external_id != "shop-99"
