"""The tracking code's uniqueness is the table's: a complaint whose random code is already taken
is recorded again with a new one — no error for the customer, no second complaint."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import IntegrityError

from complaints.models import Complaint
from tests.factories import complaint_submit

pytestmark = pytest.mark.django_db


def test_a_code_already_taken_is_drawn_again(
    controller: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = complaint_submit()
    field = Complaint._meta.get_field("tracking_code")
    drawn = iter([first.tracking_code, "KN-ABCDE-12345"])
    monkeypatch.setattr(field, "_get_default", lambda: next(drawn))

    second = complaint_submit(name="Lê Thị Mai")

    assert second.tracking_code == "KN-ABCDE-12345"
    assert Complaint.objects.count() == 2
    assert Complaint.objects.get(pk=second.pk).submitter_name == "Lê Thị Mai"
    assert second.history.count() == 1 and second.events.count() == 1


def test_three_clashes_in_a_row_are_an_error_not_a_loop(
    controller: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = complaint_submit()
    field = Complaint._meta.get_field("tracking_code")
    monkeypatch.setattr(field, "_get_default", lambda: first.tracking_code)

    with pytest.raises(IntegrityError):
        complaint_submit(name="Lê Thị Mai")
    assert Complaint.objects.count() == 1
