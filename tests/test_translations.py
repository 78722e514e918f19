"""Vietnamese first: every string in the catalogue is translated and compiled into the shipped
.mo (a new machine has no gettext tools to compile it)."""

import gettext
from pathlib import Path

from django.conf import settings

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


def test_the_interface_speaks_vietnamese() -> None:
    from django.utils import translation

    with translation.override("vi"):
        assert translation.gettext("Consent receipt") == "Biên nhận sự đồng ý"
