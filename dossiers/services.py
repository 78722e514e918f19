"""The writes of dossiers/: one way in, for the admin and the demo data alike."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.kernel import files
from customers.kernel.writes import Actor, require_permission, save
from dossiers.models import DossierFiling, ProcessingSystem


@transaction.atomic
def processing_system_save(*, system: ProcessingSystem, actor: Actor) -> ProcessingSystem:
    """Add or change a system where personal data is stored or processed (its purposes are set
    by the caller after the save, as a form's many-to-many are)."""
    permission = (
        "dossiers.change_processingsystem" if system.pk else "dossiers.add_processingsystem"
    )
    require_permission(actor, permission, _("Your role may not keep the processing systems."))
    if isinstance(system.data_items, list):
        system.data_items = sorted(set(system.data_items), key=_item_order)
    save(system, actor=actor)
    return system


def _item_order(item: str) -> tuple[int, ...]:
    numbers = []
    for part in item.split("."):
        numbers.append(int(part) if part.isdigit() else 100 + ord(part[0]) * 4 + len(part))
    return tuple(numbers)


@transaction.atomic
def dossier_filing_save(
    *, filing: DossierFiling, actor: Actor, upload: object = None
) -> DossierFiling:
    """Record a filing (or the agency's answer to it); the dossier as filed is a PDF, stored
    under a random name."""
    permission = "dossiers.change_dossierfiling" if filing.pk else "dossiers.add_dossierfiling"
    require_permission(actor, permission, _("Your role may not record filings."))
    if filing.filed_on and filing.filed_on > timezone.localdate():
        raise ValidationError(
            {"filed_on": ValidationError(_("A filing cannot be in the future."), code="future")}
        )
    if upload is not None:
        data = files.read_all(upload)
        if files.sniff(data) != "application/pdf" or len(data) > 20 * 1024 * 1024:
            raise ValidationError(
                {
                    "file": ValidationError(
                        _("The dossier must be a PDF file of at most 20 MB."), code="file_kind"
                    )
                }
            )
        filing.file = ContentFile(data, files.random_name("application/pdf"))
    save(filing, actor=actor)
    return filing
