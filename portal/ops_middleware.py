"""Middleware of operations (issue 13, items 14, 16, 17): probes, metrics, request ids.

``OperationsMiddleware`` is the first of all (settings insert it at 0). It answers the
health checks and the metrics scrape itself, before SecurityMiddleware's HTTPS redirect
and before anything calls ``request.get_host()``: the container's health check asks
``http://127.0.0.1:8000`` with that Host while ALLOWED_HOSTS holds the public name, and
Prometheus scrapes over the internal network by the service's name. Every other request
passes through and its duration is recorded by view.

``RequestIdMiddleware`` comes second: it takes the proxy's X-Request-ID (or makes one),
starts the request's log context and returns the id in the response. ``LogUserMiddleware``
runs right after authentication and adds the user id to the log context.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.core.signals import request_finished
from django.http import HttpRequest, HttpResponse

from portal import logs, metrics, views
from portal.services.audit import client_ip

# Fixed paths (the compose file and the operator's Prometheus name them); exact matches only.
ENDPOINTS: dict[str, Callable[[HttpRequest], HttpResponse]] = {
    "/zdrowie/": views.health,
    "/zdrowie/gotowosc/": views.readiness,
    "/metryki/": views.metrics,
}

request_finished.connect(logs.clear_request, dispatch_uid="portal.logs.clear_request")


class OperationsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        endpoint = ENDPOINTS.get(request.path_info)
        if endpoint is not None:
            return endpoint(request)
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        if match is not None:
            view = match.view_name
        else:
            # WhiteNoise answers static files before any URL is resolved.
            view = "static" if request.path_info.startswith(settings.STATIC_URL) else ""
        metrics.observe_request(
            view=view,
            method=request.method or "",
            status=response.status_code,
            seconds=time.perf_counter() - started,
        )
        return response


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = logs.request_id_from(request.headers.get("X-Request-ID"))
        logs.bind_request(request_id=request_id, client_ip=client_ip(request))
        response = self.get_response(request)
        response.headers["X-Request-ID"] = request_id
        return response


class LogUserMiddleware:
    """After AuthenticationMiddleware. Evaluating ``request.user`` costs nothing extra: the
    second factor's and the account state's middleware evaluate it on every request anyway."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            logs.bind_user(user.pk)
        return self.get_response(request)
