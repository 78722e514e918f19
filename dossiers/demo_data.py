"""The demo's processing systems: the shop's servers in Vietnam and a foreign email service (a
processor abroad: a cross-border transfer, Law 91/2025/QH15 Art. 20), so that the processing
register is filled; and the DPO's part of the two dossiers (Mẫu số 10 and 09: the texts and an
assessed impact each), so that both documents read as filled. Idempotent: what exists is kept."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils.translation import gettext as _

from customers import roles
from customers.models import Purpose
from dossiers.models import (
    ComplianceReport,
    DossierFiling,
    DossierNarrative,
    DossierRisk,
    ProcessingSystem,
)
from dossiers.services import (
    compliance_report_save,
    dossier_narrative_save,
    dossier_risk_save,
    processing_system_save,
)

SYSTEMS: list[dict[str, Any]] = [
    {
        "name": "Máy chủ bán hàng và CRM",
        "provider": "Viettel IDC",
        "country": "VN",
        "hosting": ProcessingSystem.Hosting.CLOUD,
        "data_items": ["3.1", "3.4", "3.7", "3.10"],
        "encrypted_in_transit": True,
        "encrypted_at_rest": True,
        "security_measures": (
            "Phân quyền theo vai trò, xác thực hai lớp cho quản trị, sao lưu mã hóa hằng ngày, "
            "nhật ký truy cập lưu 24 tháng."
        ),
        "purposes": None,  # every purpose in use
    },
    {
        "name": "Dịch vụ gửi email tiếp thị",
        "provider": "SendGrid, Inc. (Twilio)",
        "country": "US",
        "hosting": ProcessingSystem.Hosting.SERVICE,
        "data_items": ["3.1", "3.7"],
        "encrypted_in_transit": True,
        "encrypted_at_rest": True,
        "security_measures": "Khoá API riêng cho từng hệ thống gửi, chỉ gửi tên và email.",
        # The first newsletter went out then: the transfer dossier's 60 days ran from it.
        "first_transfer_on": datetime.date(2026, 3, 2),
        "purposes": ["marketing-email"],
    },
]

NARRATIVES: list[dict[str, Any]] = [
    {
        "kind": DossierFiling.Kind.IMPACT,
        "business_lines": (
            "4791 — Bán lẻ theo yêu cầu đặt hàng qua bưu điện hoặc internet\n"
            "4759 — Bán lẻ đồ điện gia dụng, giường, tủ, bàn, ghế trong cửa hàng chuyên doanh"
        ),
        "branches": 1,
        "consent_process": (
            "Khách hàng đánh dấu ô đồng ý riêng cho từng mục đích trên trang thanh toán hoặc tại "
            "quầy; ô không được đánh dấu sẵn; nội dung chính sách được hiển thị trước khi đồng ý."
        ),
        "safety_plan": "Sao lưu mã hóa hằng ngày; phương án khôi phục trong 4 giờ.",
        "protection_measures": (
            "Phân quyền theo vai trò, che dữ liệu theo vai trò, nhật ký truy cập; đào tạo nhân "
            "viên chăm sóc khách hàng hai lần mỗi năm."
        ),
        "security_checks": "Rà soát lỗ hổng hằng quý do bộ phận CNTT thực hiện.",
        "compliance_assessment": "Tự đánh giá tuân thủ 6 tháng một lần, gần nhất tháng 6/2026.",
        "overview": (
            "Cửa hàng bán lẻ trực tuyến và tại cửa hàng; cần tên, số điện thoại, địa chỉ để giao "
            "hàng và xuất hóa đơn; rủi ro chính là lộ dữ liệu qua đơn vị vận chuyển."
        ),
    },
    {
        "kind": DossierFiling.Kind.TRANSFER,
        "business_lines": "4791 — Bán lẻ theo yêu cầu đặt hàng qua bưu điện hoặc internet",
        "branches": 1,
        "overview": "Bản tin tiếp thị gửi qua SendGrid (Hoa Kỳ) cho khách hàng đã đồng ý.",
        "receiver_processing": (
            "SendGrid lưu tên và email để gửi bản tin, không dùng cho mục đích khác."
        ),
        "receiver_safety": "Mã hóa khi truyền (TLS) và khi lưu; trung tâm dữ liệu đạt SOC 2.",
        "receiver_measures": "Khóa API riêng cho từng hệ thống; xác thực hai lớp cho quản trị.",
        "receiver_assessment": "Đáp ứng yêu cầu mã hóa của khoản 4 Điều 12 Nghị định 356/2025.",
    },
]
RISKS: list[dict[str, Any]] = [
    {
        "kind": DossierFiling.Kind.IMPACT,
        "area": DossierRisk.Area.SUBJECTS,
        "aspect": "Lộ số điện thoại, địa chỉ khách hàng qua đơn vị vận chuyển",
        "objective": "Chỉ chuyển những gì cần để giao hàng",
        "measures": "Chỉ gửi tên, số điện thoại và địa chỉ giao hàng; hợp đồng có điều khoản xóa.",
        "effectiveness": "Giảm dữ liệu chuyển giao; khách hàng vẫn nhận hàng bình thường.",
        "recommendation": "Che bớt số điện thoại trên nhãn giao hàng.",
    },
    {
        "kind": DossierFiling.Kind.TRANSFER,
        "area": DossierRisk.Area.SUBJECTS,
        "aspect": "Email khách hàng lưu tại máy chủ ở Hoa Kỳ",
        "objective": "Chỉ chuyển tên và email của khách hàng đã đồng ý",
        "measures": "Đồng bộ danh sách khi khách rút lại sự đồng ý; mã hóa khi truyền và khi lưu.",
    },
]


def _dossiers_load(actor: Any) -> int:
    made = 0
    for spec in NARRATIVES:
        if not DossierNarrative.objects.filter(kind=spec["kind"]).exists():
            dossier_narrative_save(narrative=DossierNarrative(**spec), actor=actor)
            made += 1
    for spec in RISKS:
        if not DossierRisk.objects.filter(kind=spec["kind"], aspect=spec["aspect"]).exists():
            dossier_risk_save(risk=DossierRisk(**spec), actor=actor)
            made += 1
    return made


def demo_data_load(*, logins: dict[str, Any], now: datetime.datetime, report: Any) -> None:
    actor = logins.get(roles.ADMINISTRATOR)
    made = 0
    for spec in SYSTEMS:
        if actor is None or ProcessingSystem.objects.filter(name=spec["name"]).exists():
            continue
        fields = {key: value for key, value in spec.items() if key != "purposes"}
        system = processing_system_save(system=ProcessingSystem(**fields), actor=actor)
        purposes = Purpose.objects.filter(is_active=True)
        if spec["purposes"] is not None:
            purposes = purposes.filter(code__in=spec["purposes"])
        system.purposes.set(purposes)
        made += 1
    report.made_by_apps.append((_("Processing systems"), made))
    legal = logins.get(roles.LEGAL_COMPLIANCE)
    # An existing account of that login outside the Legal group writes nothing (its role is kept).
    if legal is not None and legal.has_perm("dossiers.add_dossiernarrative"):
        report.made_by_apps.append((_("The DPO's part of the dossiers"), _dossiers_load(legal)))
    _draft_report(logins.get(roles.LEGAL_COMPLIANCE), now)


def _draft_report(actor: Any, now: datetime.datetime) -> None:
    """A draft of the DPO's report for the last quarter before today (Decree 356/2025 Art.
    14(1)(c)): its figures are computed from the demo's records."""
    if actor is None or ComplianceReport.objects.exists():
        return
    if not actor.has_perm("dossiers.add_compliancereport"):
        return  # an existing account of that name, left outside the role
    today = now.date()
    quarter_start = datetime.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    end = quarter_start - datetime.timedelta(days=1)
    start = datetime.date(end.year, end.month - 2, 1)
    compliance_report_save(
        report=ComplianceReport(
            period_start=start,
            period_end=end,
            findings="Các yêu cầu của khách hàng được trả lời đúng hạn; một yêu cầu xóa trễ hạn.",
            measures="Nhắc hạn hằng ngày cho bộ phận CSKH; rà soát thỏa thuận với bên nhận.",
        ),
        actor=actor,
    )
