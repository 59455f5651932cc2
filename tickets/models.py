"""Tickets (messages, failure reports, complaints), announcements, forms to download
and newsletters (D1–D5)."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
import uuid
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.periods import Period
from portal.workdays import add_working_days, working_days_between

# Readable and easy to dictate over the phone: no 0/O, 1/I/L.
SECRET_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # noqa: S105 - an alphabet, not a password
SECRET_LENGTH = 10


def normalize_secret(raw: str) -> str:
    """What the reporter typed, as stored: upper case, without spaces and dashes."""
    return "".join(ch for ch in (raw or "").upper() if ch.isalnum())


def hash_secret(secret: str) -> str:
    # The secret has ~50 bits of entropy, so a plain SHA-256 is enough (no slow KDF needed).
    return hashlib.sha256(normalize_secret(secret).encode()).hexdigest()


def new_secret() -> str:
    raw = "".join(secrets.choice(SECRET_ALPHABET) for _ in range(SECRET_LENGTH))
    return f"{raw[:5]}-{raw[5:]}"


def _random_name(prefix: str, extension: str) -> str:
    today = timezone.localdate()
    return f"{prefix}/{today:%Y/%m}/{uuid.uuid4().hex}{extension}"


def attachment_upload_to(instance: TicketAttachment, filename: str) -> str:
    """A random name: the reporter's file name is kept only as a label."""
    return _random_name("tickets", TicketAttachment.EXTENSIONS.get(instance.content_type, ".bin"))


def download_form_upload_to(instance: DownloadForm, filename: str) -> str:
    return _random_name("forms", ".pdf")


class TicketCounter(models.Model):
    """The last number given out in a year; its row is locked while a number is taken."""

    year = models.PositiveIntegerField(_("rok"), primary_key=True)
    last = models.PositiveIntegerField(_("ostatni numer"), default=0)

    class Meta:
        verbose_name = _("licznik numerów zgłoszeń")
        verbose_name_plural = _("liczniki numerów zgłoszeń")

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class Ticket(models.Model):
    class Kind(models.TextChoices):
        MESSAGE = "message", _("wiadomość")
        FAILURE = "failure", _("awaria")
        COMPLAINT = "complaint", _("reklamacja")
        # Art. 18 of the 2019 act on digital accessibility: anyone may ask for an accessible
        # page, document or an alternative way of access, account or not (E5).
        ACCESSIBILITY = "accessibility", _("żądanie zapewnienia dostępności")

    class Status(models.TextChoices):
        NEW = "new", _("nowe")
        IN_PROGRESS = "in_progress", _("w realizacji")
        WAITING = "waiting", _("oczekuje na odpowiedź zgłaszającego")
        RESOLVED = "resolved", _("załatwione")
        REJECTED = "rejected", _("odrzucone")

    OPEN_STATUSES = (Status.NEW, Status.IN_PROGRESS, Status.WAITING)
    CLOSED_STATUSES = (Status.RESOLVED, Status.REJECTED)
    # Where staff may move a ticket from each status (D4); a closed ticket may be reopened.
    TRANSITIONS: ClassVar[dict[str, tuple[str, ...]]] = {
        Status.NEW: (Status.IN_PROGRESS, Status.WAITING, Status.RESOLVED, Status.REJECTED),
        Status.IN_PROGRESS: (Status.WAITING, Status.RESOLVED, Status.REJECTED),
        Status.WAITING: (Status.IN_PROGRESS, Status.RESOLVED, Status.REJECTED),
        Status.RESOLVED: (Status.IN_PROGRESS,),
        Status.REJECTED: (Status.IN_PROGRESS,),
    }

    number = models.CharField(_("numer"), max_length=20, unique=True)
    kind = models.CharField(_("rodzaj"), max_length=16, choices=Kind.choices, db_index=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.NEW, db_index=True)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("zgłaszający (konto)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
    )
    # Contact of a reporter without an account (a failure report, D1).
    reporter_name = models.CharField(_("imię i nazwisko zgłaszającego"), max_length=150, blank=True)
    reporter_email = models.EmailField(_("e-mail zgłaszającego"), blank=True)
    reporter_phone = models.CharField(_("telefon zgłaszającego"), max_length=40, blank=True)
    unit = models.ForeignKey(
        "billing.Unit",
        verbose_name=_("lokal"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
    )
    location = models.CharField(_("adres / miejsce"), max_length=250, blank=True)
    subject = models.CharField(_("temat"), max_length=200)
    description = models.TextField(_("opis"), max_length=5000)
    event_date = models.DateField(_("data zdarzenia"), null=True, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("przypisane do"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_tickets",
        limit_choices_to={"is_staff": True},
    )
    secret_hash = models.CharField(_("skrót kodu dostępu"), max_length=64, editable=False)
    created_at = models.DateTimeField(_("przyjęto"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("zmieniono"), auto_now=True)
    closed_at = models.DateTimeField(_("zamknięto"), null=True, blank=True)
    reporter_replied_at = models.DateTimeField(_("ostatnia odpowiedź zgłaszającego"), null=True, blank=True)
    staff_answered_at = models.DateTimeField(_("ostatnia odpowiedź obsługi"), null=True, blank=True)
    # The statutory deadline staff must answer by (an accessibility request: 7 days, art. 18).
    due_on = models.DateField(_("termin ustawowy"), null=True, blank=True)

    class Meta:
        verbose_name = _("zgłoszenie")
        verbose_name_plural = _("zgłoszenia")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["reporter", "-created_at"]),
            models.Index(fields=["status", "created_at"]),
        ]
        constraints = [
            # D2: complaints only from users with an account, always with the event date.
            models.CheckConstraint(
                condition=~Q(kind="complaint") | (Q(reporter__isnull=False) & Q(event_date__isnull=False)),
                name="ticket_complaint_has_reporter_and_event_date",
            ),
            # Only a failure or an accessibility request may come without an account, and then
            # with a way to reach the reporter.
            models.CheckConstraint(
                condition=Q(reporter__isnull=False)
                | (
                    Q(kind__in=["failure", "accessibility"])
                    & ~Q(reporter_name="")
                    & (~Q(reporter_email="") | ~Q(reporter_phone=""))
                ),
                name="ticket_anonymous_only_failure_with_contact",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["new", "in_progress", "waiting", "resolved", "rejected"]),
                name="ticket_status_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} — {self.subject}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    def can_move_to(self, status: str) -> bool:
        return status in self.TRANSITIONS.get(self.status, ())

    def accepts_reporter_reply(self) -> bool:
        """The reporter can answer back while the ticket is open (D4)."""
        return self.is_open

    def secret_matches(self, secret: str) -> bool:
        return hmac.compare_digest(self.secret_hash, hash_secret(secret))

    @property
    def contact_email(self) -> str:
        """Where notices about this ticket go ('' when the reporter left no e-mail or closed the account)."""
        user = self.reporter  # None without a query when there is no reporter
        if user is not None:
            if user.closed_at or not user.is_active:
                return ""
            return user.email
        return self.reporter_email

    @property
    def reporter_label(self) -> str:
        user = self.reporter
        if user is not None:
            return user.get_full_name() or user.get_username()
        return self.reporter_name

    def age_in_working_days(self, today: dt.date | None = None) -> int:
        today = today or timezone.localdate()
        return working_days_between(timezone.localdate(self.created_at), today)

    @staticmethod
    def complaint_deadline(event_date: dt.date) -> dt.date:
        """The last day a complaint about an event of ``event_date`` is accepted (D2)."""
        return add_working_days(event_date, settings.TICKETS_COMPLAINT_WORKING_DAYS)

    @classmethod
    def earliest_complaint_event_date(cls, today: dt.date) -> dt.date:
        """The earliest event date whose complaint is still accepted ``today``."""
        day = today
        while cls.complaint_deadline(day - dt.timedelta(days=1)) >= today:
            day -= dt.timedelta(days=1)
        return day


class TicketAttachment(models.Model):
    class ContentType(models.TextChoices):
        JPEG = "image/jpeg", "JPEG"
        PNG = "image/png", "PNG"
        PDF = "application/pdf", "PDF"

    EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "application/pdf": ".pdf"}

    ticket = models.ForeignKey(
        Ticket, verbose_name=_("zgłoszenie"), on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(_("plik"), upload_to=attachment_upload_to, max_length=200)
    original_name = models.CharField(_("nazwa pliku nadawcy"), max_length=200)
    # Detected from the content, never taken from the name or the browser.
    content_type = models.CharField(_("typ"), max_length=40, choices=ContentType.choices)
    size = models.PositiveIntegerField(_("rozmiar (bajty)"))
    created_at = models.DateTimeField(_("dodano"), auto_now_add=True)

    class Meta:
        verbose_name = _("załącznik")
        verbose_name_plural = _("załączniki")
        ordering = ["ticket", "id"]

    def __str__(self) -> str:
        return self.original_name

    @property
    def download_name(self) -> str:
        """The reporter's name without its extension (other dots and odd characters become
        hyphens: ``meter.png.html`` → ``meter-png``) and the extension of the type its content
        was checked to be."""
        stem = re.sub(r"[^\w-]+", "-", self.original_name.rsplit(".", 1)[0]).strip("-") or "zalacznik"
        return f"{stem}{self.EXTENSIONS.get(self.content_type, '')}"


class TicketMessage(models.Model):
    """One entry of a ticket's conversation: the reporter's reply, staff's public answer or an internal note."""

    class Kind(models.TextChoices):
        REPORTER = "reporter", _("odpowiedź zgłaszającego")
        ANSWER = "answer", _("odpowiedź obsługi")
        NOTE = "note", _("notatka wewnętrzna")

    PUBLIC_KINDS = (Kind.REPORTER, Kind.ANSWER)

    ticket = models.ForeignKey(Ticket, verbose_name=_("zgłoszenie"), on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(_("rodzaj"), max_length=16, choices=Kind.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("autor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    body = models.TextField(_("treść"), max_length=5000)
    created_at = models.DateTimeField(_("kiedy"), default=timezone.now)

    class Meta:
        verbose_name = _("wpis w zgłoszeniu")
        verbose_name_plural = _("wpisy w zgłoszeniu")
        ordering = ["ticket", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.ticket.number}: {self.get_kind_display()}"

    @property
    def is_public(self) -> bool:
        return self.kind in self.PUBLIC_KINDS


class TicketStatusChange(models.Model):
    ticket = models.ForeignKey(
        Ticket, verbose_name=_("zgłoszenie"), on_delete=models.CASCADE, related_name="status_changes"
    )
    from_status = models.CharField(_("z"), max_length=16, choices=Ticket.Status.choices)
    to_status = models.CharField(_("na"), max_length=16, choices=Ticket.Status.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("kto"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    changed_at = models.DateTimeField(_("kiedy"), default=timezone.now)

    class Meta:
        verbose_name = _("zmiana statusu")
        verbose_name_plural = _("zmiany statusu")
        ordering = ["ticket", "changed_at", "id"]

    def __str__(self) -> str:
        return f"{self.ticket.number}: {self.from_status} → {self.to_status}"


class Announcement(models.Model):
    """A notice (e.g. a water outage) for everyone or for chosen buildings, valid for a period (D5)."""

    title = models.CharField(_("tytuł"), max_length=200)
    body = models.TextField(_("treść"), max_length=5000)
    valid_from = models.DateTimeField(_("ważne od"), default=timezone.now)
    valid_until = models.DateTimeField(_("ważne do"))
    for_all = models.BooleanField(_("dla wszystkich"), default=False)
    buildings = models.ManyToManyField(
        "billing.Building", verbose_name=_("budynki"), blank=True, related_name="announcements"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("opublikował(a)"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("utworzono"), auto_now_add=True)
    emailed_at = models.DateTimeField(_("rozesłano e-mailem"), null=True, blank=True)

    class Meta:
        verbose_name = _("ogłoszenie")
        verbose_name_plural = _("ogłoszenia")
        ordering = ["-valid_from", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__gt=models.F("valid_from")), name="announcement_valid_until_after_from"
            )
        ]

    def __str__(self) -> str:
        return self.title

    # "An announcement is current at T": from ``valid_from`` up to, not including,
    # ``valid_until`` (always set). Rendered for the ORM, the dashboard's SQL and Python.
    PERIOD: ClassVar[Period] = Period("valid_from", "valid_until", end_inclusive=False, open_end=False)

    def is_current(self, now: dt.datetime | None = None) -> bool:
        return self.PERIOD.contains(self.valid_from, self.valid_until, now or timezone.now())

    @classmethod
    def current_q(cls, now: dt.datetime) -> Q:
        return cls.PERIOD.q(now)


class DownloadForm(models.Model):
    """A PDF form (wniosek, oświadczenie) anyone can download (D5)."""

    title = models.CharField(_("tytuł"), max_length=200)
    description = models.TextField(_("opis"), blank=True, max_length=2000)
    file = models.FileField(_("plik PDF"), upload_to=download_form_upload_to, max_length=200)
    size = models.PositiveIntegerField(_("rozmiar (bajty)"), default=0)
    is_published = models.BooleanField(_("opublikowany"), default=True)
    position = models.PositiveIntegerField(_("kolejność"), default=0)
    created_at = models.DateTimeField(_("dodano"), auto_now_add=True)
    updated_at = models.DateTimeField(_("zmieniono"), auto_now=True)

    class Meta:
        verbose_name = _("druk do pobrania")
        verbose_name_plural = _("druki do pobrania")
        ordering = ["position", "title", "id"]

    def __str__(self) -> str:
        return self.title


class Newsletter(models.Model):
    """A newsletter to users who consented (D5, seed 004 §9); sent once, then read-only."""

    subject = models.CharField(_("temat"), max_length=200)
    body = models.TextField(_("treść"), max_length=20000)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("autor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("utworzono"), auto_now_add=True)
    sent_at = models.DateTimeField(_("wysłano"), null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("wysłał(a)"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recipients = models.PositiveIntegerField(_("adresatów"), default=0)

    class Meta:
        verbose_name = _("newsletter")
        verbose_name_plural = _("newslettery")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.subject
