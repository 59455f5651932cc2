"""The clerk's side of the chat, in admin behind the second factor: the console (queue with
waiting times, take, several conversations at once, hand over, close, turn into a ticket,
presence) and a read-only list of conversations with their transcripts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.models import User
from chat import live, selectors, services
from chat.forms import MessageForm
from chat.models import Conversation, StaffPresence

if TYPE_CHECKING:
    _ModelAdmin = admin.ModelAdmin[Conversation]
else:  # Django's class takes no type parameter at run time (django-stubs' does)
    _ModelAdmin = admin.ModelAdmin


@admin.register(Conversation)
class ConversationAdmin(_ModelAdmin):
    list_display = ("__str__", "tenant", "unit", "status", "assignee", "created_at", "ticket")
    list_filter = ("status",)
    search_fields = ("tenant__username", "tenant__last_name", "messages__body")
    readonly_fields = (
        "tenant",
        "unit",
        "status",
        "assignee",
        "created_at",
        "taken_at",
        "closed_at",
        "ticket",
        "transcript",
    )
    fields = readonly_fields
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=gettext_lazy("zapis rozmowy"))
    def transcript(self, obj: Conversation) -> str:
        return format_html_join(
            "",
            '<p class="chat-message chat-{}"><strong>{} {}</strong><br>{}</p>',
            (
                (m["author"], m["time"], m["author_name"], m["html"])
                for m in (live.message_payload(message) for message in selectors.messages_after(obj))
            ),
        )

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        extra_context = {**(extra_context or {}), "console_url": reverse("admin:chat_conversation_console")}
        return super().changelist_view(request, extra_context)

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        return [
            path("konsola/", view(self.console_view), name="chat_conversation_console"),
            path("konsola/obecnosc/", view(self.presence_view), name="chat_conversation_presence"),
            path("<id:conversation_id>/dzialanie/", view(self.action_view), name="chat_conversation_action"),
            *super().get_urls(),
        ]

    def _clerk(self, request: HttpRequest) -> User:
        user = request.user
        if not isinstance(user, User) or not services.can_handle_chat(user):
            raise PermissionDenied
        return user

    def console_view(self, request: HttpRequest) -> TemplateResponse:
        user = self._clerk(request)
        now = timezone.now()
        services.presence_seen(user=user)
        panels = []
        for conversation in selectors.conversations_of_clerk(user):
            transcript = [live.message_payload(m) for m in selectors.messages_after(conversation)]
            panels.append(
                {
                    "conversation": conversation,
                    "transcript": transcript,
                    "last_id": transcript[-1]["id"] if transcript else 0,
                    "side": selectors.tenant_context(conversation),
                    "form": MessageForm(prefix=f"c{conversation.pk}"),
                }
            )
        presence = StaffPresence.objects.filter(user=user).first()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Konsola czatu"),
            "queue": [(c, int(c.waiting_for(now).total_seconds() // 60)) for c in selectors.queue()],
            "panels": panels,
            "colleagues": selectors.conversations_of_colleagues(user),
            "clerks": selectors.clerks().exclude(pk=user.pk),
            "presence": presence.status if presence else StaffPresence.Status.BUSY,
            "availability": services.availability(now),
            "wait_minutes": settings.CHAT_WAIT_MINUTES,
        }
        return TemplateResponse(request, "admin/chat/console.html", context)

    def presence_view(self, request: HttpRequest) -> HttpResponse:
        user = self._clerk(request)
        if request.method != "POST":
            return HttpResponseRedirect(reverse("admin:chat_conversation_console"))
        try:
            services.presence_set(user=user, status=request.POST.get("status", ""), request=request)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return HttpResponseRedirect(reverse("admin:chat_conversation_console"))

    def action_view(self, request: HttpRequest, conversation_id: int) -> HttpResponse:
        return _action(request, self._clerk(request), conversation_id)


@require_POST
def _action(request: HttpRequest, clerk: User, conversation_id: int) -> HttpResponse:
    conversation = selectors.conversation_for_staff(clerk, conversation_id)
    action = request.POST.get("action", "")
    console = reverse("admin:chat_conversation_console")
    try:
        if action == "take":
            services.conversation_take(conversation=conversation, by=clerk, request=request)
            messages.success(request, _("Przejęto rozmowę: %(c)s.") % {"c": conversation})
        elif action == "send":
            form = MessageForm(request.POST, prefix=f"c{conversation.pk}")
            if not form.is_valid():
                raise ValidationError(_("Wpisz treść wiadomości."))
            services.message_post(
                conversation=conversation,
                author=clerk,
                body=form.cleaned_data["body"],
                client_id=form.cleaned_data["client_id"],
            )
        elif action == "handover":
            to = get_object_or_404(User, pk=request.POST.get("to") or 0)
            services.conversation_handover(conversation=conversation, by=clerk, to=to, request=request)
            messages.success(request, _("Przekazano rozmowę: %(c)s.") % {"c": conversation})
        elif action == "close":
            services.conversation_close(conversation=conversation, by=clerk, request=request)
            messages.success(request, _("Zakończono rozmowę: %(c)s.") % {"c": conversation})
        elif action == "ticket":
            ticket = services.conversation_to_ticket(conversation=conversation, by=clerk, request=request)
            messages.success(request, _("Utworzono zgłoszenie %(number)s.") % {"number": ticket.number})
        else:
            raise ValidationError(_("Nieznane działanie."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return HttpResponseRedirect(f"{console}#rozmowa-{conversation.pk}")
