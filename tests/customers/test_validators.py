import pytest
from django.core.exceptions import ValidationError

from customers.kernel.text import fold_vietnamese
from customers.validators import (
    format_phone_national,
    normalize_phone,
    normalize_tax_code,
    phone_search_key,
)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("0912 853 984", "+84912853984"),  # seed 004's mobile, as printed
        ("+84912853984", "+84912853984"),
        ("84 912 853 984", "+84912853984"),
        ("0912.853.984", "+84912853984"),
        ("024 222 05513", "+842422205513"),  # seed landline, Hà Nội
        ("02733 971 939", "+842733971939"),  # seed landline, Tiền Giang
        ("1800 1595", "+8418001595"),  # seed 000's toll-free hotline
        ("1900 6750", "+8419006750"),
        ("0386 123 456", "+84386123456"),
    ],
)
def test_phone_numbers_typed_the_usual_ways_are_stored_in_e164(typed: str, stored: str) -> None:
    assert normalize_phone(typed) == stored


@pytest.mark.parametrize(
    "typed", ["0123456", "abc", "0912 853 98", "+1 202", "0" * 40, "09128539845"]
)
def test_a_wrong_phone_number_gets_a_message(typed: str) -> None:
    with pytest.raises(ValidationError) as error:
        normalize_phone(typed)
    assert "0912 853 984" in str(error.value.messages[0])  # the message shows a valid example


def test_phone_is_shown_in_the_vietnamese_format() -> None:
    assert format_phone_national("+84912853984") == "0912 853 984"
    assert format_phone_national("+8418001595") == "1800 1595"
    assert format_phone_national("+14155552671") == "+1 415-555-2671"


def test_phone_search_key_only_for_phone_like_terms() -> None:
    assert phone_search_key("0912 853 984") == "+84912853984"
    assert phone_search_key("Nguyễn Văn An") is None
    assert phone_search_key("0100109106") is None  # a tax code is not a phone number


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("0100109106", "0100109106"),
        ("0100 109 106", "0100109106"),
        ("0100109106-001", "0100109106001"),
        ("001203012345", "001203012345"),  # a citizen ID (CCCD), Hà Nội
    ],
)
def test_tax_codes_and_citizen_ids(typed: str, stored: str) -> None:
    assert normalize_tax_code(typed) == stored


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("0100109107", "invalid_tax_code_checksum"),
        ("12345", "invalid_tax_code_length"),
        ("01001O9106", "invalid_tax_code"),
        ("999203012345", "invalid_citizen_id"),
    ],
)
def test_wrong_tax_codes_get_their_own_message(typed: str, code: str) -> None:
    with pytest.raises(ValidationError) as error:
        normalize_tax_code(typed)
    assert error.value.code == code


def test_folding_removes_vietnamese_diacritics() -> None:
    assert fold_vietnamese("  Nguyễn   Văn  Đức ") == "nguyen van duc"
    assert fold_vietnamese("HỒ THỊ ÁNH") == "ho thi anh"
