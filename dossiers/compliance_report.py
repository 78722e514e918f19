"""The DPO's periodic compliance report (Decree 356/2025/NĐ-CP Art. 14(1)(c), 14(2)(c)): "định kỳ
đánh giá thực trạng tuân thủ … bằng báo cáo đánh giá mức độ thực hiện các nghĩa vụ". For a period
the DPO chooses, how each obligation was met, counted from the records: the data subjects'
requests and complaints, breach notices, consents, purges and erasures, the requests to act sent
to recipients, hand-overs without an agreement, the dossiers' filings, the DPO and the exemption.

Computed in a fixed number of aggregate queries (COUNT … FILTER), whatever the number of
customers. The figures are plain data (codes and numbers, no translated words): a draft shows
them computed now; the issued report keeps those computed when it was issued, and the lines
below read either the same way. Mẫu số 09/10 item 10 cites the latest issued report
(dossiers.selectors.latest_compliance_report).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, Sum
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints import law
from complaints.models import (
    AUTHORITY_NOTICE_HOURS,
    COMPLAINT_KINDS,
    PENDING_STATUSES,
    REQUEST_KINDS,
    Complaint,
    Incident,
    Kind,
)
from complaints.models import Status as ComplaintStatus
from customers.agreement_model import RecipientAgreement
from customers.kernel.text import local_date, local_datetime
from customers.models import Consent, Disclosure, Recipient
from customers.recipient_request_model import RecipientRequest
from customers.selectors import controller_get
from dossiers import exemption, filings
from dossiers.models import ComplianceReport, DossierFiling, DpoAppointment, DpoTraining
from retention.models import ErasureReceipt, ErasureRequest, PurgeRun

# Changed when the figures' shape changes: an issued report says which shape it keeps.
FIGURES_VERSION = 1
# The first report is due this long after the DPO's appointment when none was issued yet.
FIRST_REPORT_MONTHS = 6


# The figures ---------------------------------------------------------------------------------


def _midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(
        datetime.datetime.combine(day, datetime.time.min), timezone.get_default_timezone()
    )


def _bounds(
    start: datetime.date, end: datetime.date
) -> tuple[datetime.datetime, datetime.datetime]:
    """The period as moments, Vietnam time: from the first day's midnight to the midnight after
    the last day (excluded)."""
    return _midnight(start), _midnight(end + datetime.timedelta(days=1))


def _rate(numerator: int, denominator: int) -> int | None:
    """Per thousand (an integer, exact in JSON); None when nothing was due."""
    return round(numerator * 1000 / denominator) if denominator else None


def _handled(*, answered: Q, answered_at: str, now: datetime.datetime) -> dict[str, Any]:
    """Received, answered on time and late, still open past or within their due date."""
    return {
        "received": Count("id"),
        "on_time": Count("id", filter=answered & Q(**{f"{answered_at}__lte": F("due_at")})),
        "late": Count("id", filter=answered & Q(**{f"{answered_at}__gt": F("due_at")})),
        "open_overdue": Count("id", filter=~answered & Q(due_at__lt=now)),
        "open_not_due": Count("id", filter=~answered & Q(due_at__gte=now)),
    }


def _with_rate(counts: dict[str, int]) -> dict[str, int | None]:
    measured = counts["on_time"] + counts["late"] + counts["open_overdue"]
    return {**counts, "on_time_rate": _rate(counts["on_time"], measured)}


def _requests_and_complaints(
    start_at: datetime.datetime, end_at: datetime.datetime, now: datetime.datetime
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Decree 356/2025 Art. 5: each request answered within its period (the deadline given,
    extension included) and acknowledged within 2 working days; complaints by the company's own
    deadlines. A duplicate is counted once, as its original."""
    answered = ~Q(status__in=PENDING_STATUSES)
    pending = Q(status__in=PENDING_STATUSES)
    rows = (
        Complaint.objects.filter(received_at__gte=start_at, received_at__lt=end_at)
        .exclude(status=ComplaintStatus.DUPLICATE)
        .annotate(answered_at=Coalesce("resolved_at", "closed_at"))
        .order_by()
        .values("kind")
        .annotate(
            **_handled(answered=answered, answered_at="answered_at", now=now),
            extended=Count("id", filter=Q(extension_days__gt=0)),
            acknowledged_on_time=Count(
                "id", filter=Q(acknowledged_at__lte=F("acknowledge_due_at"))
            ),
            acknowledged_late=Count("id", filter=Q(acknowledged_at__gt=F("acknowledge_due_at"))),
            unacknowledged_overdue=Count(
                "id",
                filter=Q(acknowledged_at__isnull=True, acknowledge_due_at__lt=now) & pending,
            ),
        )
    )
    by_kind: dict[str, dict[str, int]] = {}
    for row in rows:
        values: dict[str, Any] = dict(row)
        by_kind[values.pop("kind")] = values
    names = [
        "received",
        "on_time",
        "late",
        "open_overdue",
        "open_not_due",
        "extended",
        "acknowledged_on_time",
        "acknowledged_late",
        "unacknowledged_overdue",
    ]

    def total(kinds: tuple[str, ...]) -> dict[str, int]:
        return {name: sum(by_kind.get(kind, {}).get(name, 0) for kind in kinds) for name in names}

    requests = {
        "by_kind": {
            str(kind): _with_rate(by_kind[kind]) for kind in REQUEST_KINDS if kind in by_kind
        },
        "total": _with_rate(total(REQUEST_KINDS)),
    }
    return requests, _with_rate(total(COMPLAINT_KINDS))


def _incidents(
    start_at: datetime.datetime, end_at: datetime.datetime, now: datetime.datetime
) -> dict[str, Any]:
    """Law 91/2025/QH15 Art. 23(1); Decree 356/2025 Art. 28: A05 told within 72 h of detection."""
    window = datetime.timedelta(hours=AUTHORITY_NOTICE_HOURS)
    due = F("detected_at") + window
    not_told = Q(authority_notified_at__isnull=True)
    counts = Incident.objects.filter(detected_at__gte=start_at, detected_at__lt=end_at).aggregate(
        detected=Count("id"),
        on_time=Count("id", filter=Q(authority_notified_at__lte=due)),
        late=Count("id", filter=Q(authority_notified_at__gt=due)),
        open_overdue=Count("id", filter=not_told & Q(detected_at__lt=now - window)),
        open_not_due=Count("id", filter=not_told & Q(detected_at__gte=now - window)),
        customers_affected=Coalesce(Sum("affected_count"), 0),
    )
    measured = counts["on_time"] + counts["late"] + counts["open_overdue"]
    return {**counts, "on_time_rate": _rate(counts["on_time"], measured)}


def _consents(start_at: datetime.datetime, end_at: datetime.datetime) -> dict[str, int]:
    """Law 91/2025 Art. 9–10: consents given, and withdrawn (those still withdrawn today)."""
    return Consent.objects.filter(
        Q(granted_at__gte=start_at, granted_at__lt=end_at)
        | Q(withdrawn_at__gte=start_at, withdrawn_at__lt=end_at)
    ).aggregate(
        granted=Count("id", filter=Q(granted_at__gte=start_at, granted_at__lt=end_at)),
        withdrawn=Count("id", filter=Q(withdrawn_at__gte=start_at, withdrawn_at__lt=end_at)),
    )


def _recipient_requests(
    start_at: datetime.datetime, end_at: datetime.datetime, now: datetime.datetime
) -> dict[str, Any]:
    """Decree 356/2025 Art. 5(2)–(4); Law 91/2025 Art. 14(3): recipients confirmed in time."""
    confirmed = Q(status=RecipientRequest.Status.CONFIRMED)
    counts = RecipientRequest.objects.filter(
        requested_at__gte=start_at, requested_at__lt=end_at
    ).aggregate(**_handled(answered=confirmed, answered_at="confirmed_at", now=now))
    return _with_rate(counts)


def _purges(start_at: datetime.datetime, end_at: datetime.datetime) -> dict[str, int]:
    """Law 91/2025 Art. 3(3), 14(1)(b)–(c): the runs that end data whose time is over."""
    return PurgeRun.objects.filter(
        started_at__gte=start_at, started_at__lt=end_at, dry_run=False
    ).aggregate(
        runs=Count("id"),
        finished=Count("id", filter=Q(status=PurgeRun.Status.FINISHED)),
        failed=Count("id", filter=Q(status=PurgeRun.Status.FAILED)),
        customers_erased=Coalesce(Sum("customers_erased"), 0),
        customers_held=Coalesce(Sum("customers_held"), 0),
    )


def _erasures(
    start_at: datetime.datetime, end_at: datetime.datetime, now: datetime.datetime
) -> dict[str, Any]:
    """Law 91/2025 Art. 14; Decree 356/2025 Art. 5(4): requests carried out or refused with a
    ground, in time; and every customer erased in the period, whatever the ground."""
    done = Q(status__in=(ErasureRequest.Status.EXECUTED, ErasureRequest.Status.REFUSED))
    requests = ErasureRequest.objects.filter(
        received_at__gte=start_at, received_at__lt=end_at
    ).annotate(answered_at=Coalesce("executed_at", "refused_at"))
    counts = _with_rate(
        requests.aggregate(
            **_handled(answered=done, answered_at="answered_at", now=now),
            refused=Count("id", filter=Q(status=ErasureRequest.Status.REFUSED)),
        )
    )
    counts |= ErasureReceipt.objects.filter(
        erased_at__gte=start_at, erased_at__lt=end_at
    ).aggregate(
        customers_erased=Count("id"),
        by_rule=Count("id", filter=Q(rule__isnull=False)),
        by_request=Count("id", filter=Q(request__isnull=False)),
    )
    return counts


def _disclosures(start_at: datetime.datetime, end_at: datetime.datetime) -> dict[str, Any]:
    """Decree 356/2025 Art. 7(1): a hand-over to a recipient rests on an agreement in force that
    day (an authority's request needs none: Law 91/2025 Art. 19(1))."""
    covering = RecipientAgreement.objects.filter(
        recipient=OuterRef("recipient_id"), starts_on__lte=OuterRef("day")
    ).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=OuterRef("day")))
    rows = (
        Disclosure.objects.filter(disclosed_at__gte=start_at, disclosed_at__lt=end_at)
        .annotate(day=TruncDate("disclosed_at"), covered=Exists(covering))
        .order_by()
    )
    authority = Q(recipient__kind=Recipient.Kind.AUTHORITY)
    counts = rows.aggregate(
        total=Count("id"),
        to_authorities=Count("id", filter=authority),
        without_agreement=Count("id", filter=~authority & Q(covered=False)),
    )
    uncovered = (
        rows.filter(~authority, covered=False)
        .values("recipient__name")
        .annotate(n=Count("id"))
        .order_by("recipient__name")
    )
    counts["without_agreement_by_recipient"] = {
        row["recipient__name"]: row["n"] for row in uncovered
    }
    return counts


def _filings(
    start: datetime.date, end: datetime.date, today: datetime.date
) -> list[dict[str, Any]]:
    """Law 91/2025 Art. 20–22; Decree 356/2025 Art. 19–20: filed in the period, and due now."""
    filed = dict(
        DossierFiling.objects.filter(filed_on__gte=start, filed_on__lte=end)
        .order_by()
        .values("kind")
        .annotate(n=Count("id"))
        .values_list("kind", "n")
    )
    lines = []
    for kind in DossierFiling.Kind.values:
        status = filings.dossier_status(kind, today=today)
        lines.append(
            {
                "kind": kind,
                "filed_in_period": filed.get(kind, 0),
                "ever_filed": bool(status.filings),
                "due_on": status.due_on.isoformat() if status.due_on else None,
                "overdue": status.overdue,
            }
        )
    return lines


def _dpo(start: datetime.date, end: datetime.date) -> dict[str, Any]:
    """Law 91/2025 Art. 33(2); Decree 356/2025 Art. 13: the DPO in office during the period, the
    conditions met ((a)–(b) on entry, (c) by a training); the period's trainings (Art. 14(2)(đ))."""
    appointment = (
        DpoAppointment.objects.filter(appointed_on__lte=end)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=start))
        .order_by("-appointed_on", "-id")
        .first()
    )
    if appointment is None:
        return {"appointed": False}
    trainings = list(
        DpoTraining.objects.filter(appointment=appointment, completed_on__lte=end)
        .order_by("completed_on", "id")
        .values_list("course", "completed_on")
    )
    return {
        "appointed": True,
        "full_name": appointment.full_name,
        "position": appointment.position,
        "appointment_number": appointment.appointment_number,
        "appointed_on": appointment.appointed_on.isoformat(),
        "trained": bool(trainings),
        "confidentiality_signed": bool(
            appointment.confidentiality_signed_on and appointment.confidentiality_signed_on <= end
        ),
        "trainings_in_period": [
            {"course": course, "completed_on": day.isoformat()}
            for course, day in trainings
            if day >= start
        ],
    }


def compliance_figures(
    *, start: datetime.date, end: datetime.date, now: datetime.datetime | None = None
) -> dict[str, Any]:
    """The report's figures for the period, as of now (what is still open is open now)."""
    now = now or timezone.now()
    start_at, end_at = _bounds(start, end)
    requests, complaints = _requests_and_complaints(start_at, end_at, now)
    controller = controller_get()
    assessment = exemption.exemption_assess(today=timezone.localdate(now))
    return {
        "version": FIGURES_VERSION,
        "computed_at": now.isoformat(),
        "period": {"start": start.isoformat(), "end": end.isoformat()},
        "controller": {
            "legal_name": controller.legal_name if controller else "",
            "tax_code": controller.tax_code if controller else "",
            "address": controller.address if controller else "",
        },
        "requests": requests,
        "complaints": complaints,
        "incidents": _incidents(start_at, end_at, now),
        "consents": _consents(start_at, end_at),
        "recipient_requests": _recipient_requests(start_at, end_at, now),
        "purges": _purges(start_at, end_at),
        "erasures": _erasures(start_at, end_at, now),
        "disclosures": _disclosures(start_at, end_at),
        "filings": _filings(start, end, timezone.localdate(now)),
        "dpo": _dpo(start, end),
        "exemption": {
            "exempt": assessment.exempt,
            "subjects_count": assessment.subjects_count,
            "reasons": assessment.reasons,
        },
    }


def report_figures(report: ComplianceReport) -> dict[str, Any]:
    """What an issued report keeps; for a draft, computed now."""
    if report.is_issued:
        return report.figures
    return compliance_figures(start=report.period_start, end=report.period_end)


# The lines, in the reader's language -----------------------------------------------------------


@dataclass(frozen=True)
class Line:
    label: str
    value: str
    article: str
    warning: bool = False  # something the DPO must look at


@dataclass(frozen=True)
class Section:
    title: str
    lines: list[Line]


def _number(value: int) -> str:
    return f"{value:,}".replace(",", ".")  # Vietnamese thousands


def _rate_shown(per_thousand: int | None) -> str:
    if per_thousand is None:
        return "—"
    whole, tenth = divmod(per_thousand, 10)
    return f"{whole},{tenth}%" if tenth else f"{whole}%"


def _day(iso: str | None) -> str:
    return local_date(datetime.date.fromisoformat(iso)) if iso else ""


# The count each line shows, whether more than 0 is a warning: every timed obligation's lines.
_TIMED = (
    ("received", False),
    ("on_time", False),
    ("late", True),
    ("open_overdue", True),
    ("open_not_due", False),
)


def _timed_lines(
    counts: dict[str, Any], article: str, labels: tuple[str, ...], *, first: str = "received"
) -> list[Line]:
    """Received (or ``first``), on time, late, open past and within the due date, the on-time
    rate: the ``labels`` say them for this obligation."""
    names = [first, *(name for name, _warn in _TIMED[1:])]
    lines = [
        Line(label, _number(counts[name]), article, warn and counts[name] > 0)
        for label, name, (_name, warn) in zip(labels, names, _TIMED, strict=True)
    ]
    return [*lines, Line(_("on-time rate"), _rate_shown(counts["on_time_rate"]), article)]


def _answered_labels() -> tuple[str, ...]:
    return (
        _("received"),
        _("answered on time"),
        _("answered late"),
        _("still open past the due date"),
        _("still open, not yet due"),
    )


def report_sections(figures: dict[str, Any]) -> list[Section]:
    """The report's lines from its figures: each counted obligation and the article it meets."""
    sections: list[Section] = []
    requests = figures["requests"]
    art5 = _("Decree 356/2025/NĐ-CP Art. 5")
    total = requests["total"]
    lines = _timed_lines(total, art5, _answered_labels())
    lines += [
        Line(_("extended once, with the reason told"), _number(total["extended"]), art5),
        Line(
            _("acknowledged within 2 working days"),
            _number(total["acknowledged_on_time"]),
            art5,
        ),
        Line(
            _("acknowledged late"),
            _number(total["acknowledged_late"]),
            art5,
            total["acknowledged_late"] > 0,
        ),
        Line(
            _("not acknowledged, past 2 working days"),
            _number(total["unacknowledged_overdue"]),
            art5,
            total["unacknowledged_overdue"] > 0,
        ),
    ]
    for kind, counts in requests["by_kind"].items():
        terms = law.legal_terms(kind)
        article = str(terms.article) if terms else art5
        label = str(Kind(kind).label) if kind in Kind.values else kind
        lines += [
            Line(
                _("%(kind)s: received %(received)s, on time %(on_time)s, late or overdue %(late)s")
                % {
                    "kind": label,
                    "received": _number(counts["received"]),
                    "on_time": _number(counts["on_time"]),
                    "late": _number(counts["late"] + counts["open_overdue"]),
                },
                _rate_shown(counts["on_time_rate"]),
                article,
                counts["late"] + counts["open_overdue"] > 0,
            )
        ]
    sections.append(Section(_("Requests of the data subjects"), lines))

    sections.append(
        Section(
            _("Complaints"),
            _timed_lines(
                figures["complaints"], _("Law 91/2025/QH15 Art. 4(1)(đ)"), _answered_labels()
            ),
        )
    )

    incidents = figures["incidents"]
    art23 = _("Law 91/2025/QH15 Art. 23(1); Decree 356/2025/NĐ-CP Art. 28")
    sections.append(
        Section(
            _("Breach incidents"),
            [
                *_timed_lines(
                    incidents,
                    art23,
                    (
                        _("detected"),
                        _("authority notified within 72 hours"),
                        _("authority notified after 72 hours"),
                        _("authority not notified, past 72 hours"),
                        _("authority not yet notified, within 72 hours"),
                    ),
                    first="detected",
                ),
                Line(_("customers affected"), _number(incidents["customers_affected"]), art23),
            ],
        )
    )

    consents = figures["consents"]
    art9 = _("Law 91/2025/QH15 Art. 9–10")
    sections.append(
        Section(
            _("Consents"),
            [
                Line(_("consents given"), _number(consents["granted"]), art9),
                Line(
                    _("consents withdrawn (and still withdrawn)"),
                    _number(consents["withdrawn"]),
                    art9,
                ),
            ],
        )
    )

    art14_3 = _("Decree 356/2025/NĐ-CP Art. 5(2)–(4); Law 91/2025/QH15 Art. 14(3)")
    asked = figures["recipient_requests"]
    sections.append(
        Section(
            _("Requests to act sent to recipients"),
            _timed_lines(
                asked,
                art14_3,
                (
                    _("sent"),
                    _("confirmed on time"),
                    _("confirmed late"),
                    _("unconfirmed past the due date"),
                    _("unconfirmed, not yet due"),
                ),
            ),
        )
    )

    purges = figures["purges"]
    art3 = _("Law 91/2025/QH15 Art. 3(3), 14(1)(b)–(c)")
    erasures = figures["erasures"]
    art14 = _("Law 91/2025/QH15 Art. 14; Decree 356/2025/NĐ-CP Art. 5(4)")
    sections.append(
        Section(
            _("Retention and erasure"),
            [
                Line(_("purge runs"), _number(purges["runs"]), art3),
                Line(_("purge runs finished"), _number(purges["finished"]), art3),
                Line(_("purge runs failed"), _number(purges["failed"]), art3, purges["failed"] > 0),
                Line(
                    _("customers erased by the purges"), _number(purges["customers_erased"]), art3
                ),
                Line(
                    _("customers held back (legal hold)"), _number(purges["customers_held"]), art3
                ),
                Line(_("erasure requests received"), _number(erasures["received"]), art14),
                Line(_("erasure requests answered on time"), _number(erasures["on_time"]), art14),
                Line(
                    _("erasure requests answered late"),
                    _number(erasures["late"]),
                    art14,
                    erasures["late"] > 0,
                ),
                Line(
                    _("erasure requests open past the due date"),
                    _number(erasures["open_overdue"]),
                    art14,
                    erasures["open_overdue"] > 0,
                ),
                Line(
                    _("erasure requests refused on a legal ground"),
                    _number(erasures["refused"]),
                    art14,
                ),
                Line(
                    _("customers erased (every ground)"),
                    _number(erasures["customers_erased"]),
                    art14,
                ),
            ],
        )
    )

    handed = figures["disclosures"]
    art7 = _("Decree 356/2025/NĐ-CP Art. 7(1)")
    lines = [
        Line(_("hand-overs to recipients"), _number(handed["total"]), art7),
        Line(_("of which to state authorities"), _number(handed["to_authorities"]), art7),
        Line(
            _("hand-overs without an agreement in force recorded"),
            _number(handed["without_agreement"]),
            art7,
            handed["without_agreement"] > 0,
        ),
    ]
    lines += [
        Line(name, _number(count), art7, True)
        for name, count in handed["without_agreement_by_recipient"].items()
    ]
    sections.append(Section(_("Hand-overs and agreements"), lines))

    art19 = _("Law 91/2025/QH15 Art. 20–22; Decree 356/2025/NĐ-CP Art. 19–20")
    lines = []
    for line in figures["filings"]:
        label = str(DossierFiling.Kind(line["kind"]).label)
        if line["due_on"]:
            state = (
                _("overdue since %(date)s") if line["overdue"] else _("next due by %(date)s")
            ) % {"date": _day(line["due_on"])}
        elif line["ever_filed"]:
            state = _("up to date")
        else:
            state = _("nothing to file yet")
        lines.append(
            Line(
                _("%(dossier)s: filed in the period %(count)s; %(state)s")
                % {"dossier": label, "count": _number(line["filed_in_period"]), "state": state},
                "",
                art19,
                bool(line["overdue"]),
            )
        )
    sections.append(Section(_("The dossiers filed with the authority"), lines))

    dpo = figures["dpo"]
    art13 = _("Law 91/2025/QH15 Art. 33(2); Decree 356/2025/NĐ-CP Art. 13")
    if dpo["appointed"]:
        lines = [
            Line(
                _("the DPO"),
                f"{dpo['full_name']} — {dpo['position']} ({dpo['appointment_number']}, "
                f"{_day(dpo['appointed_on'])})",
                art13,
            ),
            Line(
                _("conditions (a)–(c) of Art. 13(2)"),
                _("met") if dpo["trained"] else _("training (c) not yet recorded"),
                art13,
                not dpo["trained"],
            ),
            Line(
                _("confidentiality agreement"),
                _("signed") if dpo["confidentiality_signed"] else _("not recorded"),
                art13,
                not dpo["confidentiality_signed"],
            ),
            Line(
                _("trainings in the period"),
                "; ".join(
                    f"{training['course']} ({_day(training['completed_on'])})"
                    for training in dpo["trainings_in_period"]
                )
                or "0",
                _("Decree 356/2025/NĐ-CP Art. 14(2)(đ)"),
            ),
        ]
    else:
        lines = [Line(_("the DPO"), _("no appointment recorded for the period"), art13, True)]
    sections.append(Section(_("The data-protection officer"), lines))

    exempt = figures["exemption"]
    art41 = _("Law 91/2025/QH15 Art. 38; Decree 356/2025/NĐ-CP Art. 41")
    sections.append(
        Section(
            _("The small-enterprise exemption"),
            [
                Line(
                    _("exempt from Art. 21, 22 and 33(2)"),
                    _("yes") if exempt["exempt"] else _("no"),
                    art41,
                ),
                Line(
                    _("data subjects processed (cumulative)"),
                    _number(exempt["subjects_count"]),
                    art41,
                ),
                *(
                    Line(str(exemption.REASONS[code]), "", art41)
                    for code in exempt["reasons"]
                    if code in exemption.REASONS
                ),
            ],
        )
    )
    return sections


@dataclass(frozen=True)
class Shown:
    """A report as a page or a PDF shows it."""

    report: ComplianceReport
    figures: dict[str, Any]
    sections: list[Section]

    @property
    def computed_at(self) -> str:
        return local_datetime(datetime.datetime.fromisoformat(self.figures["computed_at"]))

    @property
    def controller(self) -> dict[str, str]:
        controller: dict[str, str] = self.figures["controller"]
        return controller

    @property
    def warnings(self) -> int:
        return sum(line.warning for section in self.sections for line in section.lines)


def report_shown(report: ComplianceReport) -> Shown:
    figures = report_figures(report)
    return Shown(report, figures, report_sections(figures))


# When the next report is due, and the reminder ---------------------------------------------


@dataclass(frozen=True)
class ReportDue:
    due_on: datetime.date
    after: ComplianceReport | None  # None: the first report, counted from the appointment

    def overdue(self, today: datetime.date) -> bool:
        return today > self.due_on


def compliance_report_due() -> ReportDue | None:
    """The next report: the last issued one's period end plus its months; the first one
    FIRST_REPORT_MONTHS after the DPO's appointment; None without either."""
    last = (
        ComplianceReport.objects.filter(issued_at__isnull=False)
        .order_by("-period_end", "-id")
        .first()
    )
    if last is not None:
        return ReportDue(filings.add_months(last.period_end, last.next_in_months), last)
    appointment = DpoAppointment.objects.order_by("appointed_on", "id").first()
    if appointment is None:
        return None
    return ReportDue(filings.add_months(appointment.appointed_on, FIRST_REPORT_MONTHS), None)


def compliance_report_remind(*, today: datetime.date | None = None) -> int:
    """Every morning, beside the dossiers' reminder: the DPO (else Legal & compliance) is told 7
    days and 1 day before the next report is due, and the day after it passed."""
    from django.conf import settings
    from django.core.mail import EmailMessage
    from django.utils import translation

    today = today or timezone.localdate()
    due = compliance_report_due()
    if due is None:
        return 0
    days_left = (due.due_on - today).days
    if days_left not in filings.REMIND_DAYS_BEFORE and days_left != -1:
        return 0
    recipients = exemption.warning_recipients()
    if not recipients:
        return 0
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Compliance report due on %(date)s") % {"date": local_date(due.due_on)}
        if days_left < 0:
            subject = _("Overdue: %(subject)s") % {"subject": subject}
        lines = [
            _(
                "The DPO's periodic report on how the company meets its data-protection "
                "obligations (Decree 356/2025/NĐ-CP Art. 14(1)(c)) is due by %(date)s."
            )
            % {"date": local_date(due.due_on)},
        ]
        if due.after is not None:
            lines.append(
                _("The last one covered %(start)s – %(end)s.")
                % {
                    "start": local_date(due.after.period_start),
                    "end": local_date(due.after.period_end),
                }
            )
    EmailMessage(subject=subject, body="\n".join(lines), to=recipients).send()
    return 1
