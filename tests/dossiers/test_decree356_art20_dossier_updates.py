"""When a dossier is due (Law 91/2025/QH15 Art. 20(2), 21(1); Decree 356/2025/NĐ-CP Art. 19–20):
the first filing 60 days after the first processing or transfer; after a filing, a new purpose
or recipient makes the update due at the next 6-month mark, a changed data-protection contact
within 10 days, and the agency's request to complete within 30 days — overdue once past."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from customers import services
from customers.models import Controller, Purpose
from customers.roles import LEGAL_COMPLIANCE
from dossiers import filings
from dossiers.models import DossierFiling
from dossiers.services import dossier_filing_save
from tests.factories import CustomerFactory, role_member

pytestmark = pytest.mark.django_db
IMPACT = DossierFiling.Kind.IMPACT


def _at(day: datetime.date) -> Any:
    return time_machine.travel(datetime.datetime.combine(day, datetime.time(10)), tick=False)


def _file(day: datetime.date, **fields: Any) -> DossierFiling:
    with _at(day):
        return dossier_filing_save(
            filing=DossierFiling(
                kind=IMPACT,
                filed_on=day,
                reference="A05-123",
                **{"form": DossierFiling.Form.FIRST, **fields},
            ),
            actor=role_member(LEGAL_COMPLIANCE, f"phap-che-{DossierFiling.objects.count()}"),
        )


def test_the_first_filing_is_due_60_days_after_the_first_customer(db: None) -> None:
    with _at(datetime.date(2026, 3, 1)):
        CustomerFactory()
    status = filings.dossier_status(IMPACT, today=datetime.date(2026, 4, 1))
    assert status.due_on == datetime.date(2026, 4, 30) and not status.overdue
    assert filings.dossier_status(IMPACT, today=datetime.date(2026, 5, 1)).overdue


def test_a_new_purpose_makes_the_update_due_at_the_next_6_month_mark(
    controller: Controller,
) -> None:
    _file(datetime.date(2026, 1, 15))
    assert filings.dossier_status(IMPACT, today=datetime.date(2026, 3, 1)).due_on is None
    with _at(datetime.date(2026, 8, 3)):
        services.purpose_save(
            purpose=Purpose(
                code="loyalty",
                name_vi="Chương trình khách hàng thân thiết",
                name_en="Loyalty programme",
                legal_basis=Purpose.LegalBasis.CONTRACT,
                data_items=["3.1", "3.7"],
            )
        )
    status = filings.dossier_status(IMPACT, today=datetime.date(2026, 8, 4))
    # Marks at 15/07/2026 (before the change) and 15/01/2027: the next one.
    assert status.due_on == datetime.date(2027, 1, 15)
    assert [change.what for change in status.changes] == [
        "Mục đích mới: Chương trình khách hàng thân thiết"
    ]
    assert filings.dossier_status(IMPACT, today=datetime.date(2027, 1, 16)).overdue
    _file(datetime.date(2027, 1, 10), form=DossierFiling.Form.UPDATE)
    assert filings.dossier_status(IMPACT, today=datetime.date(2027, 1, 16)).due_on is None


def test_a_changed_data_protection_contact_is_due_within_10_days(db: None, client: Client) -> None:
    with _at(datetime.date(2026, 5, 1)):
        services.controller_update(
            legal_name="Công ty Cổ phần Thương mại Mỹ Tho",
            address="67 Lê Lợi, Mỹ Tho",
            dpo_name="Trần Thị Bình",
            dpo_email="dpo@mitexco.vn",
        )
    _file(datetime.date(2026, 6, 1))
    with _at(datetime.date(2026, 9, 7)):
        services.controller_update(dpo_name="Lê Văn Cường", dpo_email="cuong@mitexco.vn")
    status = filings.dossier_status(IMPACT, today=datetime.date(2026, 9, 8))
    assert status.due_on == datetime.date(2026, 9, 17)
    assert "Lê Văn Cường" in status.changes[0].what and status.changes[0].urgent
    with _at(datetime.date(2026, 9, 18)):
        client.force_login(role_member(LEGAL_COMPLIANCE, "phap-che-ho-so"))
        page = client.get(reverse("admin:dossiers_dossierfiling_changelist")).content.decode()
    assert "17/09/2026" in page and "quá hạn" in page


def test_the_agencys_request_to_complete_gives_30_days(db: None) -> None:
    _file(datetime.date(2026, 6, 1), completion_requested_on=datetime.date(2026, 6, 20))
    status = filings.dossier_status(IMPACT, today=datetime.date(2026, 7, 1))
    assert status.due_on == datetime.date(2026, 7, 20)


def test_a_filing_in_the_future_is_refused(db: None) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused, _at(datetime.date(2026, 6, 1)):
        dossier_filing_save(
            filing=DossierFiling(
                kind=IMPACT, form=DossierFiling.Form.FIRST, filed_on=datetime.date(2026, 6, 2)
            ),
            actor=role_member(LEGAL_COMPLIANCE, "phap-che-tuong-lai"),
        )
    assert "filed_on" in refused.value.message_dict


def test_the_dpo_is_reminded_7_days_and_1_day_before_and_the_day_after(
    controller: Controller,
) -> None:
    from django.core import mail
    from django_celery_beat.models import PeriodicTask

    _file(datetime.date(2026, 6, 1), completion_requested_on=datetime.date(2026, 6, 20))
    due = datetime.date(2026, 7, 20)
    sent_on = [
        day
        for offset in range(-10, 5)
        if filings.dossiers_remind(today=(day := due + datetime.timedelta(days=offset)))
    ]
    assert sent_on == [
        due - datetime.timedelta(days=7),
        due - datetime.timedelta(days=1),
        due + datetime.timedelta(days=1),
    ]
    assert [message.to for message in mail.outbox] == [[controller.dpo_email]] * 3
    assert mail.outbox[-1].subject.startswith("Quá hạn")
    assert "20/07/2026" in mail.outbox[0].subject
    assert PeriodicTask.objects.filter(task="dossiers.tasks.remind_dossiers", enabled=True).exists()
