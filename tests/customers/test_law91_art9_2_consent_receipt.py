"""Law 91/2025/QH15 Art. 9(2): consent is valid only when the person knows the data items and
the purpose, the controller, and their rights and obligations; Art. 28(3): advertising consent
rests on knowing its content, channel and frequency, with a way to refuse; Decree 356/2025 Art.
6(4): the person is told when the data is sensitive. The receipt is how they are told and how it
is proved."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from customers import services
from customers.models import Channel, Controller, Customer, PolicyVersion, Purpose
from tests.factories import CustomerFactory, PolicyVersionFactory, PurposeFactory

pytestmark = pytest.mark.django_db


def _advertising(**overrides: object) -> Purpose:
    values: dict[str, object] = {
        "code": "zalo-offers",
        "name_vi": "Ưu đãi qua Zalo và SMS",
        "name_en": "Offers by Zalo and SMS",
        "legal_basis": Purpose.LegalBasis.CONSENT,
        "is_advertising": True,
        "data_items": ["3.1", "3.7"],
        "ad_channels": ["sms", "social"],
        "ad_content_vi": "Giảm giá cuối tuần cho đồ gia dụng",
        "ad_content_en": "Weekend discounts on household goods",
        "ad_frequency_vi": "Tối đa 1 tin mỗi tuần",
        "ad_frequency_en": "At most 1 message a week",
        "ad_opt_out_vi": "Nhắn TC đến 8085",
        **overrides,
    }
    return services.purpose_save(purpose=Purpose(**values))


def _grant(customer: Customer, purpose: Purpose):
    return services.consent_grant(
        customer=customer, purpose=purpose, channel=Channel.PHONE, form_reference="GHI-AM-0091"
    )


def _errors(excinfo: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return excinfo.value.message_dict


def test_law91_art9_2_a_purpose_based_on_consent_lists_its_data_items() -> None:
    with pytest.raises(ValidationError) as excinfo:
        services.purpose_save(
            purpose=Purpose(
                code="reviews", name_vi="Đánh giá", name_en="Reviews", legal_basis="consent"
            )
        )
    assert "data_items" in _errors(excinfo)
    with pytest.raises(ValidationError) as excinfo:
        services.purpose_save(purpose=PurposeFactory.build(code="typo", data_items=["3.1", "9.9"]))
    assert "9.9" in _errors(excinfo)["data_items"][0]
    # A contract purpose may leave them for later: it is not asked as consent.
    services.purpose_save(
        purpose=PurposeFactory.build(code="delivery", legal_basis="contract", data_items=[])
    )


def test_law91_art28_3_advertising_states_channel_content_and_frequency() -> None:
    with pytest.raises(ValidationError) as excinfo:
        _advertising(ad_channels=[], ad_content_vi=" ", ad_frequency_vi="")
    assert {"ad_channels", "ad_content_vi", "ad_frequency_vi"} <= set(_errors(excinfo))
    with pytest.raises(ValidationError) as excinfo:
        _advertising(legal_basis=Purpose.LegalBasis.CONTRACT)
    assert "legal_basis" in _errors(excinfo)
    assert not Purpose.objects.filter(code="zalo-offers").exists()


def test_law91_art9_2_consent_to_a_purpose_that_does_not_say_enough_is_refused(
    policy: PolicyVersion,
) -> None:
    # A purpose stored before purposes listed their items (no validation on that old write).
    old = Purpose.objects.create(
        code="old-sms",
        name_vi="SMS cũ",
        name_en="Old SMS",
        legal_basis="consent",
        is_advertising=True,
    )
    customer = CustomerFactory.create()
    with pytest.raises(ValidationError) as excinfo:
        _grant(customer, old)
    assert excinfo.value.code == "purpose_incomplete"
    assert "các loại dữ liệu được xử lý, phương thức quảng cáo" in str(excinfo.value)
    assert not customer.consents.exists()


def test_law91_art9_2_the_receipt_states_items_controller_rights_policy_and_number(
    admin_client: Client, controller: Controller, settings
) -> None:
    settings.PUBLIC_BASE_URL = "https://mitexco.example.vn/"
    old = PolicyVersionFactory(version="2025.3", effective_from=datetime.date(2025, 3, 1))
    PolicyVersionFactory(version="2026.1", effective_from=datetime.date(2026, 1, 1))
    customer = CustomerFactory.create(full_name="Đỗ Thị Lan")
    health = PurposeFactory.create(
        code="size-advice",
        name_vi="Tư vấn cỡ theo số đo sức khỏe",
        name_en="Size advice from health measures",
        data_items=["3.1", "4.1.d"],
    )
    consent = services.consent_grant(
        customer=customer,
        purpose=health,
        channel=Channel.PHONE,
        form_reference="GHI-AM-0092",
        policy_version=old,
        sensitive_notice_given=True,
    )
    offers = _grant(customer, _advertising())

    page = admin_client.get(reverse("admin:customers_customer_consent_receipt", args=[customer.pk]))

    assert page.status_code == 200
    text = re.sub(r"\s+", " ", page.content.decode())
    assert controller.legal_name in text and "Bên kiểm soát" in text
    day = timezone.localtime(consent.granted_at).strftime("%Y%m%d")
    assert f"ĐY-{consent.pk:06d}-{day}" in text and offers.receipt_number in text
    # The data items in the person's words, the sensitive one announced.
    assert "Họ, chữ đệm và tên khai sinh, tên gọi khác" in text
    assert "Tình trạng sức khỏe" in text
    assert "Mục đích này xử lý dữ liệu cá nhân nhạy cảm:" in text
    assert text.count("Mục đích này xử lý dữ liệu cá nhân nhạy cảm") == 1
    # Advertising: channels, content, frequency and how to refuse.
    assert "SMS" in text and "Zalo" in text
    assert "Giảm giá cuối tuần cho đồ gia dụng" in text and "Tối đa 1 tin mỗi tuần" in text
    assert "Nhắn TC đến 8085" in text and "https://mitexco.example.vn/complaints/new/" in text
    # The policy shown, at an address where it stays readable.
    assert "https://mitexco.example.vn/privacy/2025.3/" in text
    assert "https://mitexco.example.vn/privacy/2026.1/" in text
    # Law 91 Art. 4(1)–(2): rights and obligations.
    assert "Quyền của bạn" in text and "Nghĩa vụ của bạn" in text
    assert "rút lại sự đồng ý" in text and "Tự bảo vệ dữ liệu cá nhân của mình" in text


def test_law91_art9_2_the_emailed_receipt_says_the_same(
    controller: Controller, policy: PolicyVersion, settings
) -> None:
    settings.PUBLIC_BASE_URL = "https://mitexco.example.vn"
    customer = CustomerFactory.create(email="lan@example.vn")
    consent = _grant(customer, _advertising())

    assert services.consent_receipt_send_email(customer_id=customer.pk)

    [message] = mail.outbox
    html = message.alternatives[0][0]
    for body in (message.body, html):
        assert consent.receipt_number in body
        assert "Tối đa 1 tin mỗi tuần" in body and "Nhắn TC đến 8085" in body
        assert f"https://mitexco.example.vn/privacy/{policy.version}/" in body
        assert "Nghĩa vụ của bạn" in body
    assert "nhạy cảm" not in message.body  # name and phone number are basic data


def test_law91_art9_3_each_policy_version_stays_readable_at_its_address(
    client: Client, controller: Controller
) -> None:
    old = PolicyVersionFactory(
        version="2025.3", effective_from=datetime.date(2025, 3, 1), body_vi="Văn bản cũ."
    )
    PolicyVersionFactory(version="2026.1", effective_from=datetime.date(2026, 1, 1))
    PolicyVersionFactory(
        version="2027.1", effective_from=timezone.localdate() + datetime.timedelta(days=30)
    )

    page = client.get(old.public_path)
    assert page.status_code == 200
    text = page.content.decode()
    assert "Văn bản cũ." in text
    assert "Phiên bản này đã được thay thế bằng phiên bản 2026.1 từ ngày 01/01/2026." in text
    current = client.get("/privacy/2026.1/").content.decode()
    assert "đã được thay thế" not in current
    assert client.get("/privacy/2027.1/").status_code == 404  # not public before it applies
    assert client.get("/privacy/1999.1/").status_code == 404


def test_the_purpose_form_asks_items_and_advertising_terms_with_checkboxes(
    admin_client: Client,
) -> None:
    url = reverse("admin:customers_purpose_add")
    form = admin_client.get(url).content.decode()
    assert 'type="checkbox" name="data_items" value="4.1.d"' in form
    assert 'type="checkbox" name="ad_channels" value="sms"' in form
    values = {
        "code": "app-push",
        "legal_basis": "consent",
        "is_advertising": "on",
        "is_active": "on",
        "name_vi": "Thông báo ứng dụng",
        "name_en": "App notifications",
        "data_items": ["3.1", "3.10"],
    }

    refused = admin_client.post(url, values)

    assert refused.status_code == 200
    errors = refused.context["adminform"].form.errors
    assert {"ad_channels", "ad_content_vi", "ad_frequency_vi"} <= set(errors)
    assert not Purpose.objects.filter(code="app-push").exists()

    values.update(
        ad_channels=["app"], ad_content_vi="Khuyến mại", ad_frequency_vi="Tối đa 3 lần mỗi tuần"
    )
    assert admin_client.post(url, values).status_code == 302
    saved = Purpose.objects.get(code="app-push")
    assert saved.data_items == ["3.1", "3.10"] and saved.ad_channels == ["app"]
    assert saved.consent_gaps() == []


def test_decree356_art6_4_a_sensitive_purpose_is_announced_when_consent_is_asked(
    policy: PolicyVersion,
) -> None:
    health = PurposeFactory.create(code="fitting", data_items=["3.1", "4.1.d"])
    customer = CustomerFactory.create()

    with pytest.raises(ValidationError) as excinfo:
        _grant(customer, health)

    assert "Tình trạng sức khỏe" in _errors(excinfo)["sensitive_notice_given"][0]
    assert not customer.consents.exists()
    consent = services.consent_grant(
        customer=customer,
        purpose=health,
        channel=Channel.PHONE,
        form_reference="GHI-AM-0093",
        sensitive_notice_given=True,
    )
    assert consent.sensitive_notice_given is True
    assert _grant(CustomerFactory.create(), _advertising()).sensitive_notice_given is False
