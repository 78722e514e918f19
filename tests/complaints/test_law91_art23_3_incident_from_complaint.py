"""Law 91/2025/QH15 Art. 23(3): a substantiated complaint of a leak or of use beyond the purpose
opens a breach incident — detected when the complaint substantiated it, linked both ways, its
texts naming no customer; refused for other kinds and for a complaint already linked."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from complaints import incidents
from complaints.models import ComplaintEvent, IncidentCustomer
from tests.complaints._breach_helpers import controller_for_notices, signed_in
from tests.factories import CustomerFactory, complaint_submit, role_member

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 11, 20, 3, 0, tzinfo=datetime.UTC)


@pytest.fixture
def frozen() -> Any:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def legal(db: None) -> Any:
    return role_member("legal_compliance", "phap-che-binh")


@pytest.fixture
def leak(frozen: Any) -> Any:
    controller_for_notices()
    complaint = complaint_submit(
        kind="suspected_leak",
        description="Tôi, Trần Văn Bảo, nhận cuộc gọi lừa đảo biết rõ đơn hàng của tôi.",
        when=NOW - datetime.timedelta(days=3),
    )
    complaint.customer = CustomerFactory(full_name="Trần Văn Bảo")
    complaint.save(update_fields=["customer"])
    return complaint


def _form(substantiated_at: datetime.datetime, **overrides: str) -> dict[str, Any]:
    return {
        "substantiated_at": timezone.localtime(substantiated_at).strftime("%Y-%m-%dT%H:%M"),
        "title": "Lộ thông tin đơn hàng qua đối tác vận chuyển",
        "description": "Thông tin đơn hàng bị lộ từ tài khoản của đối tác vận chuyển.",
        "place": "Cổng kết nối đối tác",
        "categories": ["identity", "contact"],
        "complainant_affected": "on",
        **overrides,
    }


def test_law91_art23_3_a_substantiated_leak_opens_an_incident_linked_both_ways(
    leak: Any, legal: Any
) -> None:
    substantiated = NOW - datetime.timedelta(hours=5)
    client = signed_in(legal)
    page = reverse("admin:complaints_complaint_change", args=[leak.pk])
    step = reverse("admin:complaints_complaint_step", args=[leak.pk, "open_incident"])
    assert step in client.get(page).content.decode()
    response = client.post(step, _form(substantiated))
    assert response.status_code == 302, response.content.decode()[:2000]
    leak.refresh_from_db()
    incident = leak.incident
    assert incident is not None
    # Detected when the complaint substantiated it, not now: the 72 hours run from then.
    assert incident.detected_at == substantiated
    assert list(incident.source_complaints.all()) == [leak]
    assert IncidentCustomer.objects.filter(incident=incident, customer=leak.customer).exists()
    assert ComplaintEvent.objects.filter(
        complaint=leak, action=ComplaintEvent.Action.INCIDENT_OPENED
    ).exists()
    # The complaint shows its incident; the incident shows its complaint.
    incident_url = reverse("admin:complaints_incident_change", args=[incident.pk])
    assert incident_url in client.get(page).content.decode()
    assert leak.tracking_code in client.get(incident_url).content.decode()


def test_law91_art23_3_the_incident_names_no_customer(leak: Any, legal: Any) -> None:
    with pytest.raises(ValidationError) as refused:
        incidents.incident_open_from_complaint(
            complaint=leak,
            actor=legal,
            substantiated_at=NOW - datetime.timedelta(hours=1),
            title="Lộ dữ liệu",
            description="Khách hàng tran van bao bị lộ số 0912 345 678.",
        )
    assert refused.value.error_dict["description"][0].code == "names_customer"
    leak.refresh_from_db()
    assert leak.incident is None


def test_law91_art23_3_other_kinds_and_linked_complaints_are_refused(leak: Any, legal: Any) -> None:
    other = complaint_submit(kind="other_complaint", when=NOW - datetime.timedelta(days=1))
    with pytest.raises(ValidationError) as refused:
        incidents.incident_open_from_complaint(
            complaint=other,
            actor=legal,
            substantiated_at=NOW,
            complainant_affected=False,
            title="x",
            description="x",
        )
    assert refused.value.code == "kind"
    client = signed_in(legal)
    response = client.get(
        reverse("admin:complaints_complaint_step", args=[other.pk, "open_incident"])
    )
    assert response.status_code == 302  # a message on the complaint's page, not an error page
    incidents.incident_open_from_complaint(
        complaint=leak,
        actor=legal,
        substantiated_at=NOW,
        title="Lộ dữ liệu đơn hàng",
        description="Dữ liệu đơn hàng bị lộ.",
    )
    response = client.post(
        reverse("admin:complaints_complaint_step", args=[leak.pk, "open_incident"]), _form(NOW)
    )
    assert response.status_code == 200
    assert "already opened the incident" in response.content.decode() or (
        "đã mở sự cố" in response.content.decode()
    )


def test_law91_art23_3_customer_care_sees_no_button(leak: Any) -> None:
    care = role_member("customer_care", "cskh-an")
    page = signed_in(care).get(reverse("admin:complaints_complaint_change", args=[leak.pk]))
    assert "open_incident" not in page.content.decode()
