"""The writes of dossiers/: one way in, for the admin and the demo data alike."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from customers.kernel.writes import Actor, require_permission, save
from dossiers.models import ProcessingSystem


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
