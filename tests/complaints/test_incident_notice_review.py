"""Telling a breach's customers: first the email as one affected customer reads it, a test to
the staff member's own address, then a page that says how many emails and calls will go out;
the customers can be chosen by pasting the phones and emails of the leaked file, and every line
that matches nobody is reported, never dropped."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import clear_url_caches, reverse
from django.utils import timezone, translation

from complaints import incidents
from complaints.models import Incident, IncidentCustomer
from config.celery_app import app as celery_app
from customers.models import AccessLog, Controller
from customers.personal_data import Category
from tests.factories import CustomerFactory, role_member

pytestmark = pytest.mark.django_db

TEXT = "Kính gửi {name}, dữ liệu của quý khách có thể đã bị lộ."


@pytest.fixture(autouse=True)
def _english(settings: Any) -> Iterator[None]:
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield
    clear_url_caches()


@pytest.fixture
def legal(db: None) -> Any:
    user = role_member("legal_compliance", "phap-che-thu")
    user.email = "thu.phapche@example.vn"
    user.first_name = "Thư"
    user.save()
    return user


@pytest.fixture
def eager(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)
    monkeypatch.setitem(celery_app.conf, "task_eager_propagates", True)


@pytest.fixture
def incident(legal: Any, controller: Controller) -> Incident:
    return incidents.incident_create(
        actor=legal,
        title="Lộ tệp khách hàng",
        detected_at=timezone.now() - datetime.timedelta(hours=5),
        description="Một tệp khách hàng bị đăng lên mạng.",
        cause="Tài khoản nhân viên bị lộ.",
        place="Kho dữ liệu",
        categories=[Category.CONTACT],
        consequences="Khách hàng có thể nhận tin nhắn lừa đảo.",
        measures_taken="Đã khoá tài khoản.",
        measures_planned="Đào tạo lại nhân viên.",
        contact_title="Trưởng phòng pháp chế",
    )


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def step_url(incident: Incident, step: str) -> str:
    return reverse("admin:complaints_incident_step", args=[incident.pk, step])


def post_notice(client: Client, incident: Incident, action: str, **extra: str) -> Any:
    data = {"subject": "Thông báo sự cố dữ liệu", "text": TEXT, "_action": action, **extra}
    return client.post(step_url(incident, "notify"), data)


@pytest.fixture
def affected(incident: Incident, legal: Any) -> list[Any]:
    customers = [CustomerFactory(full_name=f"Phạm Thị Hoa {n}") for n in range(3)]
    customers.append(CustomerFactory(email="", full_name="Đỗ Văn Gọi", phone="0987 111 222"))
    incidents.incident_select_customers(
        incident=incident, actor=legal, selection={"kind": "ids", "ids": [c.pk for c in customers]}
    )
    return customers


def test_preview_shows_the_email_as_one_customer_reads_it_and_sends_nothing(
    incident: Incident, legal: Any, affected: list[Any]
) -> None:
    mail.outbox.clear()
    response = post_notice(signed_in(legal), incident, "preview")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Kính gửi Phạm Thị Hoa 0, dữ liệu" in page  # {name} filled for the first customer
    assert "Thông báo sự cố dữ liệu" in page
    assert "3 customers by email; 1 would go on the phone list" in page
    assert mail.outbox == []
    assert AccessLog.objects.filter(
        customer_id=affected[0].pk, action=AccessLog.Action.VIEW
    ).exists()  # a customer's name shown to staff is logged
    assert not IncidentCustomer.objects.filter(notified_at__isnull=False).exists()


def test_a_test_goes_to_the_staff_members_own_address_only(
    incident: Incident, legal: Any, affected: list[Any]
) -> None:
    mail.outbox.clear()
    response = post_notice(signed_in(legal), incident, "test")
    assert response.status_code == 200
    assert [message.to for message in mail.outbox] == [["thu.phapche@example.vn"]]
    assert mail.outbox[0].subject == "[TEST] Thông báo sự cố dữ liệu"
    assert mail.outbox[0].body.startswith("Kính gửi Thư,")  # the staff member's own name
    assert "Phạm Thị Hoa" not in mail.outbox[0].body
    assert "A test email was sent to your address thu.phapche@example.vn" in (
        response.content.decode()
    )
    incident.refresh_from_db()
    assert incident.notifying_started_at is None


def test_a_test_without_an_email_on_the_account_is_a_message_on_the_form(
    incident: Incident, legal: Any, affected: list[Any]
) -> None:
    legal.email = ""
    legal.save()
    response = post_notice(signed_in(legal), incident, "test")
    assert response.status_code == 200
    assert "Your account has no email address" in response.content.decode()
    assert TEXT in response.content.decode()  # nothing typed is lost


def test_the_confirmation_states_the_emails_and_calls_then_sends_them(
    incident: Incident,
    legal: Any,
    affected: list[Any],
    eager: None,
    django_capture_on_commit_callbacks: Any,
) -> None:
    client = signed_in(legal)
    page = post_notice(client, incident, "confirm").content.decode()
    assert "3 emails will be sent now" in page
    assert "1 customer has no email address and goes on the phone list" in page
    mail.outbox.clear()
    # Counts that no longer hold (a customer added meanwhile): the confirmation is shown again.
    page = post_notice(client, incident, "send", emails="2", calls="1").content.decode()
    assert "The numbers changed" in page and mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        response = post_notice(client, incident, "send", emails="3", calls="1")
    assert response.status_code == 302
    assert sorted(m.to[0] for m in mail.outbox) == sorted(c.email for c in affected[:3])
    progress = client.get(reverse("admin:complaints_incident_progress", args=[incident.pk])).json()
    assert progress["total"] == 4 and progress["done"] == 4 and progress["failed"] == 0
    assert progress["finished"] is True
    assert "Phạm" not in str(progress) and "@" not in str(progress)


def test_the_progress_is_refused_to_staff_who_may_not_see_incidents(
    incident: Incident, affected: list[Any]
) -> None:
    care = role_member("customer_care", "cskh-lan")
    url = reverse("admin:complaints_incident_progress", args=[incident.pk])
    assert signed_in(care).get(url).status_code == 403


def test_pasted_phones_and_emails_choose_customers_and_report_the_unmatched(
    incident: Incident, legal: Any
) -> None:
    by_phone = CustomerFactory(phone="0912 853 984", email="")
    by_email = CustomerFactory(email="mai.nguyen@example.vn")
    both = CustomerFactory(phone="0903 123 456", email="tuan@example.vn")
    CustomerFactory(phone="0977 000 111")  # not in the file
    pasted = "\n".join(
        [
            "+84 912 853 984",
            "MAI.NGUYEN@example.vn",
            "tuan@example.vn;0903123456",
            "",
            "0988 765 432",  # a real number, no such customer
            "nobody@example.vn",
        ]
    )
    client = signed_in(legal)
    response = client.post(
        step_url(incident, "select"), {"kind": "contacts", "contacts": pasted}, follow=True
    )
    page = response.content.decode()
    chosen = set(
        IncidentCustomer.objects.filter(incident=incident).values_list("customer_id", flat=True)
    )
    assert chosen == {by_phone.pk, by_email.pk, both.pk}
    assert "3 pasted lines matched; 3 customers added; 3 affected in all." in page
    # Where to look in the file pasted from, by line: the leaked contacts themselves are not
    # kept in the message (it waits in the session store).
    assert "2 pasted lines matched no customer: lines 5, 6." in page
    assert "0988 765 432" not in page and "nobody@example.vn" not in page
    incident.refresh_from_db()
    assert "0912" not in str(incident.selection) and "@" not in str(incident.selection)


def test_a_pasted_line_with_neither_phone_nor_email_is_refused_where_it_was_typed(
    incident: Incident, legal: Any
) -> None:
    CustomerFactory(phone="0912 853 984")
    pasted = "0912 853 984\nNguyễn Văn A\n0912 85"
    response = signed_in(legal).post(
        step_url(incident, "select"), {"kind": "contacts", "contacts": pasted}
    )
    assert response.status_code == 200
    errors = response.context["form"].errors["contacts"]
    assert "2: “Nguyễn Văn A”" in errors[0] and "3: “0912 85”" in errors[0]
    assert pasted in response.content.decode()  # what was pasted is kept
    assert not IncidentCustomer.objects.filter(incident=incident).exists()


def test_while_the_customers_are_told_the_incident_page_polls_its_progress(
    incident: Incident, legal: Any, affected: list[Any]
) -> None:
    incidents.incident_start_notifying(
        incident=incident, actor=legal, subject="Thông báo", text=TEXT
    )  # queued, no worker runs it here
    client = signed_in(legal)
    page = client.get(reverse("admin:complaints_incident_change", args=[incident.pk]))
    content = page.content.decode()
    assert 'src="/static/pdpdesk/progress.js"' in content and "<noscript><meta" in content
    assert "data-running" in content and 'max="4"' in content and 'value="0"' in content
    state = client.get(reverse("admin:complaints_incident_progress", args=[incident.pk])).json()
    assert (state["done"], state["total"], state["running"], state["finished"]) == (
        0,
        4,
        True,
        False,
    )
    assert state["text"].startswith("0 of 4 customers handled")
