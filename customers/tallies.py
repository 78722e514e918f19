"""The monthly counts the admin's trends read (customers.tally_model.MonthlyTally), kept by the
services that do the counted thing, in their transaction: a rolled-back grant counts nothing."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import connection
from django.utils import timezone

from customers.tally_model import MonthlyTally

Metric = MonthlyTally.Metric


def month_of(when: datetime.datetime) -> datetime.date:
    """The first day of the month, Vietnam time (a consent at 23:30 on the 31st, UTC+7, is the
    next month's)."""
    return timezone.localtime(when).date().replace(day=1)


def tally_add(*, metric: str, key: object, when: datetime.datetime, count: int = 1) -> None:
    """Add count to the month's tally, in one statement that two writers may run at once."""
    table = MonthlyTally._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (metric, key, month, count) VALUES (%s, %s, %s, %s) "  # noqa: S608  # the table's name only
            f"ON CONFLICT (metric, month, key) "
            f"DO UPDATE SET count = {table}.count + excluded.count",
            [metric, str(key), month_of(when), count],
        )


def tallies_since(*, metric: str, since: datetime.date) -> list[tuple[datetime.date, str, int]]:
    """(month, key, count) of a metric from a month on."""
    return list(
        MonthlyTally.objects.filter(metric=metric, month__gte=since)
        .order_by("month", "key")
        .values_list("month", "key", "count")
    )


def tallies_rebuild() -> int:
    """Count the months again from the consents and the hand-overs as they stand (once, for
    data that was there before the tallies: a re-granted consent counts its last grant only).
    Reads each table once; returns the number of tallies written."""
    from django.db import transaction

    from customers.models import Consent, Disclosure

    sources = (
        (Metric.CONSENT_GRANTED, Consent.objects.all(), "granted_at", "purpose__code"),
        (
            Metric.CONSENT_WITHDRAWN,
            Consent.objects.filter(withdrawn_at__isnull=False),
            "withdrawn_at",
            "purpose__code",
        ),
        (Metric.DISCLOSURE, Disclosure.objects.all(), "disclosed_at", "recipient_id"),
    )
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # A grant or a hand-over committed between the count and the rewrite would be lost:
            # writers of the tallies wait until the rebuild commits (readers do not).
            table = MonthlyTally._meta.db_table
            with connection.cursor() as cursor:
                cursor.execute(
                    f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE"
                )  # the table's name only
        tallies = _counted(sources)
        MonthlyTally.objects.all().delete()
        MonthlyTally.objects.bulk_create(tallies, batch_size=1000)
    return len(tallies)


def _counted(sources: Any) -> list[MonthlyTally]:
    from django.db.models import Count, DateField
    from django.db.models.functions import TruncMonth

    tallies = []
    for metric, rows, moment, key in sources:
        grouped = (
            rows.annotate(tally_month=TruncMonth(moment, output_field=DateField()))
            .values("tally_month", key)
            .annotate(total=Count("pk"))
            .order_by()
        )
        tallies += [
            MonthlyTally(
                metric=metric, key=str(row[key]), month=row["tally_month"], count=row["total"]
            )
            for row in grouped
        ]
    return tallies
