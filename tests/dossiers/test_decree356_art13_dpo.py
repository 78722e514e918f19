"""The DPO's appointment (Law 91/2025/QH15 Art. 33(2); Decree 356/2025/NĐ-CP Art. 13): in
writing, a college degree or higher and 2 years' experience (refused otherwise, at the field),
training recorded apart (condition (c)), the confidentiality agreement; files checked by content."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from customers.roles import LEGAL_COMPLIANCE
from dossiers.models import DpoAppointment, DpoTraining
from dossiers.services import dpo_appointment_save, dpo_training_save
from tests.factories import pdf_bytes, role_member

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def _appointment(**fields: Any) -> DpoAppointment:
    values = {
        "full_name": "Trần Thị Bình",
        "position": "Trưởng phòng Pháp chế",
        "appointment_number": "15/QĐ-MTC",
        "appointed_on": datetime.date(2026, 1, 5),
        "education": DpoAppointment.Education.UNIVERSITY,
        "experience_field": DpoAppointment.ExperienceField.LEGAL,
        "experience_years": 6,
        **fields,
    }
    return DpoAppointment(**values)


def test_the_conditions_a_and_b_are_refused_at_their_fields(db: None) -> None:
    legal = role_member(LEGAL_COMPLIANCE, "phap-che-dpo")
    with pytest.raises(ValidationError) as refused:
        dpo_appointment_save(
            appointment=_appointment(education="below_college", experience_years=1), actor=legal
        )
    assert set(refused.value.message_dict) == {"education", "experience_years"}
    assert "cao đẳng" in refused.value.message_dict["education"][0]
    assert not DpoAppointment.objects.exists()


def test_training_meets_condition_c_and_files_are_checked(db: None, client: Client) -> None:
    legal = role_member(LEGAL_COMPLIANCE, "phap-che-dpo-2")
    appointment = dpo_appointment_save(
        appointment=_appointment(),
        actor=legal,
        uploads={"appointment_file": SimpleUploadedFile("qd-tran-thi-binh.pdf", pdf_bytes())},
    )
    assert appointment.appointment_file.name.endswith(".pdf")
    assert "binh" not in appointment.appointment_file.name
    assert not appointment.trained
    client.force_login(legal)
    page = client.get(reverse("admin:dossiers_dpoappointment_changelist")).content.decode()
    assert "chưa ghi nhận đào tạo (c)" in page

    with pytest.raises(ValidationError) as refused:
        dpo_training_save(
            training=DpoTraining(
                appointment=appointment, course="Khoá A", completed_on=datetime.date(2026, 3, 1)
            ),
            actor=legal,
            upload=SimpleUploadedFile("chung-chi.pdf", b"not a pdf at all"),
        )
    assert "certificate_file" in refused.value.message_dict
    dpo_training_save(
        training=DpoTraining(
            appointment=appointment,
            course="Bảo vệ dữ liệu cá nhân theo Luật 91/2025/QH15",
            provider="Trung tâm đào tạo A05",
            completed_on=datetime.date(2026, 3, 1),
        ),
        actor=legal,
    )
    assert appointment.trained
    page = client.get(reverse("admin:dossiers_dpoappointment_changelist")).content.decode()
    assert "đạt" in page
