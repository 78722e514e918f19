"""Text helpers shared by search and storage."""

import unicodedata


def fold_vietnamese(text: str) -> str:
    """Lower case without diacritics: "Nguyễn Văn Đức" → "nguyen van duc".

    Staff type names without accents; the folded copy is what name search matches.
    """
    text = (text or "").replace("Đ", "D").replace("đ", "d")
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.lower().split())
