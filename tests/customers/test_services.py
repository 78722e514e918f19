import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from customers import services
from customers.models import Channel, Consent, Customer, PolicyVersion
from customers.selectors import consent_receipt_get, policy_version_current
from tests.factories import CustomerFactory, PolicyVersionFactory, PurposeFactory

pytestmark = pytest.mark.django_db


def test_customer_is_stored_normalized_and_attributed(staff) -> None:
    customer = services.customer_create(
        actor=staff,
        full_name="  Nguyễn   Thị Hồng  ",
        phone="0912 853 984",
        email="Hong.Nguyen@Example.VN",
        tax_code="0100 109 106",
        kind=Customer.Kind.INDIVIDUAL,
    )
    customer.refresh_from_db()
    assert customer.full_name == "Nguyễn Thị Hồng"
    assert customer.name_folded == "nguyen thi hong"
    assert customer.phone == "+84912853984"
    assert customer.phone_display == "0912 853 984"
    assert customer.email == "hong.nguyen@example.vn"
    assert customer.tax_code == "0100109106"
    record = customer.history.get()
    assert record.history_type == "+"
    assert record.history_user == staff


def test_each_wrong_field_gets_its_own_message_and_nothing_is_saved() -> None:
    with pytest.raises(ValidationError) as error:
        services.customer_create(
            full_name="Công ty TNHH Ánh Dương",
            kind=Customer.Kind.ORGANIZATION,
            phone="0123",
            email="not-an-email",
            tax_code="0100109107",
        )
    assert set(error.value.message_dict) == {"phone", "email", "tax_code"}
    assert "0912 853 984" in error.value.message_dict["phone"][0]
    assert Customer.objects.count() == 0


def test_an_organization_cannot_use_a_citizen_id_and_an_individual_has_no_contact_person():
    with pytest.raises(ValidationError) as error:
        services.customer_create(
            full_name="Công ty TNHH Ánh Dương",
            kind=Customer.Kind.ORGANIZATION,
            phone="0912853984",
            tax_code="001203012345",
        )
    assert error.value.message_dict["tax_code"]
    with pytest.raises(ValidationError) as error:
        services.customer_create(
            full_name="Lê Văn Tám", phone="0912853984", contact_person="Someone"
        )
    assert error.value.message_dict["contact_person"]


def test_a_customer_needs_a_way_to_be_reached() -> None:
    with pytest.raises(ValidationError) as error:
        services.customer_create(full_name="Lê Văn Tám", phone="", email="", address="")
    assert "phone" in error.value.message_dict


def test_update_keeps_history_with_who_changed_what(staff) -> None:
    customer = CustomerFactory(phone="0912853984")
    services.customer_update(customer=customer, actor=staff, phone="+84 386 123 456")
    latest = customer.history.first()
    assert latest.phone == "+84386123456"
    assert latest.history_user == staff
    assert latest.prev_record.phone == "+84912853984"


def test_grant_records_evidence_and_the_policy_shown(staff, policy, marketing) -> None:
    customer = CustomerFactory()
    consent = services.consent_grant(
        customer=customer,
        purpose=marketing,
        channel=Channel.WEB_FORM,
        form_reference="WF-2026-000123",
        ip_address="203.113.5.7",
        user_agent="Mozilla/5.0",
    )
    assert consent.status == Consent.Status.GRANTED
    assert consent.policy_version == policy
    assert consent.ip_address == "203.113.5.7"
    by_phone = services.consent_grant(
        customer=CustomerFactory(),
        purpose=marketing,
        channel=Channel.PHONE,
        form_reference="CALL-77",
        actor=staff,
    )
    assert by_phone.recorded_by == staff


def test_web_form_consent_without_evidence_is_refused(policy, marketing) -> None:
    with pytest.raises(ValidationError) as error:
        services.consent_grant(
            customer=CustomerFactory(), purpose=marketing, channel=Channel.WEB_FORM
        )
    assert set(error.value.error_dict) == {"form_reference", "ip_address", "user_agent"}
    assert not Consent.objects.exists()


def test_no_consent_without_a_policy_in_effect(marketing) -> None:
    PolicyVersionFactory(
        version="future", effective_from=timezone.localdate() + datetime.timedelta(days=3)
    )
    with pytest.raises(ValidationError) as error:
        services.consent_grant(
            customer=CustomerFactory(), purpose=marketing, channel=Channel.PHONE, form_reference="C"
        )
    assert error.value.code == "no_policy"


def test_withdraw_never_deletes_and_regrant_reuses_the_record(staff, policy, marketing) -> None:
    customer = CustomerFactory()
    granted_at = timezone.now() - datetime.timedelta(days=10)
    consent = services.consent_grant(
        customer=customer,
        purpose=marketing,
        channel=Channel.PHONE,
        form_reference="CALL-1",
        when=granted_at,
    )
    withdrawn = services.consent_withdraw(
        consent=consent,
        channel=Channel.SMS,
        reason="Không muốn nhận email",
        withdrawal_reference="SMS-1",
        actor=staff,
    )
    assert Consent.objects.count() == 1
    assert withdrawn.status == Consent.Status.WITHDRAWN
    assert withdrawn.withdrawn_at is not None
    assert withdrawn.granted_at == granted_at  # when it was given stays on record
    with pytest.raises(ValidationError) as error:
        services.consent_withdraw(consent=consent, channel=Channel.SMS, withdrawal_reference="S")
    assert error.value.code == "already_withdrawn"

    again = services.consent_grant(
        customer=customer, purpose=marketing, channel=Channel.PHONE, form_reference="CALL-2"
    )
    assert again.pk == consent.pk and again.is_granted
    statuses = list(consent.history.order_by("history_id").values_list("status", flat=True))
    assert statuses == ["granted", "withdrawn", "granted"]


def test_granting_twice_changes_nothing(policy, marketing) -> None:
    customer = CustomerFactory()
    first = services.consent_grant(
        customer=customer, purpose=marketing, channel=Channel.PHONE, form_reference="CALL-1"
    )
    second = services.consent_grant(
        customer=customer, purpose=marketing, channel=Channel.SMS, form_reference="SMS-1"
    )
    assert second.pk == first.pk and second.channel == Channel.PHONE
    assert first.history.count() == 1


def test_consent_changes_count_as_customer_activity(marketing) -> None:
    PolicyVersionFactory(version="2025.1", effective_from=datetime.date(2025, 1, 1))
    with time_machine.travel(datetime.datetime(2025, 3, 1, 9, tzinfo=datetime.UTC), tick=False):
        customer = CustomerFactory()
    with time_machine.travel(datetime.datetime(2026, 6, 1, 9, tzinfo=datetime.UTC), tick=False):
        services.consent_grant(
            customer=customer, purpose=marketing, channel=Channel.PHONE, form_reference="CALL-1"
        )
    customer.refresh_from_db()
    assert customer.last_activity_at == datetime.datetime(2026, 6, 1, 9, tzinfo=datetime.UTC)


def test_current_policy_follows_the_clock() -> None:
    PolicyVersionFactory(version="2025.1", effective_from=datetime.date(2025, 1, 1))
    PolicyVersionFactory(version="2026.1", effective_from=datetime.date(2026, 1, 1))
    with time_machine.travel(datetime.datetime(2025, 12, 31, 12, tzinfo=datetime.UTC)):
        assert policy_version_current().version == "2025.1"
    with time_machine.travel(datetime.datetime(2026, 1, 1, 12, tzinfo=datetime.UTC)):
        assert policy_version_current().version == "2026.1"


def test_a_policy_in_effect_is_never_rewritten(policy: PolicyVersion) -> None:
    policy.body_vi = "Văn bản khác"
    with pytest.raises(ValidationError) as error:
        services.policy_version_save(policy=policy)
    assert error.value.code == "policy_in_effect"
    policy.refresh_from_db()
    assert policy.body_vi != "Văn bản khác"
    upcoming = PolicyVersionFactory(
        version="2027.1", effective_from=timezone.localdate() + datetime.timedelta(days=30)
    )
    upcoming.body_vi = "Bản sửa trước ngày hiệu lực"
    services.policy_version_save(policy=upcoming)
    upcoming.refresh_from_db()
    assert upcoming.body_vi == "Bản sửa trước ngày hiệu lực"


def test_receipt_lists_every_consent_with_dates_and_the_controller(
    controller, policy, marketing
) -> None:
    customer = CustomerFactory(full_name="Phạm Thị Lan")
    partners = PurposeFactory(code="partner-sharing", name_vi="Chia sẻ với đối tác")
    services.consent_grant(
        customer=customer, purpose=marketing, channel=Channel.PHONE, form_reference="CALL-1"
    )
    shared = services.consent_grant(
        customer=customer, purpose=partners, channel=Channel.PHONE, form_reference="CALL-2"
    )
    services.consent_withdraw(consent=shared, channel=Channel.PHONE, withdrawal_reference="CALL-3")
    CustomerFactory()  # someone else's consents never appear

    receipt = consent_receipt_get(customer=customer)
    assert receipt.controller == controller
    assert [c.purpose.code for c in receipt.consents] == ["marketing-email", "partner-sharing"]
    assert [c.status for c in receipt.consents] == ["granted", "withdrawn"]
