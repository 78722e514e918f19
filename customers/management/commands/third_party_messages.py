"""`python manage.py third_party_messages`: bring locale_third_party/ up to date with the messages
of the third-party screens staff use that have no Vietnamese of their own.

Django's admin, auth, contenttypes and sessions ship a Vietnamese catalogue with gaps (the
admin's screen-reader labels, the theme toggle, the filter counts); django-celery-beat,
django-axes and django-simple-history ship none. Their messages — the entries of the English
(Django) or of every shipped (the packages) catalogue, minus what Django's Vietnamese already
translates — are kept in locale_third_party/vi/LC_MESSAGES/{django,djangojs}.po, listed in
LOCALE_PATHS after our own catalogue. This command adds a new message (untranslated, for
`make messages` to report), keeps every translation, and drops what the packages no longer
have. tests/test_translations.py fails while any of them is untranslated.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polib
from django.conf import settings
from django.core.management.base import BaseCommand

Key = tuple[str | None, str, str]  # msgctxt, msgid, msgid_plural

DJANGO_APPS = ("admin", "auth", "contenttypes", "sessions")
PACKAGES = ("django_celery_beat", "axes", "simple_history")
DOMAINS = ("django", "djangojs")


def catalogue_path(domain: str) -> Path:
    return Path(settings.BASE_DIR) / "locale_third_party" / "vi" / "LC_MESSAGES" / f"{domain}.po"


def _keys(po: polib.POFile, *, translated_only: bool = False) -> dict[Key, polib.POEntry]:
    return {
        (entry.msgctxt, entry.msgid, entry.msgid_plural): entry
        for entry in po
        if entry.msgid and not entry.obsolete and (entry.translated() or not translated_only)
    }


def wanted_entries(domain: str) -> dict[Key, polib.POEntry]:
    """The messages of the third-party screens that nothing translates into Vietnamese yet."""
    import django

    wanted: dict[Key, polib.POEntry] = {}
    contrib = Path(django.__file__).parent / "contrib"
    for app in DJANGO_APPS:
        english = contrib / app / "locale" / "en" / "LC_MESSAGES" / f"{domain}.po"
        vietnamese = contrib / app / "locale" / "vi" / "LC_MESSAGES" / f"{domain}.po"
        if not english.is_file():
            continue
        done = (
            _keys(polib.pofile(str(vietnamese)), translated_only=True)
            if vietnamese.is_file()
            else {}
        )
        wanted.update(
            (key, entry)
            for key, entry in _keys(polib.pofile(str(english))).items()
            if key not in done
        )
        if domain == "django":  # messages newer than the English catalogue too
            for msgid in sorted(_source_messages(contrib / app)):
                if (None, msgid, "") not in done:
                    wanted.setdefault((None, msgid, ""), polib.POEntry(msgid=msgid))
    for name in PACKAGES:
        package = Path(str(__import__(name).__file__)).parent
        for shipped in sorted(package.glob(f"locale/*/LC_MESSAGES/{domain}.po")):
            for key, entry in _keys(polib.pofile(str(shipped))).items():
                wanted.setdefault(key, entry)
        if domain == "django":
            # The shipped catalogues lag behind the code: read the code's own messages too.
            for msgid in sorted(_source_messages(package)):
                wanted.setdefault((None, msgid, ""), polib.POEntry(msgid=msgid))
    return wanted


_GETTEXT = {"_", "gettext", "gettext_lazy", "gettext_noop", "pgettext", "pgettext_lazy"}
_TEMPLATE_TAG = re.compile(r"""{%\s*(?:trans|translate)\s+(?:"([^"]+)"|'([^']+)')""")


def _python_messages(source: str) -> Iterator[str]:
    """The literal message of each _("…")/gettext_lazy("…") call (adjacent literals joined)."""
    tokens = [
        token
        for token in tokenize.generate_tokens(io.StringIO(source).readline)
        if token.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT)
    ]
    for index, token in enumerate(tokens[:-2]):
        if token.type != tokenize.NAME or token.string not in _GETTEXT:
            continue
        if tokens[index + 1].string != "(":
            continue
        parts = []
        for following in tokens[index + 2 :]:
            if following.type != tokenize.STRING or following.string.lstrip("rbRB")[:1] in "fF":
                break
            parts.append(ast.literal_eval(following.string))
        if parts and token.string.startswith("pgettext"):
            continue  # a context is not a message
        if parts and all(isinstance(part, str) for part in parts):
            yield "".join(parts)


def _source_messages(package: Path) -> set[str]:
    found: set[str] = set()
    for path in package.rglob("*.py"):
        if "migrations" in path.parts or "tests" in path.parts:
            continue
        found.update(_python_messages(path.read_text(encoding="utf-8")))
    for path in package.rglob("*.html"):
        for match in _TEMPLATE_TAG.finditer(path.read_text(encoding="utf-8")):
            found.add(match.group(1) or match.group(2))
    return {message for message in found if message.strip()}


def catalogue_update(domain: str) -> tuple[int, int, int]:
    """Add what is wanted, drop what is not; returns (added, dropped, untranslated)."""
    path = catalogue_path(domain)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.is_file():
        po = polib.pofile(str(path), wrapwidth=0)
    else:
        po = polib.POFile(wrapwidth=0)
        po.metadata = {
            "Project-Id-Version": "pdpdesk (third-party screens)",
            "Language": "vi",
            "MIME-Version": "1.0",
            "Content-Type": "text/plain; charset=UTF-8",
            "Content-Transfer-Encoding": "8bit",
            "Plural-Forms": "nplurals=1; plural=0;",
        }
    wanted = wanted_entries(domain)
    have = _keys(po)
    added = 0
    for key, source in sorted(wanted.items(), key=lambda item: (item[0][1], item[0][0] or "")):
        if key in have:
            continue
        entry = polib.POEntry(msgctxt=source.msgctxt, msgid=source.msgid, msgstr="")
        if source.msgid_plural:
            entry.msgid_plural = source.msgid_plural
            entry.msgstr = ""
            entry.msgstr_plural = {0: ""}
        entry.flags = [flag for flag in source.flags if flag.endswith("-format")]
        po.append(entry)
        added += 1
    dropped = [entry for key, entry in have.items() if key not in wanted]
    for entry in dropped:
        po.remove(entry)
    po.save(str(path))
    untranslated = sum(1 for entry in po if not entry.translated())
    return added, len(dropped), untranslated


class Command(BaseCommand):
    help = "Refresh locale_third_party/ with the third-party screens' messages."

    def handle(self, *args: Any, **options: Any) -> None:
        for domain in DOMAINS:
            added, dropped, untranslated = catalogue_update(domain)
            self.stdout.write(
                f"{catalogue_path(domain)}: {added} added, {dropped} dropped, "
                f"{untranslated} to translate"
            )
