import axes.apps
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "customers"
    verbose_name = _("Customers and consents")


class LoginProtectionConfig(axes.apps.AppConfig):
    """django-axes under a name staff understand (axes gives its app none: "Axes")."""

    verbose_name = _("Login protection")
