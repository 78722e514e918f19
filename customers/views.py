from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

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
