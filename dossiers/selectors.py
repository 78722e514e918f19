"""Reads of dossiers/ that other documents call."""

from __future__ import annotations

from dossiers.models import ComplianceReport


def latest_compliance_report() -> ComplianceReport | None:
    """The last issued compliance report (Decree 356/2025/NĐ-CP Art. 14(1)(c)): the one Mẫu số
    09 and 10 item 10 cite (its form: the DPO's periodic report; its date: issued_at; its result:
    figures, findings, measures). Drafts are not evidence: never returned."""
    return (
        ComplianceReport.objects.filter(issued_at__isnull=False)
        .select_related("issued_by")
        .order_by("-period_end", "-issued_at", "-id")
        .first()
    )
