"""The complaints admin: the queue finds what staff type and shows what is late; each step is a
button that calls complaints.services, refused for a role that may not take it (a message,
nothing changed, never an error page); evidence and exports are for roles with the full view
and are logged."""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import clear_url_caches, reverse
from django.utils import timezone, translation

from complaints import services
from complaints.models import (
    REQUEST_KINDS,
    Complaint,
    ComplaintEvent,
    ComplaintMessage,
    DeadlineRule,
    Evidence,
    PublicHoliday,
)
from customers import services as customer_services
from customers.models import AccessLog, Channel, Consent, Customer, Purpose
from retention.models import ErasureRequest
from tests.factories import (
    CustomerFactory,
    PurposeFactory,
    StaffFactory,
    complaint_submit,
    identity_verified,
    role_member,
)

pytestmark = pytest.mark.django_db

S = Complaint.Status
PDF_BYTES = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"

_numbers = itertools.count(1)


@pytest.fixture(autouse=True)
def _english(settings: Any) -> Iterator[None]:
    """Assertions read English messages (the admin speaks LANGUAGE_CODE)."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield
    clear_url_caches()


@pytest.fixture
def care(db: None) -> Any:
    return role_member("customer_care", "cskh-lan")


@pytest.fixture
def legal(db: None) -> Any:
    return role_member("legal_compliance", "phap-che-binh")


@pytest.fixture
def sales(db: None) -> Any:
    return role_member("sales", "kinh-doanh")


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def changelist() -> str:
    return reverse("admin:complaints_complaint_changelist")


def change_url(complaint: Complaint) -> str:
    return reverse("admin:complaints_complaint_change", args=[complaint.pk])


def step_url(complaint: Complaint, step: str) -> str:
    return reverse("admin:complaints_complaint_step", args=[complaint.pk, step])


def messages_of(response: Any) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def fresh(complaint: Complaint) -> Complaint:
    return Complaint.objects.get(pk=complaint.pk)


def submitted(**overrides: Any) -> Complaint:
    n = next(_numbers)
    values = {"phone": f"0912 {n:03d} 678", "email": f"khach{n}@example.vn", **overrides}
    return complaint_submit(**values)


def routed(complaint: Complaint, actor: Any) -> Complaint:
    return services.complaint_route(
        complaint=complaint,
        actor=actor,
        department=Complaint.Department.CUSTOMER_CARE,
        assignee=actor,
    )


def linked(complaint: Complaint, actor: Any, customer: Customer | None = None) -> Customer:
    """Linked to a customer; a request's requester also confirmed as that customer."""
    customer = customer or CustomerFactory.create(phone="0912 999 111", email="an@example.vn")
    services.complaint_link_customer(complaint=complaint, customer=customer, actor=actor)
    if complaint.kind in REQUEST_KINDS and actor.has_perm(services.PERM_RESOLVE):
        identity_verified(complaint, actor)
    return customer


# The queue -----------------------------------------------------------------------------------


def test_sales_cannot_see_complaints(sales: Any) -> None:
    complaint = submitted()
    client = signed_in(sales)
    assert client.get(changelist()).status_code == 403
    assert client.get(change_url(complaint)).status_code == 403
    assert client.get(step_url(complaint, "route")).status_code == 403


def test_queue_query_count_is_bounded(legal: Any, django_assert_max_num_queries: Any) -> None:
    customer = CustomerFactory.create()
    for n in range(30):
        complaint = submitted()
        if n % 3 == 0:
            routed(complaint, legal)
        if n % 5 == 0:
            services.complaint_link_customer(complaint=complaint, customer=customer, actor=legal)
    client = signed_in(legal)
    with django_assert_max_num_queries(15):
        response = client.get(changelist())
    assert response.status_code == 200
    assert response.content.count(b"KN-") >= 30


def test_pending_first_by_due_time(legal: Any) -> None:
    now = timezone.now()
    closed = submitted(when=now - datetime.timedelta(days=40))
    services.complaint_reject(complaint=closed, actor=legal, reason="Không liên quan.")
    late = submitted(when=now - datetime.timedelta(days=30))
    recent = submitted()
    client = signed_in(legal)

    def shown(**params: str) -> list[str]:
        response = client.get(changelist(), params)
        return [row.tracking_code for row in response.context["cl"].result_list]

    # The queue opens on the open items; "all" puts the closed ones after them.
    assert shown() == [late.tracking_code, recent.tracking_code]
    assert shown(open="all") == [late.tracking_code, recent.tracking_code, closed.tracking_code]
    assert shown(open="closed") == [closed.tracking_code]
    # A search finds a closed complaint too.
    assert shown(q=closed.tracking_code) == [closed.tracking_code]


def test_mine_and_assignees_by_full_name(legal: Any, care: Any) -> None:
    care.first_name, care.last_name = "Lan", "Phạm Thị"
    care.save()
    mine = routed(submitted(), care)
    submitted()
    client = signed_in(care)
    response = client.get(changelist(), {"mine": "1"})
    assert [row.pk for row in response.context["cl"].result_list] == [mine.pk]
    assert (
        "Phạm Thị Lan" in response.content.decode() or "Lan Phạm Thị" in response.content.decode()
    )


def test_overdue_filter_and_badge(legal: Any) -> None:
    now = timezone.now()
    late = submitted(when=now - datetime.timedelta(days=60))
    on_time = submitted()
    soon = submitted()
    Complaint.objects.filter(pk=soon.pk).update(due_at=now + datetime.timedelta(hours=5))
    client = signed_in(legal)

    def codes(**params: str) -> set[str]:
        response = client.get(changelist(), params)
        assert response.status_code == 200
        return {row.tracking_code for row in response.context["cl"].result_list}

    assert codes(deadline="overdue") == {late.tracking_code}
    assert codes(deadline="soon") == {soon.tracking_code}
    assert codes(deadline="on_time") == {on_time.tracking_code, soon.tracking_code}
    page = client.get(changelist()).content.decode()
    assert page.count('class="complaint-overdue"') == 1


def test_queue_filters_by_status_kind_and_assignee(legal: Any, care: Any) -> None:
    mine = routed(submitted(kind="access"), care)
    other = submitted()
    client = signed_in(legal)

    def codes(**params: str) -> set[str]:
        response = client.get(changelist(), params)
        assert response.status_code == 200
        return {row.tracking_code for row in response.context["cl"].result_list}

    assert codes(status=S.ROUTED) == {mine.tracking_code}
    assert codes(kind="other_complaint") == {other.tracking_code}
    assert codes(assignee__id__exact=str(care.pk)) == {mine.tracking_code}
    # The assignee filter lists only staff who can resolve complaints.
    sales = role_member("sales", "kinh-doanh-2")
    page = client.get(changelist()).content.decode()
    assert care.username in page
    assert sales.username not in page


@pytest.mark.parametrize(
    "typed",
    [
        "{code}",
        "{code_lower_spaced}",
        "091 234 5678",
        "+84 912 345 678",
        "BAO.Tran@Example.VN",
    ],
)
def test_search_finds_by_code_phone_and_email(legal: Any, typed: str) -> None:
    complaint = complaint_submit(phone="0912345678", email="bao.tran@example.vn")
    submitted()  # another one, not found
    code = complaint.tracking_code
    term = typed.format(code=code, code_lower_spaced=" ".join(code.lower().replace("-", "")))
    response = signed_in(legal).get(changelist(), {"q": term})
    assert response.status_code == 200
    assert [row.pk for row in response.context["cl"].result_list] == [complaint.pk]


@pytest.mark.parametrize("typed", ["Nguyễn Thị Hoa", "nguyen thi hoa", "hoa NGUYEN", "5678"])
def test_search_finds_by_name_without_accents_and_by_the_last_digits(
    legal: Any, typed: str
) -> None:
    complaint = complaint_submit(name="Nguyễn Thị Hoa", phone="0912345678")
    complaint_submit(name="Trần Văn Bảo", phone="0987654321")  # not found
    response = signed_in(legal).get(changelist(), {"q": typed})
    assert response.status_code == 200
    assert [row.pk for row in response.context["cl"].result_list] == [complaint.pk]


def test_an_erased_submitter_is_not_found_by_name(legal: Any) -> None:
    from retention.erasure import REDACTED, customer_erase
    from tests.factories import CustomerFactory

    customer = CustomerFactory(full_name="Nguyễn Thị Hoa")
    complaint = complaint_submit(name="Nguyễn Thị Hoa")
    services.complaint_link_customer(complaint=complaint, customer=customer, actor=legal)
    customer_erase(customer=customer)

    complaint.refresh_from_db()
    assert (complaint.submitter_name, complaint.submitter_name_folded) == (REDACTED, "")
    assert not Complaint.history.filter(submitter_name_folded__contains="hoa").exists()
    response = signed_in(legal).get(changelist(), {"q": "nguyen thi hoa"})
    assert list(response.context["cl"].result_list) == []


# The page ------------------------------------------------------------------------------------


def test_change_page_shows_steps_the_role_allows(care: Any, legal: Any) -> None:
    complaint = submitted()
    ComplaintMessage.objects.create(
        complaint=complaint, visibility=ComplaintMessage.Visibility.INTERNAL, body="Ghi chú nội bộ"
    )
    care_page = signed_in(care).get(change_url(complaint))
    assert care_page.status_code == 200
    care_html = care_page.content.decode()
    assert step_url(complaint, "route") in care_html
    assert step_url(complaint, "ask") in care_html
    assert step_url(complaint, "reject") not in care_html
    assert step_url(complaint, "extend") not in care_html
    assert step_url(complaint, "resolve") not in care_html  # received: route it first
    assert "Ghi chú nội bộ" in care_html
    assert "Internal note" in care_html
    legal_html = signed_in(legal).get(change_url(complaint)).content.decode()
    assert step_url(complaint, "reject") in legal_html
    assert step_url(complaint, "extend") in legal_html
    # Read-only: no save button, a POST to the page is refused.
    assert 'name="_save"' not in care_html
    assert signed_in(care).post(change_url(complaint), {"status": S.CLOSED}).status_code == 403


def test_change_page_query_count_is_bounded(care: Any, django_assert_max_num_queries: Any) -> None:
    complaint = submitted()
    linked(complaint, care)
    for n in range(10):
        services.complaint_add_message(
            complaint=complaint, actor=care, visibility="internal", body=f"Ghi chú {n}"
        )
    with django_assert_max_num_queries(40):
        response = signed_in(care).get(change_url(complaint))
    assert response.status_code == 200


def test_full_view_of_a_linked_complaint_is_logged(care: Any) -> None:
    complaint = submitted()
    customer = linked(complaint, care)
    response = signed_in(care).get(change_url(complaint))
    assert response.status_code == 200
    html = response.content.decode()
    assert complaint.submitter_email in html
    assert "0912 " in html  # the phone the Vietnamese way, in full
    assert AccessLog.objects.filter(
        staff=care, customer_id=customer.pk, action=AccessLog.Action.VIEW
    ).exists()


def test_contact_is_masked_without_the_full_view(db: None) -> None:
    reader = StaffFactory.create(username="chi-xem")
    reader.user_permissions.add(
        Permission.objects.get(content_type__app_label="complaints", codename="view_complaint")
    )
    complaint = complaint_submit(name="Trần Văn Bảo", phone="0912345678", email="bao@example.vn")
    response = signed_in(reader).get(change_url(complaint))
    assert response.status_code == 200
    html = response.content.decode()
    assert "0912 *** 678" in html
    assert "+84912345678" not in html
    assert "b***@example.vn" in html
    assert "bao@example.vn" not in html
    assert "0912 345 678" not in html
    assert "Trần Văn Bảo" not in html
    assert not AccessLog.objects.exists()


# The steps -----------------------------------------------------------------------------------


def test_route_ask_resume_resolve_close_through_the_admin(care: Any) -> None:
    complaint = submitted()
    client = signed_in(care)
    assert client.get(step_url(complaint, "route")).status_code == 200
    response = client.post(
        step_url(complaint, "route"),
        {
            "department": Complaint.Department.LEGAL_COMPLIANCE,
            "assignee": care.pk,
            "kind": "use_beyond_purpose",
            "note": "Chuyển pháp chế xem xét.",
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0] == change_url(complaint)
    routed_ = fresh(complaint)
    assert routed_.status == S.ROUTED
    assert routed_.assignee == care
    assert routed_.kind == "use_beyond_purpose"
    assert routed_.messages.filter(visibility="internal").exists()

    client.post(step_url(complaint, "ask"), {"message": "Xin gửi ảnh chụp tin nhắn."})
    assert fresh(complaint).status == S.AWAITING_CUSTOMER
    client.post(step_url(complaint, "resume"), {"note": "Khách đã gửi ảnh."})
    assert fresh(complaint).status == S.RECEIVED
    client.post(
        step_url(complaint, "route"),
        {"department": Complaint.Department.CUSTOMER_CARE, "kind": "use_beyond_purpose"},
    )
    call_at = timezone.localtime() - datetime.timedelta(minutes=30)
    response = client.post(
        step_url(complaint, "resolve"),
        {
            "resolution": "Chúng tôi đã ngừng dùng số của anh cho quảng cáo.",
            "response_channel": "phone",
            "phone_call_at": call_at.strftime("%Y-%m-%dT%H:%M"),
            "phone_call_summary": "Đã gọi, khách đồng ý.",
        },
        follow=True,
    )
    resolved = fresh(complaint)
    assert resolved.status == S.RESOLVED
    assert resolved.response_channel == "phone"
    with translation.override("en"):
        assert str(translation.gettext("Resolved: the phone call is recorded.")) in messages_of(
            response
        )
    client.post(step_url(complaint, "close"), {})
    assert fresh(complaint).status == S.CLOSED
    actions = list(
        ComplaintEvent.objects.filter(complaint=complaint, actor=care).values_list(
            "to_status", flat=True
        )
    )
    assert actions[-1] == S.CLOSED


def test_resolve_by_phone_without_the_call_keeps_what_was_typed(care: Any) -> None:
    complaint = routed(submitted(), care)
    response = signed_in(care).post(
        step_url(complaint, "resolve"),
        {"resolution": "Kết quả đã soạn.", "response_channel": "phone"},
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "phone_call_at" in form.errors
    assert "phone_call_summary" in form.errors
    assert "Kết quả đã soạn." in response.content.decode()
    assert fresh(complaint).status == S.ROUTED


def test_resolve_by_email(care: Any) -> None:
    complaint = routed(submitted(), care)
    signed_in(care).post(
        step_url(complaint, "resolve"),
        {"resolution": "Đã xoá số của chị khỏi danh sách.", "response_channel": "email"},
    )
    resolved = fresh(complaint)
    assert resolved.status == S.RESOLVED
    assert resolved.messages.filter(visibility="customer").exists()


def test_a_step_the_status_does_not_allow_is_a_form_error(care: Any) -> None:
    complaint = submitted()
    client = signed_in(care)
    response = client.get(step_url(complaint, "close"), follow=True)
    assert response.redirect_chain[-1][0] == change_url(complaint)
    assert messages_of(response)
    response = client.post(step_url(complaint, "close"), {})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert fresh(complaint).status == S.RECEIVED


@pytest.mark.parametrize(
    ("step", "data"),
    [
        ("reject", {"reason": "Không liên quan dữ liệu cá nhân."}),
        ("extend", {"days": "10", "reason": "Cần đối tác xác minh."}),
        ("duplicate", {"original": "{original}"}),
    ],
)
def test_customer_care_cannot_reject_extend_or_mark_duplicates(
    care: Any, step: str, data: dict[str, str]
) -> None:
    original = submitted()
    complaint = submitted()
    before = fresh(complaint)
    client = signed_in(care)
    response = client.get(step_url(complaint, step), follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == change_url(complaint)
    posted = {key: value.format(original=original.tracking_code) for key, value in data.items()}
    response = client.post(step_url(complaint, step), posted, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == change_url(complaint)
    assert any("may not" in message for message in messages_of(response))
    after = fresh(complaint)
    assert (after.status, after.due_at, after.extension_days) == (
        before.status,
        before.due_at,
        before.extension_days,
    )


def test_legal_rejects_extends_and_marks_duplicates(legal: Any) -> None:
    client = signed_in(legal)
    rejected = submitted()
    client.post(step_url(rejected, "reject"), {"reason": "Không liên quan dữ liệu cá nhân."})
    assert fresh(rejected).status == S.REJECTED
    assert fresh(rejected).rejection_reason == "Không liên quan dữ liệu cá nhân."

    extended = submitted()
    due_before = extended.due_at
    client.post(step_url(extended, "extend"), {"days": "10", "reason": "Cần đối tác xác minh."})
    after = fresh(extended)
    assert after.extension_days == 10
    assert after.due_at > due_before
    # Only once: the button is gone and a second try is refused on the form.
    assert step_url(extended, "extend") not in client.get(change_url(extended)).content.decode()
    response = client.post(step_url(extended, "extend"), {"days": "5", "reason": "Lần hai."})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert fresh(extended).extension_days == 10

    original = submitted()
    duplicate = submitted()
    typed = original.tracking_code.lower().replace("-", " ")
    client.post(step_url(duplicate, "duplicate"), {"original": typed})
    assert fresh(duplicate).status == S.DUPLICATE
    assert fresh(duplicate).duplicate_of == original
    response = client.post(step_url(submitted(), "duplicate"), {"original": "KN-00000-00000"})
    assert response.status_code == 200
    assert "original" in response.context["form"].errors


def test_note_and_reply(care: Any) -> None:
    complaint = submitted()
    client = signed_in(care)
    client.post(step_url(complaint, "message"), {"visibility": "internal", "body": "Nội bộ."})
    client.post(step_url(complaint, "message"), {"visibility": "customer", "body": "Gửi khách."})
    shown = dict(complaint.messages.values_list("body", "visibility"))
    assert shown == {"Nội bộ.": "internal", "Gửi khách.": "customer"}
    page = client.get(change_url(complaint)).content.decode()
    assert "Reply to the customer" in page
    assert "Internal note" in page


def test_link_customer_from_matches_or_by_id(care: Any) -> None:
    customer = CustomerFactory.create(phone="0903 111 222", email="mai@example.vn")
    other = CustomerFactory.create(phone="0903 333 444", email="lan@example.vn")
    complaint = complaint_submit(phone="0903111222", email="")
    client = signed_in(care)
    page = client.get(step_url(complaint, "link")).content.decode()
    assert f"#{customer.pk}" in page
    assert f"#{other.pk}" not in page
    client.post(step_url(complaint, "link"), {"match": customer.pk})
    assert fresh(complaint).customer == customer
    client.post(step_url(complaint, "link"), {"customer_id": other.pk})
    assert fresh(complaint).customer == other
    response = client.post(step_url(complaint, "link"), {"customer_id": 999999})
    assert response.status_code == 200
    assert "customer_id" in response.context["form"].errors


# Evidence ------------------------------------------------------------------------------------


def _with_evidence(**overrides: Any) -> tuple[Complaint, Evidence]:
    upload = SimpleUploadedFile("Ảnh CCCD Trần Bảo.pdf", PDF_BYTES, "application/pdf")
    complaint = submitted(files=[upload], **overrides)
    return complaint, complaint.evidence.get()


def evidence_url(evidence: Evidence) -> str:
    return reverse("admin:complaints_complaint_evidence", args=[evidence.complaint_id, evidence.pk])


def test_evidence_download_for_customer_care(care: Any) -> None:
    complaint, evidence = _with_evidence()
    customer = linked(complaint, care)
    page = signed_in(care).get(change_url(complaint)).content.decode()
    assert evidence_url(evidence) in page
    response = signed_in(care).get(evidence_url(evidence))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    # Named after the complaint, not the sender ("Ảnh CCCD Trần Bảo.pdf"), with the extension of
    # what the content is.
    disposition = response["Content-Disposition"]
    assert disposition == f'attachment; filename="{complaint.tracking_code}-{evidence.pk}.pdf"'
    assert AccessLog.objects.filter(
        staff=care,
        customer_id=customer.pk,
        action=AccessLog.Action.VIEW,
        detail__contains="evidence",
    ).exists()


def test_a_pdf_sent_as_html_downloads_as_pdf(care: Any) -> None:
    polyglot = SimpleUploadedFile("trang.html", PDF_BYTES, "text/html")
    complaint = submitted(files=[polyglot])
    evidence = complaint.evidence.get()
    assert evidence.file.name.endswith(".pdf") and "trang" not in evidence.file.name
    response = signed_in(care).get(evidence_url(evidence))
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].endswith('.pdf"')


def test_evidence_refused_to_anonymous_and_sales_and_not_under_media(sales: Any, care: Any) -> None:
    _complaint, evidence = _with_evidence()
    anonymous = Client().get(evidence_url(evidence))
    assert anonymous.status_code == 302
    assert "login" in anonymous["Location"]
    assert signed_in(sales).get(evidence_url(evidence)).status_code == 403
    # Another complaint's id in the address: not found.
    other = submitted()
    wrong = reverse("admin:complaints_complaint_evidence", args=[other.pk, evidence.pk])
    assert signed_in(care).get(wrong).status_code == 404
    # The stored file is not served from the media URL.
    assert Client().get(f"/media/{evidence.file.name}").status_code == 404
    assert signed_in(care).get(f"/media/{evidence.file.name}").status_code == 404


def test_evidence_refused_without_the_full_view(db: None) -> None:
    reader = StaffFactory.create(username="chi-xem-2")
    reader.user_permissions.add(
        Permission.objects.get(content_type__app_label="complaints", codename="view_complaint")
    )
    complaint, evidence = _with_evidence()
    assert signed_in(reader).get(evidence_url(evidence)).status_code == 403
    assert (
        evidence_url(evidence) not in signed_in(reader).get(change_url(complaint)).content.decode()
    )


# Requests act on the data --------------------------------------------------------------------


def _consented_customer(purpose: Purpose) -> Customer:
    customer = CustomerFactory.create(phone="0987 654 321", email="hoa@example.vn")
    customer_services.consent_grant(
        customer=customer, purpose=purpose, channel=Channel.PHONE, form_reference="CALL-1"
    )
    return customer


def test_access_request_preview_and_send(
    care: Any, sales: Any, marketing: Purpose, policy: Any
) -> None:
    customer = _consented_customer(marketing)
    complaint = complaint_submit(kind="access", phone="0987654321", email="hoa@example.vn")
    linked(complaint, care, customer)
    client = signed_in(care)
    page = client.get(change_url(complaint)).content.decode()
    preview_url = reverse("admin:complaints_complaint_export", args=[complaint.pk])
    json_url = reverse("admin:complaints_complaint_export_json", args=[complaint.pk])
    assert preview_url in page
    assert step_url(complaint, "send_export") in page
    send_page = client.get(step_url(complaint, "send_export")).content.decode()
    assert 'data-testid="recipient">' in send_page and customer.email in send_page

    preview = client.get(preview_url)
    assert preview.status_code == 200
    html = preview.content.decode()
    assert "0987 654 321" in html  # the letter writes the phone the Vietnamese way
    assert "Gửi email tiếp thị" in html or "Marketing email" in html
    pdf_url = reverse("admin:complaints_complaint_export_pdf", args=[complaint.pk])
    assert pdf_url in page
    download = client.get(json_url)
    assert download.status_code == 200
    assert "attachment" in download["Content-Disposition"]
    assert customer.phone in download.content.decode()
    assert (
        AccessLog.objects.filter(
            staff=care, customer_id=customer.pk, action=AccessLog.Action.EXPORT
        ).count()
        == 2
    )
    assert signed_in(sales).get(preview_url).status_code == 403

    client.post(step_url(complaint, "send_export"), {})
    assert complaint.events.filter(action=ComplaintEvent.Action.DATA_EXPORTED).exists()


def test_export_preview_refused_without_resolve_permission(db: None) -> None:
    reader = StaffFactory.create(username="chi-xem-3")
    for app, codename in (
        ("complaints", "view_complaint"),
        ("customers", "view_full_personal_data"),
    ):
        reader.user_permissions.add(
            Permission.objects.get(content_type__app_label=app, codename=codename)
        )
    complaint = complaint_submit(kind="access")
    services.complaint_link_customer(
        complaint=complaint,
        customer=CustomerFactory.create(),
        actor=StaffFactory.create(username="root", is_superuser=True),
    )
    url = reverse("admin:complaints_complaint_export", args=[complaint.pk])
    assert signed_in(reader).get(url).status_code == 403
    assert not AccessLog.objects.filter(action=AccessLog.Action.EXPORT).exists()


def test_withdraw_consent_request(care: Any, marketing: Purpose, policy: Any) -> None:
    customer = _consented_customer(marketing)
    kept = PurposeFactory.create(code="delivery", name_en="Delivery", name_vi="Giao hàng")
    kept_consent = customer_services.consent_grant(
        customer=customer, purpose=kept, channel=Channel.PHONE, form_reference="CALL-2"
    )
    complaint = complaint_submit(kind="stop_marketing", phone="0987654321", email="")
    linked(complaint, care, customer)
    client = signed_in(care)
    page = client.get(step_url(complaint, "withdraw")).content.decode()
    assert "Marketing email" in page or "Gửi email tiếp thị" in page
    consent = Consent.objects.get(customer=customer, purpose=marketing)
    client.post(step_url(complaint, "withdraw"), {"consents": [consent.pk]})
    consent.refresh_from_db()
    kept_consent.refresh_from_db()
    assert consent.status == Consent.Status.WITHDRAWN
    assert kept_consent.status == Consent.Status.GRANTED
    assert complaint.events.filter(action=ComplaintEvent.Action.CONSENT_WITHDRAWN).exists()
    # Nothing chosen: a form error, nothing changes.
    response = client.post(step_url(complaint, "withdraw"), {})
    assert response.status_code == 200
    assert "consents" in response.context["form"].errors


def test_correction_request_links_to_the_customer(care: Any) -> None:
    complaint = complaint_submit(kind="correction")
    customer = linked(complaint, care)
    page = signed_in(care).get(change_url(complaint)).content.decode()
    assert reverse("admin:customers_customer_change", args=[customer.pk]) in page


def test_deletion_request_files_an_erasure_request(care: Any) -> None:
    complaint = complaint_submit(kind="deletion")
    client = signed_in(care)
    # No customer linked yet: no button.
    assert step_url(complaint, "erasure") not in client.get(change_url(complaint)).content.decode()
    customer = linked(complaint, care)
    assert step_url(complaint, "erasure") in client.get(change_url(complaint)).content.decode()
    response = client.post(step_url(complaint, "erasure"), {}, follow=True)
    assert response.status_code == 200
    request = ErasureRequest.objects.get(customer=customer)
    assert fresh(complaint).erasure_request == request
    page = client.get(change_url(complaint)).content.decode()
    assert reverse("admin:retention_erasurerequest_change", args=[request.pk]) in page
    assert step_url(complaint, "erasure") not in page


# Staff record a complaint --------------------------------------------------------------------


def test_customer_care_records_a_phone_complaint(care: Any) -> None:
    client = signed_in(care)
    add_url = reverse("admin:complaints_complaint_add")
    assert client.get(add_url).status_code == 200
    response = client.post(
        add_url,
        {
            "channel": Channel.PHONE,
            "name": "Lê Thị Hoa",
            "phone": "0903 123 456",
            "email": "",
            "kind": "stop_marketing",
            "description": "Khách gọi tổng đài yêu cầu ngừng gửi tin quảng cáo.",
            "language": "vi",
            "evidence": [SimpleUploadedFile("ghi-am.pdf", PDF_BYTES, "application/pdf")],
        },
    )
    complaint = Complaint.objects.get(submitter_name="Lê Thị Hoa")
    assert response.status_code == 302
    assert response["Location"] == change_url(complaint)
    assert complaint.channel == Channel.PHONE
    assert complaint.submitter_phone == "+84903123456"
    assert complaint.evidence.count() == 1
    assert complaint.events.get(action=ComplaintEvent.Action.RECEIVED).actor == care


def test_add_form_keeps_what_was_typed_on_a_refusal(care: Any) -> None:
    response = signed_in(care).post(
        reverse("admin:complaints_complaint_add"),
        {
            "channel": Channel.LETTER,
            "name": "Lê Thị Hoa",
            "phone": "",
            "email": "",
            "kind": "other_complaint",
            "description": "Thư gửi qua bưu điện.",
            "language": "vi",
        },
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "phone" in form.errors
    assert "Thư gửi qua bưu điện." in response.content.decode()
    assert not Complaint.objects.exists()


def test_sales_cannot_record_complaints(sales: Any) -> None:
    assert signed_in(sales).get(reverse("admin:complaints_complaint_add")).status_code == 403


def test_no_delete_anywhere(legal: Any) -> None:
    complaint = submitted()
    client = signed_in(legal)
    assert (
        client.get(reverse("admin:complaints_complaint_delete", args=[complaint.pk])).status_code
        == 403
    )
    rule = DeadlineRule.objects.first()
    assert rule is not None
    assert (
        client.get(reverse("admin:complaints_deadlinerule_delete", args=[rule.pk])).status_code
        == 403
    )


# Deadline table and holidays -----------------------------------------------------------------


def test_deadline_rule_changed_by_legal_only(legal: Any, care: Any) -> None:
    rule = DeadlineRule.objects.get(kind="access")
    url = reverse("admin:complaints_deadlinerule_change", args=[rule.pk])
    data = {
        "acknowledge_working_days": "2",
        "resolve_days": "7",
        "resolve_unit": rule.resolve_unit,
        "third_party_resolve_days": "",
        "max_extension_days": "10",
        "note": "Quy định nội bộ",
    }
    assert signed_in(care).post(url, data).status_code == 403
    # Longer than the law (10 days for access, Decree 356/2025 Art. 5(3)): refused on the form.
    response = signed_in(legal).post(url, {**data, "resolve_days": "20"})
    assert response.status_code == 200
    assert "resolve_days" in response.context["adminform"].form.errors
    assert signed_in(legal).post(url, data).status_code == 302
    rule.refresh_from_db()
    assert rule.resolve_days == 7
    assert rule.history.first().history_user == legal
    # A refusal of the service is shown on the form.
    response = signed_in(legal).post(url, {**data, "third_party_resolve_days": "5"})
    assert response.status_code == 200
    assert "third_party_resolve_days" in response.context["adminform"].form.errors
    assert signed_in(legal).get(reverse("admin:complaints_deadlinerule_add")).status_code == 403


def test_public_holidays_added_listed_by_year_and_deleted(legal: Any) -> None:
    client = signed_in(legal)
    add = reverse("admin:complaints_publicholiday_add")
    assert client.post(add, {"date": "2031-03-17", "name": "Quốc khánh"}).status_code == 302
    assert client.post(add, {"date": "2032-03-17", "name": "Quốc khánh"}).status_code == 302
    holiday = PublicHoliday.objects.get(date=datetime.date(2031, 3, 17))
    listed = client.get(reverse("admin:complaints_publicholiday_changelist"), {"year": "2031"})
    assert [row.pk for row in listed.context["cl"].result_list] == [holiday.pk]
    delete = reverse("admin:complaints_publicholiday_delete", args=[holiday.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 302
    assert not PublicHoliday.objects.filter(pk=holiday.pk).exists()
    assert PublicHoliday.history.filter(id=holiday.pk, history_type="-").exists()


def test_admin_pages_of_the_tables_are_bounded(
    legal: Any, django_assert_max_num_queries: Any
) -> None:
    client = signed_in(legal)
    rule = DeadlineRule.objects.first()
    assert rule is not None
    for url in (
        reverse("admin:complaints_deadlinerule_changelist"),
        reverse("admin:complaints_deadlinerule_change", args=[rule.pk]),
        reverse("admin:complaints_publicholiday_changelist"),
        reverse("admin:complaints_publicholiday_add"),
    ):
        with django_assert_max_num_queries(20):
            assert client.get(url).status_code == 200


def test_data_actions_are_refused_for_other_kinds(care: Any) -> None:
    complaint = complaint_submit(kind="other_complaint")
    customer = linked(complaint, care)
    response = signed_in(care).post(step_url(complaint, "erasure"), {}, follow=True)
    assert response.redirect_chain[-1][0] == change_url(complaint)
    assert messages_of(response)
    assert not ErasureRequest.objects.filter(customer=customer).exists()
    assert not ErasureRequest.objects.filter(complaint=complaint).exists()


def test_the_call_list_and_the_acknowledgement_call_step(care: Any) -> None:
    """A complaint without an email address is on the call list until the call is recorded
    (day-first, as staff type it), then off it; the step is gone once answered."""
    complaint = submitted(email="", when=timezone.now() - datetime.timedelta(hours=3))
    client = signed_in(care)
    listed = client.get(changelist(), {"acknowledgement": "to_call"})
    assert [row.pk for row in listed.context["cl"].result_list] == [complaint.pk]
    called = timezone.localtime() - datetime.timedelta(hours=1)
    response = client.post(
        step_url(complaint, "acknowledge_call"),
        {
            "called_at": called.strftime("%d/%m/%Y %H:%M"),
            "summary": "Đã báo mã tra cứu và hạn trả lời.",
        },
    )
    assert response.status_code == 302
    assert fresh(complaint).acknowledged_at == called.replace(second=0, microsecond=0)
    listed = client.get(changelist(), {"acknowledgement": "to_call"})
    assert list(listed.context["cl"].result_list) == []
    assert (
        step_url(complaint, "acknowledge_call")
        not in client.get(change_url(complaint)).content.decode()
    )


def test_decree356_art4_2_evidence_is_opened_by_those_who_answer_complaints() -> None:
    """Evidence files are sensitive (ID card photos, private messages): seeing complaints and
    customers in full is not enough; answering complaints is."""
    _complaint, evidence = _with_evidence()
    reader = StaffFactory.create(username="chi-doc")
    reader.user_permissions.add(
        Permission.objects.get(content_type__app_label="complaints", codename="view_complaint"),
        Permission.objects.get(
            content_type__app_label="customers", codename="view_full_personal_data"
        ),
    )
    assert signed_in(reader).get(evidence_url(evidence)).status_code == 403
