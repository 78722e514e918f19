"""The two dossiers a DPO files, section by section as their forms ask, built from the register
and what the DPO wrote:

- the impact assessment of the processing, Mẫu số 10 (Law 91/2025/QH15 Art. 21; Decree 356/2025/
  NĐ-CP Art. 19(2)(a), its content Art. 19(3));
- the impact assessment of the cross-border transfer, Mẫu số 09 (Law 91/2025 Art. 20(2); Decree
  356/2025 Art. 18(2)(a)).

What pdpdesk knows is computed at every request (the register's aggregate queries and a few
more, whatever the number of customers): the company, the DPO, the data subjects counted, the
flows per purpose, the items ticked in the lists of Art. 3 and Art. 4, retention and deletion,
the hand-overs, the systems and the parties of Part B. What only the DPO knows (the overview,
the plans and measures, the assessed impacts) comes from DossierNarrative and DossierRisk."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.models import Complaint
from customers.agreement_model import RecipientAgreement
from customers.countries import VIETNAM, Country
from customers.kernel.text import local_date
from customers.models import Controller, Disclosure, PolicyVersion, Purpose, Recipient
from customers.personal_data import LegalItem, Sensitivity, legal_items_for, legal_sensitivity
from customers.selectors import policy_version_current
from dossiers import register as register_module
from dossiers.models import (
    DossierFiling,
    DossierNarrative,
    DossierRisk,
    DpoAppointment,
    ProcessingService,
    ProcessingSystem,
)

Kind = DossierFiling.Kind
# Mẫu số 09/10 § A.III.2.3: owed when the basic data of more than 100,000 data subjects, or the
# sensitive data of more than 10,000, is processed (transferred).
NATIONAL_BASIC = 100_000
NATIONAL_SENSITIVE = 10_000


@dataclass(frozen=True)
class Group:
    label: str
    count: int


@dataclass(frozen=True)
class Box:
    """One item of the lists of Decree 356/2025 Art. 3 and Art. 4(1), ticked or not."""

    code: str
    label: str
    checked: bool


@dataclass(frozen=True)
class Flow:
    purpose: str
    basis: str
    subjects: int
    basic: list[str]
    sensitive: list[str]
    activities: list[str]


@dataclass(frozen=True)
class Party:
    """A row of Part B: name, tax code, its data-protection contact, the agreement (number and
    date), the service, a note."""

    name: str
    tax_code: str
    contact: str
    agreement: str
    service: str
    note: str


@dataclass(frozen=True)
class Mode:
    """Mẫu số 09 § A.II.1: a way the data leaves Vietnam, and whose."""

    number: str
    label: str
    subjects: list[Group]

    @property
    def checked(self) -> bool:
        return bool(self.subjects)


@dataclass(frozen=True)
class Dossier:
    kind: str
    controller: Controller | None
    narrative: DossierNarrative
    dpo: DpoAppointment | None
    generated_at: datetime.datetime
    subjects: list[Group]
    flows: list[Flow]
    basic: list[Box]
    sensitive: list[Box]
    consent: list[str]
    policy: PolicyVersion | None
    retention: list[register_module.RetentionLine]
    deletion: list[str]
    hands_over: bool
    abroad: bool
    services: list[tuple[str, bool]]
    systems: list[register_module.SystemLine]
    risks: dict[str, list[DossierRisk]]
    national_required: bool
    annexes: list[str]
    processors: list[Party]
    third_parties: list[Party]
    modes: list[Mode] = field(default_factory=list)
    receivers: list[Party] = field(default_factory=list)

    @property
    def title(self) -> str:
        return str(Kind(self.kind).label)

    @property
    def basic_count(self) -> int:
        return sum(box.checked for box in self.basic)

    @property
    def sensitive_count(self) -> int:
        return sum(box.checked for box in self.sensitive)

    @property
    def risk_areas(self) -> list[tuple[str, str, list[DossierRisk]]]:
        return [
            (area, str(label), self.risks.get(area, [])) for area, label in DossierRisk.Area.choices
        ]


def narrative_get(kind: str) -> DossierNarrative:
    """The DPO's text for the dossier, or an empty one (not saved) before any was written."""
    return DossierNarrative.objects.filter(kind=kind).first() or DossierNarrative(kind=kind)


def _boxes(codes: set[str]) -> tuple[list[Box], list[Box]]:
    basic: list[Box] = []
    sensitive: list[Box] = []
    for code, label in LegalItem.choices:
        box = Box(code, str(label), code in codes)
        (sensitive if legal_sensitivity(code) == Sensitivity.SENSITIVE else basic).append(box)
    return basic, sensitive


def _agreement_text(recipient: Recipient, agreement: RecipientAgreement | None) -> str:
    if agreement is not None:
        return _("%(reference)s of %(date)s") % {
            "reference": agreement.reference,
            "date": local_date(agreement.starts_on),
        }
    if recipient.contract_reference:
        when = local_date(recipient.contract_date) if recipient.contract_date else ""
        return f"{recipient.contract_reference} {when}".strip()
    return ""


def _party(
    recipient: Recipient, agreement: RecipientAgreement | None, subjects: int | None = None
) -> Party:
    note = str(recipient.get_kind_display())
    if recipient.country != VIETNAM:
        note += " — " + str(Country(recipient.country).label)
    if subjects is not None:
        note += " — " + _("data of %(count)s customers received") % {"count": f"{subjects:,}"}
    return Party(
        name=recipient.name,
        tax_code="",
        contact=recipient.contact_email,
        agreement=_agreement_text(recipient, agreement),
        service=f"{recipient.purpose.name}: {', '.join(recipient.allowed_item_labels)}",
        note=note,
    )


def _system_party(system: ProcessingSystem) -> Party:
    return Party(
        name=system.provider or system.name,
        tax_code="",
        contact="",
        agreement="",
        service=f"{system.name} — {system.get_hosting_display()}",
        note=str(Country(system.country).label),
    )


def _annexes(
    policy: PolicyVersion | None,
    agreements: dict[int, RecipientAgreement],
    dpo: DpoAppointment | None,
    narrative: DossierNarrative,
) -> list[str]:
    """§ A.IV, and Decree 356/2025 Art. 19(2)(b)–(c): the agreements, the policy and the rules."""
    annexes = []
    if policy is not None:
        annexes.append(
            _("Privacy policy, version %(version)s, in effect from %(date)s")
            % {"version": policy.version, "date": local_date(policy.effective_from)}
        )
    annexes.append(_("The processing register (pdpdesk), as of the filing"))
    annexes.append(_("The retention rules and how each ends"))
    for agreement in sorted(agreements.values(), key=lambda a: a.recipient.name):
        annexes.append(
            _("Agreement with %(name)s: %(reference)s")
            % {"name": agreement.recipient.name, "reference": agreement.reference}
        )
    if dpo is not None:
        annexes.append(
            _("Appointment of the data-protection officer no. %(number)s of %(date)s")
            % {"number": dpo.appointment_number, "date": local_date(dpo.appointed_on)}
        )
    annexes += [line.strip() for line in narrative.annexes.splitlines() if line.strip()]
    return annexes


def dossier_build(kind: str) -> Dossier:
    """The dossier of ``kind`` now (Mẫu số 10 for Kind.IMPACT, Mẫu số 09 for Kind.TRANSFER)."""
    built = register_module.register_build()
    today = timezone.localdate()
    narrative = narrative_get(kind)
    dpo = (
        DpoAppointment.objects.filter(ends_on__isnull=True).order_by("-appointed_on").first()
        or DpoAppointment.objects.order_by("-appointed_on").first()
    )
    policy = policy_version_current()
    agreements = register_module.agreements_in_force(today)
    recipients = list(
        Recipient.objects.filter(is_active=True)
        .exclude(kind=Recipient.Kind.AUTHORITY)
        .select_related("purpose")
        .order_by("name")
    )
    systems = list(
        ProcessingSystem.objects.filter(is_active=True)
        .prefetch_related("purposes")
        .order_by("name")
    )
    strangers = Complaint.objects.filter(customer__isnull=True).count()
    risks: dict[str, list[DossierRisk]] = {}
    for risk in DossierRisk.objects.filter(kind=kind, is_active=True):
        risks.setdefault(risk.area, []).append(risk)
    transfer = kind == Kind.TRANSFER

    rows = built.rows
    modes: list[Mode] = []
    receivers: list[Party] = []
    abroad_recipients = [r for r in recipients if r.country != VIETNAM]
    abroad_systems = [s for s in systems if s.is_abroad and not s.transfer_exemption]
    if transfer:
        by_purpose = {row.purpose.pk: row.subjects for row in rows}
        received = dict(
            Disclosure.objects.filter(recipient__in=abroad_recipients)
            .order_by()
            .values("recipient_id")
            .annotate(n=Count("customer_id", distinct=True))
            .values_list("recipient_id", "n")
        )
        system_purposes = {
            system.pk: [purpose.pk for purpose in system.purposes.all()]
            for system in abroad_systems
        }
        for number, label, hosting in (
            ("1.1", _("To servers outside Vietnam"), ProcessingSystem.Hosting.OWN),
            (
                "1.2",
                _("Stored or processed on a cloud service of a provider abroad"),
                ProcessingSystem.Hosting.CLOUD,
            ),
            (
                "1.3",
                _("Collected in Vietnam and sent to a platform abroad for further processing"),
                ProcessingSystem.Hosting.SERVICE,
            ),
        ):
            counts = [
                Group(
                    _("Customers (%(system)s, %(country)s)")
                    % {"system": system.name, "country": Country(system.country).label},
                    max((by_purpose.get(pk, 0) for pk in system_purposes[system.pk]), default=0),
                )
                for system in abroad_systems
                if system.hosting == hosting
            ]
            modes.append(Mode(number, label, counts))
        modes.append(Mode("1.4", _("Through a partner or agent in Vietnam"), []))
        modes.append(
            Mode(
                "1.5",
                _("Other: handed over to a recipient abroad"),
                [
                    Group(
                        _("Customers (%(recipient)s, %(country)s)")
                        % {"recipient": r.name, "country": Country(r.country).label},
                        received.get(r.pk, 0),
                    )
                    for r in abroad_recipients
                ],
            )
        )
        receivers = [
            _party(r, agreements.get(r.pk), received.get(r.pk, 0)) for r in abroad_recipients
        ]
        receivers += [_system_party(system) for system in abroad_systems]
        sent = legal_items_for(item for r in abroad_recipients for item in r.allowed_items or [])
        for system in abroad_systems:
            sent |= set(system.data_items or [])
        codes = sent
        abroad_purposes = {pk for pks in system_purposes.values() for pk in pks} | {
            r.purpose_id for r in abroad_recipients
        }
        rows = [row for row in rows if row.purpose.pk in abroad_purposes]
    else:
        codes = {item.code for row in rows for item in row.items}

    subjects = [Group(label, n) for label, n in built.customers_by_kind.items()]
    if strangers:
        subjects.append(Group(_("People who wrote to the desk without being customers"), strangers))
    flows = []
    for row in rows:
        activities = [
            _("Stored and processed in %(system)s (%(country)s)")
            % {"system": line.name, "country": line.country}
            for line in row.systems
            if line.abroad or not transfer
        ]
        activities += [
            _("Handed over to %(name)s (%(country)s): %(items)s")
            % {"name": line.name, "country": line.country, "items": ", ".join(line.items)}
            for line in row.recipients
            if line.abroad or not transfer
        ]
        flows.append(
            Flow(
                purpose=row.purpose.name,
                basis=row.basis,
                subjects=row.subjects,
                basic=[item.label for item in row.items if not item.sensitive],
                sensitive=[item.label for item in row.items if item.sensitive],
                activities=activities,
            )
        )
    # Law 91/2025 Art. 9: consent is asked per purpose and kept with its evidence.
    consent = [
        _("%(purpose)s: %(count)s customers consent now")
        % {"purpose": row.purpose.name, "count": f"{row.subjects:,}"}
        for row in built.rows
        if row.purpose.legal_basis == Purpose.LegalBasis.CONSENT
    ]
    deletion = [
        _("%(rule)s: %(months)s months from %(start)s, then: %(then)s")
        % {
            "rule": line.name,
            "months": line.period_months,
            "start": line.clock_start,
            "then": line.then,
        }
        for line in built.retention
    ]
    deletion.append(
        _(
            "A customer's request to delete is answered within the legal period; erasure reaches"
            " the history tables and files, and every recipient is asked to delete (Law 91/2025"
            " Art. 14)."
        )
    )
    seen_systems: set[str] = set()
    system_lines = []
    for row in built.rows:
        for line in row.systems:
            if line.name not in seen_systems and (line.abroad or not transfer):
                seen_systems.add(line.name)
                system_lines.append(line)
    sensitive_subjects = max((row.subjects for row in rows if row.sensitive), default=0)
    basic_subjects = max((row.subjects for row in rows), default=0)
    national = basic_subjects > NATIONAL_BASIC or sensitive_subjects > NATIONAL_SENSITIVE
    controller = built.controller
    basic, sensitive = _boxes(codes)
    services_sold = set(narrative.processing_services or [])
    return Dossier(
        kind=kind,
        controller=controller,
        narrative=narrative,
        dpo=dpo,
        generated_at=built.generated_at,
        subjects=subjects,
        flows=flows,
        basic=basic,
        sensitive=sensitive,
        consent=consent,
        policy=policy,
        retention=built.retention,
        deletion=deletion,
        hands_over=bool(recipients),
        abroad=bool(abroad_recipients or abroad_systems),
        services=[
            (str(label), value in services_sold) for value, label in ProcessingService.choices
        ],
        systems=system_lines,
        risks=risks,
        national_required=national,
        annexes=_annexes(policy, agreements, dpo, narrative),
        processors=[
            _party(r, agreements.get(r.pk)) for r in recipients if r.kind != Recipient.Kind.PARTNER
        ]
        + [
            _system_party(system)
            for system in systems
            if system.hosting != ProcessingSystem.Hosting.OWN
        ],
        third_parties=[
            _party(r, agreements.get(r.pk)) for r in recipients if r.kind == Recipient.Kind.PARTNER
        ],
        modes=modes,
        receivers=receivers,
    )


FORM_NUMBERS = {Kind.IMPACT: "Mẫu số 10", Kind.TRANSFER: "Mẫu số 09"}


def document_context(dossier: Dossier) -> dict[str, object]:
    """What templates/dossiers/dossier_document.html shows (rendered in Vietnamese)."""
    from complaints.incidents import organisation_context

    transfer = dossier.kind == Kind.TRANSFER
    if transfer:
        heading = _("IMPACT ASSESSMENT OF THE CROSS-BORDER TRANSFER OF PERSONAL DATA")
        part_b = [
            (
                _("I. THE PARTY TRANSFERRING ON THE TRANSFERRING PARTY'S BEHALF"),
                [],
                "part-b-behalf",
            ),
            (
                _("II. THE RECIPIENTS OF PERSONAL DATA ABROAD"),
                dossier.receivers,
                "part-b-receivers",
            ),
            (_("III. OTHER PARTIES"), [], "part-b-others"),
        ]
    else:
        heading = _("IMPACT ASSESSMENT OF THE PROCESSING OF PERSONAL DATA")
        part_b = [
            (_("I. THE CONTROLLERS OF PERSONAL DATA"), [], "part-b-controllers"),
            (_("II. THE PROCESSORS OF PERSONAL DATA"), dossier.processors, "part-b-processors"),
            (_("III. THE THIRD PARTIES"), dossier.third_parties, "part-b-third-parties"),
        ]
    return {
        **organisation_context(),
        "dossier": dossier,
        "narrative": dossier.narrative,
        "dpo": dossier.dpo,
        "transfer": transfer,
        "form_number": FORM_NUMBERS[Kind(dossier.kind)],
        "heading": heading,
        "part_b": part_b,
        "compliance_report": _compliance_line(),
    }


def _compliance_line() -> str:
    """§ A.II.12 (Mẫu 10) / 10 (Mẫu 09): the form, time and result of the last issued report."""
    from dossiers.selectors import latest_compliance_report

    report = latest_compliance_report()
    if report is None or report.issued_at is None:
        return ""
    return _(
        "The DPO's periodic compliance report (Decree 356/2025 Art. 14(1)(c)) for %(start)s–"
        "%(end)s, issued on %(issued)s: findings: %(findings)s; measures proposed: %(measures)s"
    ) % {
        "start": local_date(report.period_start),
        "end": local_date(report.period_end),
        "issued": local_date(report.issued_at),
        "findings": report.findings,
        "measures": report.measures,
    }


def dossier_html(kind: str) -> str:
    from django.template.loader import render_to_string
    from django.utils import translation

    dossier = dossier_build(kind)
    with translation.override("vi"):
        return render_to_string("dossiers/dossier_document.html", document_context(dossier))


def covering_letter_html(filing: DossierFiling) -> str:
    """Mẫu số 02a (the first impact assessment), 01a (the first transfer dossier) or 03a (an
    update of either), filled from the controller profile and the filing (Decree 356/2025
    Art. 18(2), 19(4), 20(3))."""
    from django.template.loader import render_to_string
    from django.utils import translation

    from complaints.incidents import document_date_line, organisation_context

    context = organisation_context()
    controller = context["controller"]
    if filing.form == DossierFiling.Form.UPDATE:
        form_number = "Mẫu số 03a"
    elif filing.kind == Kind.TRANSFER:
        form_number = "Mẫu số 01a"
    else:
        form_number = "Mẫu số 02a"
    with translation.override("vi"):
        dossier_name = (
            _("the impact assessment of the cross-border transfer of personal data")
            if filing.kind == Kind.TRANSFER
            else _("the impact assessment of the processing of personal data")
        )
        return render_to_string(
            "dossiers/covering_letter.html",
            {
                **context,
                "filing": filing,
                "form_number": form_number,
                "update": filing.form == DossierFiling.Form.UPDATE,
                "dossier_name": dossier_name,
                "date_line": document_date_line(
                    controller.document_place if controller else "", filing.filed_on
                ),
                "change_lines": [
                    line.strip() for line in filing.change_content.splitlines() if line.strip()
                ],
                "attachments": [
                    _("The dossier on %(form)s") % {"form": FORM_NUMBERS[Kind(filing.kind)]},
                    *dossier_build(filing.kind).annexes,
                ],
            },
        )
