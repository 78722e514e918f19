"""The admin app with pdpdesk's site (config/admin.py: the menu in the order of use)."""

from django.contrib.admin.apps import AdminConfig


class PdpAdminConfig(AdminConfig):
    default_site = "config.admin.PdpAdminSite"
