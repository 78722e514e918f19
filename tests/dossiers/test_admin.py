"""Every dossiers page answers with a bounded number of queries, however many rows there are."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from dossiers import exemption
from dossiers.models import ProcessingSystem
from dossiers.services import processing_system_save

pytestmark = pytest.mark.django_db


def _systems(count: int, actor: Any) -> ProcessingSystem:
    made = None
    for _ in range(count):
        made = processing_system_save(
            system=ProcessingSystem(
                name=f"Hệ thống {ProcessingSystem.objects.count() + 1}",
                country="SG",
                hosting=ProcessingSystem.Hosting.CLOUD,
            ),
            actor=actor,
        )
    assert made is not None
    return made


@pytest.mark.parametrize(
    "page",
    [
        "admin:dossiers_processingsystem_changelist",
        "admin:dossiers_processingsystem_add",
        "admin:dossiers_register",
        "admin:dossiers_transfers",
        "admin:dossiers_dossierfiling_changelist",
        "admin:dossiers_dossierfiling_add",
        "admin:dossiers_dpoappointment_changelist",
        "admin:dossiers_dpoappointment_add",
        "admin:dossiers_dpotraining_changelist",
        "admin:dossiers_exemptionassessment_changelist",
        "admin:dossiers_dossiernarrative_changelist",
        "admin:dossiers_dossiernarrative_add",
        "admin:dossiers_dossierrisk_changelist",
        "admin:dossiers_dossierrisk_add",
        "admin:dossiers_compliancereport_changelist",
        "admin:dossiers_compliancereport_add",
    ],
)
def test_pages_run_a_bounded_number_of_queries(
    admin_client: Client,
    superuser: Any,
    controller: Any,
    django_assert_max_num_queries: Any,
    page: str,
) -> None:
    _systems(2, superuser)
    exemption.exemption_record()
    url = reverse(page)
    admin_client.get(url)  # per-process caches
    with django_assert_max_num_queries(16) as few:
        assert admin_client.get(url).status_code == 200
    _systems(20, superuser)
    with django_assert_max_num_queries(len(few)):
        assert admin_client.get(url).status_code == 200


def test_a_system_is_added_through_the_form_and_kept_in_history(
    admin_client: Client, marketing: Any
) -> None:
    answer = admin_client.post(
        reverse("admin:dossiers_processingsystem_add"),
        {
            "name": "Máy chủ bán hàng",
            "provider": "Viettel IDC",
            "country": "VN",
            "hosting": "cloud",
            "purposes": [marketing.pk],
            "data_items": ["3.7", "3.1"],
            "encrypted_in_transit": "on",
            "security_measures": "Tường lửa, sao lưu hằng ngày.",
            "is_active": "on",
        },
    )
    assert answer.status_code == 302
    system = ProcessingSystem.objects.get()
    assert system.data_items == ["3.1", "3.7"] and list(system.purposes.all()) == [marketing]
    assert system.history.get().history_user.is_superuser
    change = reverse("admin:dossiers_processingsystem_change", args=[system.pk])
    assert admin_client.get(change).status_code == 200


@pytest.mark.parametrize("kind", ["impact", "transfer"])
def test_the_dossiers_run_the_same_queries_for_more_systems(
    admin_client: Client, superuser: Any, controller: Any, kind: str
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _systems(2, superuser)
    url = reverse("admin:dossiers_document", args=[kind])
    admin_client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert admin_client.get(url).status_code == 200
    _systems(20, superuser)
    with CaptureQueriesContext(connection) as more:
        assert admin_client.get(url).status_code == 200
    assert len(more) == len(few)


def test_a_draft_report_page_runs_a_bounded_number_of_queries(
    client: Client, controller: Any, django_assert_max_num_queries: Any
) -> None:
    """The draft's figures are aggregates: as many queries with 3 customers as with 30."""
    import datetime

    from customers.roles import LEGAL_COMPLIANCE
    from dossiers.models import ComplianceReport
    from dossiers.services import compliance_report_save
    from tests.factories import CustomerFactory, complaint_submit, role_member

    legal = role_member(LEGAL_COMPLIANCE, "phap-che-trang")
    report = compliance_report_save(
        report=ComplianceReport(
            period_start=datetime.date(2026, 1, 1), period_end=datetime.date(2026, 12, 31)
        ),
        actor=legal,
    )
    client.force_login(legal)
    urls = [
        reverse("admin:dossiers_compliancereport_change", args=[report.pk]),
        reverse("admin:dossiers_compliancereport_print", args=[report.pk]),
    ]
    CustomerFactory.create_batch(3)
    complaint_submit(kind="access")
    for url in urls:
        client.get(url)
    counted = []
    for url in urls:
        with django_assert_max_num_queries(45) as few:
            assert client.get(url).status_code == 200
        counted.append(len(few))
    CustomerFactory.create_batch(27)
    for _ in range(5):
        complaint_submit(kind="deletion")
    for url, bound in zip(urls, counted, strict=True):
        with django_assert_max_num_queries(bound):
            assert client.get(url).status_code == 200
