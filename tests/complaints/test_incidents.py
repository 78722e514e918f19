"""Breach incidents (seed 001 §7; Law 91/2025/QH15: A05 is notified within 72 hours of
detection): the clock with a moving clock, the reminders to Legal & compliance, the notice's
content, choosing the affected customers, who may act, telling the customers in batches, and
the erasure of an affected customer."""

from __future__ import annotations

import datetime
import functools
import zoneinfo
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation
from django.utils.translation import gettext
from django_celery_beat.models import PeriodicTask

from complaints import incidents, tasks
from complaints.models import Incident, IncidentCustomer
from customers import disclosures, roles, services
from customers.models import AccessLog, Controller, Customer, Purpose, Recipient
from customers.personal_data import Category, DataItem
from retention.erasure import customer_erase
from tests.factories import CustomerFactory, PurposeFactory, StaffFactory, role_member

pytestmark = pytest.mark.django_db

HCM = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
DETECTED = datetime.datetime(2026, 11, 2, 9, 0, tzinfo=HCM)
DUE = "05/11/2026 09:00"
HOUR = datetime.timedelta(hours=1)
MINUTE = datetime.timedelta(minutes=1)


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture
def legal(db: None) -> Any:
    return role_member(roles.LEGAL_COMPLIANCE, "phap-che-binh")


@pytest.fixture
def administrator(db: None) -> Any:
    return role_member(roles.ADMINISTRATOR, "quan-tri-minh")


def _travel(moment: datetime.datetime) -> Any:
    return time_machine.travel(moment, tick=False)


def _incident(actor: Any, **fields: Any) -> Incident:
    values: dict[str, Any] = {
        "title": "Máy chủ web bị tấn công",
        "detected_at": DETECTED,
        "description": "Một máy chủ web bị truy cập trái phép; bảng khách hàng bị sao chép.",
        "categories": [Category.IDENTITY, Category.CONTACT],
        **fields,
    }
    with _travel(values["detected_at"] + MINUTE):
        return incidents.incident_create(actor=actor, **values)


def _codes(error: ValidationError) -> dict[str, list[str]]:
    return {field: [e.code or "" for e in errors] for field, errors in error.error_dict.items()}


def _left(hours: int, minutes: int) -> str:
    return gettext("%(hours)d h %(minutes)02d min left to notify A05 (due %(due)s)") % {
        "hours": hours,
        "minutes": minutes,
        "due": DUE,
    }


# The 72-hour clock --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("after", "hours_left", "text", "late"),
    [
        (datetime.timedelta(0), 72, functools.partial(_left, 72, 0), False),
        (23 * HOUR + 59 * MINUTE, 48, functools.partial(_left, 48, 1), False),
        (24 * HOUR, 48, functools.partial(_left, 48, 0), False),
        (71 * HOUR + 59 * MINUTE, 0, functools.partial(_left, 0, 1), False),
        (72 * HOUR, 0, functools.partial(_left, 0, 0), False),
        (
            72 * HOUR + datetime.timedelta(seconds=1),
            -1,
            functools.partial(str, "OVERDUE by 0 h 00 min: A05 was due to be notified by " + DUE),
            True,
        ),
        (
            72 * HOUR + MINUTE,
            -1,
            functools.partial(str, "OVERDUE by 0 h 01 min: A05 was due to be notified by " + DUE),
            True,
        ),
        (
            73 * HOUR,
            -1,
            functools.partial(str, "OVERDUE by 1 h 00 min: A05 was due to be notified by " + DUE),
            True,
        ),
    ],
)
def test_the_clock_counts_72_hours_from_detection(
    legal: Any, after: datetime.timedelta, hours_left: int, text: Callable[[], str], late: bool
) -> None:
    incident = _incident(legal)

    with _travel(DETECTED + after), translation.override("en"):
        clock = incidents.clock(incident)
        assert clock.hours_left == hours_left
        assert clock.text() == text()
        assert clock.is_late is late
    assert incident.authority_due_at == DETECTED + 72 * HOUR


def test_a_notice_within_72_hours_is_on_time(legal: Any) -> None:
    incident = _incident(legal)

    with _travel(DETECTED + 71 * HOUR + 59 * MINUTE):
        incidents.incident_record_authority_notice(
            incident=incident,
            actor=legal,
            sent_at=DETECTED + 71 * HOUR + 58 * MINUTE,
            reference="Công văn 07/2026/CV-PC",
        )
    incident.refresh_from_db()
    assert incident.status == Incident.Status.AUTHORITY_NOTIFIED
    assert incident.authority_reference == "Công văn 07/2026/CV-PC"
    assert incident.late_reason == ""
    # Later on, the clock still says it was in time.
    with _travel(DETECTED + 100 * HOUR):
        clock = incidents.clock(incident)
        assert not clock.is_late
        assert clock.text() == "Authority notified on 05/11/2026 08:58, within 72 hours"


def test_a_late_notice_needs_its_reason(legal: Any) -> None:
    incident = _incident(legal)
    sent_at = DETECTED + 72 * HOUR + MINUTE

    with _travel(DETECTED + 80 * HOUR):
        with pytest.raises(ValidationError) as refused:
            incidents.incident_record_authority_notice(
                incident=incident, actor=legal, sent_at=sent_at, late_reason="  "
            )
        assert _codes(refused.value) == {"late_reason": ["late_reason_required"]}
        assert Incident.objects.get(pk=incident.pk).authority_notified_at is None

        incidents.incident_record_authority_notice(
            incident=incident,
            actor=legal,
            sent_at=sent_at,
            late_reason="Chờ kết quả điều tra của đơn vị an ninh mạng.",
        )
    incident.refresh_from_db()
    assert incident.authority_notified_at == sent_at
    assert incident.late_reason == "Chờ kết quả điều tra của đơn vị an ninh mạng."
    assert incidents.clock(incident).is_late
    assert incidents.clock(incident).text() == "Authority notified on 05/11/2026 09:01 — late"


@pytest.mark.parametrize(
    ("sent_after", "code"),
    [(-MINUTE, "before"), (3 * HOUR, "future")],
)
def test_a_notice_before_detection_or_in_the_future_is_refused(
    legal: Any, sent_after: datetime.timedelta, code: str
) -> None:
    incident = _incident(legal)

    with _travel(DETECTED + 2 * HOUR), pytest.raises(ValidationError) as refused:
        incidents.incident_record_authority_notice(
            incident=incident, actor=legal, sent_at=DETECTED + sent_after
        )
    assert _codes(refused.value) == {"sent_at": [code]}
    assert Incident.objects.get(pk=incident.pk).status == Incident.Status.OPEN


def test_the_notice_is_recorded_once(legal: Any) -> None:
    incident = _incident(legal)
    with _travel(DETECTED + 2 * HOUR):
        incidents.incident_record_authority_notice(
            incident=incident, actor=legal, sent_at=DETECTED + HOUR
        )
        with pytest.raises(ValidationError) as refused:
            incidents.incident_record_authority_notice(
                incident=incident, actor=legal, sent_at=DETECTED + 2 * HOUR
            )
    assert refused.value.code == "already_notified"
    assert Incident.objects.get(pk=incident.pk).authority_notified_at == DETECTED + HOUR


# Reminders to Legal & compliance --------------------------------------------------------------


@pytest.fixture
def legal_team(legal: Any, administrator: Any) -> Any:
    """Two Legal & compliance members, one without an email; an administrator (not warned)."""
    silent = role_member(roles.LEGAL_COMPLIANCE, "phap-che-no-email")
    silent.email = ""
    silent.save()
    return legal


def _remind_at(moment: datetime.datetime) -> list[Any]:
    mail.outbox.clear()
    with _travel(moment):
        sent = tasks.send_incident_reminders()
    assert sent == len(mail.outbox)
    return list(mail.outbox)


def _subject(incident: Incident, hours: int) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return gettext(
            "Breach %(reference)s: %(hours)d hours since detection, A05 not notified"
        ) % {"reference": incident.reference, "hours": hours}


def test_legal_is_warned_at_24_48_and_66_hours_each_once(legal_team: Any) -> None:
    incident = _incident(legal_team)

    assert _remind_at(DETECTED + 23 * HOUR + 59 * MINUTE) == []
    for hours in (24, 48, 66):
        [warning] = _remind_at(DETECTED + hours * HOUR)
        assert warning.to == [legal_team.email]
        assert warning.subject == _subject(incident, hours)
        assert incident.title in warning.body
        # Again in the same hour (the next run of the schedule): nothing more.
        assert _remind_at(DETECTED + hours * HOUR + 10 * MINUTE) == []
    assert _remind_at(DETECTED + 71 * HOUR) == []
    assert _remind_at(DETECTED + 80 * HOUR) == []
    incident.refresh_from_db()
    assert incident.reminders_sent == [24, 48, 66]


def test_a_run_that_jumps_hours_sends_the_latest_warning_only(legal_team: Any) -> None:
    incident = _incident(legal_team)

    assert _remind_at(DETECTED + 10 * HOUR) == []
    [warning] = _remind_at(DETECTED + 50 * HOUR)
    assert warning.subject == _subject(incident, 48)
    incident.refresh_from_db()
    assert incident.reminders_sent == [24, 48]
    [warning] = _remind_at(DETECTED + 66 * HOUR)
    assert warning.subject == _subject(incident, 66)


def test_no_warning_once_the_authority_is_notified(legal_team: Any) -> None:
    incident = _incident(legal_team)
    with _travel(DETECTED + 20 * HOUR):
        incidents.incident_record_authority_notice(
            incident=incident, actor=legal_team, sent_at=DETECTED + 19 * HOUR
        )

    for hours in (24, 48, 66):
        assert _remind_at(DETECTED + hours * HOUR) == []
    assert Incident.objects.get(pk=incident.pk).reminders_sent == []


def test_the_reminders_are_in_the_database_schedule() -> None:
    task = PeriodicTask.objects.get(task="complaints.tasks.send_incident_reminders")
    assert task.enabled
    assert task.interval is not None
    assert (task.interval.every, task.interval.period) == (15, "minutes")


# The notice to A05 ----------------------------------------------------------------------------


def test_the_notice_names_categories_count_and_the_dpo(legal: Any, controller: Controller) -> None:
    incident = _incident(legal, categories=[Category.IDENTITY, Category.ADDRESS])
    customers = [CustomerFactory() for _ in range(3)]
    incidents.incident_select_customers(
        incident=incident,
        actor=legal,
        selection={"kind": "ids", "ids": [c.pk for c in customers]},
    )

    context = incidents.notice_context(incident)

    assert [row["label"] for row in context["data_rows"]] == [
        str(Category.IDENTITY.label),
        str(Category.ADDRESS.label),
    ]
    assert context["affected"] == 3
    assert context["detected"] == "02/11/2026 09:00"
    assert incident.occurred_at is None
    assert context["occurred"] == ""
    assert context["controller"] == controller
    # The person responsible: the controller's DPO (no DPO phone: the company's).
    assert incident.contact_name == "Trần Thị Bình"
    assert incident.contact_email == "dpo@mitexco.example.vn"
    assert incident.contact_phone == controller.phone_display == "0273 3872 466"


def test_a_contact_written_by_staff_is_kept(legal: Any, controller: Controller) -> None:
    incident = _incident(
        legal, contact_name="Lê Văn Cường", contact_email="", contact_title="Giám đốc"
    )
    assert incident.contact_name == "Lê Văn Cường"
    assert incident.contact_title == "Giám đốc"
    # An empty field (as a form sends it) takes the default.
    assert incident.contact_email == "dpo@mitexco.example.vn"


def test_an_incident_cannot_have_occurred_after_its_detection(legal: Any) -> None:
    with pytest.raises(ValidationError) as refused:
        _incident(legal, occurred_at=DETECTED + HOUR)
    assert _codes(refused.value) == {"occurred_at": ["after_detection"]}
    assert not Incident.objects.exists()


# The affected customers ----------------------------------------------------------------------


@pytest.fixture
def shipper(db: None) -> Recipient:
    purpose = PurposeFactory(
        code="order-fulfilment",
        name_vi="Xử lý và giao đơn hàng",
        name_en="Order fulfilment",
        legal_basis=Purpose.LegalBasis.CONTRACT,
    )
    return disclosures.recipient_save(
        recipient=Recipient(
            name="Giao Hàng Nhanh",
            kind=Recipient.Kind.SHIPPER,
            purpose=purpose,
            contract_reference="HĐ-2026/GHN-01",
            allowed_items=[DataItem.NAME, DataItem.PHONE, DataItem.DELIVERY_ADDRESS],
        ),
        actor=None,
    )


def _disclose(actor: Any, customer: Customer, recipient: Recipient, at: datetime.datetime) -> None:
    with _travel(at):
        disclosures.disclosure_create(
            actor=actor, customer=customer, recipient=recipient, items=[DataItem.NAME], when=at
        )


def _affected(incident: Incident) -> set[int]:
    return set(
        IncidentCustomer.objects.filter(incident=incident).values_list("customer_id", flat=True)
    )


def test_customers_disclosed_to_a_recipient_are_affected(legal: Any, shipper: Recipient) -> None:
    early, inside, late, never = (CustomerFactory() for _ in range(4))
    _disclose(legal, early, shipper, DETECTED - 30 * 24 * HOUR)
    _disclose(legal, inside, shipper, DETECTED - 5 * 24 * HOUR)
    _disclose(legal, late, shipper, DETECTED - 24 * HOUR)
    incident = _incident(legal)

    window = {
        "kind": "recipient",
        "recipient": shipper.pk,
        "from": DETECTED - 10 * 24 * HOUR,
        "to": DETECTED - 2 * 24 * HOUR,
    }
    assert (
        incidents.incident_select_customers(incident=incident, actor=legal, selection=window) == 1
    )
    assert _affected(incident) == {inside.pk}

    # The recipient, without a window: everyone it received; those already chosen once.
    count = incidents.incident_select_customers(
        incident=incident, actor=legal, selection={"kind": "recipient", "recipient": shipper}
    )
    assert count == 3
    assert _affected(incident) == {early.pk, inside.pk, late.pk}
    assert never.pk not in _affected(incident)
    incident.refresh_from_db()
    assert incident.affected_count == 3
    assert IncidentCustomer.objects.filter(incident=incident).count() == 3
    assert [choice["kind"] for choice in incident.selection["choices"]] == [
        "recipient",
        "recipient",
    ]


def test_an_unknown_recipient_is_refused(legal: Any) -> None:
    incident = _incident(legal)
    with pytest.raises(ValidationError) as refused:
        incidents.incident_select_customers(
            incident=incident, actor=legal, selection={"kind": "recipient", "recipient": 999_999}
        )
    assert _codes(refused.value) == {"recipient": ["required"]}


def test_customers_opened_by_staff_in_a_window_are_affected(legal: Any) -> None:
    clerk = StaffFactory(username="cskh-lan", is_superuser=False)
    before, inside, after = (CustomerFactory() for _ in range(3))
    for customer, at in (
        (before, DETECTED - 48 * HOUR),
        (inside, DETECTED - 12 * HOUR),
        (after, DETECTED + 2 * HOUR),
    ):
        with _travel(at):
            services.access_log_record(
                staff=clerk, customer_ids=[customer.pk], action=AccessLog.Action.VIEW
            )
    incident = _incident(legal)

    with _travel(DETECTED + 3 * HOUR):
        count = incidents.incident_select_customers(
            incident=incident,
            actor=legal,
            selection={
                "kind": "access_window",
                "from": DETECTED - 24 * HOUR,
                "to": DETECTED,
            },
        )
    assert count == 1
    assert _affected(incident) == {inside.pk}


def test_a_window_needs_both_ends_in_order(legal: Any) -> None:
    incident = _incident(legal)
    for selection, codes in (
        ({"kind": "access_window", "from": DETECTED}, {"from": ["required"]}),
        (
            {"kind": "access_window", "from": DETECTED, "to": DETECTED - HOUR},
            {"to": ["order"]},
        ),
        ({"kind": "everyone"}, {"kind": ["kind"]}),
    ):
        with pytest.raises(ValidationError) as refused:
            incidents.incident_select_customers(incident=incident, actor=legal, selection=selection)
        assert _codes(refused.value) == codes


def test_customers_by_id_unknown_ids_are_named(legal: Any) -> None:
    first, second, third = (CustomerFactory() for _ in range(3))
    incident = _incident(legal)
    missing = third.pk + 1000

    with pytest.raises(ValidationError) as refused:
        incidents.incident_select_customers(
            incident=incident,
            actor=legal,
            selection={"kind": "ids", "ids": [first.pk, missing]},
        )
    assert _codes(refused.value) == {"ids": ["unknown_ids"]}
    assert refused.value.message_dict["ids"] == [f"No customer has these ids: {missing}."]
    assert _affected(incident) == set()

    ids = {"kind": "ids", "ids": [str(first.pk), second.pk]}
    assert incidents.incident_select_customers(incident=incident, actor=legal, selection=ids) == 2
    # Chosen again, with one more: no one twice.
    again = {"kind": "ids", "ids": [second.pk, third.pk]}
    assert incidents.incident_select_customers(incident=incident, actor=legal, selection=again) == 3
    assert _affected(incident) == {first.pk, second.pk, third.pk}
    assert IncidentCustomer.objects.filter(incident=incident).count() == 3


def test_all_customers_but_the_erased(legal: Any) -> None:
    kept = [CustomerFactory() for _ in range(4)]
    gone = CustomerFactory()
    customer_erase(customer=gone)
    assert Customer.objects.get(pk=gone.pk).status == Customer.Status.ERASED
    incident = _incident(legal)

    count = incidents.incident_select_customers(
        incident=incident, actor=legal, selection={"kind": "all"}
    )
    assert count == 4
    assert _affected(incident) == {c.pk for c in kept}
    assert (
        incidents.incident_select_customers(
            incident=incident, actor=legal, selection={"kind": "all"}
        )
        == 4
    )


# Who may act --------------------------------------------------------------------------------


def _every_write(actor: Any, incident: Incident, customer: Customer) -> list[Any]:
    return [
        lambda: incidents.incident_create(
            actor=actor, title="x", description="x", detected_at=DETECTED
        ),
        lambda: incidents.incident_update(incident=incident, actor=actor, title="Đổi tên"),
        lambda: incidents.incident_select_customers(
            incident=incident, actor=actor, selection={"kind": "ids", "ids": [customer.pk]}
        ),
        lambda: incidents.incident_record_authority_notice(
            incident=incident, actor=actor, sent_at=DETECTED + HOUR
        ),
        lambda: incidents.incident_start_notifying(
            incident=incident, actor=actor, subject="Thông báo", text="Kính gửi {name}"
        ),
        lambda: incidents.incident_record_calls(
            incident=incident, actor=actor, rows=IncidentCustomer.objects.all()
        ),
        lambda: incidents.incident_close(incident=incident, actor=actor),
    ]


@pytest.mark.parametrize("role", [roles.CUSTOMER_CARE, roles.SALES])
def test_customer_care_and_sales_may_not_act_on_incidents(legal: Any, role: str) -> None:
    incident = _incident(legal)
    customer = CustomerFactory()
    outsider = role_member(role)

    with _travel(DETECTED + 2 * HOUR):
        for write in [
            *_every_write(outsider, incident, customer),
            *_every_write(None, incident, customer),
        ]:
            with pytest.raises(PermissionDenied):
                write()
    incident.refresh_from_db()
    assert (incident.title, incident.status, incident.affected_count) == (
        "Máy chủ web bị tấn công",
        Incident.Status.OPEN,
        0,
    )
    assert Incident.objects.count() == 1
    assert not IncidentCustomer.objects.exists()


@pytest.mark.parametrize("role", [roles.LEGAL_COMPLIANCE, roles.ADMINISTRATOR])
def test_legal_and_administrators_may_act_on_incidents(role: str) -> None:
    member = role_member(role)
    customer = CustomerFactory(email="")
    with _travel(DETECTED + MINUTE):
        incident = incidents.incident_create(
            actor=member, title="Lộ dữ liệu", description="Mô tả", detected_at=DETECTED
        )
    with _travel(DETECTED + 2 * HOUR):
        incidents.incident_update(incident=incident, actor=member, cause="Mật khẩu yếu")
        incidents.incident_select_customers(
            incident=incident, actor=member, selection={"kind": "ids", "ids": [customer.pk]}
        )
        incidents.incident_record_authority_notice(
            incident=incident, actor=member, sent_at=DETECTED + HOUR
        )
        incidents.incident_start_notifying(
            incident=incident, actor=member, subject="Thông báo", text="Kính gửi {name}"
        )
        incidents.incident_notify_batch(incident_id=incident.pk)
        assert (
            incidents.incident_record_calls(
                incident=incident, actor=member, rows=incidents.phone_list(incident)
            )
            == 1
        )
        incidents.incident_close(incident=incident, actor=member)
    incident.refresh_from_db()
    assert incident.status == Incident.Status.CLOSED
    assert incident.created_by == member
    assert incident.history.first().history_user == member


# Telling the customers ------------------------------------------------------------------------


def test_the_customers_are_told_once_by_email_or_on_the_phone_list(
    legal: Any, settings: Any
) -> None:
    settings.INCIDENT_NOTIFY_BATCH_SIZE = 2
    with_email = [CustomerFactory(full_name=f"Phạm Thị Hoa {n}") for n in range(5)]
    without = [CustomerFactory(full_name=f"Đỗ Văn Nam {n}", email="") for n in range(2)]
    incident = _incident(legal)
    incidents.incident_select_customers(
        incident=incident,
        actor=legal,
        selection={"kind": "ids", "ids": [c.pk for c in [*with_email, *without]]},
    )
    text = "Kính gửi {name},\nmáy chủ của chúng tôi bị tấn công ngày 02/11/2026."
    with _travel(DETECTED + 5 * HOUR):
        incidents.incident_start_notifying(
            incident=incident, actor=legal, subject="Thông báo sự cố dữ liệu", text=text
        )
        assert Incident.objects.get(pk=incident.pk).notifying_finished_at is None
        mail.outbox.clear()

        told = tasks.notify_incident_customers(incident.pk)

    assert told == 7
    assert sorted(m.to[0] for m in mail.outbox) == sorted(c.email for c in with_email)
    for message in mail.outbox:
        [customer] = [c for c in with_email if c.email == message.to[0]]
        assert message.to == [customer.email]
        assert message.subject == "Thông báo sự cố dữ liệu"
        assert message.body == text.replace("{name}", customer.full_name)
    rows = IncidentCustomer.objects.filter(incident=incident)
    assert {r.customer_id for r in rows if r.notified_at is not None} == {c.pk for c in with_email}
    assert all(r.channel == IncidentCustomer.Channel.EMAIL for r in rows if r.notified_at)
    to_call = incidents.phone_list(incident)
    assert {r.customer_id for r in to_call} == {c.pk for c in without}
    incident.refresh_from_db()
    assert incident.notifying_finished_at == DETECTED + 5 * HOUR

    # Again: nothing more is sent.
    mail.outbox.clear()
    assert tasks.notify_incident_customers(incident.pk) == 0
    assert mail.outbox == []

    # Staff call the rest and record it.
    with _travel(DETECTED + 6 * HOUR):
        called = incidents.incident_record_calls(incident=incident, actor=legal, rows=list(to_call))
    assert called == 2
    assert not incidents.phone_list(incident).exists()
    phoned = IncidentCustomer.objects.filter(
        incident=incident, customer__in=without, channel=IncidentCustomer.Channel.PHONE
    )
    assert [r.notified_at for r in phoned] == [DETECTED + 6 * HOUR] * 2
    assert tasks.notify_incident_customers(incident.pk) == 0
    assert mail.outbox == []


def test_a_failed_email_is_recorded_and_retried(legal: Any, monkeypatch: Any) -> None:
    customer = CustomerFactory()
    incident = _incident(legal)
    incidents.incident_select_customers(
        incident=incident, actor=legal, selection={"kind": "ids", "ids": [customer.pk]}
    )
    incidents.incident_start_notifying(
        incident=incident, actor=legal, subject="Thông báo", text="Kính gửi {name}"
    )

    def refused(self: Any, fail_silently: bool = False) -> int:
        raise ConnectionRefusedError("smtp down")

    with monkeypatch.context() as patch:
        patch.setattr("django.core.mail.EmailMessage.send", refused)
        with pytest.raises(ConnectionRefusedError):
            incidents.incident_notify_batch(incident_id=incident.pk)
    row = IncidentCustomer.objects.get(incident=incident)
    assert row.notified_at is None
    assert row.error == "ConnectionRefusedError: smtp down"

    mail.outbox.clear()
    assert incidents.incident_notify_batch(incident_id=incident.pk) == 1
    assert [m.to for m in mail.outbox] == [[customer.email]]
    row.refresh_from_db()
    assert (row.error, row.channel) == ("", IncidentCustomer.Channel.EMAIL)


def test_notifying_needs_a_text_and_customers(legal: Any) -> None:
    incident = _incident(legal)
    with pytest.raises(ValidationError) as refused:
        incidents.incident_start_notifying(incident=incident, actor=legal, subject=" ", text="")
    assert _codes(refused.value) == {"subject": ["required"], "text": ["required"]}
    with pytest.raises(ValidationError) as refused:
        incidents.incident_start_notifying(
            incident=incident, actor=legal, subject="Thông báo", text="Kính gửi {name}"
        )
    assert refused.value.code == "no_customers"


# Erasure ------------------------------------------------------------------------------------


def test_erasing_an_affected_customer_removes_them_from_the_incident(legal: Any) -> None:
    erased, kept = CustomerFactory(), CustomerFactory()
    incident = _incident(legal)
    incidents.incident_select_customers(
        incident=incident, actor=legal, selection={"kind": "ids", "ids": [erased.pk, kept.pk]}
    )

    customer_erase(customer=erased)

    assert _affected(incident) == {kept.pk}
    incident.refresh_from_db()
    # The incident keeps its count: how many were affected is the fact A05 was told.
    assert incident.affected_count == 2
    assert Incident.objects.filter(pk=incident.pk).exists()


# Robustness ---------------------------------------------------------------------------------


def test_two_incidents_recorded_at_once_get_their_own_reference(
    legal: Any, monkeypatch: Any
) -> None:
    first = _incident(legal)
    assert first.reference == "SC-2026-001"
    numbering = incidents._next_reference
    calls: list[str] = []

    def taken_first(detected_at: datetime.datetime) -> str:
        # The first number handed out is the one another recording has just committed.
        calls.append("call")
        return first.reference if len(calls) == 1 else numbering(detected_at)

    monkeypatch.setattr(incidents, "_next_reference", taken_first)
    second = _incident(legal, title="Email gửi nhầm")

    assert second.reference == "SC-2026-002"
    assert len(calls) == 2


def test_a_long_notification_hands_over_to_a_new_run(
    legal: Any, settings: Any, monkeypatch: Any
) -> None:
    """A run stops after its time budget and queues the next, before the time limit cuts it."""
    settings.INCIDENT_NOTIFY_BATCH_SIZE = 2
    customers = [CustomerFactory() for _ in range(5)]
    incident = _incident(legal)
    incidents.incident_select_customers(
        incident=incident, actor=legal, selection={"kind": "ids", "ids": [c.pk for c in customers]}
    )
    incidents.incident_start_notifying(
        incident=incident, actor=legal, subject="Thông báo", text="Kính gửi {name}"
    )
    queued: list[int] = []
    monkeypatch.setattr(tasks, "NOTIFY_RUN_SECONDS", -1)
    monkeypatch.setattr(tasks.notify_incident_customers, "delay", queued.append)
    mail.outbox.clear()

    assert tasks.notify_incident_customers(incident.pk) == 2
    assert queued == [incident.pk]
    assert len(mail.outbox) == 2
    # The queued run goes on where this one stopped (and queues the next, and so on).
    while queued:
        tasks.notify_incident_customers(queued.pop())
    assert sorted(m.to[0] for m in mail.outbox) == sorted(c.email for c in customers)
    assert Incident.objects.get(pk=incident.pk).notifying_finished_at is not None
