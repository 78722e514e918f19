"""Retention's part of seed_demo (RetentionConfig.demo_data): the demo deletion request, filed
on the complaint desk, gets its erasure request, waiting for the requester's identity to be
verified."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from complaints.models import Complaint, Kind
from customers import roles
from retention import services


def demo_data_load(*, logins: dict[str, Any], now: datetime.datetime, report: Any) -> None:
    cskh = logins.get(roles.CUSTOMER_CARE)
    deletions = Complaint.objects.filter(
        kind=Kind.DELETION, customer__isnull=False, erasure_request__isnull=True
    ).order_by("pk")
    made = 0
    for complaint in deletions if cskh is not None else ():
        try:
            with transaction.atomic():
                services.complaint_request_erasure(complaint=complaint, actor=cskh)
        except (PermissionDenied, ValidationError) as error:
            reason = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
            report.left_out.append(f"erasure request of {complaint}: {reason}")
        else:
            made += 1
    report.made_by_apps.append((_("Erasure requests filed"), made))
