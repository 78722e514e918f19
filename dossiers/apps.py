from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DossiersConfig(AppConfig):
    """What the DPO files and keeps (Law 91/2025/QH15 Art. 20–22, 33; Decree 356/2025/NĐ-CP
    Art. 17–20, 41), computed from what the apps below already hold."""

    name = "dossiers"
    verbose_name = _("The DPO's dossiers")
    default_auto_field = "django.db.models.BigAutoField"
    # Loaded by seed_demo after the apps below: the processing systems the register names.
    demo_data = "dossiers.demo_data.demo_data_load"
