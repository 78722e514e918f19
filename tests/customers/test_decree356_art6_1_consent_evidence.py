"""Decree 356/2025/NĐ-CP Art. 6(1), Law 91/2025/QH15 Art. 9(3) and Art. 10(2): a consent, and its
withdrawal, is kept with the evidence its channel leaves — a web form's submission, IP and
browser; a call recording; an SMS gateway's message id; the email itself; the signed form."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from complaints import data_requests
from complaints import services as complaint_services
from customers import services
from customers.models import AccessLog, Channel, Consent, Customer, PolicyVersion, Purpose
from retention.erasure import erase_customers
from retention.jobs import purge_expired_run
from tests.factories import (
    CustomerFactory,
    PolicyVersionFactory,
    complaint_submit,
    eml_bytes,
    identity_verified,
    jpeg_bytes,
    pdf_bytes,
    png_bytes,
    role_member,
)

pytestmark = pytest.mark.django_db

VN = ZoneInfo("Asia/Ho_Chi_Minh")

WEB = {"form_reference": "WF-2026-0001", "ip_address": "203.113.5.7", "user_agent": "Mozilla/5.0"}


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def _eml(name: str = "dong-y.eml") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, eml_bytes(), "message/rfc822")


def _pdf(name: str = "phieu-dang-ky-nguyen-van-an.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, pdf_bytes("Phieu dang ky"), "application/pdf")


def _fake_pdf() -> SimpleUploadedFile:
    """A text file renamed .pdf: the name and the browser's type say PDF, the bytes do not."""
    return SimpleUploadedFile("phieu.pdf", b"Toi dong y nhan email.\n", "application/pdf")


def _refused(**kwargs: Any) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        services.consent_grant(**kwargs)
    return caught.value.message_dict


# Grant, channel by channel --------------------------------------------------------------------

# channel, the evidence given, the field that is missing without it
GRANTS = [
    (Channel.WEB_FORM, WEB, ["form_reference", "ip_address", "user_agent"]),
    (Channel.PHONE, {"form_reference": "CALL-2026-0042"}, ["form_reference"]),
    (Channel.SMS, {"form_reference": "SMSGW-88213"}, ["form_reference"]),
    (Channel.EMAIL, {"evidence_file": "eml"}, ["evidence_file"]),
    (Channel.IN_PERSON, {"evidence_file": "pdf"}, ["evidence_file"]),
    (Channel.LETTER, {"evidence_file": "png"}, ["evidence_file"]),
]


def _evidence(given: dict[str, str]) -> dict[str, Any]:
    uploads = {
        "eml": _eml,
        "pdf": _pdf,
        "png": lambda: SimpleUploadedFile("thu.png", png_bytes(), "image/png"),
    }
    return {
        name: uploads[value]() if name == "evidence_file" else value
        for name, value in given.items()
    }


@pytest.mark.parametrize(("channel", "given", "missing"), GRANTS)
def test_a_consent_without_its_channels_evidence_is_refused_at_the_field(
    policy: PolicyVersion, marketing: Purpose, channel: str, given: dict[str, str], missing: list
) -> None:
    customer = CustomerFactory()

    errors = _refused(customer=customer, purpose=marketing, channel=channel)

    assert sorted(errors) == sorted(missing)
    assert not Consent.objects.exists()


@pytest.mark.parametrize(("channel", "given", "missing"), GRANTS)
def test_a_consent_with_its_channels_evidence_is_kept_and_readable(
    policy: PolicyVersion, marketing: Purpose, channel: str, given: dict[str, str], missing: list
) -> None:
    evidence = _evidence(given)
    sent = evidence["evidence_file"].read() if "evidence_file" in evidence else None

    consent = services.consent_grant(
        customer=CustomerFactory(), purpose=marketing, channel=channel, **evidence
    )

    consent.refresh_from_db()
    assert consent.is_granted and consent.channel == channel
    assert consent.form_reference == given.get("form_reference", "")
    if sent is None:
        assert not consent.evidence_file
    else:
        # Stored under consents/<year>/<month>/ with a random name, never the one sent.
        assert consent.evidence_file.name.startswith("consents/")
        assert "nguyen" not in consent.evidence_file.name
        with consent.evidence_file.open("rb") as stored:
            assert stored.read() == sent


def test_a_web_form_consent_needs_the_reference_the_ip_and_the_browser_each(
    policy: PolicyVersion, marketing: Purpose
) -> None:
    customer = CustomerFactory()
    for left_out in WEB:
        given = {name: value for name, value in WEB.items() if name != left_out}
        errors = _refused(customer=customer, purpose=marketing, channel=Channel.WEB_FORM, **given)
        assert list(errors) == [left_out]
    assert not Consent.objects.exists()


def test_a_text_file_renamed_pdf_is_refused(policy: PolicyVersion, marketing: Purpose) -> None:
    errors = _refused(
        customer=CustomerFactory(),
        purpose=marketing,
        channel=Channel.IN_PERSON,
        evidence_file=_fake_pdf(),
    )

    assert list(errors) == ["evidence_file"]
    assert "phải là PDF, JPEG hoặc PNG" in errors["evidence_file"][0]
    assert not Consent.objects.exists()
    assert not default_storage.exists("consents")


def test_an_email_is_its_message_file_or_a_pdf_print_not_a_photo(
    policy: PolicyVersion, marketing: Purpose
) -> None:
    photo = SimpleUploadedFile("email.jpg", jpeg_bytes(), "image/jpeg")
    headless = SimpleUploadedFile("email.eml", b"Subject: no sender\r\n\r\nhi\r\n")
    for upload in (photo, headless):
        errors = _refused(
            customer=CustomerFactory(),
            purpose=marketing,
            channel=Channel.EMAIL,
            evidence_file=upload,
        )
        assert list(errors) == ["evidence_file"]
    printed = services.consent_grant(
        customer=CustomerFactory(), purpose=marketing, channel=Channel.EMAIL, evidence_file=_pdf()
    )
    assert printed.evidence_file.name.endswith(".pdf")


def test_a_signed_forms_scan_is_not_an_email_file(
    policy: PolicyVersion, marketing: Purpose
) -> None:
    errors = _refused(
        customer=CustomerFactory(), purpose=marketing, channel=Channel.LETTER, evidence_file=_eml()
    )
    assert list(errors) == ["evidence_file"]


# Withdrawal, by the same rules ------------------------------------------------------------


def _granted(marketing: Purpose, customer: Customer | None = None) -> Consent:
    return services.consent_grant(
        customer=customer or CustomerFactory(),
        purpose=marketing,
        channel=Channel.PHONE,
        form_reference="CALL-1",
    )


WITHDRAWALS = [
    (
        Channel.WEB_FORM,
        {
            "withdrawal_reference": "WF-OUT-1",
            "withdrawal_ip_address": "14.169.2.3",
            "withdrawal_user_agent": "Mozilla/5.0 (iPhone)",
        },
    ),
    (Channel.PHONE, {"withdrawal_reference": "CALL-2026-0099"}),
    (Channel.SMS, {"withdrawal_reference": "SMSGW-90001"}),
    (Channel.EMAIL, {"withdrawal_evidence_file": "eml"}),
    (Channel.IN_PERSON, {"withdrawal_evidence_file": "pdf"}),
    (Channel.LETTER, {"withdrawal_evidence_file": "pdf"}),
]


@pytest.mark.parametrize(("channel", "given"), WITHDRAWALS)
def test_a_withdrawal_needs_its_channels_evidence_too(
    policy: PolicyVersion, marketing: Purpose, channel: str, given: dict[str, str]
) -> None:
    consent = _granted(marketing)

    with pytest.raises(ValidationError) as caught:
        services.consent_withdraw(consent=consent, channel=channel)

    assert sorted(caught.value.message_dict) == sorted(given)
    consent.refresh_from_db()
    assert consent.is_granted

    uploads = {"eml": _eml, "pdf": _pdf}
    evidence = {
        name: uploads[value]() if name == "withdrawal_evidence_file" else value
        for name, value in given.items()
    }
    services.consent_withdraw(consent=consent, channel=channel, **evidence)

    consent.refresh_from_db()
    assert consent.status == Consent.Status.WITHDRAWN
    assert consent.withdrawal_reference == given.get("withdrawal_reference", "")
    assert consent.withdrawal_ip_address == given.get("withdrawal_ip_address")
    assert bool(consent.withdrawal_evidence_file) == ("withdrawal_evidence_file" in given)


def test_a_withdrawal_with_a_fake_file_is_refused(
    policy: PolicyVersion, marketing: Purpose
) -> None:
    consent = _granted(marketing)

    with pytest.raises(ValidationError) as caught:
        services.consent_withdraw(
            consent=consent, channel=Channel.LETTER, withdrawal_evidence_file=_fake_pdf()
        )

    assert list(caught.value.message_dict) == ["withdrawal_evidence_file"]
    consent.refresh_from_db()
    assert consent.is_granted


@pytest.mark.parametrize("channel", [Channel.WEB_FORM, Channel.EMAIL])
def test_a_withdrawal_through_a_request_has_its_tracking_code_as_evidence(
    policy: PolicyVersion, marketing: Purpose, channel: str
) -> None:
    """The request itself is the written withdrawal (Law 91/2025/QH15 Art. 10(2)): no file, no
    IP needed, whatever channel it came through."""
    care = role_member("customer_care", "cskh-evidence")
    customer = CustomerFactory(phone="0912 345 678", email="bao.tran@example.vn")
    consent = _granted(marketing, customer)
    complaint = complaint_submit(kind="withdraw_consent", channel=channel)
    complaint_services.complaint_link_customer(complaint=complaint, customer=customer, actor=care)
    identity_verified(complaint, care)

    data_requests.complaint_withdraw_consents(complaint=complaint, actor=care, consents=[consent])

    consent.refresh_from_db()
    assert consent.status == Consent.Status.WITHDRAWN
    assert consent.withdrawal_channel == channel
    assert consent.withdrawal_reference == complaint.tracking_code
    assert not consent.withdrawal_evidence_file


# The admin ---------------------------------------------------------------------------------


def _add_url() -> str:
    return reverse("admin:customers_consent_add")


def test_the_admin_add_form_shows_the_missing_file_at_its_field_then_takes_the_upload(
    admin_client: Client, policy: PolicyVersion, marketing: Purpose
) -> None:
    customer = CustomerFactory()
    data = {"customer": str(customer.pk), "purpose": str(marketing.pk), "channel": "in_person"}

    page = admin_client.get(_add_url()).content.decode()
    assert 'enctype="multipart/form-data"' in page
    refused = admin_client.post(_add_url(), data)

    assert refused.status_code == 200
    form = refused.context["adminform"].form
    assert "bản scan phiếu đã ký" in " ".join(form.errors["evidence_file"])
    assert not Consent.objects.exists()

    faked = admin_client.post(_add_url(), {**data, "evidence_file": _fake_pdf()})
    assert "PDF, JPEG hoặc PNG" in " ".join(faked.context["adminform"].form.errors["evidence_file"])
    assert not Consent.objects.exists()

    accepted = admin_client.post(_add_url(), {**data, "evidence_file": _pdf()})

    assert accepted.status_code == 302
    consent = Consent.objects.get()
    assert consent.channel == Channel.IN_PERSON and consent.evidence_file
    change = admin_client.get(reverse("admin:customers_consent_change", args=[consent.pk]))
    download = reverse("admin:customers_consent_evidence", args=[consent.pk, "evidence"])
    assert download in change.content.decode()
    assert f"dong-y-{consent.pk}.pdf" in change.content.decode()


def test_the_withdraw_action_asks_the_evidence_and_takes_a_file_for_one_customer(
    admin_client: Client, policy: PolicyVersion, marketing: Purpose
) -> None:
    first, second = _granted(marketing), _granted(marketing)
    changelist = reverse("admin:customers_consent_changelist")
    both = {"action": "withdraw_selected", ACTION_CHECKBOX_NAME: [str(first.pk), str(second.pk)]}

    confirmation = admin_client.post(changelist, both)
    assert 'enctype="multipart/form-data"' in confirmation.content.decode()
    no_evidence = admin_client.post(changelist, {**both, "post": "yes", "channel": "email"})
    assert no_evidence.context["form"].errors["withdrawal_evidence_file"]
    with_file = {**both, "post": "yes", "channel": "email", "withdrawal_evidence_file": _eml()}
    two_customers = admin_client.post(changelist, with_file)
    assert two_customers.status_code == 200
    assert two_customers.context["form"].errors["withdrawal_evidence_file"]
    assert Consent.objects.filter(status=Consent.Status.GRANTED).count() == 2

    one = {"action": "withdraw_selected", ACTION_CHECKBOX_NAME: [str(first.pk)], "post": "yes"}
    done = admin_client.post(
        changelist, {**one, "channel": "email", "withdrawal_evidence_file": _eml()}, follow=True
    )

    assert done.status_code == 200
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == Consent.Status.WITHDRAWN and first.withdrawal_evidence_file
    assert second.is_granted


def test_the_evidence_file_downloads_for_customer_care_logged_and_never_for_sales(
    client: Client, policy: PolicyVersion, marketing: Purpose
) -> None:
    consent = services.consent_grant(
        customer=CustomerFactory(), purpose=marketing, channel=Channel.EMAIL, evidence_file=_eml()
    )
    url = reverse("admin:customers_consent_evidence", args=[consent.pk, "evidence"])

    client.force_login(role_member("sales", "kinh-doanh-evidence"))
    assert client.get(url).status_code == 403
    assert not AccessLog.objects.exists()

    client.force_login(role_member("customer_care", "cskh-download"))
    response = client.get(url)

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == eml_bytes()
    assert response["Content-Type"] == "message/rfc822"
    assert f"dong-y-{consent.pk}.eml" in response["Content-Disposition"]
    assert AccessLog.objects.filter(
        customer_id=consent.customer_id, action=AccessLog.Action.VIEW
    ).exists()


# Erasure -----------------------------------------------------------------------------------


def test_erasure_deletes_the_consent_and_withdrawal_files_from_storage(
    policy: PolicyVersion, marketing: Purpose
) -> None:
    customer = CustomerFactory()
    consent = services.consent_grant(
        customer=customer, purpose=marketing, channel=Channel.IN_PERSON, evidence_file=_pdf()
    )
    services.consent_withdraw(
        consent=consent, channel=Channel.EMAIL, withdrawal_evidence_file=_eml()
    )
    consent.refresh_from_db()
    names = [consent.evidence_file.name, consent.withdrawal_evidence_file.name]
    assert all(default_storage.exists(name) for name in names)
    kept = services.consent_grant(
        customer=CustomerFactory(), purpose=marketing, channel=Channel.LETTER, evidence_file=_pdf()
    )

    erase_customers(customer_ids=[customer.pk])

    assert not any(default_storage.exists(name) for name in names)
    assert not Consent.objects.filter(customer_id=customer.pk).exists()
    assert default_storage.exists(kept.evidence_file.name)


def test_the_purge_of_a_withdrawn_consents_evidence_deletes_its_files(marketing: Purpose) -> None:
    """24 months after a withdrawal its evidence is anonymized (retention rules): the signed
    form and the email go with the references, from the history rows too."""
    with time_machine.travel(datetime.datetime(2023, 5, 2, 10, tzinfo=VN), tick=False):
        PolicyVersionFactory(version="2023.1")
        consent = services.consent_grant(
            customer=CustomerFactory(),
            purpose=marketing,
            channel=Channel.IN_PERSON,
            evidence_file=_pdf(),
        )
    with time_machine.travel(datetime.datetime(2024, 3, 15, 10, tzinfo=VN), tick=False):
        services.consent_withdraw(
            consent=consent, channel=Channel.EMAIL, withdrawal_evidence_file=_eml()
        )
    consent.refresh_from_db()
    names = [consent.evidence_file.name, consent.withdrawal_evidence_file.name]
    assert all(default_storage.exists(name) for name in names)

    with time_machine.travel(datetime.datetime(2026, 3, 16, 8, tzinfo=VN), tick=False):
        purge_expired_run()

    consent.refresh_from_db()
    assert consent.status == Consent.Status.WITHDRAWN
    assert not consent.evidence_file and not consent.withdrawal_evidence_file
    assert not any(default_storage.exists(name) for name in names)
    assert not Consent.history.filter(id=consent.pk).exclude(evidence_file="").exists()
