import datetime
from typing import Any

from django.apps import AppConfig
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class RetentionConfig(AppConfig):
    name = "retention"
    verbose_name = _("Retention and erasure")
    # Loaded by seed_demo after the apps below: the erasure request of the demo deletion request.
    demo_data = "retention.demo_data.demo_data_load"

    def ready(self) -> None:
        # A deletion request's status page shows how its erasure ended: retention adds that part
        # to complaints' page, so that complaints never names retention.
        from complaints.views import STATUS_SECTIONS, StatusSection
        from customers.customer_summary import register_summary
        from retention.customer_summary import retention_sections

        STATUS_SECTIONS.append(
            StatusSection("retention/complaint_status_erasure.html", _erasure_status)
        )
        # A customer's page shows their legal holds and open erasure requests.
        register_summary(retention_sections)


def _erasure_status(complaint: Any) -> dict[str, Any] | None:
    from retention.models import ErasureRequest

    erasure = ErasureRequest.objects.filter(complaint=complaint).first()
    if erasure is None:
        return None
    kept = _what_remains(erasure) if erasure.status == ErasureRequest.Status.EXECUTED else []
    return {"erasure": erasure, "kept": kept}


def _what_remains(erasure: Any) -> list[str]:
    """What is still kept after the erasure, why and until when — never "nothing" while orders,
    invoice numbers or keyed codes remain (Law 91/2025/QH15 Art. 14(5))."""
    from django.utils.translation import gettext

    from customers.kernel.text import local_date
    from customers.models import Order
    from retention.models import ErasureReceipt, RetentionRule
    from retention.services import ACCOUNTING_MINIMUM_MONTHS

    kept = [
        gettext(
            "The record of this request and of our answer, with your phone number and email "
            "replaced by a code that only lets you look it up here."
        ),
        gettext("A receipt of the deletion (when, and how many records), without your data."),
    ]
    # The orders lost their link to the customer: the receipt says whether there were any.
    receipt = (
        ErasureReceipt.objects.filter(customer_id=erasure.customer_id)
        .order_by("-erased_at")
        .first()
    )
    if receipt is not None and receipt.counts.get(Order._meta.label):
        rule = RetentionRule.objects.filter(
            target=RetentionRule.Target.ORDER_ACCOUNTING, is_active=True
        ).first()
        months = rule.period_months if rule and rule.period_months else ACCOUNTING_MINIMUM_MONTHS
        # Kept from the end of the fiscal year of the last order (31/12), which is at the latest
        # the year of the erasure.
        year = timezone.localtime(receipt.erased_at).year + months // 12
        kept.append(
            gettext(
                "Your orders' accounting records (reference, date, amount, invoice number), "
                "without your name, phone or address, until %(date)s at the latest: the Law on "
                "Accounting 2015 Art. 41 requires them."
            )
            % {"date": local_date(datetime.date(year, 12, 31))}
        )
    return kept
