"""The admin's home: what needs doing today, and the last 12 months, for whoever is looking.

Each app's selectors say what of theirs needs attention (customers.kernel.attention.Item: a
count and the filtered list that shows exactly those records) and how its months went (Trend);
an app shows nothing to a staff member without the view permission of its records, so each role
sees its part and a superuser sees all. This module, above every app, assembles them and draws
the trends as SVG on the server: no script, nothing from outside, a title and a table for each
chart (screen readers read the table; the chart is aria-hidden beside it).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from api.selectors import webhook_attention_items
from complaints.selectors import (
    complaint_attention_items,
    incident_attention_items,
    request_trends,
)
from customers.kernel.attention import Item, Series, Trend, last_months
from customers.kernel.text import whole_number
from customers.selectors import consent_trends, disclosure_trends, recipient_request_attention_items
from dossiers.selectors import dossier_attention_items
from retention.selectors import erasure_trends, retention_attention_items

User = AbstractBaseUser | AnonymousUser

ATTENTION: tuple[Callable[[Any], list[Any]], ...] = (
    incident_attention_items,
    complaint_attention_items,
    retention_attention_items,
    recipient_request_attention_items,
    dossier_attention_items,
    webhook_attention_items,
)


def _account_items(user: Any) -> list[Item]:
    """Staff accounts locked after failed logins (django-axes): unlocked by deleting the row."""
    if not user.has_perm("axes.view_accessattempt"):
        return []
    from axes.models import AccessAttempt
    from django.conf import settings
    from django.urls import reverse

    limit = getattr(settings, "AXES_FAILURE_LIMIT", 5)
    count = AccessAttempt.objects.filter(failures_since_start__gte=limit).count()
    return [
        Item(
            _("Accounts locked after failed logins"),
            count,
            reverse("admin:axes_accessattempt_changelist") + f"?failures_since_start__gte={limit}",
            tone="danger" if count else "",
            section=_("Staff accounts"),
        )
    ]


@dataclass(frozen=True)
class Section:
    title: str
    items: list[Item]


def attention_sections(user: Any) -> list[Section]:
    sections: dict[str, list[Item]] = {}
    for selector in (*ATTENTION, _account_items):
        for item in selector(user):
            sections.setdefault(str(item.section), []).append(item)
    return [Section(title, items) for title, items in sections.items()]


def trends_for(user: Any) -> list[Trend]:
    months = last_months(timezone.localdate())
    trends: list[Any] = []
    if user.has_perm("complaints.view_complaint"):
        trends += request_trends(months)
    if user.has_perm("customers.view_consent"):
        trends += consent_trends(months)
    if user.has_perm("customers.view_disclosure"):
        trends += disclosure_trends(months)
    if user.has_perm("retention.view_erasurereceipt"):
        trends += erasure_trends(months)
    return trends


# Drawing -------------------------------------------------------------------------------------

WIDTH, HEIGHT = 560, 190
LEFT, RIGHT, TOP, BOTTOM = 44, 8, 10, 24
# Distinct in colour and in lightness (legible printed in grey), the admin's blue first.
PALETTE = ("#417690", "#e07b39", "#5b9b49", "#9a5fb5", "#c9a227", "#4d4d4d", "#d1495b")
MAX_SERIES = 6


def _nice_top(value: float) -> float:
    """The axis' top: a round number that four gridlines divide into whole numbers."""
    if value <= 4:
        return 4
    if value <= 20:
        return 4 * math.ceil(value / 4)
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (2, 4, 8, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def _number(value: float) -> str:
    if math.isnan(value):
        return "—"
    if value == int(value):
        return whole_number(int(value))
    return f"{value:.1f}".replace(".", ",")


def _fold_series(series: list[Series]) -> list[Series]:
    """At most MAX_SERIES series: the largest, and the rest summed as "Other"."""
    if len(series) <= MAX_SERIES:
        return series
    ranked = sorted(series, key=lambda s: -sum(v for v in s.values if not math.isnan(v)))
    kept, rest = ranked[: MAX_SERIES - 1], ranked[MAX_SERIES - 1 :]
    other = [sum(values) for values in zip(*(s.values for s in rest), strict=True)]
    return [*kept, Series(_("Other"), other)]


def chart_svg(trend: Trend, series: list[Series]) -> SafeString:
    months = trend.months
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / len(months)
    if trend.unit == "percent":
        top = 100.0
    else:
        totals = [sum(s.values[i] for s in series) for i in range(len(months))]
        top = _nice_top(max(totals, default=0))
    parts: list[str] = []
    for step in range(5):
        value = top * step / 4
        y = TOP + plot_h - plot_h * step / 4
        parts.append(
            format_html(
                '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="#ccc" stroke-width="1"/>'
                '<text x="{}" y="{}" text-anchor="end" font-size="11" fill="#555">{}</text>',
                LEFT,
                WIDTH - RIGHT,
                f"{y:.1f}",
                f"{y:.1f}",
                LEFT - 4,
                f"{y + 4:.1f}",
                _number(value),
            )
        )
    for i, month in enumerate(months):
        parts.append(
            format_html(
                '<text x="{}" y="{}" text-anchor="middle" font-size="11" fill="#555">{}</text>',
                f"{LEFT + slot * (i + 0.5):.1f}",
                HEIGHT - 8,
                month.strftime("%m/%y"),
            )
        )
    if trend.unit == "percent":
        for colour, one in zip(PALETTE, series, strict=False):
            points = [
                (LEFT + slot * (i + 0.5), TOP + plot_h - plot_h * value / 100)
                for i, value in enumerate(one.values)
                if not math.isnan(value)
            ]
            if len(points) > 1:
                parts.append(
                    format_html(
                        '<polyline fill="none" stroke="{}" stroke-width="2" points="{}"/>',
                        colour,
                        " ".join(f"{x:.1f},{y:.1f}" for x, y in points),
                    )
                )
            parts.extend(
                format_html(
                    '<circle cx="{}" cy="{}" r="3" fill="{}"/>', f"{x:.1f}", f"{y:.1f}", colour
                )
                for x, y in points
            )
    else:
        bar = slot * 0.7
        for i in range(len(months)):
            base = 0.0
            for colour, one in zip(PALETTE, series, strict=False):
                value = one.values[i]
                if not value:
                    continue
                height = plot_h * value / top
                parts.append(
                    format_html(
                        '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"/>',
                        f"{LEFT + slot * i + (slot - bar) / 2:.1f}",
                        f"{TOP + plot_h - base - height:.1f}",
                        f"{bar:.1f}",
                        f"{height:.1f}",
                        colour,
                    )
                )
                base += height
    return format_html(
        '<svg class="home-chart" viewBox="0 0 {} {}" width="100%" preserveAspectRatio='
        '"xMidYMid meet" role="img" aria-label="{}" focusable="false">{}</svg>',
        WIDTH,
        HEIGHT,
        _aria_text(trend, series),
        mark_safe("".join(parts)),  # noqa: S308  # every part built with format_html
    )


def _aria_text(trend: Trend, series: list[Series]) -> str:
    """What a screen reader says of the chart: its title, then each month's figures."""
    months = "; ".join(
        f"{month:%m/%Y}: " + ", ".join(f"{one.label} {_number(one.values[i])}" for one in series)
        for i, month in enumerate(trend.months)
    )
    return f"{trend.title}. {months}"


def chart_table(trend: Trend, series: list[Series]) -> SafeString:
    head = format_html_join("", '<th scope="col">{}</th>', ((s.label,) for s in series))
    rows = format_html_join(
        "",
        '<tr><th scope="row">{}</th>{}</tr>',
        (
            (
                month.strftime("%m/%Y"),
                format_html_join("", "<td>{}</td>", ((_number(s.values[i]),) for s in series)),
            )
            for i, month in enumerate(trend.months)
        ),
    )
    return format_html(
        '<table class="home-chart-table"><caption>{}</caption><thead><tr><th scope="col">{}'
        "</th>{}</tr></thead><tbody>{}</tbody></table>",
        trend.title,
        _("Month"),
        head,
        rows,
    )


@dataclass(frozen=True)
class Chart:
    title: str
    svg: SafeString
    table: SafeString
    legend: list[tuple[str, str]]
    empty: bool


def charts_for(user: Any) -> list[Chart]:
    charts = []
    for trend in trends_for(user):
        series = _fold_series(trend.series)
        empty = not any(v and not math.isnan(v) for s in series for v in s.values)
        charts.append(
            Chart(
                title=str(trend.title),
                svg=chart_svg(trend, series),
                table=chart_table(trend, series),
                legend=[(colour, str(s.label)) for colour, s in zip(PALETTE, series, strict=False)],
                empty=empty,
            )
        )
    return charts


def home_context(user: Any) -> dict[str, Any]:
    return {"attention": attention_sections(user), "charts": charts_for(user)}
