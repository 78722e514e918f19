"""The error pages: in the visitor's language, with the security headers (SecurityHeadersMiddleware
adds them on the way out, as for any page), and without reading the request's body again.

Django's own 400 and 403 views run the CSRF check, which reads request.POST: a body that Django
refused to parse (a form posted as UTF-16, say) is refused a second time there, and the 400
became a 500. These views read nothing of the request but its path, and the page names no
record, so that it cannot fail on the database either.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

PAGES: dict[int, tuple[Any, Any]] = {
    400: (
        _("The request could not be read"),
        _(
            "Your browser sent something this page cannot read. Go back, reload the page and "
            "try again."
        ),
    ),
    403: (
        _("Not allowed"),
        _(
            "This page is not open to you, or the form you sent had expired. Reload the page and "
            "try again."
        ),
    ),
    404: (
        _("Page not found"),
        _("There is no page at this address. The links below lead to what this site offers."),
    ),
    500: (
        _("Something went wrong on our side"),
        _("The page could not be shown. Nothing you sent is lost: try again in a few minutes."),
    ),
}


def _page(request: HttpRequest, status: int) -> HttpResponse:
    title, text = PAGES[status]
    context = {"request": request, "status": status, "title": title, "text": text}
    return HttpResponse(render_to_string("error.html", context), status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(request, 400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(request, 403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(request, 404)


def server_error(request: HttpRequest) -> HttpResponse:
    return _page(request, 500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: an expired or missing form token, told as a 403 page."""
    return _page(request, 403)
