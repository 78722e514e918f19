"""The register of cross-border transfers (Law 91/2025/QH15 Art. 20; Decree 356/2025/NĐ-CP Art.
17–18): every recipient and system outside Vietnam, what goes there, on which purposes, whether an
Art. 20(6) exemption applies, the encryption of a system (Decree 356/2025 Art. 12(4)), and the
first transfer — which starts the 60 days to file the transfer dossier (Art. 20(2)). No
small-enterprise exemption applies here. Computed from the records in a few queries."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Min
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.countries import VIETNAM, Country
from customers.models import Disclosure, Recipient
from customers.personal_data import LegalItem
from dossiers.models import ProcessingSystem

# Law 91/2025 Art. 20(2): "trong thời gian 60 ngày kể từ ngày đầu tiên chuyển".
FILING_DAYS = 60


@dataclass(frozen=True)
class Transfer:
    kind: str  # "recipient" or "system"
    name: str
    country: str
    purposes: list[str]
    items: list[str]
    exemption: str
    encrypted_in_transit: bool | None
    encrypted_at_rest: bool | None
    first_transfer_on: datetime.date | None

    @property
    def owes_dossier(self) -> bool:
        return not self.exemption


@dataclass(frozen=True)
class TransferRegister:
    transfers: list[Transfer]
    first_transfer_on: datetime.date | None
    filing_due_on: datetime.date | None
    today: datetime.date

    @property
    def filing_overdue(self) -> bool:
        return self.filing_due_on is not None and self.today > self.filing_due_on


def transfers_build() -> TransferRegister:
    today = timezone.localdate()
    transfers: list[Transfer] = []
    abroad = Recipient.objects.exclude(country=VIETNAM).select_related("purpose").order_by("name")
    firsts = dict(
        Disclosure.objects.filter(recipient__in=abroad)
        .order_by()
        .values("recipient_id")
        .annotate(first=Min("disclosed_at"))
        .values_list("recipient_id", "first")
    )
    for recipient in abroad:
        first = firsts.get(recipient.pk)
        transfers.append(
            Transfer(
                kind="recipient",
                name=recipient.name,
                country=str(Country(recipient.country).label),
                purposes=[recipient.purpose.name],
                items=recipient.allowed_item_labels,
                exemption="",
                encrypted_in_transit=None,
                encrypted_at_rest=None,
                first_transfer_on=timezone.localtime(first).date() if first else None,
            )
        )
    systems = (
        ProcessingSystem.objects.exclude(country=VIETNAM)
        .prefetch_related("purposes")
        .order_by("name")
    )
    for system in systems:
        transfers.append(
            Transfer(
                kind="system",
                name=f"{system.name} ({system.provider})" if system.provider else system.name,
                country=str(Country(system.country).label),
                purposes=[purpose.name for purpose in system.purposes.all()],
                items=[str(LegalItem(item).label) for item in system.data_items or []],
                exemption=system.get_transfer_exemption_display(),
                encrypted_in_transit=system.encrypted_in_transit,
                encrypted_at_rest=system.encrypted_at_rest,
                first_transfer_on=system.first_transfer_on,
            )
        )
    dates = [t.first_transfer_on for t in transfers if t.owes_dossier and t.first_transfer_on]
    first_day = min(dates) if dates else None
    return TransferRegister(
        transfers=transfers,
        first_transfer_on=first_day,
        filing_due_on=first_day + datetime.timedelta(days=FILING_DAYS) if first_day else None,
        today=today,
    )


def unencrypted_warning(transfer: Transfer) -> str:
    """Decree 356/2025 Art. 12(4): data on a cloud abroad is encrypted in transit and at rest."""
    if transfer.kind == "system" and not (
        transfer.encrypted_in_transit and transfer.encrypted_at_rest
    ):
        return _("Not encrypted both in transit and at rest (Decree 356/2025/NĐ-CP Art. 12(4)).")
    return ""
