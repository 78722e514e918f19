"""When each dossier must be filed or updated, from its filings and what changed since:

- the first filing within 60 days of the first processing (the impact assessment, Law 91/2025/
  QH15 Art. 21(1); Decree 356/2025/NĐ-CP Art. 19(4)) or of the first transfer abroad (Art. 20(2));
- an update with Mẫu số 03a at the next 6-month mark from the first filing when a new purpose, a
  new data item of a purpose, a new or changed recipient or processor (its country too) has
  appeared (Decree 356/2025 Art. 20(1));
- within 10 days when the data-protection contact or provider changed (Art. 20(2)(b));
- within 30 days of the agency's request to complete a dossier (Art. 19(6)).
Read from the history tables the apps already keep: nothing is typed twice."""

from __future__ import annotations

import calendar
import datetime
import itertools
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _

from customers.countries import VIETNAM
from customers.models import Controller, Customer, Purpose, Recipient
from dossiers.models import DossierFiling, ProcessingSystem
from dossiers.transfers import transfers_build

FIRST_FILING_DAYS = 60
PERIODIC_MONTHS = 6
URGENT_DAYS = 10
COMPLETION_DAYS = 30
DPO_FIELDS = ("dpo_name", "dpo_title", "dpo_email", "dpo_phone")

Kind = DossierFiling.Kind


@dataclass(frozen=True)
class Change:
    what: str
    on: datetime.date
    urgent: bool = False


@dataclass(frozen=True)
class DossierStatus:
    kind: str
    label: str
    filings: list[DossierFiling]
    changes: list[Change] = field(default_factory=list)
    due_on: datetime.date | None = None
    due_for: str = ""
    today: datetime.date = field(default_factory=timezone.localdate)

    @property
    def overdue(self) -> bool:
        return self.due_on is not None and self.today > self.due_on


def add_months(day: datetime.date, months: int) -> datetime.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _day(moment: datetime.datetime) -> datetime.date:
    return timezone.localtime(moment).date()


def changes_since(kind: str, since: datetime.date) -> list[Change]:
    """What the last filing does not know yet."""
    after = {"history_date__date__gt": since}
    changes: list[Change] = []
    for row in Purpose.history.filter(history_type="+", **after).order_by("history_date"):
        changes.append(
            Change(_("New purpose: %(name)s") % {"name": row.name_vi}, _day(row.history_date))
        )
    for row in Purpose.history.filter(history_type="~", **after).order_by("history_date"):
        before = row.prev_record
        added = set(row.data_items or []) - set(before.data_items or []) if before else set()
        if added:
            changes.append(
                Change(
                    _("New data items for %(name)s: %(items)s")
                    % {"name": row.name_vi, "items": ", ".join(sorted(added))},
                    _day(row.history_date),
                )
            )
    recipients = Recipient.history.filter(history_type__in=["+", "~"], **after)
    systems = ProcessingSystem.history.filter(history_type__in=["+", "~"], **after)
    if kind == Kind.TRANSFER:
        recipients = recipients.exclude(country=VIETNAM)
        systems = systems.exclude(country=VIETNAM)
    seen: set[tuple[str, int]] = set()
    for row in recipients.order_by("history_date"):
        if ("recipient", row.id) in seen:
            continue
        seen.add(("recipient", row.id))
        message = (
            _("New recipient: %(name)s")
            if row.history_type == "+"
            else _("Recipient changed: %(name)s")
        )
        changes.append(Change(message % {"name": row.name}, _day(row.history_date)))
    for row in systems.order_by("history_date"):
        if ("system", row.id) in seen:
            continue
        seen.add(("system", row.id))
        message = (
            _("New processing system: %(name)s")
            if row.history_type == "+"
            else _("Processing system changed: %(name)s")
        )
        changes.append(Change(message % {"name": row.name}, _day(row.history_date)))
    changes += _dpo_changes(since)
    return sorted(changes, key=lambda change: change.on)


def _dpo_changes(since: datetime.date) -> list[Change]:
    """Decree 356/2025 Art. 20(2)(b): the data-protection contact's details changed."""
    rows = list(Controller.history.order_by("history_date", "history_id"))
    changes = []
    for before, after in itertools.pairwise(rows):
        if _day(after.history_date) <= since:
            continue
        if any(getattr(before, name) != getattr(after, name) for name in DPO_FIELDS):
            changes.append(
                Change(
                    _("The data-protection contact changed: %(name)s") % {"name": after.dpo_name},
                    _day(after.history_date),
                    urgent=True,
                )
            )
    return changes


def _first_processing_day() -> datetime.date | None:
    first = Customer._base_manager.order_by("pk").values_list("created_at", flat=True).first()
    return _day(first) if first else None


def dossier_status(kind: str, *, today: datetime.date | None = None) -> DossierStatus:
    today = today or timezone.localdate()
    label = str(Kind(kind).label)
    filings = list(DossierFiling.objects.filter(kind=kind).order_by("filed_on", "id"))
    if not filings:
        start = (
            transfers_build().first_transfer_on
            if kind == Kind.TRANSFER
            else _first_processing_day()
        )
        if start is None:
            return DossierStatus(kind, label, filings, today=today)
        return DossierStatus(
            kind,
            label,
            filings,
            due_on=start + datetime.timedelta(days=FIRST_FILING_DAYS),
            due_for=_("the first filing (60 days from %(date)s)")
            % {"date": start.strftime("%d/%m/%Y")},
            today=today,
        )
    candidates: list[tuple[datetime.date, str]] = []
    for filing in filings:
        if filing.completion_requested_on is not None and filing.completed_on is None:
            candidates.append(
                (
                    filing.completion_requested_on + datetime.timedelta(days=COMPLETION_DAYS),
                    _("completing the dossier the agency asked for"),
                )
            )
    changes = changes_since(kind, filings[-1].filed_on)
    urgent = [change for change in changes if change.urgent]
    if urgent:
        candidates.append(
            (urgent[0].on + datetime.timedelta(days=URGENT_DAYS), _("an update within 10 days"))
        )
    periodic = [change for change in changes if not change.urgent]
    if periodic:
        months = PERIODIC_MONTHS
        mark = add_months(filings[0].filed_on, months)
        while mark < periodic[0].on:
            months += PERIODIC_MONTHS
            mark = add_months(filings[0].filed_on, months)
        candidates.append((mark, _("the 6-monthly update")))
    if not candidates:
        return DossierStatus(kind, label, filings, changes, today=today)
    due_on, due_for = min(candidates)
    return DossierStatus(kind, label, filings, changes, due_on, due_for, today)


# Reminded this many days before the due date, and once the day after it passed.
REMIND_DAYS_BEFORE = (7, 1)


def dossiers_remind(*, today: datetime.date | None = None) -> int:
    """Every morning: email the data-protection contact (else Legal & compliance's members)
    about each dossier due in 7 days, tomorrow, or since yesterday. The days are fixed, so a
    reminder needs no record of the ones sent."""
    from django.conf import settings
    from django.core.mail import EmailMessage
    from django.utils import translation

    from dossiers.exemption import warning_recipients

    today = today or timezone.localdate()
    sent = 0
    for kind in Kind.values:
        status = dossier_status(kind, today=today)
        if status.due_on is None:
            continue
        days_left = (status.due_on - today).days
        if days_left not in REMIND_DAYS_BEFORE and days_left != -1:
            continue
        recipients = warning_recipients()
        if not recipients:
            continue
        with translation.override(settings.LANGUAGE_CODE):
            subject = _("Dossier due on %(date)s: %(dossier)s") % {
                "date": status.due_on.strftime("%d/%m/%Y"),
                "dossier": status.label,
            }
            if days_left < 0:
                subject = _("Overdue: %(subject)s") % {"subject": subject}
            lines = [
                _("Due: %(what)s, by %(date)s.")
                % {"what": status.due_for, "date": status.due_on.strftime("%d/%m/%Y")},
                "",
                *(
                    f"- {change.on.strftime('%d/%m/%Y')}: {change.what}"
                    for change in status.changes
                ),
            ]
        EmailMessage(subject=subject, body="\n".join(lines), to=recipients).send()
        sent += 1
    return sent
