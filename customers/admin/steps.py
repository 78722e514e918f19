"""The workflow steps of a record, for any app: a complaint, a breach incident, an erasure request.

A step is a button on the record's page that leads to a page of its own: what the record is now,
what the step does, a small form, and the service that does it. The buttons shown are those the
staff member's role and the record's state allow; the services check again, and their refusals
come back as form errors (on the field they name) or as messages — never as an error page.

An app describes its steps with ``Steps`` and ``Step``; an app above it may add steps of its own
to them (``Steps.add``), so that a lower app never names an upper one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.admin import ModelAdmin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _

from customers.admin.base import add_service_errors, refusal_text


class StepForm(forms.Form):
    """A step's form, built with the record it acts on."""

    def __init__(self, *args: Any, record: Any, **kwargs: Any) -> None:
        self.record = record
        super().__init__(*args, **kwargs)


class ConfirmForm(StepForm):
    """A step that asks for no input: the page says what happens and asks to confirm."""


def _always(record: Any) -> bool:
    return True


@dataclass(frozen=True)
class Step:
    name: str
    title: Any  # lazy text: the button and the page's title
    form: type[StepForm]
    # Does the step through a service; returns the message shown once it is done.
    run: Callable[[HttpRequest, Any, Any], str]
    # The button is shown to those who hold every one of these, while the record allows it.
    permissions: tuple[str, ...] = ()
    available: Callable[[Any], bool] = _always
    explanation: Any = ""
    # The service's field names that the form names otherwise.
    field_names: Mapping[str, str] = field(default_factory=dict)
    # When posted anyway, who refuses a step the role or the record's state does not allow:
    # this page (False), or the service, whose reason is then what the staff member reads (True).
    service_judges_role: bool = False
    service_judges_state: bool = False
    # Fills or adjusts the form before it is shown (initial text, masked choices).
    prepare_form: Callable[[HttpRequest, Any, StepForm], None] | None = None
    # Before the step is done, a page of its own (a preview, a confirmation): given the valid
    # form, the context to show the step's page again with, or None to go on and run it.
    review: Callable[[HttpRequest, Any, StepForm], dict[str, Any] | None] | None = None

    def allowed_for(self, user: Any) -> bool:
        return all(user.has_perm(name) for name in self.permissions)


class Steps:
    """The steps of one model's workflow, in the order their buttons are shown.

    ``template`` extends admin/object_step.html; ``context`` adds what that template shows of
    the record (its clock, its due date, a legal hold); ``route`` is where a step's page sits
    under the record's admin URL (its name: "<app>_<model>_step").
    """

    def __init__(
        self,
        *,
        template: str,
        context: Callable[[HttpRequest, Any], dict[str, Any]] | None = None,
        steps: tuple[Step, ...] = (),
        route: str = "<path:object_id>/step/<str:step>/",
    ) -> None:
        self.template = template
        self.context = context
        self.route = route
        self._steps: dict[str, Step] = {}
        for step in steps:
            self.add(step)

    def add(self, step: Step) -> None:
        if step.name in self._steps:
            raise ValueError(f"a step named {step.name!r} is there already")
        self._steps[step.name] = step

    def __iter__(self) -> Iterator[Step]:
        return iter(self._steps.values())

    def allowed(self, request: HttpRequest, record: Any) -> list[Step]:
        """The buttons a staff member sees on the record's page (the services check again)."""
        return [step for step in self if step.available(record) and step.allowed_for(request.user)]

    def url(self, record: Any, name: str) -> str:
        opts = record._meta
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_step", args=[record.pk, name])

    def urls(self, model_admin: ModelAdmin[Any]) -> list[URLPattern]:
        """The admin URL of the steps' pages, for the ModelAdmin's get_urls()."""

        def step_view(request: HttpRequest, object_id: str, step: str) -> HttpResponse:
            return self.view(model_admin, request, object_id, step)

        opts = model_admin.opts
        view = model_admin.admin_site.admin_view(step_view)
        return [path(self.route, view, name=f"{opts.app_label}_{opts.model_name}_step")]

    def buttons(self, request: HttpRequest, record: Any) -> list[tuple[str, Any, str]]:
        """(name, title, url) of each button, for the record's change page."""
        return [
            (step.name, step.title, self.url(record, step.name))
            for step in self.allowed(request, record)
        ]

    def view(
        self, model_admin: ModelAdmin[Any], request: HttpRequest, object_id: str, name: str
    ) -> HttpResponse:
        """One step, asked on its own page and done by the service."""
        step = self._steps.get(name)
        if step is None:
            raise Http404
        record = record_or_404(model_admin, request, object_id)
        change_url = reverse(
            f"admin:{model_admin.opts.app_label}_{model_admin.opts.model_name}_change",
            args=[record.pk],
        )
        posted = request.method == "POST"
        if not step.allowed_for(request.user) and not (posted and step.service_judges_role):
            model_admin.message_user(
                request,
                _("Your role may not take the step “%(step)s”.") % {"step": step.title},
                messages.ERROR,
            )
            return HttpResponseRedirect(change_url)
        if not step.available(record) and not (posted and step.service_judges_state):
            model_admin.message_user(
                request,
                _("“%(step)s” is not possible for this %(record)s now.")
                % {"step": step.title, "record": model_admin.opts.verbose_name},
                messages.ERROR,
            )
            return HttpResponseRedirect(change_url)
        form = step.form(request.POST if posted else None, record=record)
        if step.prepare_form is not None:
            step.prepare_form(request, record, form)
        reviewed: dict[str, Any] | None = None
        if posted and form.is_valid():
            try:
                if step.review is not None:
                    reviewed = step.review(request, record, form)
                if reviewed is None:
                    done = step.run(request, record, form)
            except PermissionDenied as denied:
                model_admin.message_user(request, refusal_text(denied), messages.ERROR)
                return HttpResponseRedirect(change_url)
            except ValidationError as error:
                add_service_errors(form, error, step.field_names)
            else:
                if reviewed is None:
                    # Django's "recent actions" and the object's admin history name the step;
                    # the record's own history (simple-history) holds what changed.
                    model_admin.log_change(
                        request, record, _("Step: %(step)s") % {"step": step.title}
                    )
                    model_admin.message_user(request, done, messages.SUCCESS)
                    return HttpResponseRedirect(change_url)
        context = {
            **model_admin.admin_site.each_context(request),
            "title": step.title,
            "subtitle": str(record),
            "opts": model_admin.opts,
            "original": record,
            "form": form,
            "step": step,
            "change_url": change_url,
            **(self.context(request, record) if self.context else {}),
            **(reviewed or {}),
        }
        request.current_app = model_admin.admin_site.name
        return TemplateResponse(request, self.template, context)


def record_or_404(model_admin: ModelAdmin[Any], request: HttpRequest, object_id: str) -> Any:
    """The record of an admin page of its own, if the staff member may see it."""
    record = model_admin.get_object(request, unquote(object_id))
    if record is None:
        raise Http404(_("No such %(record)s.") % {"record": model_admin.opts.verbose_name})
    if not model_admin.has_view_permission(request, record):
        raise PermissionDenied
    return record
