"""The DPO's periodic compliance report (Decree 356/2025/NĐ-CP Art. 14(1)(c), 14(2)(c)): for a
period, how each obligation was met, counted from the records — requests answered in their
period, breaches notified within 72 hours, purges, requests to recipients, hand-overs without an
agreement, filings, the DPO; issued, it keeps its figures and its PDF whatever happens later; the
DPO is reminded when the next one is due."""

from __future__ import annotations

import datetime
import zoneinfo
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from complaints import incidents
from complaints import services as complaint_services
from complaints.models import Complaint
from customers import disclosures, recipient_requests, services
from customers.models import Channel, Controller, Purpose, Recipient
from customers.recipient_request_model import RecipientRequest
from customers.roles import ADMINISTRATOR, CUSTOMER_CARE, LEGAL_COMPLIANCE
from dossiers import compliance_report
from dossiers.models import ComplianceReport, DossierFiling, DpoAppointment, DpoTraining
from dossiers.selectors import latest_compliance_report
from dossiers.services import (
    compliance_report_issue,
    compliance_report_save,
    dossier_filing_save,
    dpo_appointment_save,
    dpo_training_save,
)
from retention.models import TASK_PURGE_EXPIRED, PurgeRun
from tests.complaints._breach_helpers import pdf_text, require_weasyprint
from tests.factories import (
    CustomerFactory,
    PolicyVersionFactory,
    PurposeFactory,
    complaint_submit,
    role_member,
)

pytestmark = pytest.mark.django_db

HCM = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
START, END = datetime.date(2026, 7, 1), datetime.date(2026, 9, 30)
ISSUED = datetime.datetime(2026, 10, 5, 10, 0, tzinfo=HCM)


def _at(moment: datetime.datetime) -> Any:
    return time_machine.travel(moment, tick=False)


def _on(month: int, day: int, hour: int = 9) -> datetime.datetime:
    return datetime.datetime(2026, month, day, hour, 0, tzinfo=HCM)


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def legal(db: None) -> Any:
    return role_member(LEGAL_COMPLIANCE, "phap-che-bao-cao")


def _request(kind: str, received: datetime.datetime, **fields: Any) -> Complaint:
    with _at(received):
        return complaint_submit(kind=kind, when=received, **fields)


def _answer(complaint: Complaint, actor: Any, at: datetime.datetime) -> None:
    with _at(at):
        complaint_services.complaint_route(
            complaint=complaint,
            actor=actor,
            department=Complaint.Department.LEGAL_COMPLIANCE,
            assignee=actor,
        )
        complaint_services.complaint_resolve(
            complaint=complaint,
            actor=actor,
            resolution="Đã cung cấp bản sao dữ liệu.",
            response_channel=Complaint.ResponseChannel.PHONE,
            phone_call_at=at - datetime.timedelta(minutes=5),
            phone_call_summary="Đã gọi, khách đã nhận.",
        )


@pytest.fixture
def seeded(controller: Controller, marketing: Purpose, legal: Any) -> dict[str, Any]:
    """A quarter of records: requests on time and late, one left unanswered, a breach notified
    late and one in time, a failed purge, a request to a shipper left unconfirmed, a hand-over
    without an agreement, a filing, the DPO trained in the quarter — and records outside it."""
    PolicyVersionFactory(version="2026.1", effective_from=datetime.date(2026, 1, 1))
    access = Complaint.Kind.ACCESS
    on_time = _request(access, _on(7, 1))  # due 11/07
    with _at(_on(7, 2)):
        complaint_services.complaint_acknowledge(complaint=on_time, how="Email")
    _answer(on_time, legal, _on(7, 5))
    late = _request(access, _on(8, 3), email="")  # due 13/08, never acknowledged
    _answer(late, legal, _on(8, 20))
    unanswered = _request(Complaint.Kind.DELETION, _on(9, 1))  # due 21/09
    with _at(_on(9, 2)):
        complaint_services.complaint_acknowledge(complaint=unanswered, how="Email")
    _request(access, _on(6, 30))  # before the period
    _request(access, _on(10, 1))  # after it
    complaint = _request(Complaint.Kind.OTHER_COMPLAINT, _on(9, 10))
    _answer(complaint, legal, _on(9, 12))

    with _at(_on(8, 10, 10)):
        late_breach = incidents.incident_create(
            actor=legal,
            title="Lộ danh sách khách hàng",
            detected_at=_on(8, 10, 10),
            description="Tệp xuất khách hàng gửi nhầm ra ngoài.",
        )
    with _at(_on(8, 14, 10)):
        incidents.incident_record_authority_notice(
            incident=late_breach,
            actor=legal,
            sent_at=_on(8, 14, 9),  # 95 hours after detection
            reference="CV 12/2026",
            late_reason="Chờ xác minh phạm vi.",
        )
    with _at(_on(9, 5, 8)):
        timely = incidents.incident_create(
            actor=legal,
            title="Truy cập trái phép hộp thư",
            detected_at=_on(9, 5, 8),
            description="Một hộp thư nhân viên bị đăng nhập lạ.",
        )
        incidents.incident_record_authority_notice(
            incident=timely, actor=legal, sent_at=_on(9, 5, 8), reference="CV 15/2026"
        )

    fulfilment = PurposeFactory(
        code="order-fulfilment", name_vi="Giao đơn hàng", legal_basis=Purpose.LegalBasis.CONTRACT
    )
    with _at(_on(6, 1)):
        shipper = disclosures.recipient_save(
            recipient=Recipient(
                name="Giao Hàng Nhanh",
                kind=Recipient.Kind.SHIPPER,
                purpose=fulfilment,
                contract_reference="HĐ-GHN-1",
                allowed_items=["name", "phone", "delivery_address"],
            ),
            actor=None,
        )
        customers = CustomerFactory.create_batch(3)
        services.consent_grant(  # before the period
            customer=customers[2], purpose=marketing, channel=Channel.PHONE, form_reference="G-0"
        )
    with _at(_on(7, 2)):
        granted = [
            services.consent_grant(
                customer=customer,
                purpose=marketing,
                channel=Channel.PHONE,
                form_reference=f"G-{number + 1}",
            )
            for number, customer in enumerate(customers[:2])
        ]
    with _at(_on(9, 3)):
        services.consent_withdraw(
            consent=granted[0], channel=Channel.PHONE, actor=legal, withdrawal_reference="R-1"
        )
    with _at(_on(7, 15)):
        disclosures.disclosure_create(
            actor=role_member(CUSTOMER_CARE, "cskh-bao-cao"),
            customer=customers[1],
            recipient=shipper,
            items=["name", "phone"],
        )
    with _at(_on(8, 1)):  # due 31/08, never confirmed
        recipient_requests.recipient_requests_open(
            customer_ids=[customers[1].pk],
            action=RecipientRequest.Action.DELETE,
            cause=RecipientRequest.Cause.ERASED,
        )

    # What the purge job records of its runs (retention.purge): one ran, one failed.
    PurgeRun.objects.create(
        task=TASK_PURGE_EXPIRED,
        trigger=PurgeRun.Trigger.SCHEDULE,
        started_at=_on(8, 1, 2),
        status=PurgeRun.Status.FINISHED,
        customers_erased=4,
        customers_held=1,
    )
    PurgeRun.objects.create(
        task=TASK_PURGE_EXPIRED,
        trigger=PurgeRun.Trigger.SCHEDULE,
        started_at=_on(9, 1, 2),
        status=PurgeRun.Status.FAILED,
        errors=[{"error": "OperationalError"}],
    )
    PurgeRun.objects.create(
        task=TASK_PURGE_EXPIRED,
        trigger=PurgeRun.Trigger.COMMAND,
        started_at=_on(9, 2, 2),
        status=PurgeRun.Status.FINISHED,
        dry_run=True,
        customers_erased=9,
    )

    with _at(_on(8, 20)):
        dossier_filing_save(
            filing=DossierFiling(
                kind=DossierFiling.Kind.IMPACT,
                form=DossierFiling.Form.FIRST,
                filed_on=datetime.date(2026, 8, 20),
                reference="A05-77",
            ),
            actor=legal,
        )
    with _at(_on(1, 5)):
        appointment = dpo_appointment_save(
            appointment=DpoAppointment(
                full_name="Trần Thị Bình",
                position="Trưởng phòng Pháp chế",
                appointment_number="15/QĐ-MTC",
                appointed_on=datetime.date(2026, 1, 5),
                education=DpoAppointment.Education.UNIVERSITY,
                experience_field=DpoAppointment.ExperienceField.LEGAL,
                experience_years=6,
                confidentiality_signed_on=datetime.date(2026, 1, 5),
            ),
            actor=legal,
        )
    with _at(_on(8, 16)):
        dpo_training_save(
            training=DpoTraining(
                appointment=appointment,
                course="Bảo vệ dữ liệu cá nhân theo Luật 91/2025/QH15",
                completed_on=datetime.date(2026, 8, 15),
            ),
            actor=legal,
        )
    return {"unanswered": unanswered, "customers": customers, "marketing": marketing}


def _draft(legal: Any, **fields: Any) -> ComplianceReport:
    values = {
        "period_start": START,
        "period_end": END,
        "findings": "Một yêu cầu xem dữ liệu trả lời trễ 7 ngày; một sự cố báo cáo sau 72 giờ.",
        "measures": "Phân công người trực yêu cầu; diễn tập ứng phó sự cố mỗi quý.",
        **fields,
    }
    return compliance_report_save(report=ComplianceReport(**values), actor=legal)


def test_the_figures_count_each_obligation_of_the_period(seeded: Any) -> None:
    with _at(ISSUED):
        figures = compliance_report.compliance_figures(start=START, end=END)

    requests = figures["requests"]["total"]
    assert (requests["received"], requests["on_time"], requests["late"]) == (3, 1, 1)
    assert (requests["open_overdue"], requests["open_not_due"]) == (1, 0)
    assert requests["on_time_rate"] == 333  # per thousand: 1 of 3 due
    assert (requests["acknowledged_on_time"], requests["acknowledged_late"]) == (2, 0)
    assert requests["extended"] == 0
    by_kind = figures["requests"]["by_kind"]
    assert set(by_kind) == {"access", "deletion"}
    assert (by_kind["access"]["on_time"], by_kind["access"]["late"]) == (1, 1)
    assert by_kind["deletion"]["open_overdue"] == 1

    complaints = figures["complaints"]
    assert (complaints["received"], complaints["on_time"], complaints["on_time_rate"]) == (
        1,
        1,
        1000,
    )

    breaches = figures["incidents"]
    assert (breaches["detected"], breaches["on_time"], breaches["late"]) == (2, 1, 1)
    assert (breaches["open_overdue"], breaches["on_time_rate"]) == (0, 500)

    assert figures["consents"] == {"granted": 2, "withdrawn": 1}

    asked = figures["recipient_requests"]
    assert (asked["received"], asked["on_time"], asked["open_overdue"]) == (1, 0, 1)
    assert asked["on_time_rate"] == 0

    assert figures["purges"] == {
        "runs": 2,
        "finished": 1,
        "failed": 1,
        "customers_erased": 4,
        "customers_held": 1,
    }
    handed = figures["disclosures"]
    assert (handed["total"], handed["to_authorities"], handed["without_agreement"]) == (1, 0, 1)
    assert handed["without_agreement_by_recipient"] == {"Giao Hàng Nhanh": 1}

    impact = next(line for line in figures["filings"] if line["kind"] == "impact")
    assert impact["filed_in_period"] == 1 and impact["ever_filed"]

    dpo = figures["dpo"]
    assert dpo["full_name"] == "Trần Thị Bình" and dpo["trained"] and dpo["confidentiality_signed"]
    assert dpo["trainings_in_period"] == [
        {"course": "Bảo vệ dữ liệu cá nhân theo Luật 91/2025/QH15", "completed_on": "2026-08-15"}
    ]
    assert figures["exemption"]["subjects_count"] >= 3
    assert figures["controller"]["legal_name"] == "Công ty Cổ phần Thương mại Mỹ Tho"


def test_each_line_cites_its_article_and_flags_what_went_wrong(seeded: Any) -> None:
    with _at(ISSUED):
        sections = compliance_report.report_sections(
            compliance_report.compliance_figures(start=START, end=END)
        )
    lines = {(section.title, line.label): line for section in sections for line in section.lines}
    late = lines[("Yêu cầu của chủ thể dữ liệu", "trả lời trễ hạn")]
    assert late.value == "1" and late.warning and late.article == "Điều 5 Nghị định 356/2025/NĐ-CP"
    rate = lines[("Yêu cầu của chủ thể dữ liệu", "tỷ lệ đúng hạn")]
    assert rate.value == "33,3%"
    breach = lines[("Sự cố vi phạm", "thông báo cơ quan chức năng sau 72 giờ")]
    assert breach.value == "1" and breach.warning and "Điều 23" in breach.article
    failed = lines[("Lưu trữ và xóa dữ liệu", "lượt xóa định kỳ thất bại")]
    assert failed.value == "1" and failed.warning
    assert all(line.article for section in sections for line in section.lines)


def test_an_issued_report_keeps_its_figures_and_its_pdf(seeded: Any, legal: Any) -> None:
    require_weasyprint()
    with _at(ISSUED):
        report = compliance_report_issue(report=_draft(legal), actor=legal)
    kept = report.figures
    assert report.issued_by == legal and report.document.name.endswith(".pdf")
    with report.document.open("rb") as stored:
        issued_pdf = stored.read()

    # Later the open request is answered and a late letter recorded in the period.
    with _at(_on(10, 6)):
        complaint_services.complaint_acknowledge(complaint=seeded["unanswered"], how="Gọi")
    _answer(seeded["unanswered"], legal, _on(10, 6, 11))
    _request(Complaint.Kind.ACCESS, _on(9, 20))

    report.refresh_from_db()
    assert report.figures == kept
    assert compliance_report.report_figures(report)["requests"]["total"]["received"] == 3
    with report.document.open("rb") as stored:
        assert stored.read() == issued_pdf
    with _at(_on(10, 7)):
        draft = compliance_report.report_figures(_draft(legal))
    assert draft["requests"]["total"]["received"] == 4

    with pytest.raises(ValidationError) as refused, _at(_on(10, 7)):
        report.findings = "Sửa lại"
        compliance_report_save(report=report, actor=legal)
    assert "ban hành" in refused.value.messages[0]
    assert latest_compliance_report() == ComplianceReport.objects.get(pk=report.pk)


def test_the_pdf_names_the_controller_the_period_and_the_figures(
    seeded: Any, legal: Any, controller: Controller
) -> None:
    require_weasyprint()
    with _at(ISSUED):
        report = compliance_report_issue(report=_draft(legal), actor=legal)
        client = Client()
        client.force_login(legal)
        answer = client.get(reverse("admin:dossiers_compliancereport_pdf", args=[report.pk]))
    assert answer.status_code == 200
    text = " ".join(pdf_text(b"".join(answer.streaming_content)).split())  # type: ignore[attr-defined]
    assert "BÁO CÁO ĐÁNH GIÁ TUÂN THỦ PHÁP LUẬT VỀ BẢO VỆ DỮ LIỆU CÁ NHÂN" in text
    assert controller.legal_name in text
    assert "từ ngày 01/07/2026 đến ngày 30/09/2026" in text
    assert "trả lời trễ hạn 1" in text and "tỷ lệ đúng hạn 33,3%" in text
    assert "Giao Hàng Nhanh 1" in text
    assert "Trần Thị Bình" in text and "Phân công người trực yêu cầu" in text


def test_issuing_is_refused_before_the_period_ends_and_without_findings(
    seeded: Any, legal: Any
) -> None:
    with _at(_on(9, 30, 15)):
        draft = _draft(legal, findings="", measures="")
        with pytest.raises(ValidationError) as refused:
            compliance_report_issue(report=draft, actor=legal)
    assert set(refused.value.message_dict) == {"period_end", "findings", "measures"}
    assert "30/09/2026" in refused.value.message_dict["period_end"][0]
    draft.refresh_from_db()
    assert not draft.is_issued and latest_compliance_report() is None


def test_the_admin_issues_from_the_draft_and_then_shows_it_read_only(
    seeded: Any, legal: Any
) -> None:
    require_weasyprint()
    with _at(ISSUED):
        client = Client()
        client.force_login(legal)
        add = client.post(
            reverse("admin:dossiers_compliancereport_add"),
            {
                "period_start": "01/07/2026",
                "period_end": "30/09/2026",
                "next_in_months": "3",
                "findings": "Một yêu cầu trả lời trễ.",
                "measures": "Nhắc hạn hằng ngày.",
                "_issue": "1",
            },
        )
        assert add.status_code == 302
        report = ComplianceReport.objects.get()
        assert report.is_issued and report.next_in_months == 3
        page = client.get(reverse("admin:dossiers_compliancereport_change", args=[report.pk]))
        text = page.content.decode()
    assert 'name="_issue"' not in text and 'name="findings"' not in text
    assert "trả lời trễ hạn" in text and "Giao Hàng Nhanh" in text

    administrator = role_member(ADMINISTRATOR, "quan-tri-bao-cao")
    client.force_login(administrator)
    assert client.get(reverse("admin:dossiers_compliancereport_changelist")).status_code == 200
    assert client.get(reverse("admin:dossiers_compliancereport_add")).status_code == 403
    printed = client.get(reverse("admin:dossiers_compliancereport_print", args=[report.pk]))
    assert "BÁO CÁO ĐÁNH GIÁ TUÂN THỦ" in printed.content.decode()
    client.force_login(role_member(CUSTOMER_CARE, "cskh-khong-doc"))
    assert client.get(reverse("admin:dossiers_compliancereport_changelist")).status_code == 403


def test_the_dpo_is_reminded_when_the_next_report_is_due(seeded: Any, legal: Any) -> None:
    require_weasyprint()
    from dossiers.tasks import remind_dossiers

    with _at(ISSUED):
        compliance_report_issue(report=_draft(legal, next_in_months=6), actor=legal)
    due = datetime.date(2027, 3, 30)  # 6 months after 30/09/2026
    assert compliance_report.compliance_report_due().due_on == due  # type: ignore[union-attr]
    sent_on = []
    for offset in range(-10, 4):
        day = due + datetime.timedelta(days=offset)
        mail.outbox.clear()
        with _at(datetime.datetime.combine(day, datetime.time(7, 30), tzinfo=HCM)):
            remind_dossiers()
        if any("báo cáo" in message.subject.lower() for message in mail.outbox):
            sent_on.append(day)
            (message,) = [m for m in mail.outbox if "báo cáo" in m.subject.lower()]
            assert message.to == ["dpo@mitexco.example.vn"]
            assert "30/03/2027" in message.subject
            assert "01/07/2026 – 30/09/2026" in message.body
    assert sent_on == [
        due - datetime.timedelta(days=7),
        due - datetime.timedelta(days=1),
        due + datetime.timedelta(days=1),
    ]

    with _at(datetime.datetime.combine(due, datetime.time(9), tzinfo=HCM)):
        client = Client()
        client.force_login(legal)
        page = client.get(reverse("admin:dossiers_compliancereport_changelist")).content.decode()
    assert "Báo cáo tiếp theo phải lập trước ngày 30/03/2027" in page


def test_the_first_report_is_due_6_months_after_the_appointment(seeded: Any) -> None:
    due = compliance_report.compliance_report_due()
    assert due is not None and due.after is None
    assert due.due_on == datetime.date(2026, 7, 5)
