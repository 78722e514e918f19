"""The small-enterprise exemption (Law 91/2025/QH15 Art. 38(2)–(3); Decree 356/2025/NĐ-CP Art.
41): who is exempt from the impact-assessment dossier and the DPO's appointment, until when, and
the three exceptions — processing services sold, sensitive data, 100,000 data subjects counted
cumulatively, erased ones included. Assessed daily; a change is kept, and the DPO warned."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse
from django_celery_beat.models import PeriodicTask

from customers import services
from customers.models import Controller, Customer, EnterpriseSize, Purpose
from customers.roles import LEGAL_COMPLIANCE
from dossiers import exemption
from dossiers.models import ExemptionAssessment
from dossiers.tasks import assess_exemption
from retention.erasure import customer_erase
from tests.factories import CustomerFactory, PurposeFactory, complaint_submit, role_member

pytestmark = pytest.mark.django_db


def _size(controller: Controller, size: str, *, sells: bool = False) -> None:
    services.controller_update(enterprise_size=size, sells_processing_services=sells)


def test_the_law_counts_from_100_000_and_the_choice_ends_after_5_years() -> None:
    assert exemption.LARGE_NUMBER == 100_000
    assert datetime.date(2031, 1, 1) == exemption.SMALL_CHOICE_ENDS


def test_without_a_recorded_size_the_duties_apply(controller: Controller) -> None:
    assessment = exemption.exemption_assess()
    assert not assessment.exempt and assessment.reasons == ["size_unknown"]


def test_a_micro_enterprise_with_basic_data_is_exempt(controller: Controller) -> None:
    _size(controller, EnterpriseSize.MICRO)
    PurposeFactory(data_items=["3.1", "3.7"])
    assessment = exemption.exemption_assess()
    assert assessment.exempt and assessment.exempt_until is None
    assert assessment.reasons == ["household_or_micro"]


def test_a_small_enterprise_may_choose_until_2031(controller: Controller) -> None:
    _size(controller, EnterpriseSize.SMALL)
    assert exemption.exemption_assess().exempt_until == datetime.date(2031, 1, 1)
    with time_machine.travel(datetime.datetime(2031, 1, 2, 9), tick=False):
        later = exemption.exemption_assess()
    assert not later.exempt and later.reasons == ["choice_ended"]


def test_a_medium_enterprise_is_never_exempt(controller: Controller) -> None:
    _size(controller, EnterpriseSize.MEDIUM)
    assert exemption.exemption_assess().reasons == ["medium_or_large"]


@pytest.mark.parametrize(
    ("how", "reason"),
    [("sells", "sells_services"), ("sensitive", "sensitive"), ("many", "large_number")],
)
def test_each_exception_ends_the_exemption(
    controller: Controller, monkeypatch: Any, how: str, reason: str
) -> None:
    _size(controller, EnterpriseSize.HOUSEHOLD, sells=how == "sells")
    if how == "sensitive":
        PurposeFactory(code="health-advice", data_items=["3.1", "4.1.d"])
    if how == "many":
        monkeypatch.setattr(exemption, "LARGE_NUMBER", 3)  # 100,000 rows are not made here
        CustomerFactory.create_batch(3)
    assessment = exemption.exemption_assess()
    assert not assessment.exempt and reason in assessment.reasons
    if how == "sensitive":
        assert assessment.sensitive_labels == ["Tình trạng sức khỏe"]


def test_erased_customers_and_strangers_who_wrote_are_counted(controller: Controller) -> None:
    customers = CustomerFactory.create_batch(2)
    customer_erase(customer=customers[0], job="test")
    complaint_submit(phone="0909 111 222", email="nguoi.la@example.vn")
    assert Customer.objects.filter(status=Customer.Status.ERASED).count() == 1
    assert exemption.subjects_processed() == 3


def test_a_change_is_kept_and_the_dpo_warned_when_the_exemption_ends(
    controller: Controller, django_capture_on_commit_callbacks: Any
) -> None:
    _size(controller, EnterpriseSize.MICRO)
    assert assess_exemption() is True  # the first answer is kept
    assert assess_exemption() is False  # the same answer: nothing kept
    PurposeFactory(code="face-login", data_items=["4.1.dd"], legal_basis=Purpose.LegalBasis.CONSENT)
    with django_capture_on_commit_callbacks(execute=True):
        assert assess_exemption() is True
    kept = ExemptionAssessment.objects.first()
    assert kept is not None and not kept.exempt and "sensitive" in kept.reasons
    (warning,) = mail.outbox
    assert warning.to == [controller.dpo_email]
    assert "miễn trừ" in warning.subject
    assert "Dữ liệu sinh trắc học, đặc điểm di truyền" in warning.body


def test_legal_sees_the_answer_now_and_assesses(controller: Controller, client: Client) -> None:
    _size(controller, EnterpriseSize.STARTUP)
    client.force_login(role_member(LEGAL_COMPLIANCE, "phap-che-mien-tru"))
    url = reverse("admin:dossiers_exemptionassessment_changelist")
    page = client.get(url).content.decode()
    assert "01/01/2031" in page and "Doanh nghiệp nhỏ hoặc doanh nghiệp khởi nghiệp" in page
    client.post(reverse("admin:dossiers_exemptionassessment_assess"))
    assert ExemptionAssessment.objects.count() == 1


def test_the_assessment_runs_every_day() -> None:
    task = PeriodicTask.objects.get(task="dossiers.tasks.assess_exemption")
    assert task.enabled and task.crontab.hour == "6"
