"""`python manage.py seed_demo`: realistic Vietnamese demo data, idempotent (SPEC.md, Interfaces).

The data and how it is loaded live in customers.demo_data; this command only reports.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from customers.demo_data import DEFAULT_CUSTOMERS, DemoDataReport, demo_data_load


class Command(BaseCommand):
    help = (
        "Load demo data: the controller profile, purposes, privacy policy, customers with "
        "addresses, orders and consents, and a staff login. Running it again changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--customers",
            type=int,
            default=DEFAULT_CUSTOMERS,
            help="How many demo customers there should be (default %(default)s).",
        )
        parser.add_argument(
            "--reset-password",
            action="store_true",
            help="Set the staff user's password to DEMO_ADMIN_PASSWORD even if the user exists.",
        )
        parser.add_argument(
            "--base-url",
            default="http://127.0.0.1:8000",
            help="Where the site runs, for the admin link (default %(default)s).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        count = options["customers"]
        if count < 0:
            raise CommandError(_("--customers must be 0 or more."))
        started = time.monotonic()
        report = demo_data_load(customers=count, reset_password=options["reset_password"])
        self._report(report, elapsed=time.monotonic() - started, base_url=options["base_url"])

    def _report(self, report: DemoDataReport, *, elapsed: float, base_url: str) -> None:
        write = self.stdout.write
        if report.controller_created:
            write(_("Controller profile: created."))
        else:
            write(_("Controller profile: already set up, left as it is."))
        write(_("Purposes created: %(count)d.") % {"count": report.purposes})
        write(
            _("Policy versions created: %(count)d; in effect: %(version)s.")
            % {"count": report.policy_versions, "version": report.policy_in_effect or "—"}
        )
        write(
            _("Customers created: %(created)d (already there: %(present)d).")
            % {"created": report.customers, "present": report.customers_present}
        )
        write(
            _("Delivery addresses: %(addresses)d, orders: %(orders)d.")
            % {"addresses": report.addresses, "orders": report.orders}
        )
        write(
            _("Consents granted: %(granted)d, of which later withdrawn: %(withdrawn)d.")
            % {"granted": report.consents_granted, "withdrawn": report.consents_withdrawn}
        )
        if not report.created_anything:
            write(_("The demo data was already there: nothing was changed."))

        if report.staff_created:
            write(_("Staff user “%(user)s”: created.") % {"user": report.staff_username})
        elif report.staff_password_reset:
            write(_("Staff user “%(user)s”: password reset.") % {"user": report.staff_username})
        admin_url = f"{base_url.rstrip('/')}/{settings.ADMIN_URL.lstrip('/')}"
        if report.staff_password_works:
            password = report.staff_password
        else:
            password = _("(unchanged; --reset-password sets it to DEMO_ADMIN_PASSWORD)")
        write(
            self.style.SUCCESS(
                _("Admin: %(url)s  user: %(user)s  password: %(password)s")
                % {"url": admin_url, "user": report.staff_username, "password": password}
            )
        )
        write(_("Done in %(seconds).1f s.") % {"seconds": elapsed})
