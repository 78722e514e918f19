"""Who is calling: an API key, its scopes and its rate limit."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer

from api import errors, keys


class KeyAuth(HttpBearer):
    """``Authorization: Bearer pdp_…``: the key's own user becomes the request's user, so the
    services check its permissions and the history names it."""

    def authenticate(self, request: HttpRequest, token: str) -> keys.KnownKey | None:
        known, wait = keys.authenticate_and_count(token)
        if known is None:
            return None
        if wait:
            raise errors.RateLimited(wait)
        request.user = keys.KNOWN.user(known)
        keys.KNOWN.touch(known)
        return known


def need(request: HttpRequest, scope: str) -> Any:
    """The key's user, when the key has ``scope``."""
    known: keys.KnownKey = request.auth  # type: ignore[attr-defined]  # set by KeyAuth
    if scope not in known.scopes:
        raise errors.ScopeMissing(scope)
    return request.user
