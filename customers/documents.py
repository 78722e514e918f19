"""The documents a customer receives from customers/ as PDF files: the consent receipt (Law
91/2025/QH15 Art. 9: consent in a form that can be printed or copied) and the "who received
my data" report (Art. 4(1)(a)). The same body as the printable pages, on a page of its own,
through customers.kernel.pdf (PdfUnavailable without WeasyPrint's libraries)."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from customers.disclosures import DisclosureReport
from customers.kernel import pdf
from customers.selectors import ConsentReceipt


def _document_pdf(body: str, title: str, context: dict[str, Any]) -> bytes:
    html = render_to_string("customers/document.html", {**context, "body": body, "title": title})
    return pdf.html_to_pdf(html, title=title)


def consent_receipt_pdf(receipt: ConsentReceipt) -> bytes:
    return _document_pdf(
        "customers/consent_receipt_body.html", str(_("Consent receipt")), {"receipt": receipt}
    )


def disclosure_report_pdf(report: DisclosureReport) -> bytes:
    return _document_pdf(
        "customers/disclosure_report_body.html",
        str(_("Who received your data")),
        {"report": report},
    )
