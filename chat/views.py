"""The tenant's chat pages. They work without JavaScript (a form and a reload); with it,
static/js/chat.js sends and receives over the socket and keeps the same page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.http import AuthenticatedRequest
from chat import live, selectors, services
from chat.forms import MessageForm, StartForm
from chat.models import Conversation
from portal.forms import form_add_service_errors


@login_required
def chat_index(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
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
            form_add_service_errors(form, exc, unnamed="body")
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
    request: AuthenticatedRequest, conversation: Conversation, form: MessageForm, status: int = 200
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
def chat_detail(request: AuthenticatedRequest, conversation_id: int) -> HttpResponse:
    conversation = selectors.conversation_for_tenant(request.user, conversation_id)
    if request.method == "POST":
        form = MessageForm(request.POST)
        if form.is_valid():
            try:
                services.message_post(
                    conversation=conversation,
                    author=request.user,
                    body=form.cleaned_data["body"],
                    client_id=form.cleaned_data["client_id"],
                )
            except ValidationError as exc:
                form_add_service_errors(form, exc, unnamed="body")
            else:
                return redirect("chat:detail", conversation.pk)
        return _render_detail(request, conversation, form, status=400)
    if conversation.is_open:
        services.tenant_seen(conversation=conversation)
    return _render_detail(request, conversation, MessageForm())


def _tenant_action(request: AuthenticatedRequest, conversation_id: int, action: str) -> HttpResponse:
    conversation = selectors.conversation_for_tenant(request.user, conversation_id)
    try:
        if action == "ticket":
            ticket = services.conversation_to_ticket(conversation=conversation, by=request.user, request=request)
            messages.success(
                request,
                _("Rozmowa została zapisana jako zgłoszenie %(number)s. Potwierdzenie wyślemy e-mailem.")
                % {"number": ticket.number},
            )
        elif action == "close":
            services.conversation_close(conversation=conversation, by=request.user, request=request)
            messages.success(request, _("Rozmowa została zakończona."))
        elif services.transcript_email(conversation=conversation, by=request.user, request=request):
            messages.success(request, _("Zapis rozmowy wyślemy na Twój adres e-mail."))
        else:
            messages.error(request, _("Nie masz adresu e-mail w portalu: nie możemy wysłać zapisu."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("chat:detail", conversation.pk)


@login_required
@require_POST
def chat_to_ticket(request: AuthenticatedRequest, conversation_id: int) -> HttpResponse:
    return _tenant_action(request, conversation_id, "ticket")


@login_required
@require_POST
def chat_close(request: AuthenticatedRequest, conversation_id: int) -> HttpResponse:
    return _tenant_action(request, conversation_id, "close")


@login_required
@require_POST
def chat_transcript(request: AuthenticatedRequest, conversation_id: int) -> HttpResponse:
    return _tenant_action(request, conversation_id, "transcript")
