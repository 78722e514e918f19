"""Imports' part of seed_demo (ImportsConfig.demo_data): customer care has tried the sample
customers file in a dry run (nothing written), so that the job's page has rows to show."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.translation import gettext as _

from customers import roles
from imports import services
from imports.models import ImportJob, Kind

SAMPLE = Path(__file__).resolve().parent / "samples" / "khach-hang.csv"


def demo_data_load(*, logins: dict[str, Any], now: datetime.datetime, report: Any) -> None:
    cskh = logins.get(roles.CUSTOMER_CARE)
    if cskh is None or ImportJob.objects.exists():
        return
    upload = SimpleUploadedFile(SAMPLE.name, SAMPLE.read_bytes())
    try:
        job = services.import_job_create(actor=cskh, kind=Kind.CUSTOMERS, upload=upload)
        services.import_job_start(job=job, actor=cskh, mapping=job.mapping, dry_run=True)
        services.import_job_run(job_id=job.pk)
    except (PermissionDenied, ValidationError) as error:
        reason = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
        report.left_out.append(f"import dry run: {reason}")
        return
    report.made_by_apps.append((_("Imports tried (dry run)"), 1))
