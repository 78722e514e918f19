"""`python manage.py anonymize_copy --database-url postgres://…/pdpdesk_staging`: turn a copy of
production into one safe for staging (retention/copies.py). Refuses a database its operator has
not marked with ``COMMENT ON DATABASE pdpdesk_staging IS 'pdpdesk-copy'`` (README, "A copy for
staging"), and the database this process itself runs on."""

from __future__ import annotations

from typing import Any

import environ
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections
from django.utils.translation import gettext as _

from retention.copies import anonymize_copy

ALIAS = "anonymize_copy"


def _same_database(a: dict[str, Any], b: dict[str, Any]) -> bool:
    def key(settings: dict[str, Any]) -> tuple[str, str, str]:
        return (
            str(settings.get("HOST") or "localhost").replace("127.0.0.1", "localhost"),
            str(settings.get("PORT") or "5432"),
            str(settings.get("NAME")),
        )

    return key(a) == key(b)


class Command(BaseCommand):
    help = (
        "Replace every declared personal value of a copy of production with fake Vietnamese "
        "values, consistent within the copy. Only on a database marked as a copy."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--database-url", required=True, help="The copy: postgres://user@host:5432/name"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        target = environ.Env.db_url_config(options["database_url"])
        if _same_database(target, connections["default"].settings_dict):
            raise CommandError(_("This is the database pdpdesk runs on, not a copy."))
        databases = connections.settings
        databases[ALIAS] = target
        connections.configure_settings(databases)
        try:
            report = anonymize_copy(ALIAS)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        finally:
            connections[ALIAS].close()
            del connections[ALIAS]
            del databases[ALIAS]
        for label, rows in sorted(report.rows.items()):
            self.stdout.write(
                "    " + _("%(type)s: %(count)d rows") % {"type": label, "count": rows}
            )
        self.stdout.write(
            _("The copy is anonymized: %(values)d values replaced in %(rows)d rows.")
            % {"values": report.values, "rows": sum(report.rows.values())}
        )
