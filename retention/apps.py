from typing import Any

from django.apps import AppConfig
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

        STATUS_SECTIONS.append(
            StatusSection("retention/complaint_status_erasure.html", _erasure_status)
        )


def _erasure_status(complaint: Any) -> dict[str, Any] | None:
    from retention.models import ErasureRequest

    erasure = ErasureRequest.objects.filter(complaint=complaint).first()
    return None if erasure is None else {"erasure": erasure}
