"""The periods the law sets for a data subject's requests (Decree 356/2025/NĐ-CP Art. 5), as the
upper bounds of the deadline table: Legal & compliance may shorten a period, never lengthen it.

Counted from a request made by the proper procedure, the day of receipt not counted (Civil Code
2015 Art. 147), in days ("ngày": calendar days); the answer with the procedure comes within 2
working days for every request. The complaint kinds (misuse, leak, other) have no period in the
law: the company chooses theirs.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# Decree 356/2025 Art. 5(2)–(5): "phản hồi trong thời hạn 02 ngày làm việc".
ACKNOWLEDGE_WORKING_DAYS = 2


@dataclass(frozen=True)
class LegalTerms:
    resolve_days: int
    # When a processor or third party must act too; None: the law gives no longer period.
    third_party_days: int | None
    # One extension at most, with its reason told to the person.
    max_extension_days: int
    article: Promise


_CONSENT = LegalTerms(15, 20, 15, _("Decree 356/2025/NĐ-CP Art. 5(2)"))
_ACCESS = LegalTerms(10, 15, 10, _("Decree 356/2025/NĐ-CP Art. 5(3)"))
_DELETION = LegalTerms(20, 30, 20, _("Decree 356/2025/NĐ-CP Art. 5(4)"))
_PROTECTION = LegalTerms(15, None, 15, _("Decree 356/2025/NĐ-CP Art. 5(5)"))

# By complaints.models.Kind value.
LEGAL_TERMS: dict[str, LegalTerms] = {
    "withdraw_consent": _CONSENT,  # withdraw consent
    "stop_marketing": _CONSENT,  # object to processing for marketing (Law 91/2025 Art. 28)
    "restrict_object": _CONSENT,  # restrict or object
    "access": _ACCESS,  # view, receive a copy
    "correction": _ACCESS,  # correct
    "deletion": _DELETION,
    "protective_measures": _PROTECTION,
}


def legal_terms(kind: str) -> LegalTerms | None:
    return LEGAL_TERMS.get(kind)
