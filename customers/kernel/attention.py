"""What the admin's home shows: each app's selectors say what needs doing today (an Item: a
count and the filtered list that shows exactly those records) and how things went month by
month (a Trend); config/home.py assembles and draws them. A lower app never names an upper
one: each hands over plain values."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from customers.kernel.text import whole_number


@dataclass(frozen=True)
class Item:
    label: Any  # lazy text
    count: int
    url: str
    # "danger" (late, or a clock about to run out), "warning" (due soon), "" (to do).
    tone: str = ""
    # A short line under the label ("41 hours left").
    detail: Any = ""
    section: Any = ""  # the panel's group: the queue, erasure, incidents …
    # What the big figure says when it is not the count ("41 h" left of a breach's 72).
    figure: str = ""

    @property
    def shown(self) -> str:
        return self.figure or whole_number(self.count)


@dataclass(frozen=True)
class Series:
    label: Any
    # One value per month of the trend's months, oldest first.
    values: list[float]


@dataclass(frozen=True)
class Trend:
    title: Any
    months: list[datetime.date]
    series: list[Series]
    # "count" (stacked bars) or "percent" (a line, 0–100).
    unit: str = "count"
    note: Any = ""
    extra: dict[str, Any] = field(default_factory=dict)


def last_months(today: datetime.date, count: int = 12) -> list[datetime.date]:
    """The first days of the last count months, this one included, oldest first."""
    months = []
    year, month = today.year, today.month
    for _ in range(count):
        months.append(datetime.date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]
