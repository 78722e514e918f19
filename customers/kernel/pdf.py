"""Printable documents as PDF files: a rendered HTML page through WeasyPrint.

WeasyPrint needs Pango and HarfBuzz from the system, and fonts that cover Vietnamese (Debian:
libpango-1.0-0, libpangoft2-1.0-0, libharfbuzz-subset0, fonts-dejavu-core; `make pdf-libs`). A
machine without them raises PdfUnavailable, which the pages turn into a message for staff.
"""

from __future__ import annotations

import importlib
from typing import Any


class PdfUnavailable(RuntimeError):
    """WeasyPrint or the system libraries it loads are missing."""


def weasyprint() -> Any:
    """The weasyprint module, or PdfUnavailable naming what is missing."""
    try:
        return importlib.import_module("weasyprint")
    except (ImportError, OSError) as error:  # OSError: a system library did not load
        raise PdfUnavailable(f"{type(error).__name__}: {error}") from error


def html_to_pdf(html: str, *, title: str = "") -> bytes:
    """The PDF of a complete HTML page (its own <style>, no external files)."""
    document = weasyprint().HTML(string=html).render()
    if title:
        document.metadata.title = title
    pdf: bytes = document.write_pdf()
    return pdf
