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


def dossier_attention_items(user: object) -> list[object]:
    """The dossiers whose filing or update is due within 7 days, or late (Law 91/2025/QH15
    Art. 21–22; Decree 356/2025/NĐ-CP Art. 20), as the morning reminder counts them."""
    from django.urls import reverse
    from django.utils import timezone
    from django.utils.translation import gettext_lazy as _

    from customers.kernel.attention import Item
    from dossiers import filings
    from dossiers.models import DossierFiling

    if not user.has_perm("dossiers.view_dossierfiling"):  # type: ignore[attr-defined]  # a user
        return []
    today = timezone.localdate()
    items: list[object] = []
    for kind in DossierFiling.Kind.values:
        status = filings.dossier_status(kind, today=today)
        if status.due_on is None or (status.due_on - today).days > max(filings.REMIND_DAYS_BEFORE):
            continue
        items.append(
            Item(
                status.label,
                1,
                reverse("admin:dossiers_dossierfiling_changelist") + f"?kind__exact={kind}",
                figure=status.due_on.strftime("%d/%m"),
                tone="danger" if status.overdue else "warning",
                detail=_("%(what)s, by %(date)s")
                % {"what": status.due_for, "date": status.due_on.strftime("%d/%m/%Y")},
                section=_("Dossiers to file or update"),
            )
        )
    return items
