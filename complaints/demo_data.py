"""Demo complaints and requests for seed_demo: one at each step of the workflow, from demo
customers, made through the services as staff would make them. Only made while there are no
complaints at all, so a second run (or a run after staff filed some) makes none."""

from __future__ import annotations

import datetime
import struct
import zlib
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from complaints import data_requests, services
from complaints.models import Complaint, Department, IdentityMethod, Kind, ResponseChannel
from customers import roles
from customers.models import Channel, Consent, Customer


def demo_png() -> bytes:
    """A real 2×2 PNG: a screenshot stand-in for the customer's evidence."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00\x00\x00\xff" * 2)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def _customers(count: int) -> list[Customer]:
    return list(
        Customer.objects.filter(status=Customer.Status.ACTIVE)
        .exclude(email="")
        .exclude(phone="")
        .order_by("pk")[:count]
    )


def _submit(customer: Customer, kind: str, text: str, when: datetime.datetime, **extra: Any) -> Any:
    return services.complaint_submit(
        name=customer.full_name,
        phone=customer.phone,
        email=customer.email,
        kind=kind,
        description=text,
        when=when,
        **extra,
    )


def _identity_checked(complaint: Complaint, staff: Any) -> Complaint:
    return data_requests.complaint_verify_identity(
        complaint=complaint,
        actor=staff,
        method=IdentityMethod.CALL_BACK,
        note="Gọi lại số điện thoại đã đăng ký; khách xác nhận đã gửi yêu cầu.",
    )


def demo_complaints_ensure(
    *, logins: dict[str, Any], now: datetime.datetime, left_out: list[str]
) -> int:
    """Make the demo complaints; how many were made. A step a service refuses is left out with
    its reason."""
    if Complaint.objects.exists():
        return 0
    cskh = logins.get(roles.CUSTOMER_CARE)
    dpo = logins.get(roles.LEGAL_COMPLIANCE)
    people = _customers(9)
    if cskh is None or dpo is None or len(people) < 9:
        left_out.append("complaints: not enough demo customers or role logins")
        return 0
    day = datetime.timedelta(days=1)
    made = 0

    def step(name: str, work: Any) -> None:
        try:
            with transaction.atomic():
                work()
        except (PermissionDenied, ValidationError) as error:
            reason = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
            left_out.append(f"complaint {name}: {reason}")

    # 1. Just arrived from the web form: an access request, not yet read.
    _submit(
        people[0],
        Kind.ACCESS,
        "Tôi muốn biết công ty đang lưu những thông tin cá nhân nào của tôi.",
        now - datetime.timedelta(hours=3),
    )
    made += 1

    # 2. Withdraw marketing consent: routed to customer care.
    second = _submit(
        people[1],
        Kind.STOP_MARKETING,
        "Xin ngừng gửi tin nhắn quảng cáo đến số điện thoại của tôi.",
        now - 2 * day,
    )
    made += 1
    step(
        "stop marketing",
        lambda: (
            services.complaint_link_customer(complaint=second, customer=people[1], actor=cskh),
            services.complaint_route(
                complaint=second,
                actor=cskh,
                department=Department.CUSTOMER_CARE,
                assignee=cskh,
                note="Khách gọi lại xác nhận qua hotline.",
            ),
        ),
    )

    # 3. A suspected leak, overdue: the queue shows it in red.
    leak = _submit(
        people[2],
        Kind.SUSPECTED_LEAK,
        "Tôi nhận được cuộc gọi lừa đảo biết rõ đơn hàng vừa đặt. Ảnh chụp màn hình đính kèm.",
        now - 20 * day,
        files=[SimpleUploadedFile("anh-chup-man-hinh.png", demo_png(), "image/png")],
    )
    made += 1
    step(
        "suspected leak",
        lambda: services.complaint_route(
            complaint=leak,
            actor=cskh,
            department=Department.IT_SECURITY,
            assignee=dpo,
            third_party_involved=True,
        ),
    )

    # 4. Disclosure without consent: answered by phone.
    answered = _submit(
        people[3],
        Kind.DISCLOSURE_WITHOUT_CONSENT,
        "Một công ty bảo hiểm gọi cho tôi và nói lấy số từ cửa hàng.",
        now - 10 * day,
    )
    made += 1
    step(
        "answered by phone",
        lambda: (
            services.complaint_link_customer(complaint=answered, customer=people[3], actor=cskh),
            services.complaint_route(
                complaint=answered,
                actor=cskh,
                department=Department.LEGAL_COMPLIANCE,
                assignee=dpo,
            ),
            services.complaint_resolve(
                complaint=answered,
                actor=dpo,
                resolution=(
                    "Chúng tôi đã kiểm tra: không có chuyển giao dữ liệu của quý khách cho công ty "
                    "bảo hiểm. Số điện thoại đã được đưa vào danh sách không liên hệ."
                ),
                response_channel=ResponseChannel.PHONE,
                phone_call_at=now - 2 * day,
                phone_call_summary="Đã gọi khách, giải thích kết quả kiểm tra; khách đồng ý.",
            ),
        ),
    )

    # 5. A deletion request, routed to Legal (retention's demo data files its erasure request).
    deletion = _submit(
        people[4], Kind.DELETION, "Tôi không dùng dịch vụ nữa, xin xóa dữ liệu.", now - 4 * day
    )
    made += 1
    step(
        "deletion",
        lambda: (
            services.complaint_link_customer(complaint=deletion, customer=people[4], actor=cskh),
            services.complaint_route(
                complaint=deletion,
                actor=cskh,
                department=Department.LEGAL_COMPLIANCE,
                assignee=dpo,
            ),
            _identity_checked(deletion, cskh),
        ),
    )

    # 6. Withdraw consent: done and closed.
    withdrawal = _submit(
        people[5], Kind.WITHDRAW_CONSENT, "Tôi rút lại đồng ý nhận khảo sát.", now - 8 * day
    )
    made += 1

    def withdraw_and_close() -> None:
        services.complaint_link_customer(complaint=withdrawal, customer=people[5], actor=cskh)
        _identity_checked(withdrawal, cskh)
        services.complaint_route(
            complaint=withdrawal, actor=cskh, department=Department.CUSTOMER_CARE, assignee=cskh
        )
        granted = Consent.objects.filter(customer=people[5], withdrawn_at__isnull=True)
        if granted.exists():
            data_requests.complaint_withdraw_consents(
                complaint=withdrawal, actor=cskh, consents=list(granted[:1])
            )
        services.complaint_resolve(
            complaint=withdrawal,
            actor=cskh,
            resolution="Chúng tôi đã ghi nhận việc rút lại đồng ý của quý khách.",
            response_channel=ResponseChannel.EMAIL,
        )
        services.complaint_close(complaint=withdrawal, actor=cskh)

    step("withdrawal", withdraw_and_close)

    # 7. Not about personal data: rejected with the reason.
    rejected = _submit(people[6], Kind.OTHER_COMPLAINT, "Giao hàng chậm 3 ngày.", now - 6 * day)
    made += 1
    step(
        "rejected",
        lambda: services.complaint_reject(
            complaint=rejected,
            actor=dpo,
            reason=(
                "Nội dung không liên quan đến dữ liệu cá nhân; bộ phận CSKH sẽ liên hệ về "
                "việc giao hàng."
            ),
        ),
    )

    # 8. The same leak filed again by phone: a duplicate of no. 3.
    again = _submit(
        people[2],
        Kind.SUSPECTED_LEAK,
        "Gọi lại về cuộc gọi lừa đảo (đã gửi qua web).",
        now - 19 * day,
        channel=Channel.PHONE,
        actor=cskh,
    )
    made += 1
    step(
        "duplicate",
        lambda: services.complaint_mark_duplicate(complaint=again, actor=dpo, original=leak),
    )

    # 9. In English, waiting for the customer's evidence.
    waiting = _submit(
        people[8],
        Kind.USE_BEYOND_PURPOSE,
        "My address was used to send me catalogues I never asked for.",
        now - day,
        language="en",
    )
    made += 1
    step(
        "awaiting customer",
        lambda: services.complaint_await_customer(
            complaint=waiting,
            actor=cskh,
            message="Could you send us a photo of the catalogue's envelope?",
        ),
    )
    return made


def demo_incidents_ensure(
    *, logins: dict[str, Any], now: datetime.datetime, left_out: list[str]
) -> int:
    """Two breach incidents: one detected 30 hours ago, the notice to A05 not yet sent (its
    clock runs on every page), and one from last month, notified in time and closed."""
    from complaints import incidents
    from complaints.models import Incident
    from customers.personal_data import Category

    if Incident.objects.exists():
        return 0
    dpo = logins.get(roles.LEGAL_COMPLIANCE)
    if dpo is None:
        left_out.append("incidents: no Legal & compliance login")
        return 0
    made = 0
    try:
        with transaction.atomic():
            open_one = incidents.incident_create(
                actor=dpo,
                title="Tài khoản email của một nhân viên CSKH bị chiếm quyền",
                detected_at=now - datetime.timedelta(hours=30),
                description=(
                    "Hộp thư của một nhân viên chăm sóc khách hàng bị đăng nhập từ nước ngoài; "
                    "hộp thư chứa các email trao đổi với khách hàng về đơn hàng."
                ),
                cause="Mật khẩu bị lộ qua email giả mạo (phishing).",
                place="Hệ thống email công ty",
                categories=[Category.IDENTITY, Category.CONTACT, Category.ADDRESS],
                consequences="Khách hàng có thể nhận cuộc gọi hoặc tin nhắn lừa đảo.",
                measures_taken=(
                    "Đã đổi mật khẩu, bật xác thực hai lớp, thu hồi các phiên đăng nhập."
                ),
                measures_planned="Đào tạo nhận diện email giả mạo cho toàn bộ nhân viên.",
            )
            ids = list(
                Customer.objects.filter(status=Customer.Status.ACTIVE)
                .order_by("pk")
                .values_list("pk", flat=True)[:12]
            )
            incidents.incident_select_customers(
                incident=open_one, actor=dpo, selection={"kind": "ids", "ids": ids}
            )
            made += 1
            closed_one = incidents.incident_create(
                actor=dpo,
                title="Gửi nhầm tệp danh sách giao hàng cho đơn vị vận chuyển khác",
                detected_at=now - datetime.timedelta(days=35),
                occurred_at=now - datetime.timedelta(days=35, hours=3),
                description="Một tệp bàn giao vận chuyển được gửi nhầm cho đơn vị không liên quan.",
                cause="Chọn nhầm địa chỉ email người nhận.",
                place="Bộ phận giao vận",
                categories=[Category.IDENTITY, Category.CONTACT, Category.ADDRESS],
                consequences="Thấp: bên nhận đã xác nhận xóa tệp.",
                measures_taken="Bên nhận nhầm xác nhận đã xóa tệp bằng văn bản.",
                measures_planned="Gửi tệp qua kênh chia sẻ có kiểm soát thay cho email.",
            )
            incidents.incident_record_authority_notice(
                incident=closed_one,
                actor=dpo,
                sent_at=now - datetime.timedelta(days=34),
                reference="Công văn số 12/2026/CV-PC",
            )
            incidents.incident_close(incident=closed_one, actor=dpo)
            made += 1
    except (PermissionDenied, ValidationError) as error:
        reason = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
        left_out.append(f"incidents: {reason}")
        return 0
    return made


def demo_data_load(*, logins: dict[str, Any], now: datetime.datetime, report: Any) -> None:
    """seed_demo's part of complaints (ComplaintsConfig.demo_data)."""
    complaints = demo_complaints_ensure(logins=logins, now=now, left_out=report.left_out)
    incidents = demo_incidents_ensure(logins=logins, now=now, left_out=report.left_out)
    report.made_by_apps.append((_("Complaints and requests created"), complaints))
    report.made_by_apps.append((_("Breach incidents created"), incidents))
