"""Tenant and public pages of tickets, forms to download and the newsletter unsubscribe link."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.forms import Form
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from accounts.http import AuthenticatedRequest
from accounts.models import User
from portal import files
from portal.files import serve_attachment, serve_private_file
from portal.forms import form_add_service_errors
from tickets import ratelimit, selectors, services
from tickets.forms import (
    AccessibilityRequestForm,
    AnonymousFailureForm,
    ReplyForm,
    StatusCheckForm,
    TicketForm,
    TicketSearchForm,
)
from tickets.models import Ticket, TicketAttachment

_NEW_TICKET_SESSION_KEY = "tickets_new"


def _remember_new(request: HttpRequest, filed: services.Filed) -> None:
    # The code is shown once, on the next page; only its hash is stored with the ticket.
    request.session[_NEW_TICKET_SESSION_KEY] = {
        "number": filed.ticket.number,
        "secret": filed.secret,
        "email": filed.ticket.contact_email,
        "status_url": reverse("tickets:status_link", args=[services.status_token(filed.ticket)]),
        "ticket_id": filed.ticket.pk if filed.ticket.reporter_id else None,
    }


def _filed(request: HttpRequest, form: Form, file: Callable[[], services.Filed]) -> bool:
    """File through the service; its ValidationError goes onto the form (False), a filed
    ticket's number and code are kept for the next page (True)."""
    try:
        filed = file()
    except ValidationError as exc:
        form_add_service_errors(form, exc)
        return False
    _remember_new(request, filed)
    return True


def _rate_limited(
    request: HttpRequest, limit: ratelimit.Limit, template: str, context: dict[str, object]
) -> HttpResponse:
    minutes = max(1, int(limit.retry_after(ratelimit.client_key(request)).total_seconds() // 60) + 1)
    messages.error(
        request,
        _(
            "Zbyt wiele prób z tego adresu. Spróbuj ponownie za %(minutes)s min. W nagłej sprawie zadzwoń do biura obsługi."
        )
        % {"minutes": minutes},
    )
    return render(request, template, context, status=429)


# --- logged-in users --------------------------------------------------------------------------


@login_required
def ticket_list(request: AuthenticatedRequest) -> HttpResponse:
    search = TicketSearchForm(request.GET or None)
    query, include_older = "", False
    if search.is_valid():
        query, include_older = search.cleaned_data["q"], search.cleaned_data["starsze"]
    tickets = selectors.tickets_listing(request.user, query=query, include_older=include_older)
    page = Paginator(tickets, 20).get_page(request.GET.get("strona"))
    return render(
        request,
        "tickets/list.html",
        {
            "search": search,
            "page": page,
            "query": query,
            "include_older": include_older,
            "since": selectors.list_since(timezone.localdate()),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def ticket_new(request: AuthenticatedRequest) -> HttpResponse:
    initial = {"kind": request.GET.get("rodzaj")} if request.GET.get("rodzaj") in Ticket.Kind.values else {}
    form = TicketForm(request.POST or None, request.FILES or None, user=request.user, initial=initial)
    if (
        request.method == "POST"
        and form.is_valid()
        and _filed(request, form, lambda: services.ticket_file(**form.filing(), reporter=request.user, request=request))
    ):
        return redirect("tickets:filed")
    return render(request, "tickets/new.html", {"form": form, "has_units": form.units.exists()})


@login_required
def ticket_detail(request: AuthenticatedRequest, ticket_id: int) -> HttpResponse:
    ticket = selectors.ticket_for_user(request.user, ticket_id)
    form = ReplyForm()
    return _render_ticket(request, ticket, form, reply_url=reverse("tickets:reply", args=[ticket.pk]))


@login_required
@require_POST
def ticket_reply(request: AuthenticatedRequest, ticket_id: int) -> HttpResponse:
    ticket = selectors.ticket_for_user(request.user, ticket_id)
    form = ReplyForm(request.POST)
    if form.is_valid():
        try:
            services.ticket_reporter_reply(
                ticket=ticket, body=form.cleaned_data["body"], author=request.user, request=request
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, _("Twoja odpowiedź została dodana do zgłoszenia."))
            return redirect("tickets:detail", ticket.pk)
    return _render_ticket(request, ticket, form, reply_url=reverse("tickets:reply", args=[ticket.pk]), status=400)


@login_required
def attachment_download(request: AuthenticatedRequest, ticket_id: int, attachment_id: int) -> FileResponse:
    ticket = selectors.ticket_for_user(request.user, ticket_id)
    return serve_attachment(get_object_or_404(TicketAttachment, pk=attachment_id, ticket=ticket))


def _render_ticket(
    request: HttpRequest, ticket: Ticket, form: ReplyForm, *, reply_url: str, token: str = "", status: int = 200
) -> HttpResponse:
    return render(
        request,
        "tickets/detail.html",
        {
            "ticket": ticket,
            "conversation": selectors.public_messages(ticket).select_related("author"),
            "status_changes": ticket.status_changes.all(),
            "attachments": ticket.attachments.all(),
            "form": form,
            "reply_url": reply_url,
            "token": token,
        },
        status=status,
    )


def ticket_filed(request: HttpRequest) -> HttpResponse:
    """The number and code of a ticket just filed, shown once."""
    filed = request.session.pop(_NEW_TICKET_SESSION_KEY, None)
    if filed is None:
        return redirect("tickets:list" if request.user.is_authenticated else "tickets:status")
    return render(request, "tickets/filed.html", {"filed": filed})


# --- without an account -----------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def failure_report(request: HttpRequest) -> HttpResponse:
    """A failure report without an account, rate-limited per IP address."""
    if request.user.is_authenticated:
        return redirect(reverse("tickets:new") + "?rodzaj=failure")
    form = AnonymousFailureForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        limit, key = ratelimit.anonymous_report_limit(), ratelimit.client_key(request)
        if limit.exceeded(key):
            return _rate_limited(request, limit, "tickets/failure_report.html", {"form": form})
        if form.is_valid() and _filed(
            request, form, lambda: services.ticket_file(kind=Ticket.Kind.FAILURE, **form.filing(), request=request)
        ):
            limit.hit(key)
            return redirect("tickets:filed")
    return render(request, "tickets/failure_report.html", {"form": form})


@require_http_methods(["GET", "POST"])
def accessibility_request(request: HttpRequest) -> HttpResponse:
    """A request for accessibility or an alternative way of access, by anyone (E5); rate-limited
    per IP address like a failure report without an account."""
    user = request.user if request.user.is_authenticated else None
    form = AccessibilityRequestForm(request.POST or None, user=user)
    template = "tickets/accessibility_request.html"
    if request.method == "POST":
        limit, key = ratelimit.anonymous_report_limit(), ratelimit.client_key(request)
        if user is None and limit.exceeded(key):
            return _rate_limited(request, limit, template, {"form": form})
        if form.is_valid() and _filed(
            request,
            form,
            lambda: services.accessibility_request_file(**form.cleaned_data, reporter=user, request=request),
        ):
            if user is None:
                limit.hit(key)
            return redirect("tickets:filed")
    return render(request, template, {"form": form, "deadline_days": services.ACCESSIBILITY_DEADLINE_DAYS})


@require_http_methods(["GET", "POST"])
def status_check(request: HttpRequest) -> HttpResponse:
    """Status by number and code (D3). A wrong number and a wrong code get the same answer."""
    form = StatusCheckForm(request.POST or None)
    if request.method == "POST":
        limit, key = ratelimit.status_check_limit(), ratelimit.client_key(request)
        if limit.exceeded(key):
            return _rate_limited(request, limit, "tickets/status_check.html", {"form": form})
        if form.is_valid():
            ticket = services.ticket_status_check(
                number=form.cleaned_data["number"], secret=form.cleaned_data["secret"]
            )
            if ticket is not None:
                return redirect("tickets:status_link", services.status_token(ticket))
            limit.hit(key)
            form.add_error(
                None,
                _("Nie znaleźliśmy zgłoszenia o tym numerze i kodzie dostępu. Sprawdź oba i spróbuj ponownie."),
            )
        return render(request, "tickets/status_check.html", {"form": form}, status=400)
    return render(request, "tickets/status_check.html", {"form": form})


def _ticket_by_token(token: str) -> Ticket:
    ticket = services.ticket_from_status_token(token)
    if ticket is None:
        raise Http404
    return ticket


def status_link(request: HttpRequest, token: str) -> HttpResponse:
    """The status page opened from the e-mail link (or after a correct number and code)."""
    ticket = services.ticket_from_status_token(token)
    if ticket is None:
        messages.error(request, _("Link do statusu zgłoszenia jest nieprawidłowy. Podaj numer i kod dostępu."))
        return redirect("tickets:status")
    reply_url = reverse("tickets:status_reply", args=[token])
    return _render_ticket(request, ticket, ReplyForm(), reply_url=reply_url, token=token)


@require_POST
def status_reply(request: HttpRequest, token: str) -> HttpResponse:
    ticket = _ticket_by_token(token)
    form = ReplyForm(request.POST)
    if form.is_valid():
        author = request.user if request.user.is_authenticated and request.user.pk == ticket.reporter_id else None
        try:
            services.ticket_reporter_reply(
                ticket=ticket, body=form.cleaned_data["body"], author=author, request=request
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, _("Twoja odpowiedź została dodana do zgłoszenia."))
            return redirect("tickets:status_link", token)
    reply_url = reverse("tickets:status_reply", args=[token])
    return _render_ticket(request, ticket, form, reply_url=reply_url, token=token, status=400)


def status_attachment(request: HttpRequest, token: str, attachment_id: int) -> FileResponse:
    ticket = _ticket_by_token(token)
    return serve_attachment(get_object_or_404(TicketAttachment, pk=attachment_id, ticket=ticket))


# --- forms to download, newsletter ----------------------------------------------------------------


def download_forms(request: HttpRequest) -> HttpResponse:
    return render(request, "tickets/forms.html", {"forms": selectors.published_forms()})


def download_form_file(request: HttpRequest, form_id: int) -> FileResponse:
    form = get_object_or_404(selectors.published_forms(), pk=form_id)
    return serve_private_file(form.file, filename=f"{slugify(form.title) or 'druk'}.pdf", content_type=files.PDF)


@csrf_exempt  # the signed token is the credential; mail clients post RFC 8058 one-click requests without a cookie
@require_http_methods(["GET", "POST"])
def newsletter_unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """One click from the e-mail withdraws the consent at once (no login, D5)."""
    return _unsubscribed(request, "newsletter", services.newsletter_unsubscribe(token=token, request=request))


@csrf_exempt  # the signed token is the credential; mail clients post RFC 8058 one-click requests without a cookie
@require_http_methods(["GET", "POST"])
def announcements_unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """One click from an announcement e-mail ends announcements by e-mail (no login, D5)."""
    return _unsubscribed(request, "announcements", services.announcements_unsubscribe(token=token, request=request))


def _unsubscribed(request: HttpRequest, mailing: str, user: User | None) -> HttpResponse:
    """The answer to an unsubscribe link: done, or 400 for a link that names nobody."""
    ok = user is not None
    return render(request, "tickets/unsubscribed.html", {"ok": ok, "mailing": mailing}, status=200 if ok else 400)
