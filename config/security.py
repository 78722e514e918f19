"""Security headers that Django's SecurityMiddleware does not set.

Every response gets a Permissions-Policy that turns off the browser features pdpdesk never uses.
The public pages (the privacy policy, the complaint form, its status page: everything outside
the admin) also get a strict Content-Security-Policy: they run no script at all, so an injected
one is refused. The admin, under settings.ADMIN_URL, keeps Django's own scripts and is left
without it (Django 5.2's admin was not written for a CSP). The API's documentation page runs
Swagger UI from our own static files: its policy allows scripts from 'self' only.

Referrer-Policy, X-Content-Type-Options and Cross-Origin-Opener-Policy come from
SecurityMiddleware (SECURE_REFERRER_POLICY, SECURE_CONTENT_TYPE_NOSNIFF,
SECURE_CROSS_ORIGIN_OPENER_POLICY); X-Frame-Options from XFrameOptionsMiddleware.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

API_DOCS_PATH = "/api/v1/docs"


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        permissions_policy = getattr(settings, "PERMISSIONS_POLICY", "")
        if permissions_policy:
            response.headers.setdefault("Permissions-Policy", permissions_policy)
        policy = getattr(settings, "PUBLIC_CONTENT_SECURITY_POLICY", "")
        if request.path_info == API_DOCS_PATH:
            policy = getattr(settings, "API_DOCS_CONTENT_SECURITY_POLICY", policy)
        if policy and not is_admin_path(request.path_info):
            response.headers.setdefault("Content-Security-Policy", policy)
        return response


def is_admin_path(path: str) -> bool:
    admin_prefix = "/" + settings.ADMIN_URL.lstrip("/")
    return path.startswith(admin_prefix)
