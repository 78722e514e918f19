from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_delete, post_migrate, post_save
from django.utils.translation import gettext_lazy as _


def departments_when_none(
    sender: AppConfig, apps: Any = None, using: str = "default", **_: Any
) -> None:
    """The list starts with the departments of seed 004 §7 whenever it is empty: after the
    migration that made it a list, and after a test database is flushed. A list Legal has
    kept (departments are switched off, never deleted) is left as it is."""
    from django.apps import apps as installed

    from complaints.models import DEFAULT_DEPARTMENTS

    apps = apps or installed  # a flush sends no migration state
    try:
        Department = apps.get_model("complaints", "Department")
    except LookupError:  # migrated back before the list existed
        return
    if not Department.objects.using(using).exists():
        Department.objects.using(using).bulk_create(
            [Department(code=code, name=name) for code, name in DEFAULT_DEPARTMENTS.items()]
        )


class ComplaintsConfig(AppConfig):
    name = "complaints"
    verbose_name = _("Complaints and requests")
    # Loaded by seed_demo after customers' demo data: complaints at every step, two incidents.
    demo_data = "complaints.demo_data.demo_data_load"

    def ready(self) -> None:
        from complaints.customer_summary import open_complaints_section
        from complaints.recipient_links import request_link
        from customers import recipient_requests
        from customers.customer_summary import register_summary

        # A request to act takes the customer's request's code and longer period.
        recipient_requests.register_request_link(request_link)
        # A customer's page shows their open complaints (customers never names complaints).
        register_summary(open_complaints_section)
        post_migrate.connect(departments_when_none, sender=self)
        # Each process keeps the deadline rules and holidays until either is written.
        from complaints import deadlines
        from complaints.models import DeadlineRule, PublicHoliday

        for model in (DeadlineRule, PublicHoliday):
            post_save.connect(deadlines.tables_changed, sender=model, dispatch_uid=f"{model}-s")
            post_delete.connect(deadlines.tables_changed, sender=model, dispatch_uid=f"{model}-d")
        post_migrate.connect(deadlines.tables_changed, sender=self)
