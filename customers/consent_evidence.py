"""The evidence a consent, or its withdrawal, is kept with: what each channel must leave behind so
that who agreed, when and to what can be checked later (Decree 356/2025 Art. 6(1); Law
91/2025/QH15 Art. 9(3) for the consent, Art. 10(2) for its withdrawal).

One rule for both: consent_evidence_errors, called by consent_grant and consent_withdraw, and by
the admin's withdrawal form to show each error at its field before anything is withdrawn.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

from customers.kernel import files
from customers.models import Channel

MAX_BYTES = 10 * 1024 * 1024
# Channels whose evidence is a file: the signed form's scan, or the email itself.
FILE_CHANNELS = (Channel.EMAIL, Channel.IN_PERSON, Channel.LETTER)
SCAN_TYPES = (files.PDF, files.JPEG, files.PNG)
EMAIL_TYPES = (files.EML, files.PDF)


@dataclass(frozen=True)
class EvidenceFields:
    """The Consent fields that hold one act's evidence: errors are keyed by them."""

    reference: str
    ip_address: str
    user_agent: str
    file: str


GRANT = EvidenceFields("form_reference", "ip_address", "user_agent", "evidence_file")
WITHDRAWAL = EvidenceFields(
    "withdrawal_reference",
    "withdrawal_ip_address",
    "withdrawal_user_agent",
    "withdrawal_evidence_file",
)


def evidence_file_kind(upload: Any, channel: str) -> str | None:
    """The type the file really is, if the channel accepts it: an email's message file (EML) or
    its PDF print; for any other channel a PDF, JPEG or PNG."""
    data = files.read_all(upload)
    if channel == Channel.EMAIL:
        kind = files.sniff(data) or files.sniff_email(data)
        return kind if kind in EMAIL_TYPES else None
    kind = files.sniff(data)
    return kind if kind in SCAN_TYPES else None


def _file_error(upload: Any, channel: str) -> ValidationError | None:
    size = int(getattr(upload, "size", 0) or 0)
    name = os.path.basename(str(getattr(upload, "name", "") or ""))
    if size > MAX_BYTES:
        return ValidationError(
            _("The file is %(size)s MB; an evidence file may be at most %(limit)d MB."),
            code="evidence_too_large",
            params={"size": f"{size / 1024 / 1024:.1f}", "limit": MAX_BYTES // 1024 // 1024},
        )
    if evidence_file_kind(upload, channel) is not None:
        return None
    if channel == Channel.EMAIL:
        return ValidationError(
            _(
                "An email's evidence is the message file (.eml, with its From and Date) or a "
                "PDF print of it; “%(name)s” is neither."
            ),
            code="evidence_type",
            params={"name": name},
        )
    return ValidationError(
        _("The evidence must be a PDF, JPEG or PNG file; “%(name)s” is none of these."),
        code="evidence_type",
        params={"name": name},
    )


def consent_evidence_errors(
    *,
    channel: str,
    reference: str = "",
    ip_address: str | None = None,
    user_agent: str = "",
    file: Any = None,
    fields: EvidenceFields = GRANT,
    through_request: bool = False,
) -> dict[str, ValidationError]:
    """What the channel's evidence lacks, keyed by the field it belongs in ({} when complete).

    ``through_request``: a withdrawal asked for by a data-subject request, whose tracking code
    is the reference; the request itself is the written, verifiable form."""
    errors: dict[str, ValidationError] = {}

    def require(name: str, present: object, message: str) -> None:
        if not present:
            errors[name] = ValidationError(message, code="evidence_required")

    reference = (reference or "").strip()
    if through_request:
        # Law 91/2025/QH15 Art. 10(2): the request is the withdrawal in writing; its code finds it.
        require(fields.reference, reference, _("Give the tracking code of the request."))
    elif channel == Channel.WEB_FORM:
        # Decree 356/2025 Art. 6(1)(d): a web form's technical record of the consent.
        require(fields.reference, reference, _("A web form's evidence: give the submission id."))
        require(fields.ip_address, ip_address, _("A web form's evidence: give the IP address."))
        require(
            fields.user_agent,
            (user_agent or "").strip(),
            _("A web form's evidence: give the browser."),
        )
    elif channel == Channel.PHONE:
        # Decree 356/2025 Art. 6(1)(b): a recorded call.
        require(fields.reference, reference, _("Give the call recording's id."))
    elif channel == Channel.SMS:
        # Decree 356/2025 Art. 6(1)(c): the consent syntax by text message.
        require(fields.reference, reference, _("Give the message's id at the SMS gateway."))
    elif channel == Channel.EMAIL:
        # Decree 356/2025 Art. 6(1)(d): the email itself, which can be printed and copied.
        require(
            fields.file, file, _("Attach the email: the message file (.eml) or a PDF print of it.")
        )
    elif channel in (Channel.IN_PERSON, Channel.LETTER):
        # Decree 356/2025 Art. 6(1)(a): in writing, the signed form.
        require(fields.file, file, _("Attach the signed form's scan (PDF, JPEG or PNG)."))
    if file and fields.file not in errors:
        file_error = _file_error(file, channel)
        if file_error is not None:
            errors[fields.file] = file_error
    return errors


def evidence_file_stored(upload: Any, channel: str) -> ContentFile[bytes]:
    """The file under a random name whose extension says what its content is (the uploaded
    name may name the person, "don-dong-y-nguyen-van-an.pdf", and would outlive an erasure);
    the field's upload_to puts it under consents/<year>/<month>/."""
    kind = evidence_file_kind(upload, channel) or ""
    return ContentFile(files.read_all(upload), files.random_name(kind))
