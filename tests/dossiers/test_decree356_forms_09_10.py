"""The dossiers as the forms ask them: Mẫu số 10, the impact assessment of the processing
(Decree 356/2025/NĐ-CP Art. 19(2)(a), 19(3)), and Mẫu số 09, the impact assessment of the
cross-border transfer (Art. 18(2)(a)), built from the seeded records and what the DPO wrote,
checked section by section; the PDFs read back; each filing kept with the dossier as filed and
its covering letter (Mẫu số 02a, 01a, 03a)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from customers import services
from customers.models import Controller, Purpose
from customers.personal_data import LegalItem
from customers.roles import CUSTOMER_CARE, LEGAL_COMPLIANCE
from dossiers import documents, filings
from dossiers.models import DossierFiling, DossierNarrative, DossierRisk, DpoAppointment
from dossiers.services import (
    dossier_filing_save,
    dossier_narrative_save,
    dossier_risk_save,
    dpo_appointment_save,
)
from tests.complaints._breach_helpers import pdf_text, require_weasyprint
from tests.factories import role_member

pytestmark = pytest.mark.django_db
IMPACT = DossierFiling.Kind.IMPACT
TRANSFER = DossierFiling.Kind.TRANSFER


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def legal(db: None) -> Any:
    return role_member(LEGAL_COMPLIANCE, "phap-che-ho-so")


@pytest.fixture
def written(seeded: Any, legal: Any) -> None:
    """The DPO's part: the appointment, the texts and one assessed impact."""
    dpo_appointment_save(
        appointment=DpoAppointment(
            full_name="Trần Thị Bình",
            position="Trưởng phòng Pháp chế",
            phone="0909123456",
            email="binh@mitexco.example.vn",
            appointment_number="15/QĐ-MTC",
            appointed_on=datetime.date(2026, 1, 5),
            education=DpoAppointment.Education.UNIVERSITY,
            experience_field=DpoAppointment.ExperienceField.LEGAL,
            experience_years=6,
        ),
        actor=legal,
    )
    dossier_narrative_save(
        narrative=DossierNarrative(
            kind=IMPACT,
            business_lines="4791 — Bán lẻ theo yêu cầu đặt hàng qua bưu điện hoặc internet",
            branches=2,
            safety_plan="Sao lưu mã hoá hằng ngày, phân quyền theo vai trò.",
            overview="Bán hàng trực tuyến cần tên, số điện thoại và địa chỉ để giao hàng.",
            annexes="Quy trình xử lý yêu cầu của chủ thể dữ liệu",
        ),
        actor=legal,
    )
    dossier_narrative_save(
        narrative=DossierNarrative(
            kind=TRANSFER,
            receiver_assessment="SendGrid mã hoá dữ liệu khi truyền và khi lưu; có SOC 2.",
        ),
        actor=legal,
    )
    dossier_risk_save(
        risk=DossierRisk(
            kind=IMPACT,
            area=DossierRisk.Area.SUBJECTS,
            aspect="Lộ số điện thoại khách hàng qua đơn vị vận chuyển",
            objective="Chỉ giao những gì cần để giao hàng",
            measures="Che bớt số điện thoại trên nhãn giao hàng",
        ),
        actor=legal,
    )


def _checked(boxes: list[documents.Box]) -> list[str]:
    return [box.code for box in boxes if box.checked]


def test_mau_10_is_built_section_by_section(
    written: None, controller: Controller, marketing: Purpose
) -> None:
    dossier = documents.dossier_build(IMPACT)

    # A.I: the company and its data-protection staff (8.3, with the appointment).
    assert dossier.controller == controller
    assert dossier.narrative.branches == 2
    assert dossier.dpo is not None and dossier.dpo.appointment_number == "15/QĐ-MTC"
    # A.II.1.1: the data subjects counted in the database, by kind.
    assert [(group.label, group.count) for group in dossier.subjects] == [("Cá nhân", 3)]
    # A.II.2: one flow per purpose, with its subjects, items and what is done.
    flows = {flow.purpose: flow for flow in dossier.flows}
    assert flows["Gửi email tiếp thị"].subjects == 2
    assert flows["Gửi email tiếp thị"].sensitive == [str(LegalItem.BEHAVIOUR.label)]
    assert any(
        "Dịch vụ email tiếp thị (Hoa Kỳ)" in a for a in flows["Gửi email tiếp thị"].activities
    )
    assert flows["Giao đơn hàng"].subjects == 3
    assert any("Giao Hàng Nhanh" in a for a in flows["Giao đơn hàng"].activities)
    # A.II.3: the items of Art. 3 and Art. 4 ticked, and their totals.
    assert _checked(dossier.basic) == ["3.1", "3.4", "3.7"]
    assert _checked(dossier.sensitive) == ["4.1.l"]
    assert (dossier.basic_count, dossier.sensitive_count) == (3, 1)
    assert len(dossier.basic) == 11 and len(dossier.sensitive) == 12
    # A.II.4: consent, per consent purpose, with the policy shown.
    assert dossier.consent == ["Gửi email tiếp thị: 2 khách hàng hiện đồng ý"]
    assert dossier.policy is not None and dossier.policy.version == "2026.1"
    # A.II.7 and 10: hands data over, and abroad (the email service in the United States).
    assert dossier.hands_over and dossier.abroad
    # A.III.2: the DPO's assessed impact in 2.1; 2.3 not owed for 3 customers.
    assert [risk.aspect for risk in dossier.risks["subjects"]] == [
        "Lộ số điện thoại khách hàng qua đơn vị vận chuyển"
    ]
    assert not dossier.national_required
    # A.IV: the policy, the appointment and the DPO's own documents.
    assert any("2026.1" in line for line in dossier.annexes)
    assert any("15/QĐ-MTC" in line for line in dossier.annexes)
    assert dossier.annexes[-1] == "Quy trình xử lý yêu cầu của chủ thể dữ liệu"
    # Part B: the shipper and the email provider process for the company; no third party.
    assert [party.name for party in dossier.processors] == ["Giao Hàng Nhanh", "SendGrid, Inc."]
    assert dossier.processors[0].agreement == "HĐ-GHN-1"
    assert dossier.third_parties == []


def test_mau_09_names_only_what_goes_abroad(written: None, seeded: Any) -> None:
    dossier = documents.dossier_build(TRANSFER)

    # A.II.1: the email service is a platform abroad (1.3) holding the 2 consenting customers.
    modes = {mode.number: mode for mode in dossier.modes}
    assert [number for number, mode in modes.items() if mode.checked] == ["1.3"]
    assert [group.count for group in modes["1.3"].subjects] == [2]
    assert "Hoa Kỳ" in modes["1.3"].subjects[0].label
    # A.II.2: only the marketing flow leaves Vietnam; the shipper is not in it.
    assert [flow.purpose for flow in dossier.flows] == ["Gửi email tiếp thị"]
    assert all("Giao Hàng Nhanh" not in a for a in dossier.flows[0].activities)
    # A.II.3: the items the system abroad stores.
    assert _checked(dossier.basic) == ["3.1", "3.7"] and _checked(dossier.sensitive) == []
    # Part B.II: the recipient abroad.
    assert [party.name for party in dossier.receivers] == ["SendGrid, Inc."]
    assert [line.name for line in dossier.systems] == ["Dịch vụ email tiếp thị"]


def test_the_pdfs_name_the_controller_the_purposes_and_the_counts(
    written: None, controller: Controller, client: Client, legal: Any
) -> None:
    require_weasyprint()
    client.force_login(legal)
    answer = client.get(reverse("admin:dossiers_document_pdf", args=[IMPACT]))
    assert answer["Content-Type"] == "application/pdf"
    text = " ".join(pdf_text(answer.content).split())
    assert "Mẫu số 10" in text and "ĐÁNH GIÁ TÁC ĐỘNG XỬ LÝ DỮ LIỆU CÁ NHÂN" in text
    assert controller.legal_name in text and controller.tax_code in text
    assert "Gửi email tiếp thị" in text and "Giao đơn hàng" in text
    assert "Tổng số loại dữ liệu cá nhân cơ bản: 3" in text
    assert "Tổng số loại dữ liệu cá nhân nhạy cảm: 1" in text
    assert "Trần Thị Bình" in text and "15/QĐ-MTC" in text
    assert "Lộ số điện thoại khách hàng qua đơn vị vận chuyển" in text

    answer = client.get(reverse("admin:dossiers_document_pdf", args=[TRANSFER]))
    text = " ".join(pdf_text(answer.content).split())
    assert "Mẫu số 09" in text and "CHUYỂN DỮ LIỆU CÁ NHÂN XUYÊN BIÊN GIỚI" in text
    assert "SendGrid, Inc." in text and "SOC 2" in text

    page = client.get(reverse("admin:dossiers_document", args=[IMPACT]))
    assert page.status_code == 200 and "Gửi email tiếp thị" in page.content.decode()


def test_customer_care_may_not_read_the_dossiers(written: None, client: Client) -> None:
    client.force_login(role_member(CUSTOMER_CARE, "cskh-ho-so"))
    assert client.get(reverse("admin:dossiers_document", args=[IMPACT])).status_code == 403


def _at(day: datetime.date) -> Any:
    return time_machine.travel(datetime.datetime.combine(day, datetime.time(10)), tick=False)


def test_each_filing_keeps_the_dossier_and_its_covering_letter(
    written: None, controller: Controller, legal: Any, client: Client
) -> None:
    require_weasyprint()
    today = timezone.localdate()  # the seeded records are made now: the filings follow them
    with pytest.raises(ValidationError) as refused:
        dossier_filing_save(
            filing=DossierFiling(kind=IMPACT, form=DossierFiling.Form.UPDATE, filed_on=today),
            actor=legal,
        )
    assert "form" in refused.value.message_dict

    first = dossier_filing_save(
        filing=DossierFiling(
            kind=IMPACT, form=DossierFiling.Form.FIRST, number="07/CV-MTC", filed_on=today
        ),
        actor=legal,
    )
    dossier = " ".join(pdf_text(first.file.read()).split())
    assert "Mẫu số 10" in dossier and "Gửi email tiếp thị" in dossier
    letter = " ".join(pdf_text(first.covering_letter.read()).split())
    assert "Mẫu số 02a" in letter and "07/CV-MTC" in letter
    assert "GỬI HỒ SƠ ĐÁNH GIÁ TÁC ĐỘNG XỬ LÝ DỮ LIỆU CÁ NHÂN" in letter
    assert controller.legal_name in letter and controller.tax_code in letter
    assert f"ngày {today.day} tháng {today.month} năm {today.year}" in letter
    # The agency answers within 15 days (Decree 356/2025 Art. 19(5)).
    assert first.answer_due_on == today + datetime.timedelta(days=15)

    changed_on = today + datetime.timedelta(days=20)
    with _at(changed_on):
        services.purpose_save(
            purpose=Purpose(
                code="loyalty",
                name_vi="Chương trình khách hàng thân thiết",
                name_en="Loyalty programme",
                legal_basis=Purpose.LegalBasis.CONTRACT,
                data_items=["3.1", "3.7"],
            )
        )
    filed_on = today + datetime.timedelta(days=40)
    with _at(filed_on):
        update = dossier_filing_save(
            filing=DossierFiling(
                kind=IMPACT,
                form=DossierFiling.Form.UPDATE,
                filed_on=filed_on,
                change_reason="Mở chương trình khách hàng thân thiết.",
            ),
            actor=legal,
        )
    assert update.change_content == (
        f"{changed_on:%d/%m/%Y}: Mục đích mới: Chương trình khách hàng thân thiết"
    )
    letter = " ".join(pdf_text(update.covering_letter.read()).split())
    assert "Mẫu số 03a" in letter and "THAY ĐỔI NỘI DUNG HỒ SƠ" in letter
    assert "Mục đích mới: Chương trình khách hàng thân thiết" in letter
    assert "Mở chương trình khách hàng thân thiết." in letter
    # The first version is kept as it was filed: it does not know the new purpose.
    first.refresh_from_db()
    assert "Chương trình khách hàng thân thiết" not in " ".join(pdf_text(first.file.read()).split())
    assert "Chương trình khách hàng thân thiết" in " ".join(pdf_text(update.file.read()).split())

    with _at(filed_on):
        client.force_login(legal)
        download = client.get(
            reverse("admin:dossiers_dossierfiling_file", args=[update.pk, "letter"])
        )
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF")


def test_a_new_data_item_makes_the_update_due(
    written: None, legal: Any, marketing: Purpose
) -> None:
    require_weasyprint()
    today = timezone.localdate()  # the seeded records are made now: the filing follows them
    dossier_filing_save(
        filing=DossierFiling(kind=IMPACT, form=DossierFiling.Form.FIRST, filed_on=today),
        actor=legal,
    )
    changed_on = filings.add_months(today, 7)
    with _at(changed_on):
        marketing.data_items = [*marketing.data_items, "3.3"]
        services.purpose_save(purpose=marketing)
    status = filings.dossier_status(IMPACT, today=changed_on)
    assert [change.what for change in status.changes] == ["Dữ liệu mới của Gửi email tiếp thị: 3.3"]
    # The 6-month mark passed before the change: the update is due at the 12-month one.
    assert status.due_on == filings.add_months(today, 12)


def test_item_12_cites_the_last_issued_compliance_report(written: None, legal: Any) -> None:
    from dossiers.models import ComplianceReport
    from dossiers.services import compliance_report_issue, compliance_report_save

    require_weasyprint()
    html = documents.dossier_html(IMPACT)
    assert "Báo cáo đánh giá" not in html  # no report issued yet: the DPO's own text only
    today = timezone.localdate()
    report = compliance_report_save(
        report=ComplianceReport(
            period_start=today - datetime.timedelta(days=90),
            period_end=today - datetime.timedelta(days=1),
            findings="Một yêu cầu xóa trễ hạn.",
            measures="Nhắc hạn hằng ngày.",
        ),
        actor=legal,
    )
    compliance_report_issue(report=report, actor=legal)
    html = documents.dossier_html(IMPACT)
    assert "Một yêu cầu xóa trễ hạn." in html and "Nhắc hạn hằng ngày." in html
    assert f"{today - datetime.timedelta(days=90):%d/%m/%Y}" in html
