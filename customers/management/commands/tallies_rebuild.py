"""Count the admin's monthly trends again from the consents and the hand-overs (once, after the
tallies were added to a database that already held them)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from customers.tallies import tallies_rebuild


class Command(BaseCommand):
    help = __doc__

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"{tallies_rebuild()} monthly tallies written.")
