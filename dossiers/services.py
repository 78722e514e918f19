"""The writes of dossiers/: one way in, for the admin and the demo data alike."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.kernel import files
from customers.kernel.writes import Actor, require_permission, save
from dossiers.models import DossierFiling, DpoAppointment, DpoTraining, ProcessingSystem


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


def _document(upload: object, field: str) -> ContentFile[bytes]:
    """A signed document or certificate: PDF, JPEG or PNG told by its content, at most 10 MB,
    stored under a random name (the uploaded one may name the person)."""
    data = files.read_all(upload)
    kind = files.sniff(data)
    if kind not in ("application/pdf", "image/jpeg", "image/png") or len(data) > 10 * 1024 * 1024:
        raise ValidationError(
            {
                field: ValidationError(
                    _("A PDF, JPEG or PNG file of at most 10 MB."), code="file_kind"
                )
            }
        )
    return ContentFile(data, files.random_name(kind or ""))


@transaction.atomic
def dpo_appointment_save(
    *, appointment: DpoAppointment, actor: Actor, uploads: dict[str, object] | None = None
) -> DpoAppointment:
    """Record the DPO's appointment (Decree 356/2025 Art. 13): the conditions (a) and (b) are
    checked by the model; (c), the training, is recorded apart (dpo_training_save)."""
    permission = (
        "dossiers.change_dpoappointment" if appointment.pk else "dossiers.add_dpoappointment"
    )
    require_permission(actor, permission, _("Your role may not record the DPO's appointment."))
    for field, upload in (uploads or {}).items():
        setattr(appointment, field, _document(upload, field))
    save(appointment, actor=actor)
    return appointment


@transaction.atomic
def dpo_training_save(*, training: DpoTraining, actor: Actor, upload: object = None) -> DpoTraining:
    permission = "dossiers.change_dpotraining" if training.pk else "dossiers.add_dpotraining"
    require_permission(actor, permission, _("Your role may not record the DPO's training."))
    if training.completed_on and training.completed_on > timezone.localdate():
        raise ValidationError(
            {
                "completed_on": ValidationError(
                    _("A training cannot be completed in the future."), code="future"
                )
            }
        )
    if upload is not None:
        training.certificate_file = _document(upload, "certificate_file")
    save(training, actor=actor)
    return training
