"""The monthly counts the admin's trends read (customers.tally_model.MonthlyTally), kept by the
services that do the counted thing, in their transaction: a rolled-back grant counts nothing."""

from __future__ import annotations

import datetime

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
