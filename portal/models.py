"""Project-wide records: the audit trail, the e-mail outbox and the operator."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.formats import format_date
from portal.memo import Memo


class AuditEntry(models.Model):
    """One thing a person (or the system) did: who, what, to which object, when, from where."""

    created_at = models.DateTimeField(_("kiedy"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("kto"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Kept beside the foreign key so the entry still says who it was after the
    # account is closed or anonymised.
    actor_label = models.CharField(_("kto (opis)"), max_length=200, blank=True)
    action = models.CharField(_("czynność"), max_length=64, db_index=True)
    object_type = models.CharField(_("rodzaj obiektu"), max_length=100, blank=True, db_index=True)
    object_id = models.CharField(_("id obiektu"), max_length=64, blank=True, db_index=True)
    object_repr = models.CharField(_("obiekt"), max_length=200, blank=True)
    ip_address = models.GenericIPAddressField(_("adres IP"), null=True, blank=True)
    details = models.JSONField(_("szczegóły"), default=dict, blank=True)

    class Meta:
        verbose_name = _("wpis dziennika zdarzeń")
        verbose_name_plural = _("dziennik zdarzeń")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id", "-created_at"])]

    def __str__(self) -> str:
        # In the portal's time zone, as the list shows it (the stored value is UTC).
        return f"{format_date(self.created_at, with_time=True)} {self.actor_label or '-'}: {self.action}"


class EmailMessage(models.Model):
    """An e-mail the portal sends, kept until delivered so an SMTP outage loses nothing (E2)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("w kolejce")
        SENT = "sent", _("wysłana")
        FAILED = "failed", _("nieudana")
        CANCELLED = "cancelled", _("anulowana")

    created_at = models.DateTimeField(_("utworzono"), auto_now_add=True, db_index=True)
    to = models.JSONField(_("do"), default=list)
    subject = models.CharField(_("temat"), max_length=250)
    body_text = models.TextField(_("treść (tekst)"))
    body_html = models.TextField(_("treść (HTML)"), blank=True)
    status = models.CharField(_("stan"), max_length=16, choices=Status.choices, default=Status.QUEUED, db_index=True)
    attempts = models.PositiveIntegerField(_("próby"), default=0)
    last_error = models.TextField(_("ostatni błąd"), blank=True)
    last_attempt_at = models.DateTimeField(_("ostatnia próba"), null=True, blank=True)
    sent_at = models.DateTimeField(_("wysłano"), null=True, blank=True)
    # Lets a caller make "send this once" idempotent (e.g. "invoice 42 to user 7").
    dedup_key = models.CharField(_("klucz jednorazowości"), max_length=200, null=True, blank=True, unique=True)
    # Extra headers of a mailing (List-Unsubscribe and List-Unsubscribe-Post, RFC 2369 and 8058).
    headers = models.JSONField(_("nagłówki"), default=dict, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("użytkownik"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="emails",
    )

    class Meta:
        verbose_name = _("wiadomość e-mail")
        verbose_name_plural = _("wiadomości e-mail (skrzynka nadawcza)")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{', '.join(self.to)}: {self.subject}"


class EmailAttachment(models.Model):
    message = models.ForeignKey(EmailMessage, on_delete=models.CASCADE, related_name="attachments")
    filename = models.CharField(_("nazwa pliku"), max_length=200)
    content_type = models.CharField(_("typ"), max_length=100)
    content = models.BinaryField(_("zawartość"))

    class Meta:
        verbose_name = _("załącznik")
        verbose_name_plural = _("załączniki")

    def __str__(self) -> str:
        return self.filename


class Operator(models.Model):
    """The housing manager or utility running this portal: seller on invoices, footer, contact."""

    name = models.CharField(_("nazwa"), max_length=200)
    short_name = models.CharField(_("nazwa skrócona"), max_length=60, blank=True)
    street = models.CharField(_("ulica i numer"), max_length=200, blank=True)
    postal_code = models.CharField(_("kod pocztowy"), max_length=6, blank=True)
    city = models.CharField(_("miejscowość"), max_length=100, blank=True)
    nip = models.CharField(_("NIP"), max_length=10, blank=True)
    bank_account = models.CharField(_("rachunek bankowy (NRB)"), max_length=32, blank=True)
    email = models.EmailField(_("e-mail biura obsługi"), blank=True)
    phone = models.CharField(_("telefon biura obsługi"), max_length=40, blank=True)
    office_hours = models.CharField(_("godziny pracy biura"), max_length=200, blank=True)
    logo = models.ImageField(_("logo"), upload_to="operator/", blank=True)
    # The accessibility statement (deklaracja dostępności, E5): what the act's template asks of
    # the operator; an empty field falls back to the portal's defaults (portal/accessibility.py).
    accessibility_contact_name = models.CharField(_("dostępność: osoba kontaktowa"), max_length=150, blank=True)
    accessibility_contact_email = models.EmailField(_("dostępność: e-mail osoby kontaktowej"), blank=True)
    accessibility_contact_phone = models.CharField(
        _("dostępność: telefon osoby kontaktowej"), max_length=40, blank=True
    )
    accessibility_published_on = models.DateField(_("dostępność: data publikacji portalu"), null=True, blank=True)
    accessibility_updated_on = models.DateField(
        _("dostępność: data ostatniej istotnej aktualizacji"), null=True, blank=True
    )
    accessibility_prepared_on = models.DateField(_("dostępność: data sporządzenia deklaracji"), null=True, blank=True)
    accessibility_reviewed_on = models.DateField(
        _("dostępność: data ostatniego przeglądu deklaracji"), null=True, blank=True
    )
    accessibility_known_issues = models.TextField(
        _("dostępność: znane niedostępne treści (jedna w wierszu)"),
        blank=True,
        help_text=_("Dopisane do niezgodności stwierdzonych w samoocenie portalu."),
    )
    accessibility_architecture = models.TextField(_("dostępność architektoniczna siedziby"), blank=True)
    accessibility_mobile_apps = models.TextField(_("aplikacje mobilne"), blank=True)

    class Meta:
        verbose_name = _("operator")
        verbose_name_plural = _("operator")

    def __str__(self) -> str:
        return self.name

    @classmethod
    def current(cls) -> Operator | None:
        """The operator record (the first one, should there be more)."""
        return cls.objects.order_by("pk").first()

    @classmethod
    def for_request(cls, request) -> Operator | None:
        """``current()`` as pages show it (the layout, a page's transfer details): the one
        kept by the process for a while (``CURRENT_OPERATOR``), the same all through a request."""
        if not hasattr(request, "_portal_operator"):
            request._portal_operator = CURRENT_OPERATOR.get()
        return request._portal_operator


# Every page shows the operator, edited a few times a year: kept for a while (cleared when
# it is saved in this process: portal.apps).
CURRENT_OPERATOR: Memo[Operator | None] = Memo(Operator.current)


class RateLimitHit(models.Model):
    """One counted attempt of one client (portal.ratelimit): an anonymous report, a failed
    ticket status check, a password-reset request.

    Rows older than the longest window are purged by a beat task; once a client is
    over its limit nothing more is written, so the table stays small under a flood.
    """

    scope = models.CharField(max_length=40)
    key = models.CharField(max_length=100)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("próba (limit)")
        verbose_name_plural = _("próby (limity)")
        indexes = [models.Index(fields=["scope", "key", "created_at"])]

    def __str__(self) -> str:
        return f"{self.scope}:{self.key} {self.created_at:%Y-%m-%d %H:%M}"
