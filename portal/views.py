import hmac
from typing import TypeVar

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden, HttpResponseNotFound, JsonResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.templatetags.static import static

from portal import health as health_checks
from portal import metrics as prometheus
from portal.accessibility import accessibility_statement
from portal.links import absolute_url
from portal.models import Operator


def terms(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/terms.html")


def privacy(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/privacy.html")


def accessibility(request: HttpRequest) -> HttpResponse:
    """The accessibility statement (E5), linked from every page's footer."""
    statement = accessibility_statement(Operator.for_request(request))
    return render(request, "portal/accessibility.html", {"statement": statement, "portal_url": absolute_url("/")})


def favicon(request: HttpRequest) -> HttpResponse:
    # Browsers ask for /favicon.ico whatever the page links; the file lives with the static ones.
    return redirect(static("favicon.ico"))


def health(request: HttpRequest) -> JsonResponse:
    """Liveness: the process answers. Touches nothing else (a database outage must not get
    the container restarted; readiness reports it)."""
    return _no_store(JsonResponse({"status": "ok"}))


def readiness(request: HttpRequest) -> JsonResponse:
    """Readiness: database, Celery broker (when configured), migrations; 503 names what failed."""
    checks = health_checks.readiness()
    if health_checks.is_ready(checks):
        return _no_store(JsonResponse({"status": "ok", "checks": checks}))
    failed = [name for name, answer in checks.items() if answer not in (health_checks.OK, health_checks.SKIPPED)]
    return _no_store(JsonResponse({"status": "error", "failed": failed, "checks": checks}, status=503))


def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus exposition, only for ``Authorization: Bearer <METRICS_TOKEN>``; 404 when no token is set."""
    token = settings.METRICS_TOKEN
    if not token:
        return _no_store(HttpResponseNotFound())
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token.encode()):
        return _no_store(HttpResponseForbidden())
    body, content_type = prometheus.exposition(request.headers.get("Accept", ""))
    return _no_store(HttpResponse(body, content_type=content_type))


Response = TypeVar("Response", bound=HttpResponse)


def _no_store(response: Response) -> Response:
    # Answered before the session is read, so PrivateCacheMiddleware never sees them: the same
    # header as every other page, said here.
    response["Cache-Control"] = "private, no-store"
    return response


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # No request context: whatever broke may be what a context processor needs.
    return HttpResponse(loader.get_template("500.html").render(), status=500)
