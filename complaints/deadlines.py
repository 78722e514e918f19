"""Due dates of complaints and requests, from the DeadlineRule table and the PublicHoliday list.

A deadline ends at the end of its last day, in Vietnam's time. Working days skip Saturdays,
Sundays and the public holidays staff keep in the admin; the day a complaint arrives is not
counted (received on Friday: the 2 working days to acknowledge are Monday and Tuesday). The
law's periods bound the table (complaints.law); deadline_rule_save is the table's write.
"""

from __future__ import annotations

import datetime
import time
import uuid
from dataclasses import dataclass

from django.core.cache import cache
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
    # The public holidays as they were read with the rule: the due dates count with these.
    holidays: frozenset[datetime.date] = frozenset()


# The tables, kept per process ----------------------------------------------------------------
# Every complaint received reads the kind's rule and the holidays; Legal changes them a few
# times a year. Each process keeps both, under a version token in the cache every machine shares
# (CACHES: Redis in production), which any write of either table replaces once it commits: the
# next complaint on every node then reads them again. A write made past the ORM (SQL typed in
# psql) is seen within RELOAD_SECONDS.
VERSION_KEY = "complaints:deadline-tables:version"
RELOAD_SECONDS = 300.0
# After a write in this process, its own reads go to the database for this long: its
# transaction may still roll back, and what it read must not be kept.
UNCOMMITTED_SECONDS = 60.0


@dataclass(frozen=True)
class _Tables:
    version: str
    loaded_at: float
    rules: dict[str, DeadlineRule]
    holidays: frozenset[datetime.date]


_kept: _Tables | None = None
_uncached_until = 0.0


def _shared_version() -> str:
    version = cache.get(VERSION_KEY)
    if version is None:  # never set, or evicted: the first process to notice sets one
        cache.add(VERSION_KEY, uuid.uuid4().hex, timeout=None)
        version = cache.get(VERSION_KEY, "")
    return str(version)


def _load(version: str) -> _Tables:
    rules = {rule.kind: rule for rule in DeadlineRule.objects.all()}
    holidays = frozenset(PublicHoliday.objects.values_list("date", flat=True))
    return _Tables(version, time.monotonic(), rules, holidays)


def _tables() -> _Tables:
    global _kept
    now = time.monotonic()
    if now < _uncached_until:
        return _load("")
    version = _shared_version()
    kept = _kept
    if kept is None or kept.version != version or now - kept.loaded_at > RELOAD_SECONDS:
        kept = _kept = _load(version)
    return kept


def tables_changed(**_: object) -> None:
    """A rule or a holiday was written: forget them here at once, everywhere once it commits.
    Connected to both models' saves and deletes (complaints/apps.py) and to migrate."""
    global _kept, _uncached_until
    _kept = None
    if transaction.get_connection().in_atomic_block:
        _uncached_until = time.monotonic() + UNCOMMITTED_SECONDS

    def new_version() -> None:
        global _kept, _uncached_until
        _kept, _uncached_until = None, 0.0
        cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)

    transaction.on_commit(new_version)


def forget_kept() -> None:
    """This process reads the tables again, as a new one would (tests start so)."""
    global _kept, _uncached_until
    _kept, _uncached_until = None, 0.0


def terms_for(kind: str) -> Terms:
    tables = _tables()
    rule = tables.rules.get(kind)
    if rule is not None:
        return Terms(
            rule.acknowledge_working_days,
            rule.resolve_days,
            rule.resolve_unit == DeadlineRule.Unit.WORKING_DAYS,
            rule.third_party_resolve_days,
            rule.max_extension_days,
            tables.holidays,
        )
    legal = law.legal_terms(kind)
    if legal is not None:
        return Terms(
            law.ACKNOWLEDGE_WORKING_DAYS,
            legal.resolve_days,
            False,
            legal.third_party_days,
            legal.max_extension_days,
            tables.holidays,
        )
    return Terms(
        DEFAULT_ACKNOWLEDGE_WORKING_DAYS,
        DEFAULT_RESOLVE_DAYS,
        False,
        None,
        DEFAULT_MAX_EXTENSION_DAYS,
        tables.holidays,
    )


def add_working_days(
    day: datetime.date, count: int, holidays: frozenset[datetime.date]
) -> datetime.date:
    """The count-th working day after ``day`` (``day`` itself not counted)."""
    current = day
    remaining = count
    while remaining > 0:
        current += datetime.timedelta(days=1)
        if current.weekday() < 5 and current not in holidays:
            remaining -= 1
    return current


def add_days(
    day: datetime.date, count: int, *, working: bool, holidays: frozenset[datetime.date]
) -> datetime.date:
    if working:
        return add_working_days(day, count, holidays)
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
        add_working_days(local_date(received_at), terms.acknowledge_working_days, terms.holidays)
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
    last_day = add_days(local_date(received_at), days, working=working, holidays=terms.holidays)
    if extension_days:
        last_day = add_days(last_day, extension_days, working=working, holidays=terms.holidays)
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
