"""A wrong value gets its message in the field where it was typed, in the staff's language."""

import pytest
from django.forms import modelform_factory
from django.utils import translation

from customers.models import Customer

pytestmark = pytest.mark.django_db

CustomerForm = modelform_factory(
    Customer, fields=["kind", "full_name", "phone", "email", "address", "tax_code"]
)


def submit(**overrides: str) -> dict[str, list[str]]:
    data = {
        "kind": "organization",
        "full_name": "Công ty TNHH Ánh Dương",
        "phone": "0912 853 984",
        "email": "lienhe@anhduong.vn",
        "address": "",
        "tax_code": "0100109106",
        **overrides,
    }
    form = CustomerForm(data=data)
    form.is_valid()
    return {field: list(errors) for field, errors in form.errors.items()}


@pytest.mark.parametrize(
    ("language", "phone_message", "tax_message"),
    [
        (
            "vi",
            "Nhập số điện thoại hợp lệ, ví dụ 0912 853 984, 028 3822 1234 hoặc 1800 1595.",
            "Chữ số kiểm tra của mã số thuế không đúng: vui lòng kiểm tra lại.",
        ),
        (
            "en",
            "Enter a valid phone number, for example 0912 853 984, 028 3822 1234 or 1800 1595.",
            "This tax code's check digit is wrong: please check the number.",
        ),
    ],
)
def test_bad_values_get_messages_on_their_fields(language, phone_message, tax_message) -> None:
    with translation.override(language):
        errors = submit(phone="0123 45", tax_code="0100109107")
    assert errors == {"phone": [phone_message], "tax_code": [tax_message]}


def test_a_valid_form_keeps_the_normalized_values() -> None:
    form = CustomerForm(
        data={
            "kind": "individual",
            "full_name": "Võ Thị Sáu",
            "phone": "+84 386 123 456",
            "email": "sau@example.vn",
            "address": "",
            "tax_code": "079301012345",
        }
    )
    assert form.is_valid(), form.errors
    assert form.instance.phone == "+84386123456"
    assert form.instance.tax_code == "079301012345"


def test_an_invalid_email_is_refused_in_vietnamese() -> None:
    with translation.override("vi"):
        errors = submit(email="lienhe@")
    assert errors == {"email": ["Nhập địa chỉ email."]}  # Django's own Vietnamese
