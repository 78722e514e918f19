"""Admin pagination for big tables, without a full-table COUNT(*) (STYLE.md: big tables).

Counting every row of customers, orders or consents takes a sequential scan on PostgreSQL; a list
page only needs to know roughly how many pages there are.
"""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.db import connections, models
from django.db.models import Max, QuerySet
from django.utils.functional import cached_property

# Lists longer than this are not counted row by row.
COUNT_CAP = 10_000
# An unfiltered list of a table the database estimates above this size shows the estimate. Far
# above a page (100 rows; "show all": 200), so that a stale estimate can never make Django load
# a whole table; low enough that a list shows its estimate at 10k rows as at 1M, with the same
# one query (the changelist runs the same queries at both sizes: bench/admin.py).
ESTIMATE_FLOOR = 1_000
# Search results longer than this are not counted: a search matches through an index whose hits
# are rechecked row by row (the trigram index of name search), so counting 10,000 of them costs
# more than showing the page; "more than 1000 match" says enough to narrow the search.
SEARCH_COUNT_CAP = 1_000


def table_row_estimate(model: type[models.Model], *, using: str) -> int | None:
    """Roughly how many rows the model's table holds, without counting them; None when the
    database gives no cheap answer."""
    connection = connections[using]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass(%s)",
                [connection.ops.quote_name(model._meta.db_table)],
            )
            row = cursor.fetchone()
        # -1: the table was never vacuumed or analysed (PostgreSQL 14+); fall back below.
        if row is not None and row[0] >= 0:
            return int(row[0])
    if connection.vendor in ("postgresql", "sqlite") and isinstance(
        model._meta.pk, models.AutoField | models.BigAutoField | models.SmallAutoField
    ):
        # Ids are handed out in order: the highest one is an upper bound, read from the index.
        top = model._default_manager.using(using).aggregate(top=Max("pk"))["top"]
        return int(top or 0)
    return None


def _is_unfiltered(queryset: QuerySet[Any]) -> bool:
    query = queryset.query
    return not query.where and not query.distinct and not query.combinator


class EstimatedCountPaginator(Paginator):
    """A paginator whose count costs at most COUNT_CAP index entries.

    - An unfiltered list of a table estimated above ESTIMATE_FLOOR rows shows the database's
      estimate of its size.
    - A filtered list, or a small table, is counted exactly up to COUNT_CAP
      (SELECT COUNT(*) FROM (SELECT … LIMIT COUNT_CAP + 1)); longer lists say "more than".

    A small estimate is never trusted: Django's changelist loads every row without LIMIT when it
    believes the list fits on one page, so an estimate that is too low (stale statistics) would
    load the whole table.
    """

    estimate_floor = ESTIMATE_FLOOR

    count_cap = COUNT_CAP
    # How the count was reached, for the footnote of templates/admin/customers/change_list.html.
    count_is_estimate = False
    count_is_capped = False

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        if not isinstance(queryset, QuerySet):
            return super().count
        if _is_unfiltered(queryset):
            estimate = table_row_estimate(queryset.model, using=queryset.db)
            if estimate is not None and estimate > self.estimate_floor:
                self.count_is_estimate = True
                return estimate
        # values("pk") leaves the list's annotations out of the count.
        counted = queryset.order_by().values("pk")[: self.count_cap + 1].count()
        if counted > self.count_cap:
            self.count_is_capped = True
        return counted
