"""Evidence files: PDF, JPEG or PNG, at most 10 MB each and 5 per complaint, recognised by what
they contain, never by their name or by the type the browser claims."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_FILES = 5
MAX_BYTES = 10 * 1024 * 1024

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@dataclass(frozen=True)
class CheckedFile:
    upload: Any  # an UploadedFile (or any file object with .name, .size, .read, .seek)
    content_type: str
    size: int
    sha256: str


def _read_all(upload: Any) -> bytes:
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    return data if isinstance(data, bytes) else bytes(data)


def sniff(data: bytes) -> str | None:
    """The type the bytes really are, or None. Beyond the first bytes, each format's structure
    must be there: a PNG's header chunk and end, a JPEG's start and end of image, a PDF's
    end-of-file marker."""
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


def check_files(uploads: Sequence[Any]) -> list[CheckedFile]:
    """The files as they may be stored, or ValidationError with one message per bad file."""
    uploads = [upload for upload in uploads if upload is not None]
    if len(uploads) > MAX_FILES:
        raise ValidationError(
            _("Send at most %(max)d files (you chose %(count)d)."),
            code="too_many_files",
            params={"max": MAX_FILES, "count": len(uploads)},
        )
    checked: list[CheckedFile] = []
    errors: list[ValidationError] = []
    for upload in uploads:
        name = str(getattr(upload, "name", "") or _("(no name)"))
        size = int(getattr(upload, "size", 0) or 0)
        if size > MAX_BYTES:
            errors.append(
                ValidationError(
                    _("“%(name)s” is larger than 10 MB."),
                    code="file_too_large",
                    params={"name": name},
                )
            )
            continue
        if size == 0:
            errors.append(
                ValidationError(_("“%(name)s” is empty."), code="file_empty", params={"name": name})
            )
            continue
        data = _read_all(upload)
        content_type = sniff(data)
        if content_type is None:
            errors.append(
                ValidationError(
                    _("“%(name)s” is not a PDF, JPEG or PNG file (or it is damaged)."),
                    code="file_type",
                    params={"name": name},
                )
            )
            continue
        checked.append(
            CheckedFile(upload, content_type, len(data), hashlib.sha256(data).hexdigest())
        )
    if errors:
        raise ValidationError(errors)
    return checked
