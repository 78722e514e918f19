"""Vietnam's public holidays from the `holidays` package, as rows staff keep: Tết 2027 is there,
so the acknowledgement's 2 working days skip it; each November Legal is asked to confirm next
year's list until they do."""

from __future__ import annotations

import datetime
import zoneinfo
from typing import Any

import pytest
from django.core import mail
from django.urls import reverse
from django_celery_beat.models import PeriodicTask

from complaints import holidays
from complaints.models import HolidayYear, PublicHoliday
from tests.factories import complaint_submit, role_member

pytestmark = pytest.mark.django_db

HCM = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture
def legal(db: None) -> Any:
    return role_member("legal_compliance", "phap-che-lan")


def test_tet_2027_is_seeded_and_the_acknowledgement_skips_it() -> None:
    # The migration seeded this year and the next from the calendar.
    days = set(PublicHoliday.objects.filter(date__year=2027).values_list("date", flat=True))
    assert {datetime.date(2027, 2, day) for day in (5, 8, 9, 10)} <= days
    assert datetime.date(2027, 5, 3) in days  # Labour Day's compensatory Monday
    # Received Wednesday 3/2/2027: the 2 working days are Thursday 11 and Friday 12.
    complaint = complaint_submit(kind="access", when=datetime.datetime(2027, 2, 3, 9, tzinfo=HCM))
    assert complaint.acknowledge_due_at == datetime.datetime(2027, 2, 12, 23, 59, 59, tzinfo=HCM)


def test_seeding_adds_what_is_missing_and_keeps_what_staff_changed(legal: Any) -> None:
    renamed = PublicHoliday.objects.get(date=datetime.date(2027, 9, 2))
    renamed.name = "Quốc khánh (theo thông báo của Chính phủ)"
    renamed.save()
    PublicHoliday.objects.filter(date=datetime.date(2027, 2, 4)).delete()
    assert holidays.public_holidays_seed(years=[2027]) == 1  # the deleted day, back
    renamed.refresh_from_db()
    assert renamed.name == "Quốc khánh (theo thông báo của Chính phủ)"
    # Once Legal confirmed the year, a day they removed stays removed.
    holidays.holiday_year_confirm(year=2027, actor=legal)
    PublicHoliday.objects.filter(date=datetime.date(2027, 2, 4)).delete()
    assert holidays.public_holidays_seed(years=[2027]) == 0


def test_in_november_legal_is_asked_until_next_year_is_confirmed(legal: Any) -> None:
    assert holidays.next_year_check(today=datetime.date(2026, 10, 30)) is False
    mail.outbox.clear()
    assert holidays.next_year_check(today=datetime.date(2026, 11, 2)) is True
    [sent] = mail.outbox
    assert legal.email in sent.to
    assert "2027" in sent.subject and "10/02/2027" in sent.body
    holidays.holiday_year_confirm(year=2027, actor=legal)
    assert holidays.next_year_check(today=datetime.date(2026, 11, 9)) is False
    assert HolidayYear.objects.get(year=2027).confirmed_by == legal
    task = PeriodicTask.objects.get(task="complaints.tasks.check_next_year_holidays")
    assert task.enabled and task.crontab.month_of_year == "11"


def test_legal_confirms_a_year_from_the_holiday_list(client: Any, legal: Any) -> None:
    client.force_login(legal)
    day = PublicHoliday.objects.filter(date__year=2027).first()
    response = client.post(
        reverse("admin:complaints_publicholiday_changelist"),
        {"action": "confirm_years", "_selected_action": [day.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert HolidayYear.objects.filter(year=2027).exists()
