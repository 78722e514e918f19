"""Law 91/2025/QH15 Art. 23(2): the controller draws up minutes confirming that the breach
occurred — recorded through a step, printable, and as a PDF; the notice lists them."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from complaints import incidents
from complaints.models import Incident, IncidentConfirmation
from customers.personal_data import Category
from tests.complaints._breach_helpers import (
    controller_for_notices,
    pdf_text,
    require_weasyprint,
    signed_in,
)
from tests.factories import role_member

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
def incident(legal: Any, frozen: Any) -> Incident:
    controller_for_notices()
    return incidents.incident_create(
        actor=legal,
        title="Lộ danh sách khách hàng",
        detected_at=NOW - datetime.timedelta(hours=6),
        description="Tệp danh sách khách hàng bị gửi nhầm cho đối tác.",
        categories=[Category.IDENTITY],
    )


def _minutes_form(held_at: datetime.datetime) -> dict[str, str]:
    return {
        "held_at": timezone.localtime(held_at).strftime("%Y-%m-%dT%H:%M"),
        "place": "Phòng họp tầng 2, trụ sở công ty",
        "participants": (
            "Trần Thị Bình, Trưởng phòng Pháp chế, Mitexco\n"
            "Lê Văn Cường, Trưởng phòng CNTT, Mitexco"
        ),
        "breach_confirmed": "Tệp danh sách khách hàng đã bị gửi nhầm cho đối tác khảo sát.",
        "scope": "Họ tên và số điện thoại của 1.250 khách hàng.",
        "measures": "Đối tác đã xóa tệp và xác nhận bằng văn bản.",
    }


def test_law91_art23_2_confirmation_minutes_are_recorded_by_a_step_and_printed(
    incident: Incident, legal: Any
) -> None:
    client = signed_in(legal)
    step = reverse("admin:complaints_incident_step", args=[incident.pk, "confirm"])
    assert client.get(step).status_code == 200
    response = client.post(step, _minutes_form(NOW - datetime.timedelta(hours=1)))
    assert response.status_code == 302
    minutes = IncidentConfirmation.objects.get(incident=incident)
    assert minutes.recorded_by == legal
    page = client.get(
        reverse("admin:complaints_incident_minutes", args=[incident.pk, minutes.pk])
    ).content.decode()
    assert "BIÊN BẢN XÁC NHẬN" in page
    assert "Căn cứ khoản 2 Điều 23 Luật Bảo vệ dữ liệu cá nhân số 91/2025/QH15;" in page
    assert "Hôm nay, vào lúc 09:00 ngày 20/11/2026, tại Phòng họp tầng 2" in page
    assert "Lê Văn Cường, Trưởng phòng CNTT, Mitexco" in page
    assert "1.250 khách hàng" in page
    # The notice to the authority attaches them.
    notice = client.get(reverse("admin:complaints_incident_notice", args=[incident.pk]))
    assert (
        "Biên bản xác nhận về việc xảy ra hành vi vi phạm, ngày 20/11/2026"
        in notice.content.decode()
    )


def test_law91_art23_2_confirmation_minutes_as_pdf(incident: Incident, legal: Any) -> None:
    require_weasyprint()
    minutes = incidents.incident_record_confirmation(
        incident=incident,
        actor=legal,
        held_at=NOW - datetime.timedelta(hours=1),
        place="Phòng họp tầng 2",
        participants="Trần Thị Bình, Trưởng phòng Pháp chế",
        breach_confirmed="Tệp danh sách khách hàng bị gửi nhầm.",
        scope="1.250 khách hàng.",
        measures="Đối tác đã xóa tệp.",
    )
    response = signed_in(legal).get(
        reverse("admin:complaints_incident_minutes_pdf", args=[incident.pk, minutes.pk])
    )
    assert response["Content-Type"] == "application/pdf"
    text = " ".join(pdf_text(response.content).split())
    assert "BIÊN BẢN XÁC NHẬN" in text
    assert (
        "1. Hành vi vi phạm đã xảy ra" in text and "2. Phạm vi" in text and "3. Biện pháp" in text
    )
    assert "Trần Thị Bình, Trưởng phòng Pháp chế" in text
    assert "Nguyễn Văn Hùng" in text


def test_law91_art23_2_confirmation_minutes_need_every_part(incident: Incident, legal: Any) -> None:
    with pytest.raises(ValidationError) as refused:
        incidents.incident_record_confirmation(
            incident=incident,
            actor=legal,
            held_at=NOW - datetime.timedelta(hours=8),  # before the detection
            place="",
            participants="Trần Thị Bình",
            breach_confirmed="x",
            scope="",
            measures="x",
        )
    assert {"held_at", "place", "scope"} <= set(refused.value.error_dict)
    response = signed_in(legal).post(
        reverse("admin:complaints_incident_step", args=[incident.pk, "confirm"]),
        {**_minutes_form(NOW + datetime.timedelta(days=1))},
    )
    assert response.status_code == 200  # the form again, with the reason
    assert not IncidentConfirmation.objects.exists()


def test_law91_art23_2_customer_care_may_not_record_minutes(incident: Incident) -> None:
    with pytest.raises(PermissionDenied):
        incidents.incident_record_confirmation(
            incident=incident,
            actor=role_member("customer_care", "cskh-an"),
            held_at=NOW,
            place="x",
            participants="x",
            breach_confirmed="x",
            scope="x",
            measures="x",
        )
