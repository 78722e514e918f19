from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "complaints"
    verbose_name = _("Complaints and requests")
    # Loaded by seed_demo after customers' demo data: complaints at every step, two incidents.
    demo_data = "complaints.demo_data.demo_data_load"
