from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    """The shop's systems talk to pdpdesk here (/api/v1/): above every other app, it calls their
    services and never writes a table itself except its keys."""

    name = "api"
    verbose_name = _("API for the shop's systems")
    default_auto_field = "django.db.models.BigAutoField"
