from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.models import PolicyVersion
from customers.selectors import controller_get, policy_version_current


def privacy(request: HttpRequest) -> HttpResponse:
    """/privacy/: the policy in effect, with who the controller is and how to reach them."""
    policy = policy_version_current()
    status = 200 if policy else 503
    return render(
        request,
        "customers/privacy.html",
        {"policy": policy, "controller": controller_get()},
        status=status,
    )


def privacy_version(request: HttpRequest, version: str) -> HttpResponse:
    """/privacy/<version>/: the text of one version as customers were shown it (Law 91/2025/QH15
    Art. 9(3): consent that can be printed and checked), saying when another replaced it. A
    version not yet in effect is not public."""
    policy = PolicyVersion.objects.filter(
        version=version, effective_from__lte=timezone.localdate()
    ).first()
    if policy is None:
        raise Http404
    current = policy_version_current()
    return render(
        request,
        "customers/privacy.html",
        {
            "policy": policy,
            "controller": controller_get(),
            "current": current if current and current.pk != policy.pk else None,
        },
    )


def recipient_request_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """/recipient-requests/<signed token>/: the recipient reads what it is asked (ids, the data
    items and hand-overs it received, the due date: nothing it does not hold already) and
    confirms it was done. The link was sent to its contact or its system only."""
    from django.core.exceptions import ValidationError

    from customers import recipient_requests
    from customers.models import Disclosure, RecipientRequest

    asked = recipient_requests.request_for_token(token)
    if asked is None:
        raise Http404
    errors: list[str] = []
    values = {"by_name": "", "note": ""}
    if request.method == "POST":
        values = {key: request.POST.get(key, "")[:2000] for key in values}
        if not values["by_name"].strip():
            errors.append(str(_("Write the name of the person confirming.")))
        else:
            try:
                recipient_requests.recipient_request_confirm(
                    request=asked,
                    via=RecipientRequest.Via.LINK,
                    by_name=values["by_name"],
                    note=values["note"],
                )
            except ValidationError as error:
                errors.extend(error.messages)
    disclosures = Disclosure.objects.filter(pk__in=asked.disclosure_ids).order_by("disclosed_at")
    return render(
        request,
        "customers/recipient_request.html",
        {
            "asked": asked,
            "controller": controller_get(),
            "article": recipient_requests.ARTICLE[asked.action],
            "disclosures": disclosures,
            "errors": errors,
            "values": values,
        },
        status=400 if errors else 200,
    )
