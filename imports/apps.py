from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    """Customers, orders and consents from the spreadsheets a shop kept before pdpdesk (seed 003
    keeps its records by hand): read row by row and written through customers' services, so an
    imported row meets the rules, the history and the attribution a typed one does."""

    name = "imports"
    verbose_name = _("Imports")
    default_auto_field = "django.db.models.BigAutoField"
    demo_data = "imports.demo_data.demo_data_load"

    def ready(self) -> None:
        from customers import exports as customer_exports
        from imports.exports import export_start

        customer_exports.background_export_register(export_start)
