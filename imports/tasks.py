"""Celery tasks of imports/: they take ids and call the services."""

from celery import shared_task

from imports.exports import export_files_purge, export_job_run
from imports.services import import_files_purge, import_job_run

# 100,000 rows go through the services one by one: longer than the default limits.
RUN_SOFT_TIME_LIMIT = 3 * 60 * 60
RUN_TIME_LIMIT = RUN_SOFT_TIME_LIMIT + 300


@shared_task(acks_late=True, soft_time_limit=RUN_SOFT_TIME_LIMIT, time_limit=RUN_TIME_LIMIT)
def run_import(job_id: int) -> dict[str, int | str]:
    """Run an import job (a dry run or the import); started over if a worker was lost."""
    job = import_job_run(job_id=job_id)
    if job is None:
        return {"status": "missing"}
    return {"status": job.status, "done": job.done, "failed": job.failed}


@shared_task(acks_late=True, soft_time_limit=300, time_limit=330)
def purge_import_files() -> int:
    """Daily: the files only tried in a dry run, and old per-row results, are deleted."""
    return import_files_purge()


@shared_task(acks_late=True, soft_time_limit=300, time_limit=330)
def purge_export_files() -> int:
    """Hourly: the export files past their expiry (settings.EXPORT_FILE_HOURS) are deleted."""
    return export_files_purge()


@shared_task(acks_late=True, soft_time_limit=RUN_SOFT_TIME_LIMIT, time_limit=RUN_TIME_LIMIT)
def run_export(job_id: int) -> dict[str, int | str]:
    """Make an export's file; started over if a worker was lost."""
    job = export_job_run(job_id=job_id)
    if job is None:
        return {"status": "missing"}
    return {"status": job.status, "done": job.done, "failed": job.failed}
