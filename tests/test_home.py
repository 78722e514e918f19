"""The admin's home: what needs doing today, per role, each count opening the list of exactly
those records; the trends as server-drawn charts with their figures; the steps in "recent
actions"."""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.contrib.admin.models import LogEntry
from django.test import Client
from django.urls import clear_url_caches, reverse
from django.utils import timezone, translation

from complaints import incidents
from complaints import services as complaint_services
from complaints.models import Complaint
from customers import services as customer_services
from customers.models import Channel
from customers.tally_model import MonthlyTally
from retention import services as retention_services
from retention.models import ErasureRequest, LegalHold, PurgeRun
from tests.factories import CustomerFactory, complaint_submit, role_member

pytestmark = pytest.mark.django_db

_numbers = itertools.count(1)


@pytest.fixture(autouse=True)
def _english(settings: Any) -> Iterator[None]:
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield
    clear_url_caches()


@pytest.fixture
def care(db: None) -> Any:
    return role_member("customer_care", "cskh-lan")


@pytest.fixture
def legal(db: None) -> Any:
    return role_member("legal_compliance", "phap-che-binh")


@pytest.fixture
def administrator(db: None) -> Any:
    return role_member("administrator", "quan-tri")


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def submitted(when: datetime.datetime | None = None, **overrides: Any) -> Complaint:
    n = next(_numbers)
    values = {"phone": f"0912 {n:03d} 678", "email": f"khach{n}@example.vn", **overrides}
    if when is not None:
        values["when"] = when
    return complaint_submit(**values)


def home(client: Client) -> Any:
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    return response


def counts(response: Any) -> dict[str, str]:
    """{label: the figure shown} of every item on the home."""
    return {
        str(item.label): item.shown
        for section in response.context["attention"]
        for item in section.items
    }


def items(response: Any) -> dict[str, Any]:
    return {
        str(item.label): item for section in response.context["attention"] for item in section.items
    }


def listed(client: Client, url: str) -> int:
    """How many records the list behind a count shows."""
    response = client.get(url)
    assert response.status_code == 200, url
    return len(response.context["cl"].result_list)


def seeded(legal: Any, care: Any) -> dict[str, Any]:
    now = timezone.now()
    late = [submitted(now - datetime.timedelta(days=60)) for _ in range(2)]
    fresh = submitted()
    complaint_services.complaint_route(
        complaint=fresh,
        actor=care,
        department=Complaint.Department.CUSTOMER_CARE,
        assignee=care,
    )
    customer = CustomerFactory.create()
    erasure = retention_services.erasure_request_create(
        customer=CustomerFactory.create(), source=ErasureRequest.Source.STAFF, actor=care
    )
    retention_services.legal_hold_place(
        customer=customer, actor=legal, reason=LegalHold.Reason.INVESTIGATION, reference="12/QĐ"
    )
    detected = now - datetime.timedelta(hours=60, minutes=30)
    with time_machine.travel(detected + datetime.timedelta(minutes=1)):
        incident = incidents.incident_create(
            actor=legal, title="Lộ danh sách khách hàng", description="x", detected_at=detected
        )
    PurgeRun.objects.create(
        task="retention.tasks.purge_expired",
        trigger=PurgeRun.Trigger.SCHEDULE,
        status=PurgeRun.Status.FAILED,
    )
    return {"late": late, "fresh": fresh, "erasure": erasure, "incident": incident}


def test_legal_sees_every_count_and_each_opens_exactly_those_records(legal: Any, care: Any) -> None:
    seeded(legal, care)
    client = signed_in(legal)
    response = home(client)
    shown = counts(response)
    assert shown["Overdue"] == "2"
    assert shown["Acknowledgements late"] == "2"
    assert shown["Acknowledgements to send (2 working days)"] == "1"
    assert shown["Not assigned"] == "2"
    assert shown["Erasure requests to verify"] == "1"
    assert shown["Erasure requests to approve"] == "0"
    assert shown["Legal holds in force"] == "1"
    # 72 − 60.5 hours: 11 left, and red.
    breach = [
        item
        for section in response.context["attention"]
        for item in section.items
        if "72" in str(section.title)
    ]
    assert len(breach) == 1 and breach[0].figure == "11 h" and breach[0].tone == "danger"
    page = response.content.decode()
    assert "11 hours left" in page
    # Each count opens the list of exactly those records.
    for item in items(response).values():
        if "/change/" in item.url or item.figure:
            continue
        assert listed(client, item.url) == item.count, item.label


def test_customer_care_sees_the_queue_and_their_own_not_legal_s_items(
    legal: Any, care: Any
) -> None:
    seeded(legal, care)
    response = home(signed_in(care))
    shown = counts(response)
    assert shown["Overdue"] == "2"
    assert shown["Assigned to me"] == "1"
    assert shown["Erasure requests to verify"] == "1"
    for legal_only in (
        "Erasure requests to approve",
        "Legal holds in force",
        "Purge runs failed in the last 7 days",
    ):
        assert legal_only not in shown
    assert not any("72" in str(section.title) for section in response.context["attention"])
    assert "Lộ danh sách" not in response.content.decode()


def test_the_administrator_sees_jobs_deliveries_and_accounts_not_the_queue(
    legal: Any, care: Any, administrator: Any
) -> None:
    seeded(legal, care)
    client = signed_in(administrator)
    shown = counts(home(client))
    assert shown["Purge runs failed in the last 7 days"] == "1"
    assert shown["Webhook deliveries failed"] == "0"
    assert shown["Accounts locked after failed logins"] == "0"
    assert "Overdue" not in shown and "Erasure requests to verify" not in shown
    item = items(home(client))["Purge runs failed in the last 7 days"]
    assert listed(client, item.url) == 1


def test_a_superuser_sees_every_part(superuser: Any, legal: Any, care: Any) -> None:
    seeded(legal, care)
    client = signed_in(superuser)
    response = home(client)
    shown = counts(response)
    for item in items(response).values():
        if not item.figure:
            assert listed(client, item.url) == item.count, item.label
    for label in (
        "Overdue",
        "Erasure requests to approve",
        "Legal holds in force",
        "Requests to recipients past their deadline",
        "Webhook deliveries failed",
        "Accounts locked after failed logins",
    ):
        assert label in shown


def test_due_today_and_in_the_next_two_days(legal: Any) -> None:
    complaint = submitted()
    # On its due day in the morning, then the morning before.
    due_day = timezone.localtime(complaint.due_at).date()
    with time_machine.travel(
        timezone.make_aware(datetime.datetime.combine(due_day, datetime.time(9))), tick=False
    ):
        client = signed_in(legal)
        shown = counts(home(client))
        assert shown["Due today"] == "1" and shown["Due in the next 2 days"] == "0"
        assert listed(client, items(home(client))["Due today"].url) == 1
    with time_machine.travel(
        timezone.make_aware(
            datetime.datetime.combine(due_day - datetime.timedelta(days=1), datetime.time(9))
        ),
        tick=False,
    ):
        client = signed_in(legal)
        shown = counts(home(client))
        assert shown["Due today"] == "0" and shown["Due in the next 2 days"] == "1"
        assert listed(client, items(home(client))["Due in the next 2 days"].url) == 1


def test_a_step_is_a_recent_action_on_the_home(legal: Any) -> None:
    complaint = submitted()
    client = signed_in(legal)
    response = client.post(
        reverse("admin:complaints_complaint_step", args=[complaint.pk, "route"]),
        {
            "department": Complaint.Department.CUSTOMER_CARE,
            "assignee": legal.pk,
            "kind": complaint.kind,
        },
    )
    assert response.status_code == 302
    entry = LogEntry.objects.get(object_id=str(complaint.pk))
    assert entry.user == legal and "Step:" in entry.get_change_message()
    page = home(client).content.decode()
    assert complaint.tracking_code in page and "Step:" in page


def test_trends_are_drawn_with_their_figures_from_the_monthly_tallies(
    legal: Any, policy: Any, marketing: Any
) -> None:
    customer = CustomerFactory.create()
    consent = customer_services.consent_grant(
        customer=customer,
        purpose=marketing,
        channel=Channel.WEB_FORM,
        form_reference="WF-2026-000123",
        ip_address="203.113.5.7",
        user_agent="Mozilla/5.0",
    )
    customer_services.consent_withdraw(
        consent=consent, channel=Channel.SMS, withdrawal_reference="SMS-1", actor=legal
    )
    month = timezone.localdate().replace(day=1)
    assert set(MonthlyTally.objects.values_list("metric", "key", "month", "count")) == {
        ("consent_granted", marketing.code, month, 1),
        ("consent_withdrawn", marketing.code, month, 1),
    }
    submitted(kind="access")
    response = home(signed_in(legal))
    page = response.content.decode()
    titles = [chart.title for chart in response.context["charts"]]
    assert "Consents granted per month, by purpose" in titles
    assert "Requests and complaints received per month" in titles
    assert page.count('<svg class="home-chart"') >= 2
    assert 'role="img"' in page and "<caption>" in page
    assert f"{month:%m/%Y}: {marketing.name} 1" in page
    assert "<script" not in page.split('id="content-main"')[1].split("</main>")[0]


def test_the_home_reads_a_bounded_number_of_queries(
    legal: Any, care: Any, django_assert_max_num_queries: Any
) -> None:
    seeded(legal, care)
    client = signed_in(legal)
    home(client)
    with django_assert_max_num_queries(30):
        home(client)


def test_the_tallies_are_rebuilt_from_the_consents_as_they_stand(
    policy: Any, marketing: Any
) -> None:
    from customers.tallies import tallies_rebuild

    for _ in range(2):
        customer_services.consent_grant(
            customer=CustomerFactory.create(),
            purpose=marketing,
            channel=Channel.WEB_FORM,
            form_reference="WF-2026-000124",
            ip_address="203.113.5.7",
            user_agent="Mozilla/5.0",
        )
    before = set(MonthlyTally.objects.values_list("metric", "key", "month", "count"))
    MonthlyTally.objects.all().delete()
    assert tallies_rebuild() == 1
    assert set(MonthlyTally.objects.values_list("metric", "key", "month", "count")) == before


def test_a_consent_at_half_past_midnight_vietnam_time_counts_in_the_new_month(
    policy: Any, marketing: Any
) -> None:
    """00:30 on the 1st in Vietnam is 17:30 UTC on the last day of the month before: the new
    month's, when the grant is counted and when the tallies are rebuilt (next month's 1st:
    after the policy took effect)."""
    from zoneinfo import ZoneInfo

    from customers.tallies import tallies_rebuild

    first = (timezone.localdate().replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
    moment = datetime.datetime.combine(
        first, datetime.time(0, 30), tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")
    )
    assert moment.astimezone(datetime.UTC).day != 1
    with time_machine.travel(moment):
        customer_services.consent_grant(
            customer=CustomerFactory.create(),
            purpose=marketing,
            channel=Channel.WEB_FORM,
            form_reference="WF-2026-000126",
            ip_address="203.113.5.7",
            user_agent="Mozilla/5.0",
        )
    counted = list(MonthlyTally.objects.values_list("metric", "month", "count"))
    assert counted == [(MonthlyTally.Metric.CONSENT_GRANTED, first, 1)]
    tallies_rebuild()
    assert list(MonthlyTally.objects.values_list("metric", "month", "count")) == counted
