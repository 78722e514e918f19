"""The public status page (/complaints/status/): the tracking code and the phone or email the
complaint was filed with show where it is, and nothing else does."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core.cache import cache
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext

from complaints import services
from complaints.models import Complaint, ComplaintMessage, Kind, new_tracking_code
from retention import services as retention_services
from retention.erasure import customer_erase
from retention.models import ErasureRequest
from tests.factories import CustomerFactory, identity_verified

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


def vi(message: str) -> str:
    with translation.override("vi"):
        return escape(gettext(message))


IN_PROGRESS = "Your request to delete your data is in progress. It will be carried out by %(date)s."
EXECUTED = "Your personal data was deleted on %(date)s. What we still keep, and why:"


def vi_format(message: str, **params: str) -> str:
    with translation.override("vi"):
        return escape(gettext(message) % params)


def submit(**changes: object) -> Complaint:
    values: dict[str, object] = {
        "name": "Trần Văn Bình",
        "phone": "+84912345678",
        "email": "Binh.Tran@Example.vn",
        "kind": Kind.USE_BEYOND_PURPOSE.value,
        "description": "Số điện thoại của tôi bị dùng để gọi bán bảo hiểm.",
        "language": "vi",
    }
    values.update(changes)
    return services.complaint_submit(**values)  # type: ignore[arg-type]  # arbitrary keyword values, as a form posts them


def look_up(client, code: str, contact: str, prefix: str = ""):
    return client.post(f"{prefix}/complaints/status/", {"tracking_code": code, "contact": contact})


def result_region(page: str) -> str:
    """What the lookup answered: the part of the page between the title and the form."""
    return page.split('id="lookup-result"', 1)[1].split("<form", 1)[0]


def test_the_status_page_asks_for_the_code_and_contact(client, controller):
    response = client.get("/complaints/status/")
    assert response.status_code == 200
    page = response.content.decode()
    assert '<html lang="vi">' in page
    assert 'name="tracking_code"' in page
    assert 'name="contact"' in page
    assert 'data-testid="not-found"' not in page
    assert "1800 1595" in page  # the hotline, for a lost code


def test_the_right_pair_shows_the_status_and_the_replies_but_not_internal_notes(
    client, controller, superuser
):
    complaint = submit()
    services.complaint_add_message(
        complaint=complaint,
        actor=superuser,
        visibility=ComplaintMessage.Visibility.CUSTOMER,
        body="Chúng tôi đã nhận được khiếu nại và đang kiểm tra với bộ phận tiếp thị.",
    )
    services.complaint_add_message(
        complaint=complaint,
        actor=superuser,
        visibility=ComplaintMessage.Visibility.INTERNAL,
        body="Nội bộ: kiểm tra danh sách gọi của đối tác X.",
    )

    response = look_up(client, complaint.tracking_code, "0912 345 678")

    assert response.status_code == 200
    page = response.content.decode()
    region = result_region(page)
    assert complaint.tracking_code in region
    assert f'<span class="status-badge" data-testid="status">{vi("Received")}</span>' in region
    assert vi("Use beyond the stated purpose") in region
    assert timezone.localtime(complaint.received_at).strftime("%d/%m/%Y") in region
    assert timezone.localtime(complaint.due_at).strftime("%d/%m/%Y") in region
    assert "đang kiểm tra với bộ phận tiếp thị" in region
    assert "Nội bộ" not in page
    assert "đối tác X" not in page
    # Nothing the customer did not ask to see: no name, no description.
    assert "Trần Văn Bình" not in page
    assert "bán bảo hiểm" not in page


def test_the_answer_follows_the_step_the_complaint_is_at(client, controller, superuser):
    complaint = submit()
    services.complaint_await_customer(
        complaint=complaint, actor=superuser, message="Xin gửi ảnh chụp tin nhắn bạn nhận được."
    )
    page = look_up(client, complaint.tracking_code, "+84912345678").content.decode()
    assert vi("Awaiting the customer") in page
    assert "Xin gửi ảnh chụp tin nhắn bạn nhận được." in page


@pytest.mark.parametrize(
    "contact",
    ["0912 345 678", "0912345678", "+84 912 345 678", "84912345678", "binh.tran@example.vn"],
)
def test_the_contact_may_be_typed_in_any_usual_format(client, controller, contact):
    complaint = submit()
    page = look_up(client, complaint.tracking_code, contact).content.decode()
    assert 'data-testid="status-result"' in page


def test_email_and_code_are_matched_whatever_their_case(client, controller):
    complaint = submit()
    typed_code = complaint.tracking_code.lower().replace("-", " ")
    page = look_up(client, typed_code, "BINH.TRAN@EXAMPLE.VN").content.decode()
    assert 'data-testid="status-result"' in page
    assert complaint.tracking_code in page


def test_a_wrong_pair_gets_one_answer_whatever_was_wrong(client, controller):
    complaint = submit()
    other = submit(phone="0987 654 321", email="")
    attempts = {
        "unknown code": (new_tracking_code(), "0912 345 678"),
        "wrong contact": (complaint.tracking_code, "0987 654 321"),  # another complaint's phone
        "wrong email": (complaint.tracking_code, "someone@example.vn"),
        "malformed code": ("KN-12", "0912 345 678"),
        "malformed contact": (complaint.tracking_code, "not a phone"),
        "another complaint's code": (other.tracking_code, "0912 345 678"),
    }
    responses = {name: look_up(client, *pair) for name, pair in attempts.items()}

    assert {response.status_code for response in responses.values()} == {200}
    regions = {name: result_region(r.content.decode()) for name, r in responses.items()}
    assert len(set(regions.values())) == 1, regions
    assert 'data-testid="not-found"' in regions["unknown code"]
    assert complaint.tracking_code not in regions["wrong contact"]

    def without_token_and_typed_values(response) -> str:
        page = response.content.decode()
        page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", page)
        return re.sub(r'(name="(?:tracking_code|contact)"[^>]*?) value="[^"]*"', r"\1", page)

    bodies = {without_token_and_typed_values(r) for r in responses.values()}
    assert len(bodies) == 1


def test_empty_fields_are_asked_for_next_to_them(client, controller):
    response = look_up(client, "", "")
    page = response.content.decode()
    assert response.status_code == 200
    assert vi("Enter the tracking code of your complaint.") in page
    assert vi("Enter the phone number or email you gave us.") in page
    assert '<ul class="errorlist" id="id_tracking_code_error">' in page
    assert 'data-testid="not-found"' not in page


def test_the_lookup_in_english(client, controller):
    complaint = submit(language="en")
    page = look_up(client, complaint.tracking_code, "0912345678", prefix="/en").content.decode()
    assert '<html lang="en">' in page
    assert '<span class="status-badge" data-testid="status">Received</span>' in page


def test_too_many_lookups_are_refused(client, controller, settings):
    settings.COMPLAINT_STATUS_RATE = "3/600"
    complaint = submit()
    for _ in range(3):
        look_up(client, new_tracking_code(), "0912 345 678")
    response = look_up(client, complaint.tracking_code, "0912 345 678")

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    page = response.content.decode()
    assert 'data-testid="rate-limited"' in page
    assert 'data-testid="status-result"' not in page  # even the right pair waits
    assert f'value="{complaint.tracking_code}"' in page
    assert 'value="0912 345 678"' in page
    assert client.get("/complaints/status/").status_code == 200


@pytest.fixture
def erasure_complaint(superuser):
    customer = CustomerFactory(full_name="Trần Văn Bình", phone="0912345678", email="")
    complaint = submit(kind=Kind.DELETION.value)
    services.complaint_link_customer(complaint=complaint, customer=customer, actor=superuser)
    identity_verified(complaint, superuser)
    request = retention_services.complaint_request_erasure(complaint=complaint, actor=superuser)
    return complaint, customer, request


def test_an_erasure_in_progress_is_shown(client, controller, erasure_complaint):
    complaint, _, request = erasure_complaint
    page = look_up(client, complaint.tracking_code, "0912345678").content.decode()
    region = result_region(page)
    due = timezone.localtime(request.due_at).strftime("%d/%m/%Y")
    assert vi_format(IN_PROGRESS, date=due) in region


def test_a_refused_erasure_shows_the_legal_exception_and_reason(
    client, controller, superuser, erasure_complaint
):
    complaint, _, request = erasure_complaint
    retention_services.erasure_request_refuse(
        request=request,
        actor=superuser,
        exception=ErasureRequest.LegalException.LAW_FORBIDS,
        reason="Hóa đơn của bạn phải được lưu 10 năm theo Luật Kế toán.",
    )
    page = look_up(client, complaint.tracking_code, "0912345678").content.decode()
    region = result_region(page)
    assert vi("We cannot delete your data, because of this legal exception:") in region
    with translation.override("vi"):
        ground = escape(str(ErasureRequest.LegalException.LAW_FORBIDS.label))
    assert ground in region and "Luật Kế toán 2015" in ground
    assert "Hóa đơn của bạn phải được lưu 10 năm theo Luật Kế toán." in region


def test_an_executed_erasure_can_still_be_followed_with_the_original_contact(
    client, controller, superuser, erasure_complaint
):
    complaint, customer, request = erasure_complaint
    retention_services.erasure_request_verify(
        request=request, actor=superuser, note="Gọi lại số đã đăng ký"
    )
    retention_services.erasure_request_approve(request=request, actor=superuser)
    customer_erase(customer=customer, request=request)
    request.refresh_from_db()
    assert request.status == ErasureRequest.Status.EXECUTED

    # The phone is only a keyed hash now; typed again, it still opens the outcome.
    page = look_up(client, complaint.tracking_code, "0912 345 678").content.decode()
    region = result_region(page)
    executed = timezone.localtime(request.executed_at).strftime("%d/%m/%Y")
    assert vi_format(EXECUTED, date=executed) in region
    # Never "nothing" while the keyed codes (and orders, when there are any) remain.
    assert (
        vi(
            "The record of this request and of our answer, with your phone number and email "
            "replaced by a code that only lets you look it up here."
        )
        in region
    )
    assert "Trần Văn Bình" not in page


def test_law91_art14_5_after_the_erasure_the_page_says_what_remains_and_until_when(
    client, controller, superuser, erasure_complaint
):
    """Orders stay, without the person, for the accounting law: the page says so, with the date
    (the fiscal year of the last order + 10 years)."""
    from customers import services as customer_services

    complaint, customer, request = erasure_complaint
    customer_services.order_create(
        customer=customer,
        actor=superuser,
        reference="DH-2026-0042",
        ordered_at=datetime.datetime(2026, 5, 4, 10, 0, tzinfo=datetime.UTC),
        total_vnd=450_000,
        invoice_number="0001234",
    )
    retention_services.erasure_request_verify(request=request, actor=superuser, note="Gọi lại")
    retention_services.erasure_request_approve(request=request, actor=superuser)
    customer_erase(customer=customer, request=request)
    region = result_region(look_up(client, complaint.tracking_code, "0912345678").content.decode())
    kept = re.search(r'<ul data-testid="kept">(.*?)</ul>', region, re.S).group(1)
    assert "31/12/2036" in kept and escape("Luật Kế toán") in kept
