"""Vietnamese first: every string in the catalogue is translated and compiled into the shipped
.mo (a new machine has no gettext tools to compile it)."""

import gettext
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

LOCALE = Path(settings.BASE_DIR) / "locale" / "vi" / "LC_MESSAGES"


def test_every_catalogue_entry_is_translated_and_compiled() -> None:
    po_text = (LOCALE / "django.po").read_text(encoding="utf-8")
    po_entries = sum(1 for line in po_text.splitlines() if line.startswith("msgid ")) - 1
    assert "#, fuzzy" not in po_text, "fuzzy entries are not compiled: review them"
    with (LOCALE / "django.mo").open("rb") as mo:
        catalog = gettext.GNUTranslations(mo)._catalog  # type: ignore[attr-defined]  # the stub omits the catalogue
    compiled = {key if isinstance(key, str) else key[0] for key in catalog} - {""}
    # msgfmt leaves untranslated entries out: a gap means a string without Vietnamese, or a
    # .po edited without `make messages`.
    assert len(compiled) == po_entries


@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_the_third_party_screens_have_vietnamese(domain: str) -> None:
    """Every message of the admin, auth, celery-beat, axes and simple-history screens that
    Django's own Vietnamese leaves out is in locale_third_party/, translated and compiled: a
    package upgrade that brings new messages fails here until `make messages` and a translator
    have been through them."""
    import polib

    from customers.management.commands.third_party_messages import (
        catalogue_path,
        wanted_entries,
    )

    path = catalogue_path(domain)
    po = polib.pofile(str(path))
    translated = {(e.msgctxt, e.msgid, e.msgid_plural) for e in po if e.translated()}
    missing = sorted(key[1] for key in wanted_entries(domain) if key not in translated)
    assert not missing, f"not in {path} or untranslated: {missing}"
    assert not po.fuzzy_entries()
    with path.with_suffix(".mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)._catalog  # type: ignore[attr-defined]  # the stub omits the catalogue
    assert len({k if isinstance(k, str) else k[0] for k in compiled} - {""}) == len(po)


def test_the_interface_speaks_vietnamese() -> None:
    from django.utils import translation

    with translation.override("vi"):
        assert translation.gettext("Consent receipt") == "Biên nhận sự đồng ý"


@pytest.mark.django_db
def test_admin_error_summary_and_references_speak_vietnamese(admin_client) -> None:
    """Django's plural "Please correct the errors below." and "reference" (an order's number,
    an incident's, a legal hold's document) in the Vietnamese admin."""
    from django.urls import reverse

    response = admin_client.post(reverse("admin:complaints_publicholiday_add"), {"name": ""})
    page = response.content.decode()
    assert "Hãy sửa các lỗi dưới đây." in page and "Please correct" not in page
    hold_form = admin_client.get(reverse("admin:retention_legalhold_add")).content.decode()
    assert "Số văn bản hoặc vụ việc" in hold_form and "Mã đơn" not in hold_form
    with translation.override("vi"):
        from complaints.models import Incident

        assert str(Incident._meta.get_field("reference").verbose_name) == "số hiệu sự cố"
