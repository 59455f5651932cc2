"""The tenant's chat pages. They work without JavaScript (a form and a reload); with it,
static/js/chat.js sends and receives over the socket and keeps the same page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import User
from chat import live, selectors, services
from chat.forms import MessageForm, StartForm
from chat.models import Conversation


def _tenant(request: HttpRequest) -> User:
    """The logged-in user of a view behind ``login_required``."""
    user = request.user
    if not isinstance(user, User):  # login_required let an anonymous user through: never
        raise PermissionDenied
    return user


def _apply_errors(form: Form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, field_errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, field_errors)
    else:
        form.add_error("body" if "body" in form.fields else None, error.messages)


@login_required
def chat_index(request: HttpRequest) -> HttpResponse:
    user = _tenant(request)
    availability = services.availability()
    form = StartForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            conversation = services.conversation_start(
                tenant=user,
                body=form.cleaned_data["body"],
                unit=form.cleaned_data["unit"],
                client_id=form.cleaned_data["client_id"],
                request=request,
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            if not availability.available:
                ticket = services.conversation_to_ticket(conversation=conversation, by=user, request=request)
                messages.success(
                    request,
                    _("Twoja wiadomość została przyjęta jako zgłoszenie %(number)s. Potwierdzenie wyślemy e-mailem.")
                    % {"number": ticket.number},
                )
            return redirect("chat:detail", conversation.pk)
    return render(
        request,
        "chat/index.html",
        {
            "availability": availability,
            "form": form,
            "open_conversation": selectors.open_conversation_of_tenant(user),
            "conversations": selectors.conversations_of_tenant(user),
        },
        status=400 if form.errors else 200,
    )


def _render_detail(
    request: HttpRequest, conversation: Conversation, form: MessageForm, status: int = 200
) -> HttpResponse:
    transcript = [live.message_payload(m) for m in selectors.messages_after(conversation)]
    availability = services.availability()
    return render(
        request,
        "chat/detail.html",
        {
            "conversation": conversation,
            "transcript": transcript,
            "last_id": transcript[-1]["id"] if transcript else 0,
            "form": form,
            "availability": availability,
            # Outside hours, with nobody available, or after the configured wait: offer the ticket.
            "offer_ticket": conversation.status == Conversation.Status.WAITING
            and (not availability.available or conversation.waited_too_long()),
        },
        status=status,
    )


@login_required
def chat_detail(request: HttpRequest, conversation_id: int) -> HttpResponse:
    conversation = selectors.conversation_for_tenant(_tenant(request), conversation_id)
    if request.method == "POST":
        form = MessageForm(request.POST)
        if form.is_valid():
            try:
                services.message_post(
                    conversation=conversation,
                    author=_tenant(request),
                    body=form.cleaned_data["body"],
                    client_id=form.cleaned_data["client_id"],
                )
            except ValidationError as exc:
                _apply_errors(form, exc)
            else:
                return redirect("chat:detail", conversation.pk)
        return _render_detail(request, conversation, form, status=400)
    if conversation.is_open:
        services.tenant_seen(conversation=conversation)
    return _render_detail(request, conversation, MessageForm())


def _tenant_action(request: HttpRequest, conversation_id: int, action: str) -> HttpResponse:
    conversation = selectors.conversation_for_tenant(_tenant(request), conversation_id)
    try:
        if action == "ticket":
            ticket = services.conversation_to_ticket(conversation=conversation, by=_tenant(request), request=request)
            messages.success(
                request,
                _("Rozmowa została zapisana jako zgłoszenie %(number)s. Potwierdzenie wyślemy e-mailem.")
                % {"number": ticket.number},
            )
        elif action == "close":
            services.conversation_close(conversation=conversation, by=_tenant(request), request=request)
            messages.success(request, _("Rozmowa została zakończona."))
        elif services.transcript_email(conversation=conversation, by=_tenant(request), request=request):
            messages.success(request, _("Zapis rozmowy wyślemy na Twój adres e-mail."))
        else:
            messages.error(request, _("Nie masz adresu e-mail w portalu: nie możemy wysłać zapisu."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("chat:detail", conversation.pk)


@login_required
@require_POST
def chat_to_ticket(request: HttpRequest, conversation_id: int) -> HttpResponse:
    return _tenant_action(request, conversation_id, "ticket")


@login_required
@require_POST
def chat_close(request: HttpRequest, conversation_id: int) -> HttpResponse:
    return _tenant_action(request, conversation_id, "close")


@login_required
@require_POST
def chat_transcript(request: HttpRequest, conversation_id: int) -> HttpResponse:
    return _tenant_action(request, conversation_id, "transcript")
