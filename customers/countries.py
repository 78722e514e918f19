"""Where data is stored or processed: the countries a recipient or a system may be in (ISO 3166-1
alpha-2), named in the staff's language. Anything outside Vietnam is a cross-border transfer
(Law 91/2025/QH15 Art. 20)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

VIETNAM = "VN"


class Country(models.TextChoices):
    VN = "VN", _("Vietnam")
    SG = "SG", _("Singapore")
    US = "US", _("United States")
    IE = "IE", _("Ireland")
    DE = "DE", _("Germany")
    NL = "NL", _("Netherlands")
    FR = "FR", _("France")
    GB = "GB", _("United Kingdom")
    JP = "JP", _("Japan")
    KR = "KR", _("South Korea")
    CN = "CN", _("China")
    HK = "HK", _("Hong Kong")
    TW = "TW", _("Taiwan")
    TH = "TH", _("Thailand")
    MY = "MY", _("Malaysia")
    ID = "ID", _("Indonesia")
    PH = "PH", _("Philippines")
    IN = "IN", _("India")
    AU = "AU", _("Australia")
    CA = "CA", _("Canada")


def is_abroad(country: str) -> bool:
    return bool(country) and country != VIETNAM
