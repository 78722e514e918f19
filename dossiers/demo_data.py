"""The demo's processing systems: the shop's servers in Vietnam and a foreign email service (a
processor abroad: a cross-border transfer, Law 91/2025/QH15 Art. 20), so that the processing
register is filled. Idempotent: systems that exist are kept."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils.translation import gettext as _

from customers import roles
from customers.models import Purpose
from dossiers.models import ComplianceReport, ProcessingSystem
from dossiers.services import compliance_report_save, processing_system_save

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
