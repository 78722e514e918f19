"""The bare Django view bench/form.py compares the complaint form with: a template with a form
and its CSRF token, and a POST that reads the form and redirects, through the same middleware,
on the same server, in the same run. Whatever the complaint form costs beyond this is its own."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template import engines
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

TEMPLATE = engines["django"].from_string(
    """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Bare</title></head>
<body><form method="post" enctype="multipart/form-data">{% csrf_token %}
<label for="id_name">Name</label><input id="id_name" name="name" value="{{ name }}">
<textarea name="description"></textarea><button type="submit">Send</button></form>
</body></html>"""
)


@never_cache
@require_http_methods(["GET", "POST"])
def bare(request: HttpRequest) -> HttpResponse:
    if request.method == "POST" and request.POST.get("name"):
        return redirect(request.path)
    return HttpResponse(TEMPLATE.render({"name": request.POST.get("name", "")}, request))
