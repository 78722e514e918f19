"""The breach-incident admin: only Legal & compliance and administrators see incidents (every
page, the notice and the phone list too); the 72-hour clock shows wherever the incident does;
each step calls complaints.incidents and its refusals come back on the form; the notice to A05
is printable in Vietnamese; the customers are told once each, by email or on the phone list."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import clear_url_caches, reverse
from django.utils import timezone, translation

from complaints import incidents
from complaints.models import Incident, IncidentCustomer
from config.celery_app import app as celery_app
from customers.kernel.text import local_datetime
from customers.models import AccessLog, Controller, Customer
from customers.personal_data import Category
from tests.factories import CustomerFactory, role_member

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 11, 20, 3, 0, tzinfo=datetime.UTC)  # 10:00 in Ha Noi


@pytest.fixture(autouse=True)
def _english(settings: Any) -> Iterator[None]:
    """Assertions read English messages (the admin speaks LANGUAGE_CODE)."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield
    clear_url_caches()


@pytest.fixture
def frozen() -> Iterator[Any]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def legal(db: None) -> Any:
    return role_member("legal_compliance", "phap-che-binh")


@pytest.fixture
def administrator(db: None) -> Any:
    return role_member("administrator", "quan-tri")


@pytest.fixture
def eager(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tasks queued after commit run in place (their emails land in mail.outbox)."""
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)
    monkeypatch.setitem(celery_app.conf, "task_eager_propagates", True)


@pytest.fixture
def incident(legal: Any, controller: Controller, frozen: Any) -> Incident:
    return incidents.incident_create(
        actor=legal,
        title="Tấn công máy chủ đơn hàng",
        detected_at=NOW - datetime.timedelta(hours=10),
        description="Máy chủ đơn hàng bị truy cập trái phép.",
        cause="Mật khẩu quản trị bị lộ.",
        place="Máy chủ web",
        categories=[Category.IDENTITY, Category.CONTACT],
        consequences="Khách hàng có thể nhận cuộc gọi lừa đảo.",
        measures_taken="Đã đổi toàn bộ mật khẩu quản trị.",
        measures_planned="Bật xác thực hai lớp.",
        contact_title="Trưởng phòng pháp chế",
    )


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def change_url(incident: Incident) -> str:
    return reverse("admin:complaints_incident_change", args=[incident.pk])


def step_url(incident: Incident, step: str) -> str:
    return reverse("admin:complaints_incident_step", args=[incident.pk, step])


def notice_url(incident: Incident) -> str:
    return reverse("admin:complaints_incident_notice", args=[incident.pk])


def phones_url(incident: Incident) -> str:
    return reverse("admin:complaints_incident_phones", args=[incident.pk])


def local_form(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


# Who sees incidents -------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["legal_compliance", "administrator"])
def test_legal_and_administrators_list_open_and_create(
    role: str, incident: Incident, django_assert_max_num_queries: Any
) -> None:
    client = signed_in(role_member(role, f"{role}-x"))
    with django_assert_max_num_queries(20):
        listing = client.get(reverse("admin:complaints_incident_changelist"))
    assert listing.status_code == 200
    assert incident.reference in listing.content.decode()
    with django_assert_max_num_queries(30):
        page = client.get(change_url(incident))
    assert page.status_code == 200
    assert client.get(reverse("admin:complaints_incident_add")).status_code == 200
    assert client.get(notice_url(incident)).status_code == 200
    assert client.get(phones_url(incident)).status_code == 200
    assert "incident" in client.get(reverse("admin:index")).content.decode().lower()


@pytest.mark.parametrize("role", ["customer_care", "sales"])
def test_customer_care_and_sales_are_refused_every_incident_page(
    role: str, incident: Incident
) -> None:
    client = signed_in(role_member(role, f"{role}-x"))
    urls = [
        reverse("admin:complaints_incident_changelist"),
        reverse("admin:complaints_incident_add"),
        change_url(incident),
        notice_url(incident),
        phones_url(incident),
        reverse("admin:complaints_incident_phones_csv", args=[incident.pk]),
        step_url(incident, "select"),
        step_url(incident, "record_notice"),
        reverse("admin:complaints_incidentcustomer_changelist"),
    ]
    for url in urls:
        assert client.get(url).status_code == 403, url
    posted = client.post(step_url(incident, "close"), {})
    assert posted.status_code == 403
    index = client.get(reverse("admin:index")).content.decode()
    assert reverse("admin:complaints_incident_changelist") not in index


# The add form ---------------------------------------------------------------------------------


def add_form(**overrides: Any) -> dict[str, Any]:
    detected = timezone.localtime(NOW - datetime.timedelta(hours=2))
    data: dict[str, Any] = {
        "title": "Lộ dữ liệu qua email",
        "detected_at_0": detected.strftime("%Y-%m-%d"),
        "detected_at_1": detected.strftime("%H:%M:%S"),
        "occurred_at_0": "",
        "occurred_at_1": "",
        "description": "Một nhân viên gửi nhầm danh sách khách hàng.",
        "cause": "",
        "place": "Email",
        "categories": [Category.CONTACT],
        "consequences": "",
        "measures_taken": "",
        "measures_planned": "",
        "contact_name": "",
        "contact_title": "",
        "contact_phone": "",
        "contact_email": "",
    }
    data.update(overrides)
    return data


def test_creating_through_the_admin_form_uses_the_dpo_as_contact(
    legal: Any, controller: Controller, frozen: Any
) -> None:
    response = signed_in(legal).post(reverse("admin:complaints_incident_add"), add_form())
    assert response.status_code == 302
    created = Incident.objects.get()
    assert created.reference == "SC-2026-001"
    assert created.categories == [Category.CONTACT]
    assert created.contact_name == "Trần Thị Bình"
    assert created.created_by == legal


def test_a_detection_in_the_future_is_refused_on_the_field(
    legal: Any, controller: Controller, frozen: Any
) -> None:
    future = timezone.localtime(NOW + datetime.timedelta(days=1))
    response = signed_in(legal).post(
        reverse("admin:complaints_incident_add"),
        add_form(
            detected_at_0=future.strftime("%Y-%m-%d"), detected_at_1=future.strftime("%H:%M:%S")
        ),
    )
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert "The detection cannot be in the future." in form.errors["detected_at"]
    assert "Lộ dữ liệu qua email" in response.content.decode()  # nothing typed is lost
    assert not Incident.objects.exists()


def test_a_closed_incident_is_read_only(incident: Incident, legal: Any) -> None:
    incidents.incident_record_authority_notice(
        incident=incident, actor=legal, sent_at=NOW, reference="123/CV"
    )
    incidents.incident_close(incident=incident, actor=legal)
    client = signed_in(legal)
    page = client.get(change_url(incident)).content.decode()
    assert 'name="title"' not in page
    assert step_url(incident, "select") not in page
    client.post(change_url(incident), add_form(title="Changed"))
    incident.refresh_from_db()
    assert incident.title == "Tấn công máy chủ đơn hàng"


# The clock ---------------------------------------------------------------------------------


def test_the_clock_shows_on_the_list_the_page_and_every_step(
    incident: Incident, legal: Any
) -> None:
    client = signed_in(legal)
    text = incidents.clock(incident).text()
    assert "62 h 00 min left" in text
    assert text in client.get(reverse("admin:complaints_incident_changelist")).content.decode()
    assert text in client.get(change_url(incident)).content.decode()
    for step in ("select", "record_notice"):
        assert text in client.get(step_url(incident, step)).content.decode()


def test_an_overdue_incident_shows_it_in_red(incident: Incident, legal: Any, frozen: Any) -> None:
    frozen.shift(datetime.timedelta(hours=63))
    page = signed_in(legal).get(reverse("admin:complaints_incident_changelist")).content.decode()
    assert "incident-clock-late" in page
    assert "OVERDUE by 1 h 00 min" in page


# Choosing the customers --------------------------------------------------------------------


def test_choosing_customers_by_ids_then_all(incident: Incident, legal: Any) -> None:
    first, second, third = (CustomerFactory() for _ in range(3))
    client = signed_in(legal)
    response = client.post(
        step_url(incident, "select"), {"kind": "ids", "ids": f"{first.pk}, {second.pk}\n"}
    )
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.affected_count == 2
    assert set(incident.affected.values_list("customer_id", flat=True)) == {first.pk, second.pk}

    client.post(step_url(incident, "select"), {"kind": "all"})
    incident.refresh_from_db()
    assert incident.affected_count == Customer.objects.count() == 3
    assert third.pk in set(incident.affected.values_list("customer_id", flat=True))
    page = client.get(change_url(incident)).content.decode()
    assert 'class="incident-count-affected">3<' in page


def test_affected_customers_are_picked_by_name_or_phone(incident: Incident, legal: Any) -> None:
    hoa = CustomerFactory(full_name="Lê Thị Hoa", phone="0903 123 456")
    typed = CustomerFactory()
    client = signed_in(legal)
    page = client.get(step_url(incident, "select")).content.decode()
    assert 'class="admin-autocomplete' in page and 'name="picked"' in page
    found = client.get(
        reverse("admin:autocomplete"),
        {
            "term": "0903123456",
            "app_label": "complaints",
            "model_name": "incidentcustomer",
            "field_name": "customer",
        },
    ).json()["results"]
    assert [result["id"] for result in found] == [str(hoa.pk)]

    response = client.post(
        step_url(incident, "select"), {"kind": "ids", "ids": str(typed.pk), "picked": [hoa.pk]}
    )

    assert response.status_code == 302
    assert set(incident.affected.values_list("customer_id", flat=True)) == {hoa.pk, typed.pk}


def test_unknown_ids_are_refused_on_the_field(incident: Incident, legal: Any) -> None:
    response = signed_in(legal).post(
        step_url(incident, "select"), {"kind": "ids", "ids": "999999 abc"}
    )
    assert response.status_code == 200
    assert "abc" in " ".join(response.context["form"].errors["ids"])
    response = signed_in(legal).post(step_url(incident, "select"), {"kind": "ids", "ids": "999999"})
    assert "No customer has these ids: 999999." in response.context["form"].errors["ids"]
    assert not IncidentCustomer.objects.exists()


# The notice to A05 -------------------------------------------------------------------------


def test_a_late_notice_needs_its_reason(incident: Incident, legal: Any, frozen: Any) -> None:
    frozen.shift(datetime.timedelta(hours=70))
    client = signed_in(legal)
    page = client.get(step_url(incident, "record_notice"))
    assert page.context["form"].fields["late_reason"].required
    sent = {"sent_at": local_form(timezone.now()), "reference": "45/CV-PC", "late_reason": ""}
    refused = client.post(step_url(incident, "record_notice"), sent)
    assert refused.status_code == 200
    assert (
        "The notice is later than 72 hours after detection: write the reason."
        in refused.context["form"].errors["late_reason"]
    )
    incident.refresh_from_db()
    assert incident.authority_notified_at is None

    sent["late_reason"] = "Chờ kết quả điều tra của bên cung cấp máy chủ."
    assert client.post(step_url(incident, "record_notice"), sent).status_code == 302
    incident.refresh_from_db()
    assert incident.status == Incident.Status.AUTHORITY_NOTIFIED
    assert incident.late_reason.startswith("Chờ kết quả")
    assert "late" in client.get(change_url(incident)).content.decode()


def test_a_notice_sent_in_time_and_recorded_late_needs_no_reason(
    incident: Incident, legal: Any, frozen: Any
) -> None:
    frozen.shift(datetime.timedelta(hours=70))
    sent_at = NOW + datetime.timedelta(hours=20)  # 30 h after detection
    response = signed_in(legal).post(
        step_url(incident, "record_notice"), {"sent_at": local_form(sent_at), "reference": ""}
    )
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.authority_notified_at == sent_at


def test_the_notice_is_in_vietnamese_on_form_08_without_a_countdown(
    incident: Incident, legal: Any
) -> None:
    customers = [CustomerFactory() for _ in range(4)]
    incidents.incident_select_customers(
        incident=incident,
        actor=legal,
        selection={"kind": "ids", "ids": [customer.pk for customer in customers]},
    )
    response = signed_in(legal).get(notice_url(incident))
    assert response.status_code == 200
    page = response.content.decode()
    assert "THÔNG BÁO" in page and "VI PHẠM QUY ĐỊNH BẢO VỆ DỮ LIỆU CÁ NHÂN" in page
    assert "Kính gửi: Cơ quan chuyên trách bảo vệ dữ liệu cá nhân, Bộ Công an." in page
    assert "thời điểm xảy ra chưa xác định" in page  # the time it occurred is not known
    assert "Nhận dạng" in page and "Liên lạc" in page  # the categories, in Vietnamese
    assert '<html lang="vi">' in page
    assert "Số chủ thể dữ liệu liên quan: 4 người" in page
    assert "Trần Thị Bình" in page and "dpo@mitexco.example.vn" in page  # the DPO
    assert "Đã đổi toàn bộ mật khẩu quản trị." in page
    assert "Bật xác thực hai lớp." in page
    assert "Công ty Cổ phần Thương mại Mỹ Tho" in page and "1200100557" in page
    # The paper sent, not the back office's countdown ("… h … min left") nor its deadline.
    assert incidents.clock(incident).text() not in page and " min " not in page
    assert local_datetime(incidents.clock(incident).due_at) not in page
    for customer in customers:
        assert customer.full_name not in page  # counts, never names


# Telling the customers ---------------------------------------------------------------------


def test_telling_the_customers_emails_each_once_and_lists_the_others_for_a_call(
    incident: Incident,
    legal: Any,
    eager: None,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with_email = [CustomerFactory() for _ in range(3)]
    without_email = CustomerFactory(email="", full_name="Lê Thị Không Email", phone="0987654321")
    incidents.incident_select_customers(
        incident=incident,
        actor=legal,
        selection={"kind": "ids", "ids": [c.pk for c in [*with_email, without_email]]},
    )
    client = signed_in(legal)
    form = client.get(step_url(incident, "notify")).context["form"]
    assert "{name}" in form.initial["text"]
    assert "Tấn công máy chủ đơn hàng" in form.initial["text"]  # built from the incident
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            step_url(incident, "notify"),
            {
                "subject": "Thông báo sự cố",
                "text": "Kính gửi {name}, ...",
                "_action": "send",  # as the confirmation page posts it, with its counts
                "emails": "3",
                "calls": "1",
            },
        )
    assert response.status_code == 302
    assert sorted(message.to[0] for message in mail.outbox) == sorted(c.email for c in with_email)
    assert mail.outbox[0].body.startswith("Kính gửi Nguyễn Văn An")

    # Started again (resumed): nobody is told twice.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            step_url(incident, "notify"),
            {
                "subject": "Thông báo sự cố",
                "text": "Kính gửi {name}, ...",
                "_action": "send",
                "emails": "0",
                "calls": "1",
            },
        )
    assert len(mail.outbox) == 3

    # The phone list: the customer without email, logged as viewed, and the call recorded.
    page = client.get(phones_url(incident))
    content = page.content.decode()
    assert "Lê Thị Không Email" in content
    assert "0987 654 321" in content
    assert AccessLog.objects.filter(
        customer_id=without_email.pk, action=AccessLog.Action.VIEW
    ).exists()
    row = IncidentCustomer.objects.get(incident=incident, customer=without_email)
    assert row.channel == IncidentCustomer.Channel.PHONE and row.notified_at is None

    csv_response = client.get(reverse("admin:complaints_incident_phones_csv", args=[incident.pk]))
    assert csv_response.content.startswith(b"\xef\xbb\xbf")
    assert "Lê Thị Không Email" in csv_response.content.decode("utf-8-sig")
    assert AccessLog.objects.filter(
        customer_id=without_email.pk, action=AccessLog.Action.EXPORT
    ).exists()

    assert client.post(phones_url(incident), {"called": [str(row.pk)]}).status_code == 302
    row.refresh_from_db()
    assert row.notified_at is not None
    assert "Nobody left to call." in client.get(phones_url(incident)).content.decode()
    page = client.get(change_url(incident)).content.decode()
    assert 'class="incident-count-emailed">3<' in page
    assert 'class="incident-count-called">1<' in page


def test_telling_nobody_is_refused_with_the_reason(incident: Incident, legal: Any) -> None:
    response = signed_in(legal).get(step_url(incident, "notify"))
    assert response.status_code == 302  # no button: nobody is affected yet
    assert (
        step_url(incident, "notify")
        not in signed_in(legal).get(change_url(incident)).content.decode()
    )


def test_closing_needs_the_notice_first(incident: Incident, legal: Any) -> None:
    client = signed_in(legal)
    assert step_url(incident, "close") not in client.get(change_url(incident)).content.decode()
    incidents.incident_record_authority_notice(incident=incident, actor=legal, sent_at=NOW)
    assert step_url(incident, "close") in client.get(change_url(incident)).content.decode()
    assert client.post(step_url(incident, "close"), {}).status_code == 302
    incident.refresh_from_db()
    assert incident.status == Incident.Status.CLOSED


def test_the_affected_customers_list_is_read_only(incident: Incident, legal: Any) -> None:
    customer = CustomerFactory()
    incidents.incident_select_customers(
        incident=incident, actor=legal, selection={"kind": "ids", "ids": [customer.pk]}
    )
    client = signed_in(legal)
    url = reverse("admin:complaints_incidentcustomer_changelist")
    response = client.get(f"{url}?incident__id__exact={incident.pk}")
    assert response.status_code == 200
    assert f"#{customer.pk}" in response.content.decode()
    assert client.get(reverse("admin:complaints_incidentcustomer_add")).status_code == 403


def test_choosing_the_customers_whose_data_went_to_a_recipient(
    incident: Incident, legal: Any
) -> None:
    from customers import disclosures
    from customers.models import Purpose, Recipient
    from customers.personal_data import DataItem

    fulfilment = Purpose.objects.create(
        code="fulfilment",
        name_vi="Giao hàng",
        name_en="Delivery",
        legal_basis=Purpose.LegalBasis.CONTRACT,
    )
    shipper = Recipient.objects.create(
        name="Giao Hàng Nhanh",
        kind=Recipient.Kind.SHIPPER,
        purpose=fulfilment,
        contract_reference="HĐ-2026/GHN-01",
        allowed_items=[DataItem.NAME, DataItem.PHONE],
    )
    shipped, kept = CustomerFactory(), CustomerFactory()
    disclosures.disclosure_create(
        actor=role_member("customer_care"),
        customer=shipped,
        recipient=shipper,
        items=[DataItem.NAME],
    )
    client = signed_in(legal)
    refused = client.post(step_url(incident, "select"), {"kind": "recipient"})
    assert "Choose the recipient." in refused.context["form"].errors["recipient"]
    window = {
        "kind": "recipient",
        "recipient": shipper.pk,
        "start": local_form(NOW - datetime.timedelta(days=1)),
        "end": local_form(NOW + datetime.timedelta(hours=1)),
    }
    assert client.post(step_url(incident, "select"), window).status_code == 302
    assert list(incident.affected.values_list("customer_id", flat=True)) == [shipped.pk]
    assert kept.pk not in incident.affected.values_list("customer_id", flat=True)
