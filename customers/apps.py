import axes.apps
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    # Two configs in this module: without this, "customers" in INSTALLED_APPS gets a plain
    # AppConfig and the menu says "Customers" in English.
    default = True
    name = "customers"
    verbose_name = _("Customers and consents")


class LoginProtectionConfig(axes.apps.AppConfig):
    """django-axes under a name staff understand (axes gives its app none: "Axes")."""

    verbose_name = _("Login protection")
