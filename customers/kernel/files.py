"""Uploaded files as pdpdesk keeps them: recognised by what they contain (never by their name or
by the type the browser claims), stored under a random name with the extension of what they
are (the uploaded name may itself be personal: "CCCD Nguyen Van An.jpg"), and downloaded under
a name that says what they are, not who sent them."""

from __future__ import annotations

import secrets
from email import message_from_bytes
from email import policy as email_policy
from typing import Any

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
EML = "message/rfc822"
EXTENSIONS = {PDF: "pdf", JPEG: "jpg", PNG: "png", EML: "eml"}
# What an email message file must carry to say who sent it and when (RFC 5322 §3.6).
EML_REQUIRED_HEADERS = ("From", "Date")

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def read_all(upload: Any) -> bytes:
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    return data if isinstance(data, bytes) else str(data).encode()


def sniff(data: bytes) -> str | None:
    """The type the bytes really are (PDF, JPEG or PNG), or None. Beyond the first bytes, each
    format's structure must be there: a PNG's header chunk and end, a JPEG's start and end of
    image, a PDF's end-of-file marker."""
    if data.startswith(_PNG_SIGNATURE):
        if data[12:16] == b"IHDR" and b"IEND" in data[-16:]:
            return PNG
        return None
    if data.startswith(b"\xff\xd8\xff"):
        if data.rstrip(b"\x00\r\n ")[-2:] == b"\xff\xd9":
            return JPEG
        return None
    # The PDF header may follow a little junk (ISO 32000-1 §7.5.2 readers look in the first KB).
    header_at = data.find(b"%PDF-", 0, 1024)
    if header_at != -1 and b"%%EOF" in data[-2048:]:
        return PDF
    return None


def sniff_email(data: bytes) -> str | None:
    """EML when the bytes are an email message (RFC 5322) with at least a sender and a date,
    else None. Only where an email is expected: sniff() never says EML, so an upload that asks
    for a scan still takes PDF, JPEG or PNG only."""
    if not data or b"\x00" in data[:4096]:
        return None  # binary content is no message
    head = data.lstrip()[:1]
    if head in (b"<", b"%", b"{"):  # HTML, a PDF, JSON: never read as headers
        return None
    message = message_from_bytes(data, policy=email_policy.compat32)
    if all(str(message.get(name, "")).strip() for name in EML_REQUIRED_HEADERS):
        return EML
    return None


def random_name(content_type: str, folder: str = "") -> str:
    """``folder``/<32 random hex digits>.<the extension of the recognised type>."""
    name = f"{secrets.token_hex(16)}.{EXTENSIONS.get(content_type, 'bin')}"
    return f"{folder.rstrip('/')}/{name}" if folder else name


def download_name(stem: str, content_type: str) -> str:
    """A file's name on the staff member's disk: the record's reference and the extension of
    what the content was recognised as, whatever name it was sent under (a PDF/HTML polyglot
    sent as "x.html" downloads as ".pdf")."""
    return f"{stem}.{EXTENSIONS.get(content_type, 'bin')}"


def content_type_of(name: str) -> str:
    """The type a stored file was recognised as, from the extension random_name gave it."""
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return next(
        (ct for ct, ext in EXTENSIONS.items() if ext == extension), "application/octet-stream"
    )
