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
        "addresses, orders and consents, an admin login and one staff login per role, "
        "third-party recipients and a few disclosures to them. Running it again changes nothing."
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
            help="Set the demo logins' passwords to DEMO_ADMIN_PASSWORD even if the users exist.",
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
        write(
            _("Recipients created: %(recipients)d; disclosures recorded: %(disclosures)d.")
            % {"recipients": report.recipients, "disclosures": report.disclosures}
        )
        if report.handovers:
            write(
                _("Shipping hand-overs: %(references)s.")
                % {"references": ", ".join(report.handovers)}
            )
        for what, count in report.made_by_apps:
            write(f"{what}: {count}.")
        for reason in report.left_out:
            write(_("Left out of the demo — %(reason)s") % {"reason": reason})
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
        self._role_logins(report)
        write(_("Done in %(seconds).1f s.") % {"seconds": elapsed})

    def _role_logins(self, report: DemoDataReport) -> None:
        """One line per role's login: username, the role's group, and anything unusual."""
        if not report.role_logins:
            return
        write = self.stdout.write
        # The value is shown once it is known to work for the admin; otherwise by its setting's
        # name (an operator who changed the admin's password may not want it on the console).
        password = report.staff_password if report.staff_password_works else "DEMO_ADMIN_PASSWORD"
        write(
            _("Staff logins, one per role (password: %(password)s unless noted):")
            % {"password": password}
        )
        width = max(len(login.username) for login in report.role_logins)
        for login in report.role_logins:
            notes = []
            if login.created:
                notes.append(_("created"))
            elif login.password_reset:
                notes.append(_("password reset"))
            if not login.password_works:
                notes.append(_("password unchanged; --reset-password sets it"))
            if not login.in_group:
                notes.append(_("existing account, not in this group: left as it is"))
            line = f"  {login.username:<{width}}  {login.group_name}"
            write(f"{line}  ({'; '.join(notes)})" if notes else line)
