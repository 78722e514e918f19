"""Vietnam's public holidays for the deadlines counted in working days (the acknowledgement's 2
working days, Decree 356/2025 Art. 5): seeded from the `holidays` package — Tết by the lunar
calendar, the Hùng Kings' day, the compensatory days (Labour Code 2019 Art. 112) — as rows staff
can still edit (a swapped working day, the National Day day the Government chooses). Seeding
adds the days that are missing and never changes or removes a row staff kept, nor touches a
year Legal & compliance confirmed.

Each November a job seeds next year and, until Legal & compliance confirmed that year's list,
warns them by email.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable

import holidays as holiday_calendars
from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from complaints.models import HolidayYear, PublicHoliday
from customers.kernel.text import local_date
from customers.kernel.writes import Actor, attribute, require_permission, save, staff_or_none

logger = logging.getLogger(__name__)

PERM_CONFIRM = "complaints.change_publicholiday"


def package_days(years: Iterable[int]) -> dict[datetime.date, str]:
    """The days off of those years as the `holidays` package knows them, named in Vietnamese."""
    calendar = holiday_calendars.country_holidays("VN", years=list(years), language="vi")
    return dict(sorted(calendar.items()))


@transaction.atomic
def public_holidays_seed(*, years: Iterable[int]) -> int:
    """Add the package's days of these years that the list lacks; returns how many. A year
    Legal & compliance confirmed is theirs: a day they removed is not added back."""
    confirmed = set(HolidayYear.objects.values_list("year", flat=True))
    wanted = package_days(year for year in years if year not in confirmed)
    have = set(PublicHoliday.objects.filter(date__in=wanted).values_list("date", flat=True))
    missing = [
        PublicHoliday(date=day, name=name[:120]) for day, name in wanted.items() if day not in have
    ]
    for holiday in missing:
        save(holiday, actor=None)  # one by one, validated: each gets its history row
    return len(missing)


@transaction.atomic
def holiday_year_confirm(*, year: int, actor: Actor) -> HolidayYear:
    """Legal & compliance checked the year's list against the Government's notice."""
    require_permission(
        actor, PERM_CONFIRM, _("Your role may not change the list of public holidays.")
    )
    confirmation, _created = HolidayYear.objects.update_or_create(
        year=year,
        defaults={"confirmed_at": timezone.now(), "confirmed_by": staff_or_none(actor)},
    )
    return confirmation


def next_year_check(*, today: datetime.date | None = None) -> bool:
    """In November: seed next year and, while its list is not confirmed, email Legal &
    compliance what it holds. True when the warning was sent."""
    from customers import roles

    today = today or timezone.localdate()
    if today.month != 11:
        return False
    year = today.year + 1
    public_holidays_seed(years=[year])
    if HolidayYear.objects.filter(year=year).exists():
        return False
    legal = roles.group_for(roles.LEGAL_COMPLIANCE)
    recipients = list(
        legal.user_set.filter(is_active=True).exclude(email="").values_list("email", flat=True)
    )
    if not recipients:
        logger.warning("holiday list %s not confirmed and nobody in Legal to tell", year)
        return False
    days = PublicHoliday.objects.filter(date__year=year).order_by("date")
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Confirm the public holidays of %(year)s") % {"year": year}
        body = render_to_string(
            "complaints/email/holidays_to_confirm.txt",
            {"year": year, "days": [(local_date(day.date), day.name) for day in days]},
        )
    EmailMessage(subject=str(subject), body=body, to=recipients).send()
    return True


@transaction.atomic
def public_holiday_save(*, holiday: PublicHoliday, actor: Actor) -> PublicHoliday:
    permission = "complaints.change_publicholiday" if holiday.pk else "complaints.add_publicholiday"
    require_permission(
        actor, permission, _("Your role may not change the list of public holidays.")
    )
    save(holiday, actor=actor)
    return holiday


@transaction.atomic
def public_holiday_delete(*, holiday: PublicHoliday, actor: Actor) -> None:
    require_permission(
        actor,
        "complaints.delete_publicholiday",
        _("Your role may not change the list of public holidays."),
    )
    attribute(holiday, actor)
    holiday.delete()
