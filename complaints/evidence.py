"""Evidence files: PDF, JPEG or PNG, at most 10 MB each and 5 per complaint, recognised by what
they contain, never by their name or by the type the browser claims."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from customers.kernel.files import read_all, sniff

MAX_FILES = 5
MAX_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class CheckedFile:
    upload: Any  # an UploadedFile (or any file object with .name, .size, .read, .seek)
    content_type: str
    size: int
    sha256: str


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
        data = read_all(upload)
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
