"""Due dates of complaints and requests, from the DeadlineRule table and the PublicHoliday list.

A deadline ends at the end of its last day, in Vietnam's time. Working days skip Saturdays,
Sundays and the public holidays staff keep in the admin; the day a complaint arrives is not
counted (received on Friday: the 2 working days to acknowledge are Monday and Tuesday). The
law's periods bound the table (complaints.law); deadline_rule_save is the table's write.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints import law
from complaints.models import DeadlineRule, PublicHoliday
from customers.kernel.writes import Actor, require_permission, save

# Used for a kind without a row: the law's period for a request (complaints.law), these for a
# complaint (the company's choice).
DEFAULT_ACKNOWLEDGE_WORKING_DAYS = law.ACKNOWLEDGE_WORKING_DAYS
DEFAULT_RESOLVE_DAYS = 30
DEFAULT_MAX_EXTENSION_DAYS = 15


@dataclass(frozen=True)
class Terms:
    acknowledge_working_days: int
    resolve_days: int
    resolve_in_working_days: bool
    third_party_resolve_days: int | None
    max_extension_days: int


def terms_for(kind: str) -> Terms:
    rule = DeadlineRule.objects.filter(kind=kind).first()
    legal = law.legal_terms(kind)
    if rule is None and legal is not None:
        return Terms(
            law.ACKNOWLEDGE_WORKING_DAYS,
            legal.resolve_days,
            False,
            legal.third_party_days,
            legal.max_extension_days,
        )
    if rule is None:
        return Terms(
            DEFAULT_ACKNOWLEDGE_WORKING_DAYS,
            DEFAULT_RESOLVE_DAYS,
            False,
            None,
            DEFAULT_MAX_EXTENSION_DAYS,
        )
    return Terms(
        rule.acknowledge_working_days,
        rule.resolve_days,
        rule.resolve_unit == DeadlineRule.Unit.WORKING_DAYS,
        rule.third_party_resolve_days,
        rule.max_extension_days,
    )


def holidays_between(start: datetime.date, end: datetime.date) -> set[datetime.date]:
    return set(
        PublicHoliday.objects.filter(date__gte=start, date__lte=end).values_list("date", flat=True)
    )


def is_working_day(day: datetime.date, holidays: Iterable[datetime.date]) -> bool:
    return day.weekday() < 5 and day not in set(holidays)


def add_working_days(day: datetime.date, count: int) -> datetime.date:
    """The count-th working day after ``day`` (``day`` itself not counted)."""
    # Generous window: two weeks of holidays (Tết) on top of the weekends.
    holidays = holidays_between(day, day + datetime.timedelta(days=count * 2 + 21))
    current = day
    remaining = count
    while remaining > 0:
        current += datetime.timedelta(days=1)
        if is_working_day(current, holidays):
            remaining -= 1
    return current


def add_days(day: datetime.date, count: int, *, working: bool) -> datetime.date:
    if working:
        return add_working_days(day, count)
    return day + datetime.timedelta(days=count)


def end_of_local_day(day: datetime.date) -> datetime.datetime:
    """The last moment of the day in the project's time zone (Asia/Ho_Chi_Minh)."""
    naive = datetime.datetime.combine(day, datetime.time(23, 59, 59))
    return timezone.make_aware(naive, timezone.get_default_timezone())


def local_date(moment: datetime.datetime) -> datetime.date:
    return timezone.localtime(moment).date()


def acknowledge_due(
    kind: str, received_at: datetime.datetime, *, terms: Terms | None = None
) -> datetime.datetime:
    """`terms`: the kind's terms when the caller has read them already (terms_for)."""
    terms = terms or terms_for(kind)
    return end_of_local_day(
        add_working_days(local_date(received_at), terms.acknowledge_working_days)
    )


def resolve_due(
    kind: str,
    received_at: datetime.datetime,
    *,
    third_party: bool = False,
    extension_days: int = 0,
    terms: Terms | None = None,
) -> datetime.datetime:
    """When the answer is due: the kind's period from the day of receipt (the longer one when a
    processor or third party must also act), then the extension, in the same unit."""
    terms = terms or terms_for(kind)
    days = terms.resolve_days
    if third_party and terms.third_party_resolve_days:
        days = terms.third_party_resolve_days
    working = terms.resolve_in_working_days
    last_day = add_days(local_date(received_at), days, working=working)
    if extension_days:
        last_day = add_days(last_day, extension_days, working=working)
    return end_of_local_day(last_day)


# The table's one write (Legal & compliance, from the admin) ------------------------------


@transaction.atomic
def deadline_rule_save(*, rule: DeadlineRule, actor: Actor) -> DeadlineRule:
    """Change a kind's deadline. Complaints already received keep the due date they were given;
    new ones and re-routed ones follow the new rule."""
    require_permission(
        actor, "complaints.change_deadlinerule", _("Your role may not change deadlines.")
    )
    if (
        rule.third_party_resolve_days is not None
        and rule.third_party_resolve_days < rule.resolve_days
    ):
        raise ValidationError(
            {
                "third_party_resolve_days": ValidationError(
                    _("With a third party the time cannot be shorter than without."),
                    code="shorter",
                )
            }
        )
    save(rule, actor=actor)
    return rule
