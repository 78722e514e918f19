import re

from django import template
from django.template.context import RequestContext
from django.urls import translate_url
from django.utils.html import format_html
from django.utils.safestring import mark_safe

register = template.Library()


@register.simple_tag(takes_context=True)
def url_in_language(context: RequestContext, language: str) -> str:
    """The current page in another language ("/complaints/new/" ↔ "/en/complaints/new/")."""
    request = context.get("request")
    if request is None:
        return "/"
    return translate_url(request.get_full_path(), language)


_HEADING = re.compile(r"^\d+(\.\d+)*\.?\s+\S")


@register.filter
def policy_html(text: str) -> str:
    """A policy's plain text as a page: a numbered line standing alone ("2. Phạm vi sử dụng
    thông tin") is a heading, lines starting with "- " a list, the rest paragraphs. Everything
    is escaped: staff write the text, the page shows it."""
    parts: list[str] = []
    for block in re.split(r"\n\s*\n", (text or "").strip()):
        lines = [line.strip() for line in block.splitlines() if line.strip()]
        if len(lines) == 1 and _HEADING.match(lines[0]) and len(lines[0]) <= 120:
            parts.append(format_html("<h2>{}</h2>", lines[0]))
            continue
        items: list[str] = []
        for line in lines:
            if line.startswith("- "):
                items.append(format_html("<li>{}</li>", line[2:]))
                continue
            if items:
                parts.append(mark_safe("<ul>" + "".join(items) + "</ul>"))  # noqa: S308  # escaped items
                items = []
            parts.append(format_html("<p>{}</p>", line))
        if items:
            parts.append(mark_safe("<ul>" + "".join(items) + "</ul>"))  # noqa: S308  # escaped items
    return mark_safe("".join(parts))  # noqa: S308  # every part is escaped above
