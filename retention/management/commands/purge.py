"""`python manage.py purge --dry-run`: what would be erased or anonymized now, and why (the rule
or the request), and what is held back (legal hold, open request, open complaint, accounting
retention). Without --dry-run it purges, as the scheduled jobs do, and prints the runs.

Customers are named by id only: no name, phone or address is printed.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.kernel.text import local_date, local_datetime
from retention.jobs import execute_erasure_requests_run, purge_expired_run
from retention.models import ErasureRequest, LegalHold, PurgeRun
from retention.purge import HoldReason, PlanLine, PurgePlan, Record, RulePlan, purge_plan
from retention.selectors import requests_due_for_execution


class Command(BaseCommand):
    help = (
        "Purge what the retention rules and the approved erasure requests say must go now. "
        "With --dry-run, only list it and why, and what is held back."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Change nothing: list what would be erased or anonymized now, and why.",
        )
        parser.add_argument(
            "--limit",
            type=int,
            default=20,
            help="Lines of record ids listed per rule and reason (default %(default)s).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        limit = options["limit"]
        if limit < 0:
            raise CommandError(_("--limit must be 0 or more."))
        if options["dry_run"]:
            self._print_plan(purge_plan(now=timezone.now()), limit=limit)
            self._print_requests(limit=limit)
            self.stdout.write(_("Dry run: nothing was changed."))
            return
        self._print_run(
            _("Purge by the retention rules"),
            purge_expired_run(trigger=PurgeRun.Trigger.COMMAND),
        )
        self._print_run(
            _("Approved erasure requests"),
            execute_erasure_requests_run(trigger=PurgeRun.Trigger.COMMAND),
        )

    # The plan --------------------------------------------------------------------------

    def _record_name(self, record: str, count: int) -> str:
        names = {
            Record.CUSTOMER: (_("customer"), _("customers")),
            Record.ORDER: (_("order"), _("orders")),
            Record.CONSENT: (_("consent"), _("consents")),
            Record.COMPLAINT: (_("complaint"), _("complaints")),
        }
        singular, plural = names[Record(record)]
        return singular if count == 1 else plural

    def _line(self, line: PlanLine, what: str) -> str:
        if line.record == Record.CUSTOMER:
            subject = _("customer #%(id)s") % {"id": line.record_id}
        elif line.customer_id is None:
            subject = _("%(record)s #%(id)s") % {
                "record": self._record_name(line.record, 1),
                "id": line.record_id,
            }
        else:
            subject = _("%(record)s #%(id)s of customer #%(customer)s") % {
                "record": self._record_name(line.record, 1),
                "id": line.record_id,
                "customer": line.customer_id if line.customer_id is not None else "—",
            }
        return "    " + _("%(subject)s: %(what)s; clock started %(start)s, due %(due)s") % {
            "subject": subject,
            "what": what,
            "start": local_date(line.clock_started),
            "due": local_date(line.due_on),
        }

    def _print_rule(self, rule_plan: RulePlan, *, limit: int) -> None:
        write = self.stdout.write
        rule = rule_plan.rule
        write(
            _("Rule %(code)s — %(name)s: %(action)s, %(months)d months after: %(clock)s.")
            % {
                "code": rule.code,
                "name": rule.name,
                "action": rule.get_action_display(),
                "months": rule.period_months,
                "clock": rule.get_clock_start_display(),
            }
        )
        count = rule_plan.due_count
        write(
            "  "
            + _("Due: %(count)d %(records)s (clock started on or before %(date)s).")
            % {
                "count": count,
                "records": self._record_name(rule_plan.record, count),
                "date": local_date(rule_plan.clock_started_by),
            }
        )
        what = _("rule %(code)s, %(action)s") % {
            "code": rule.code,
            "action": rule.get_action_display(),
        }
        for line in rule_plan.due_lines(limit):
            write(self._line(line, what))
        if count > limit:
            write("    " + _("… and %(count)d more.") % {"count": count - limit})
        for group in rule_plan.held:
            if not group.count:
                continue
            write(
                "  "
                + _("Held back: %(count)d %(records)s — %(reason)s.")
                % {
                    "count": group.count,
                    "records": self._record_name(group.record, group.count),
                    "reason": group.reason.label,
                }
            )
            for line in group.lines(limit):
                write(self._line(line, str(group.reason.label)))
            if group.count > limit:
                write("    " + _("… and %(count)d more.") % {"count": group.count - limit})

    def _print_plan(self, plan: PurgePlan, *, limit: int) -> None:
        write = self.stdout.write
        write(
            _("Retention rules at %(when)s (Asia/Ho_Chi_Minh):")
            % {"when": local_datetime(plan.now)}
        )
        for rule_plan in plan.rules:
            self._print_rule(rule_plan, limit=limit)
        for code in plan.not_evaluated:
            write(
                _("Rule %(code)s is not evaluated: its clock start does not apply to its target.")
                % {"code": code}
            )
        if not plan.rules and not plan.not_evaluated:
            write("  " + _("No active retention rule."))

    def _print_requests(self, *, limit: int) -> None:
        write = self.stdout.write
        due = requests_due_for_execution()
        count = due.count()
        write(
            _("Approved erasure requests to execute: %(count)d (erase the customer).")
            % {"count": count}
        )
        for request in due.order_by("pk")[:limit]:
            approved = request.approved_at or request.received_at
            write(
                "    "
                + _("customer #%(customer)s: erase — request #%(id)s, approved %(date)s")
                % {
                    "customer": request.customer_id,
                    "id": request.pk,
                    "date": local_date(timezone.localtime(approved)),
                }
            )
        if count > limit:
            write("    " + _("… and %(count)d more.") % {"count": count - limit})
        held = ErasureRequest.objects.filter(
            status=ErasureRequest.Status.APPROVED, executed_at__isnull=True
        ).filter(
            Exists(LegalHold.objects.filter(customer_id=OuterRef("customer_id"), lifted_at=None))
        )
        held_count = held.count()
        if held_count:
            write(
                "  "
                + _("Held back: %(count)d approved requests — %(reason)s.")
                % {"count": held_count, "reason": HoldReason.LEGAL_HOLD.label}
            )
            for request in held.order_by("pk")[:limit]:
                write(
                    "    "
                    + _("customer #%(customer)s: %(reason)s — request #%(id)s")
                    % {
                        "customer": request.customer_id,
                        "reason": HoldReason.LEGAL_HOLD.label,
                        "id": request.pk,
                    }
                )

    # A run -----------------------------------------------------------------------------

    def _print_run(self, label: str, run: PurgeRun | None) -> None:
        write = self.stdout.write
        if run is None:
            write(
                _("%(job)s: skipped, another run is in progress (it holds the lock).")
                % {"job": label}
            )
            return
        duration = run.duration
        write(
            _(
                "%(job)s: run #%(id)s %(status)s in %(seconds).1f s — %(erased)d customers "
                "erased, %(held)d held back, %(errors)d errors."
            )
            % {
                "job": label,
                "id": run.pk,
                "status": run.get_status_display(),
                "seconds": duration.total_seconds() if duration else 0.0,  # type: ignore[attr-defined]  # a timedelta once finished
                "erased": run.customers_erased,
                "held": run.customers_held,
                "errors": len(run.errors),
            }
        )
        for record_type, number in sorted(run.counts.items()):
            write("    " + _("%(type)s: %(count)d rows") % {"type": record_type, "count": number})
        for error in run.errors:
            write("    " + _("error: %(error)s") % {"error": error})
