"""Decree 356/2025/NĐ-CP Art. 28: the notice of a breach on Mẫu số 08, addressed to the Cơ quan
chuyên trách bảo vệ dữ liệu cá nhân, Bộ Công an, with every field of the form — as a real PDF
file and as a printable page, in Vietnamese, without the back office's countdown."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from complaints import incidents
from complaints.models import Incident
from customers.kernel import pdf
from customers.personal_data import Category
from tests.complaints._breach_helpers import (
    controller_for_notices,
    pdf_text,
    require_weasyprint,
    signed_in,
)
from tests.factories import CustomerFactory, role_member

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 11, 20, 3, 0, tzinfo=datetime.UTC)


@pytest.fixture
def legal(db: None) -> Any:
    return role_member("legal_compliance", "phap-che-binh")


@pytest.fixture
def incident(legal: Any) -> Incident:
    controller_for_notices()
    with time_machine.travel(NOW, tick=False):
        incident = incidents.incident_create(
            actor=legal,
            title="Tấn công máy chủ đơn hàng",
            detected_at=NOW - datetime.timedelta(hours=10),
            occurred_at=NOW - datetime.timedelta(hours=30),
            description="Máy chủ đơn hàng bị truy cập trái phép.",
            cause="Mật khẩu quản trị bị lộ.",
            place="Máy chủ web tại trung tâm dữ liệu Viettel IDC",
            parties_involved="Đối tượng chưa xác định truy cập từ địa chỉ IP nước ngoài.",
            categories=[Category.IDENTITY, Category.CONTACT],
            data_quantities={Category.IDENTITY: 1250, Category.CONTACT: 980},
            consequences="Khách hàng có thể nhận cuộc gọi lừa đảo.",
            measures_taken="Đã đổi toàn bộ mật khẩu quản trị.",
            measures_planned="Bật xác thực hai lớp.",
            contact_title="Trưởng phòng Pháp chế",
            attachments="Trích xuất nhật ký truy cập máy chủ",
        )
        incidents.incident_select_customers(
            incident=incident,
            actor=legal,
            selection={"kind": "ids", "ids": [CustomerFactory().pk for _ in range(3)]},
        )
    return incident


def test_decree356_art28_form08_pdf_has_every_section_of_the_form(
    incident: Incident, legal: Any
) -> None:
    require_weasyprint()
    response = signed_in(legal).get(
        reverse("admin:complaints_incident_notice_pdf", args=[incident.pk])
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    text = " ".join(pdf_text(response.content).split())
    for heading in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "THÔNG BÁO",
        "VI PHẠM QUY ĐỊNH BẢO VỆ DỮ LIỆU CÁ NHÂN",
        "1. Thông tin về tổ chức, doanh nghiệp",
        "2. Mô tả hành vi vi phạm quy định bảo vệ dữ liệu cá nhân",
        "3. Tài liệu kèm theo",
        "4. Cam kết",
        "TM. TỔ CHỨC, DOANH NGHIỆP",
    ):
        assert heading in text, heading
    assert "Kính gửi: Cơ quan chuyên trách bảo vệ dữ liệu cá nhân, Bộ Công an." in text
    # Section 1: the registration, the offices, the DPO.
    assert "Giấy chứng nhận đăng ký doanh nghiệp số: 1200100557" in text
    assert "Sở Kế hoạch và Đầu tư tỉnh Tiền Giang cấp ngày 15 tháng 3 năm 2006" in text
    assert "35 Ấp Bắc" in text and "https://mitexco.example.vn" in text
    assert "Trưởng phòng Pháp chế" in text and "0912 853 984" in text
    # Section 2: the parties, the data types and their quantity.
    assert "Đối tượng chưa xác định" in text
    assert "Nhận dạng: 1250 bản ghi" in text and "Liên lạc: 980 bản ghi" in text
    assert "Số chủ thể dữ liệu liên quan: 3 người" in text
    # Sections 3 and 4, and the signatory.
    assert "a) Trích xuất nhật ký truy cập máy chủ" in text
    assert "xin cam kết chịu trách nhiệm về tính chính xác" in text
    assert "TỔNG GIÁM ĐỐC" in text and "Nguyễn Văn Hùng" in text
    # The paper sent, not the back office's clock.
    assert "72 giờ" not in text and "phút" not in text and "Hạn chót" not in text


def test_decree356_art28_form08_the_printable_page_is_the_same_form(
    incident: Incident, legal: Any
) -> None:
    response = signed_in(legal).get(reverse("admin:complaints_incident_notice", args=[incident.pk]))
    page = response.content.decode()
    assert "Các loại dữ liệu cá nhân và số lượng dữ liệu liên quan:" in page
    assert "Nhận dạng: 1250 bản ghi" in page
    assert "Đồng Tháp, ngày …… tháng …… năm ……" in page  # not sent yet: filled by hand


def test_decree356_art28_form08_the_page_offers_the_pdf(incident: Incident, legal: Any) -> None:
    page = signed_in(legal).get(reverse("admin:complaints_incident_change", args=[incident.pk]))
    assert (
        reverse("admin:complaints_incident_notice_pdf", args=[incident.pk]) in page.content.decode()
    )


def test_decree356_art28_form08_pdf_without_libraries_is_a_message(
    incident: Incident, legal: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def missing() -> Any:
        raise pdf.PdfUnavailable("OSError: cannot load library 'pango-1.0-0'")

    monkeypatch.setattr(pdf, "weasyprint", missing)
    client = signed_in(legal)
    response = client.get(reverse("admin:complaints_incident_notice_pdf", args=[incident.pk]))
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "make pdf-libs" in page


def test_decree356_art28_1_a_a_quantity_is_for_a_category_affected(
    incident: Incident, legal: Any
) -> None:
    with pytest.raises(ValidationError) as refused:
        incidents.incident_update(
            incident=incident, actor=legal, data_quantities={Category.ADDRESS: 10}
        )
    assert "data_quantities" in refused.value.error_dict
    with pytest.raises(ValidationError):
        incidents.incident_update(
            incident=incident, actor=legal, data_quantities={Category.IDENTITY: -1}
        )


def test_decree356_art28_1_a_staff_type_the_quantities_on_the_incident_page(
    incident: Incident, legal: Any
) -> None:
    client = signed_in(legal)
    url = reverse("admin:complaints_incident_change", args=[incident.pk])
    page = client.get(url).content.decode()
    assert 'name="data_quantities_0"' in page and 'value="1250"' in page
