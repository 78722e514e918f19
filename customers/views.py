from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

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
