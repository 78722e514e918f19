"""Dates and times as staff and customers read them: dd/mm/yyyy, in Vietnam time — also in the
titles of records, which the admin shows next to fields in Vietnam time."""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model

from complaints.models import ComplaintEvent, ComplaintMessage
from customers.kernel.text import local_date, local_datetime, spreadsheet_cell
from customers.models import AccessLog, Disclosure, Recipient
from retention.models import PurgeRun

# 17:30 in UTC is already the next day in Vietnam (UTC+7).
EVENING_UTC = datetime.datetime(2026, 12, 1, 17, 30, tzinfo=datetime.UTC)


def test_a_moment_is_shown_in_vietnam_time_day_first() -> None:
    assert local_datetime(EVENING_UTC) == "02/12/2026 00:30"
    assert local_date(EVENING_UTC) == "02/12/2026"
    assert local_date(datetime.date(2026, 1, 9)) == "09/01/2026"
    assert local_datetime(None) == "" and local_datetime(None, empty="—") == "—"


def test_record_titles_are_in_vietnam_time() -> None:
    staff = get_user_model()(username="cskh")
    assert str(AccessLog(at=EVENING_UTC, staff=staff, action="view", customer_id=7)).startswith(
        "02/12/2026 00:30 cskh"
    )
    assert "(02/12/2026)" in str(
        Disclosure(recipient=Recipient(name="GHN"), customer_id=7, disclosed_at=EVENING_UTC)
    )
    assert str(ComplaintEvent(action="received", at=EVENING_UTC)).endswith("02/12/2026 00:30")
    assert str(ComplaintMessage(visibility="internal", created_at=EVENING_UTC)).endswith(
        "02/12/2026 00:30"
    )
    assert str(PurgeRun(task="purge", started_at=EVENING_UTC)) == "purge 02/12/2026 00:30"


def test_a_cell_that_a_spreadsheet_would_run_is_kept_as_text() -> None:
    for formula in ("=HYPERLINK(1)", "+84912", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert spreadsheet_cell(formula) == f"'{formula}"
    assert spreadsheet_cell("Nguyễn Văn An") == "Nguyễn Văn An"
    assert spreadsheet_cell(12) == "12"
