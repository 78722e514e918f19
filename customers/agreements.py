"""Agreements with recipients (Decree 356/2025/NĐ-CP Art. 7(1)): recorded with where each of
the seven required contents is stated and the signed file; a hand-over to a recipient whose
agreements have all ended (or not yet begun) is refused."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from customers.agreement_model import RecipientAgreement
from customers.kernel import files
from customers.kernel.text import local_date
from customers.kernel.writes import Actor, require_permission, save
from customers.models import Recipient

FILE_MAX_BYTES = 10 * 1024 * 1024
FILE_KINDS = {"application/pdf", "image/jpeg", "image/png"}


@transaction.atomic
def agreement_save(
    *, agreement: RecipientAgreement, actor: Actor, upload: object = None
) -> RecipientAgreement:
    """Record or change an agreement; the signed file (PDF, JPEG or PNG, told by its content)
    is stored under a random name."""
    permission = (
        "customers.change_recipientagreement"
        if agreement.pk
        else "customers.add_recipientagreement"
    )
    require_permission(actor, permission, _("Your role may not keep agreements."))
    if upload is not None:
        data = files.read_all(upload)
        kind = files.sniff(data)
        if len(data) > FILE_MAX_BYTES or kind not in FILE_KINDS:
            raise ValidationError(
                {
                    "file": ValidationError(
                        _("The signed agreement must be a PDF, JPEG or PNG file of at most 10 MB."),
                        code="file_kind",
                    )
                }
            )
        agreement.file = ContentFile(data, files.random_name(kind or ""))
    save(agreement, actor=actor)
    return agreement


def agreement_error(recipient: Recipient, day: datetime.date) -> ValidationError | None:
    """Why nothing may go to the recipient on that day, or None. A recipient with no agreement
    recorded yet keeps its contract reference (recorded before agreements were)."""
    agreements = list(RecipientAgreement.objects.filter(recipient=recipient))
    if not agreements or any(agreement.in_force_on(day) for agreement in agreements):
        return None
    last = max(agreements, key=lambda agreement: agreement.ends_on or datetime.date.max)
    if last.ends_on is not None and last.ends_on < day:
        return ValidationError(
            _(
                "The agreement with %(recipient)s (%(reference)s) ended on %(date)s: nothing "
                "may be handed over until a new one is recorded (Decree 356/2025/NĐ-CP Art. 7(1))."
            ),
            code="agreement_ended",
            params={
                "recipient": recipient.name,
                "reference": last.reference,
                "date": local_date(last.ends_on),
            },
        )
    first = min(agreements, key=lambda agreement: agreement.starts_on)
    return ValidationError(
        _("The agreement with %(recipient)s (%(reference)s) is in force from %(date)s only."),
        code="agreement_not_started",
        params={
            "recipient": recipient.name,
            "reference": first.reference,
            "date": local_date(first.starts_on),
        },
    )
