from django import template
from django.template.context import RequestContext
from django.urls import translate_url

register = template.Library()


@register.simple_tag(takes_context=True)
def url_in_language(context: RequestContext, language: str) -> str:
    """The current page in another language ("/complaints/new/" ↔ "/en/complaints/new/")."""
    request = context.get("request")
    if request is None:
        return "/"
    return translate_url(request.get_full_path(), language)
