"""The writes of dossiers/: one way in, for the admin and the demo data alike."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.kernel import files, pdf
from customers.kernel.text import local_date, local_datetime
from customers.kernel.writes import Actor, copy_saved, lock, require_permission, save, staff_or_none
from dossiers.models import (
    ComplianceReport,
    DossierFiling,
    DossierNarrative,
    DossierRisk,
    DpoAppointment,
    DpoTraining,
    ProcessingService,
    ProcessingSystem,
)


@transaction.atomic
def processing_system_save(*, system: ProcessingSystem, actor: Actor) -> ProcessingSystem:
    """Add or change a system where personal data is stored or processed (its purposes are set
    by the caller after the save, as a form's many-to-many are)."""
    permission = (
        "dossiers.change_processingsystem" if system.pk else "dossiers.add_processingsystem"
    )
    require_permission(actor, permission, _("Your role may not keep the processing systems."))
    if isinstance(system.data_items, list):
        system.data_items = sorted(set(system.data_items), key=_item_order)
    save(system, actor=actor)
    return system


def _item_order(item: str) -> tuple[int, ...]:
    numbers = []
    for part in item.split("."):
        numbers.append(int(part) if part.isdigit() else 100 + ord(part[0]) * 4 + len(part))
    return tuple(numbers)


@transaction.atomic
def dossier_filing_save(
    *, filing: DossierFiling, actor: Actor, upload: object = None
) -> DossierFiling:
    """Record a filing (or the agency's answer to it). A new filing keeps the dossier as filed —
    the uploaded PDF, or the one pdpdesk makes of Mẫu số 10/09 now — and its covering letter
    (Mẫu số 02a/01a/03a); an update without its changes written gets those found since the last
    filing (Decree 356/2025 Art. 20(3), Mẫu số 03a § 2). Files under random names."""
    from dossiers import documents, filings

    permission = "dossiers.change_dossierfiling" if filing.pk else "dossiers.add_dossierfiling"
    require_permission(actor, permission, _("Your role may not record filings."))
    if filing.filed_on and filing.filed_on > timezone.localdate():
        raise ValidationError(
            {"filed_on": ValidationError(_("A filing cannot be in the future."), code="future")}
        )
    new = filing.pk is None
    earlier = DossierFiling.objects.filter(kind=filing.kind).exclude(pk=filing.pk)
    if filing.form == DossierFiling.Form.UPDATE and not earlier.exists():
        raise ValidationError(
            {
                "form": ValidationError(
                    _("There is no earlier filing of this dossier to update: file it first."),
                    code="no_first_filing",
                )
            }
        )
    if upload is not None:
        data = files.read_all(upload)
        if files.sniff(data) != "application/pdf" or len(data) > 20 * 1024 * 1024:
            raise ValidationError(
                {
                    "file": ValidationError(
                        _("The dossier must be a PDF file of at most 20 MB."), code="file_kind"
                    )
                }
            )
        filing.file = ContentFile(data, files.random_name("application/pdf"))
    if new and filing.form == DossierFiling.Form.UPDATE and not filing.change_content.strip():
        last = earlier.filter(filed_on__lte=filing.filed_on).order_by("-filed_on", "-id").first()
        if last is not None:
            filing.change_content = "\n".join(
                f"{change.on.strftime('%d/%m/%Y')}: {change.what}"
                for change in filings.changes_since(filing.kind, last.filed_on)
            )
    if new:
        try:
            if not filing.file:
                filing.file = ContentFile(
                    pdf.html_to_pdf(documents.dossier_html(filing.kind)),
                    files.random_name("application/pdf"),
                )
            filing.covering_letter = ContentFile(
                pdf.html_to_pdf(documents.covering_letter_html(filing)),
                files.random_name("application/pdf"),
            )
        except pdf.PdfUnavailable as error:
            raise ValidationError(
                _(
                    "The dossier's PDF cannot be made on this server (its PDF libraries are"
                    " missing: make pdf-libs)."
                ),
                code="pdf_unavailable",
            ) from error
    save(filing, actor=actor)
    return filing


@transaction.atomic
def dossier_narrative_save(*, narrative: DossierNarrative, actor: Actor) -> DossierNarrative:
    """What the DPO writes into a dossier (its history kept: a filed version names what it said)."""
    permission = (
        "dossiers.change_dossiernarrative" if narrative.pk else "dossiers.add_dossiernarrative"
    )
    require_permission(actor, permission, _("Your role may not write the dossiers."))
    unknown = set(narrative.processing_services or []) - set(ProcessingService.values)
    if unknown:
        raise ValidationError(
            {
                "processing_services": ValidationError(
                    _("Unknown services: %(services)s."),
                    code="unknown_services",
                    params={"services": ", ".join(sorted(unknown))},
                )
            }
        )
    save(narrative, actor=actor)
    return narrative


@transaction.atomic
def dossier_risk_save(*, risk: DossierRisk, actor: Actor) -> DossierRisk:
    """An impact the DPO assessed, with the five points of Mẫu số 09/10 § A.III.2."""
    permission = "dossiers.change_dossierrisk" if risk.pk else "dossiers.add_dossierrisk"
    require_permission(actor, permission, _("Your role may not write the dossiers."))
    save(risk, actor=actor)
    return risk


def _document(upload: object, field: str) -> ContentFile[bytes]:
    """A signed document or certificate: PDF, JPEG or PNG told by its content, at most 10 MB,
    stored under a random name (the uploaded one may name the person)."""
    data = files.read_all(upload)
    kind = files.sniff(data)
    if kind not in ("application/pdf", "image/jpeg", "image/png") or len(data) > 10 * 1024 * 1024:
        raise ValidationError(
            {
                field: ValidationError(
                    _("A PDF, JPEG or PNG file of at most 10 MB."), code="file_kind"
                )
            }
        )
    return ContentFile(data, files.random_name(kind or ""))


@transaction.atomic
def dpo_appointment_save(
    *, appointment: DpoAppointment, actor: Actor, uploads: dict[str, object] | None = None
) -> DpoAppointment:
    """Record the DPO's appointment (Decree 356/2025 Art. 13): the conditions (a) and (b) are
    checked by the model; (c), the training, is recorded apart (dpo_training_save)."""
    permission = (
        "dossiers.change_dpoappointment" if appointment.pk else "dossiers.add_dpoappointment"
    )
    require_permission(actor, permission, _("Your role may not record the DPO's appointment."))
    for field, upload in (uploads or {}).items():
        setattr(appointment, field, _document(upload, field))
    save(appointment, actor=actor)
    return appointment


@transaction.atomic
def dpo_training_save(*, training: DpoTraining, actor: Actor, upload: object = None) -> DpoTraining:
    permission = "dossiers.change_dpotraining" if training.pk else "dossiers.add_dpotraining"
    require_permission(actor, permission, _("Your role may not record the DPO's training."))
    if training.completed_on and training.completed_on > timezone.localdate():
        raise ValidationError(
            {
                "completed_on": ValidationError(
                    _("A training cannot be completed in the future."), code="future"
                )
            }
        )
    if upload is not None:
        training.certificate_file = _document(upload, "certificate_file")
    save(training, actor=actor)
    return training


def _report_stored(report: ComplianceReport) -> ComplianceReport | None:
    return lock(report) if report.pk else None


@transaction.atomic
def compliance_report_save(*, report: ComplianceReport, actor: Actor) -> ComplianceReport:
    """Open or change a draft report: its period, the months until the next one, the DPO's
    findings and proposed measures. An issued report is evidence: it is never changed."""
    permission = (
        "dossiers.change_compliancereport" if report.pk else "dossiers.add_compliancereport"
    )
    require_permission(actor, permission, _("Your role may not keep compliance reports."))
    stored = _report_stored(report)
    if stored is not None and stored.is_issued:
        raise ValidationError(
            _("The report was issued on %(date)s: it is kept as it was and cannot be changed."),
            code="issued",
            params={"date": local_datetime(stored.issued_at)},
        )
    report.figures, report.issued_at, report.issued_by, report.document = {}, None, None, ""
    save(report, actor=actor)
    return report


@transaction.atomic
def compliance_report_issue(*, report: ComplianceReport, actor: Actor) -> ComplianceReport:
    """Issue the report (Decree 356/2025/NĐ-CP Art. 14(1)(c)): the figures computed now are kept
    as they are, with the PDF in Vietnamese; from then on nothing of it changes. Refused before
    the period has ended, without findings and measures, or when the PDF cannot be made."""
    from django.template.loader import render_to_string
    from django.utils import translation

    from customers.kernel import pdf
    from dossiers import compliance_report

    require_permission(
        actor, "dossiers.issue_compliancereport", _("Your role may not issue compliance reports.")
    )
    stored = lock(report)
    if stored.is_issued:
        raise ValidationError(
            _("The report was already issued on %(date)s."),
            code="issued",
            params={"date": local_datetime(stored.issued_at)},
        )
    today = timezone.localdate()
    errors: dict[str, ValidationError] = {}
    if stored.period_end >= today:
        errors["period_end"] = ValidationError(
            _("The period ends on %(date)s: issue the report once it is over."),
            code="period_not_over",
            params={"date": local_date(stored.period_end)},
        )
    for field, message in (
        ("findings", _("Write the findings before issuing the report.")),
        ("measures", _("Write the proposed measures before issuing the report.")),
    ):
        if not getattr(stored, field).strip():
            errors[field] = ValidationError(message, code="required")
    if errors:
        raise ValidationError(errors)
    stored.figures = compliance_report.compliance_figures(
        start=stored.period_start, end=stored.period_end
    )
    stored.issued_at = timezone.now()
    stored.issued_by = staff_or_none(actor)
    with translation.override("vi"):
        html = render_to_string(
            "dossiers/compliance_report_document.html",
            {"shown": compliance_report.report_shown(stored)},
        )
    try:
        content = pdf.html_to_pdf(html, title=str(stored))
    except pdf.PdfUnavailable as missing:
        raise ValidationError(
            _(
                "The PDF cannot be made on this server (its PDF libraries are missing: "
                "make pdf-libs): the report was not issued."
            ),
            code="pdf_unavailable",
        ) from missing
    stored.document = ContentFile(content, files.random_name("application/pdf"))
    save(stored, actor=actor)
    copy_saved(report, stored)
    return report
