"""Celery tasks of dossiers/: they call a service."""

from celery import shared_task

from customers.kernel.locks import job_lock
from dossiers import compliance_report, exemption, filings


@shared_task(acks_late=True, soft_time_limit=120, time_limit=150)
def assess_exemption() -> bool:
    """Every day: is the company still exempt? Kept when the answer changed; the DPO is warned
    when the exemption stops (Decree 356/2025/NĐ-CP Art. 41)."""
    with job_lock("assess_exemption", timeout=300) as lock:
        if lock is None:
            return False
        return exemption.exemption_record() is not None


@shared_task(acks_late=True, soft_time_limit=120, time_limit=150)
def remind_dossiers() -> int:
    """Every morning: the dossiers due in 7 days, tomorrow, or since yesterday (Decree 356/2025
    Art. 19–20), and the DPO's compliance report likewise (Art. 14(1)(c))."""
    with job_lock("remind_dossiers", timeout=300) as lock:
        if lock is None:
            return 0
        return filings.dossiers_remind() + compliance_report.compliance_report_remind()
