"""The services are the one way in for every write: called from a task, a command or another
service, with no form in front of them, any text must come back saved or as a ValidationError
with a message on the field, never as a database error (PostgreSQL stores no NUL character)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from complaints import services as complaint_services
from complaints.models import Complaint, Kind
from customers import services as customer_services
from customers.models import Customer

pytestmark = pytest.mark.django_db

EXAMPLES = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

text = st.one_of(
    st.text(max_size=200),
    st.text(max_size=50).map(lambda value: value + "\x00"),
    st.sampled_from(["Hoa\x00", "\x00", "Nguyễn Văn An", "a" * 5000]),
)


def assert_field_messages(error: ValidationError, fields: set[str]) -> None:
    assert set(error.message_dict) <= fields, error.message_dict
    assert all(message.strip() for messages in error.message_dict.values() for message in messages)


@EXAMPLES
@given(name=text, description=text)
@example(name="Hoa\x00", description="Tôi muốn xoá dữ liệu.")
@example(name="Hoa", description="xoá\x00")
def test_complaint_submit_answers_any_text_with_a_message(name, description) -> None:
    before = Complaint.objects.count()
    try:
        complaint = complaint_services.complaint_submit(
            name=name,
            phone="0912 345 678",
            kind=Kind.OTHER_COMPLAINT,
            description=description,
        )
    except ValidationError as error:
        assert_field_messages(error, {"name", "description"})
        assert Complaint.objects.count() == before
        if "\x00" in name:
            assert [e.code for e in error.error_dict["name"]] == ["null_characters_not_allowed"]
    else:
        assert "\x00" not in name + description
        complaint.refresh_from_db()
        assert complaint.submitter_name == " ".join(name.split())


@EXAMPLES
@given(full_name=text, address=text, notes=text)
@example(full_name="Trần Thị Bích\x00", address="12 Lý Thường Kiệt", notes="")
@example(full_name="Trần Thị Bích", address="12\x00 Lý Thường Kiệt", notes="\x00")
def test_customer_create_answers_any_text_with_a_message(full_name, address, notes) -> None:
    before = Customer.objects.count()
    try:
        customer = customer_services.customer_create(
            full_name=full_name, address=address, notes=notes, phone="0912 345 678"
        )
    except ValidationError as error:
        assert_field_messages(error, {"full_name", "address", "notes", "name_folded"})
        assert Customer.objects.count() == before
        for field, value in (("full_name", full_name), ("address", address), ("notes", notes)):
            if "\x00" in value:
                codes = [e.code for e in error.error_dict[field]]
                assert codes == ["null_characters_not_allowed"]
    else:
        assert "\x00" not in full_name + address + notes
        customer.refresh_from_db()
        assert customer.address == address
