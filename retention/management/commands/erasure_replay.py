"""`python manage.py erasure_replay --since 2026-12-01T03:00`: after a backup is restored, erase
again everyone the erasure journal says was erased since the backup was taken (Law 91/2025
Art. 14(3)-(4): erased data must not come back). Run it right after the restore, before the
site is reopened (README, "Restoring a backup").

Through the same erasure service as the purge, attributed as the purge command's runs are (no
staff member; the receipts name the job). Idempotent: a customer already erased is skipped and
reported, so a second run changes nothing. Customers are named by id only.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import dateparse, timezone
from django.utils.translation import gettext as _

from customers.kernel.text import local_datetime
from customers.models import Customer
from retention.erasure import erase_customers
from retention.journal import entries_by_customer, erasure_journal
from retention.models import JOB_ERASURE_REPLAY


def parse_since(text: str) -> datetime.datetime:
    """An ISO date or date-time; without an offset, Vietnam time (TIME_ZONE)."""
    text = text.strip()
    moment = dateparse.parse_datetime(text)
    if moment is None:
        day = dateparse.parse_date(text)
        if day is None:
            raise ValueError(text)
        moment = datetime.datetime.combine(day, datetime.time())
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, timezone.get_default_timezone())
    return moment


def _ids(ids: Iterable[int]) -> str:
    return ", ".join(f"#{pk}" for pk in sorted(ids)) or "—"


class Command(BaseCommand):
    help = (
        "After restoring a backup: erase again every customer the erasure journal says was "
        "erased since the backup was taken. Run it before the site is reopened."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--since",
            required=True,
            help=(
                "When the restored backup was taken, in Vietnam time: 2026-12-01 or "
                "2026-12-01T03:00. Take it a little early rather than late."
            ),
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Change nothing: list whom the journal would erase again.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            since = parse_since(options["since"])
        except ValueError as error:
            raise CommandError(
                _("--since must be a date or date-time such as 2026-12-01 or 2026-12-01T03:00.")
            ) from error
        write = self.stdout.write
        journaled = entries_by_customer(erasure_journal().entries(since=since))
        write(
            _(
                "Erasure journal %(url)s: %(count)d customers erased since %(since)s "
                "(Asia/Ho_Chi_Minh)."
            )
            % {
                "url": settings.ERASURE_JOURNAL_URL,
                "count": len(journaled),
                "since": local_datetime(since),
            }
        )
        statuses = dict(
            Customer._base_manager.filter(pk__in=list(journaled)).values_list("pk", "status")
        )
        missing = [pk for pk in journaled if pk not in statuses]
        already = [pk for pk, status in statuses.items() if status == Customer.Status.ERASED]
        to_erase = sorted(pk for pk, status in statuses.items() if status != Customer.Status.ERASED)
        unconfirmed = [pk for pk in to_erase if not journaled[pk]["confirmed"]]
        held: list[int] = []
        if options["dry_run"]:
            write(_("To erase again: %(count)d — %(ids)s") % self._line(to_erase))
        else:
            outcome = erase_customers(
                customer_ids=to_erase,
                actor=None,
                job=JOB_ERASURE_REPLAY,
                batch_size=settings.RETENTION_PURGE_BATCH_SIZE,
            )
            held = outcome.held
            already += [pk for pk in outcome.skipped if pk in statuses]
            write(_("Erased again: %(count)d — %(ids)s") % self._line(outcome.erased))
            for record_type, number in sorted(outcome.counts.items()):
                rows = _("%(type)s: %(count)d rows") % {"type": record_type, "count": number}
                write("    " + rows)
        if unconfirmed:
            write(
                _(
                    "Of them, journaled as pending only (the process may have stopped before "
                    "confirming): %(count)d — %(ids)s"
                )
                % self._line(unconfirmed)
            )
        write(_("Already erased, skipped: %(count)d — %(ids)s") % self._line(already))
        write(
            _("Not in this database (created after the backup), nothing to do: %(count)d — %(ids)s")
            % self._line(missing)
        )
        if options["dry_run"]:
            write(_("Dry run: nothing was changed."))
            return
        if held:
            raise CommandError(
                _(
                    "Held back by a legal hold recorded in the restored database: %(count)d — "
                    "%(ids)s. They were erased after the backup, so the hold was lifted since: "
                    "check it, lift it again, then run this command again."
                )
                % self._line(held)
            )

    @staticmethod
    def _line(ids: list[int]) -> dict[str, Any]:
        return {"count": len(ids), "ids": _ids(ids)}
