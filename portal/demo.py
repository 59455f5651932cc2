"""What only the try-out (DEMO=1, command 1) needs: the portal's own 404 page although the demo
runs with DEBUG, a one-line console e-mail backend and the "Poczta demo" pages (issue 14
items 22 and 25). Nothing here is installed unless ``settings.DEMO``."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.mail.backends.console import EmailBackend as ConsoleEmailBackend
from django.core.mail.message import EmailMessage as DjangoEmailMessage
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import Resolver404, resolve
from django.utils.http import content_disposition_header

from portal.links import absolute_reverse
from portal.models import EmailAttachment, EmailMessage


class DemoNotFoundMiddleware:
    """With DEBUG Django answers a missing page with its technical 404, which lists every URL
    pattern of the portal; a newcomer trying the demo should meet the page tenants see.

    An unknown path never reaches a view (and so no ``process_exception``): its 404 is
    recognised by the path not resolving; a 404 raised by a view comes through
    ``process_exception``. Without DEBUG Django already uses handler404, so nothing changes.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code == 404 and settings.DEBUG and not _resolves(request.path_info):
            return _portal_404(request)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, Http404) and settings.DEBUG:
            return _portal_404(request)
        return None


def _resolves(path: str) -> bool:
    try:
        resolve(path)
    except Resolver404:
        return False
    return True


def _portal_404(request: HttpRequest) -> HttpResponse:
    from portal.views import page_not_found

    return page_not_found(request)


class OneLineConsoleBackend(ConsoleEmailBackend):
    """The demo's console shows one line per e-mail (recipients, subject, attachments and where to
    read it) instead of the raw MIME with base64 PDFs; the message itself is in the outbox and on
    the *Poczta demo* page."""

    def write_message(self, message: DjangoEmailMessage) -> None:
        # Django's attachments are (filename, content, mimetype) tuples or ready MIME parts.
        attachments = [
            (item[0] if isinstance(item, tuple) else item.get_filename()) or "załącznik" for item in message.attachments
        ]
        line = f"[e-mail] do: {', '.join(message.to)} | temat: {message.subject}"
        if attachments:
            line += f" | załączniki: {', '.join(attachments)}"
        line += f" | czytaj: {absolute_reverse('demo_mail_list')}\n"
        self.stream.write(line)


# --- Poczta demo: the outbox as the demo's staff read it ------------------------------------------


def demo_mail_list(request: HttpRequest) -> HttpResponse:
    _demo_only()
    messages = EmailMessage.objects.only("pk", "created_at", "to", "subject", "status").order_by("-created_at", "-pk")
    page = Paginator(messages, 50).get_page(request.GET.get("strona"))
    return render(request, "portal/demo_mail_list.html", {"page": page})


def demo_mail_detail(request: HttpRequest, message_id: int) -> HttpResponse:
    _demo_only()
    message = get_object_or_404(EmailMessage, pk=message_id)
    attachments = message.attachments.only("pk", "filename", "content_type")
    return render(request, "portal/demo_mail_detail.html", {"message": message, "attachments": attachments})


def demo_mail_attachment(request: HttpRequest, message_id: int, attachment_id: int) -> HttpResponse:
    _demo_only()
    attachment = get_object_or_404(EmailAttachment, pk=attachment_id, message_id=message_id)
    response = HttpResponse(bytes(attachment.content), content_type=attachment.content_type)
    disposition = content_disposition_header(True, attachment.filename)
    if disposition is not None:  # always a header for an attachment
        response["Content-Disposition"] = disposition
    return response


def _demo_only() -> None:
    # The outbox holds every user's mail: outside the demo no page shows it.
    if not settings.DEMO:
        raise Http404
