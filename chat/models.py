"""Live chat between a tenant and a clerk (D6, seed 004 §4).

A conversation belongs to one tenant; its messages are rows first and are delivered over the
socket only after they are stored (``chat.services``), so a client that reconnects reads what
it missed from here."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.html import urlize
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _


class Conversation(models.Model):
    class Status(models.TextChoices):
        WAITING = "waiting", _("czeka na pracownika")
        ACTIVE = "active", _("w toku")
        CLOSED = "closed", _("zakończona")
        TICKET = "ticket", _("zamieniona na zgłoszenie")

    OPEN_STATUSES = (Status.WAITING, Status.ACTIVE)

    tenant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("mieszkaniec"),
        on_delete=models.CASCADE,
        related_name="chat_conversations",
    )
    unit = models.ForeignKey(
        "billing.Unit", verbose_name=_("lokal"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.WAITING)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("pracownik"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="chat_assigned",
    )
    created_at = models.DateTimeField(_("rozpoczęta"), default=timezone.now, db_index=True)
    taken_at = models.DateTimeField(_("przejęta"), null=True, blank=True)
    closed_at = models.DateTimeField(_("zakończona"), null=True, blank=True)
    ticket = models.ForeignKey(
        "tickets.Ticket",
        verbose_name=_("zgłoszenie"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # When the tenant's page last showed a sign of life (socket open or heartbeat, page view);
    # an answer to a tenant gone longer than CHAT_TENANT_AWAY_SECONDS also goes by e-mail.
    tenant_seen_at = models.DateTimeField(_("mieszkaniec widziany"), null=True, blank=True)

    class Meta:
        verbose_name = _("rozmowa na czacie")
        verbose_name_plural = _("rozmowy na czacie")
        ordering = ["-created_at", "-id"]
        permissions = [("handle_chat", _("Może prowadzić czat z mieszkańcami"))]
        indexes = [models.Index(fields=["status", "created_at"], name="chat_conv_status_created")]

    def __str__(self) -> str:
        return str(_("Rozmowa nr %(id)s") % {"id": self.pk})

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    def waiting_for(self, now: dt.datetime | None = None) -> dt.timedelta:
        """How long the tenant has waited for a clerk (zero once taken)."""
        if self.status != self.Status.WAITING:
            return dt.timedelta(0)
        return (now or timezone.now()) - self.created_at

    def waited_too_long(self, now: dt.datetime | None = None) -> bool:
        """Nobody took it within CHAT_WAIT_MINUTES: the tenant is offered to leave it as a ticket."""
        return self.waiting_for(now) >= dt.timedelta(minutes=settings.CHAT_WAIT_MINUTES)

    def tenant_is_away(self, now: dt.datetime | None = None) -> bool:
        if self.tenant_seen_at is None:
            return True
        return (now or timezone.now()) - self.tenant_seen_at > dt.timedelta(seconds=settings.CHAT_TENANT_AWAY_SECONDS)


class Message(models.Model):
    class Author(models.TextChoices):
        TENANT = "tenant", _("mieszkaniec")
        STAFF = "staff", _("pracownik")
        SYSTEM = "system", _("komunikat")

    conversation = models.ForeignKey(
        Conversation, verbose_name=_("rozmowa"), on_delete=models.CASCADE, related_name="messages"
    )
    author_kind = models.CharField(_("autor"), max_length=8, choices=Author.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("osoba"), null=True, blank=True, on_delete=models.SET_NULL
    )
    body = models.TextField(_("treść"))
    # The sender's own id of the message (a browser's random one): a double click or a retry
    # after a lost connection sends the same id again and finds the stored message.
    client_id = models.CharField(_("identyfikator nadawcy"), max_length=64, blank=True, default="")
    created_at = models.DateTimeField(_("wysłana"), default=timezone.now)

    class Meta:
        verbose_name = _("wiadomość czatu")
        verbose_name_plural = _("wiadomości czatu")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "client_id"], condition=~Q(client_id=""), name="chat_message_stored_once"
            )
        ]

    def __str__(self) -> str:
        return self.body[:60]

    def body_html(self) -> SafeString:
        """The text escaped, with web and e-mail addresses made links (rel="nofollow"): the one
        rendering of a message for the page, the socket and the console."""
        return SafeString(urlize(self.body, nofollow=True, autoescape=True))


class StaffPresence(models.Model):
    """A clerk's *dostępny* / *zajęty*; counts as available only while their console is open
    (it reports every half minute; ``seen_at`` older than CHAT_PRESENCE_SECONDS is gone)."""

    class Status(models.TextChoices):
        AVAILABLE = "available", _("dostępny")
        BUSY = "busy", _("zajęty")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("pracownik"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="chat_presence",
    )
    status = models.CharField(_("obecność"), max_length=16, choices=Status.choices, default=Status.BUSY)
    seen_at = models.DateTimeField(_("ostatnio widziany"), default=timezone.now)

    class Meta:
        verbose_name = _("obecność na czacie")
        verbose_name_plural = _("obecności na czacie")

    def __str__(self) -> str:
        return f"{self.user} — {self.get_status_display()}"
