"""Every error the API gives is a 4xx problem document (RFC 9457, application/problem+json)
naming the field and saying what is wrong, in the caller's language (Accept-Language)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as SchemaError

PROBLEM = "application/problem+json"

# Service refusals that are about the state of a record, not about what was sent.
CONFLICT_CODES = {
    "erased",
    "erasure_pending",
    "customer_not_active",
    "already_withdrawn",
    "already_confirmed",
}


class ScopeMissing(Exception):
    def __init__(self, scope: str) -> None:
        self.scope = scope


class RateLimited(Exception):
    def __init__(self, wait: int) -> None:
        self.wait = wait


def problem(status: int, title: str, *, detail: str = "", **extra: Any) -> JsonResponse:
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body.update(extra)
    return JsonResponse(
        body, status=status, content_type=PROBLEM, json_dumps_params={"ensure_ascii": False}
    )


def field_errors(error: ValidationError) -> list[dict[str, str]]:
    """[{"field": "phone", "message": "…", "code": "invalid"}, …] from a service's refusal (a
    refusal not about one field has the field "")."""
    by_field = (
        error.error_dict.items() if hasattr(error, "error_dict") else [("", error.error_list)]
    )
    return [
        {
            "field": "" if field == "__all__" else field,
            "message": str(e.message % e.params if e.params else e.message),
            "code": e.code or "",
        }
        for field, errors in by_field
        for e in errors
    ]


def refused(error: ValidationError) -> HttpResponse:
    rows = field_errors(error)
    status = 409 if any(row["code"] in CONFLICT_CODES for row in rows) else 422
    return problem(status, _("The request was refused."), errors=rows)


def schema_errors(error: SchemaError) -> list[dict[str, str]]:
    rows = []
    for item in error.errors:
        location = [str(part) for part in item.get("loc", ())]
        # ("body", "payload", "phone") → "phone"; ("query", "purpose") → "purpose"
        parts = [p for p in location if p not in {"body", "query", "path", "payload"}]
        rows.append(
            {
                "field": ".".join(parts) or (location[0] if location else ""),
                "message": _schema_message(item),
                "code": str(item.get("type", "invalid")),
            }
        )
    return rows


def _schema_message(item: dict[str, Any]) -> str:
    kind = str(item.get("type", ""))
    if kind == "missing":
        return _("This field is required.")
    if kind.startswith("string_too_long"):
        return _("Too long: at most %(limit)s characters.") % {
            "limit": item.get("ctx", {}).get("max_length", "")
        }
    if kind in {"too_long", "list_too_long"}:
        return _("Too many items: at most %(limit)s.") % {
            "limit": item.get("ctx", {}).get("max_length", "")
        }
    if kind.startswith(("int_", "float_", "decimal_")):
        return _("Enter a number.")
    if kind.startswith(("date", "datetime")):
        return _("Enter a date as YYYY-MM-DD (or a time as YYYY-MM-DDTHH:MM:SS+07:00).")
    if kind == "enum" or kind == "literal_error":
        return _("Not one of the allowed values.")
    if kind.startswith("string"):
        return _("Enter text.")
    if kind.startswith("bool"):
        return _("Enter true or false.")
    return _("This value is not valid.")


def install(api: Any) -> None:
    """Every exception the API can meet becomes its problem document."""

    @api.exception_handler(SchemaError)
    def _schema(request: HttpRequest, exc: SchemaError) -> HttpResponse:
        return problem(422, _("Some fields are not valid."), errors=schema_errors(exc))

    @api.exception_handler(ValidationError)
    def _refused(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        return refused(exc)

    @api.exception_handler(AuthenticationError)
    def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        response = problem(
            401,
            _("An API key is required."),
            detail=_("Send it as “Authorization: Bearer pdp_…”. The administrator creates keys."),
        )
        response["WWW-Authenticate"] = "Bearer"
        return response

    @api.exception_handler(ScopeMissing)
    def _scope(request: HttpRequest, exc: ScopeMissing) -> HttpResponse:
        return problem(
            403,
            _("This key may not do that."),
            detail=_("It needs the scope “%(scope)s”.") % {"scope": exc.scope},
        )

    @api.exception_handler(PermissionDenied)
    def _denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return problem(403, _("This key may not do that."), detail=str(exc))

    @api.exception_handler(RateLimited)
    def _limited(request: HttpRequest, exc: RateLimited) -> HttpResponse:
        response = problem(
            429,
            _("Too many requests."),
            detail=_("This key's limit per minute is used up: try again in %(seconds)d s.")
            % {"seconds": exc.wait},
        )
        response["Retry-After"] = str(exc.wait)
        return response

    @api.exception_handler(HttpError)
    def _http(request: HttpRequest, exc: HttpError) -> HttpResponse:
        # Django Ninja's own: a body that is not JSON ("Cannot parse request body").
        return problem(
            exc.status_code,
            _("The body is not valid JSON.") if exc.status_code == 400 else str(exc),
        )

    @api.exception_handler(Http404)
    def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return problem(404, _("Not found."), detail=str(exc) if exc.args else "")
