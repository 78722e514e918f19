"""Text the way pdpdesk shows and stores it: Vietnamese dates and times, folded names, and
spreadsheet cells that cannot run as formulas."""

from __future__ import annotations

import datetime
import unicodedata
from typing import Any

from django.utils import timezone

DATE_FORMAT = "%d/%m/%Y"
DATETIME_FORMAT = "%d/%m/%Y %H:%M"

# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection, OWASP):
# such a cell is written with a leading apostrophe, which Excel and LibreOffice show as text.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def fold_vietnamese(text: str) -> str:
    """Lower case without diacritics: "Nguyễn Văn Đức" → "nguyen van duc".

    Staff type names without accents; the folded copy is what name search matches.
    """
    text = (text or "").replace("Đ", "D").replace("đ", "d")
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.lower().split())


def local_datetime(moment: datetime.datetime | None, *, empty: str = "") -> str:
    """A moment as staff and customers read it: dd/mm/yyyy hh:mm, Vietnam time."""
    return timezone.localtime(moment).strftime(DATETIME_FORMAT) if moment else empty


def local_date(moment: datetime.datetime | datetime.date | None, *, empty: str = "") -> str:
    """The day of a moment (Vietnam time) or a date: dd/mm/yyyy."""
    if not moment:
        return empty
    if isinstance(moment, datetime.datetime):
        moment = timezone.localtime(moment)
    return moment.strftime(DATE_FORMAT)


def whole_number(value: int) -> str:
    """A count written the Vietnamese way, dots between thousands: 12.500."""
    return f"{value:,}".replace(",", ".")


def spreadsheet_cell(value: object) -> str:
    """A CSV cell that a spreadsheet shows as text and never runs as a formula."""
    text = str(value)
    return f"'{text}" if text.startswith(_FORMULA_STARTS) else text


def staff_text(message: Any, /, **params: Any) -> str:
    """A message stored for staff to read later (an access-log or history detail), in the
    staff's language (the admin's, LANGUAGE_CODE) whatever language the request that wrote it
    spoke. ``message`` is a msgid (marked with gettext_noop) or a lazy label."""
    from django.conf import settings
    from django.utils import translation

    with translation.override(settings.LANGUAGE_CODE):
        text = translation.gettext(message) if isinstance(message, str) else str(message)
        shown = {key: str(value) for key, value in params.items()}
        return text % shown if shown else text


def percent_done(done: int, total: int, *, complete: bool = False) -> int:
    """How far a long job got, 0 to 100, for its progress bar: a full bar only once it
    completed (``complete``); running, or failed part-way, as far as it got."""
    if complete:
        return 100
    return min(100, int(100 * done / total)) if total else 0
