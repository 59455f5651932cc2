"""What the Profil Zaufany login remembers: requests it sent (bound to a browser
session), artifacts and assertions it consumed (each usable once), the IdP
sessions behind portal sessions (for single logout), terms acceptances of the
login step, and the local simulator's own state."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuthnRequestSent(models.Model):
    """An AuthnRequest this portal sent; a response must answer one of these, from the same session."""

    request_id = models.CharField(_("ID żądania"), max_length=80, unique=True)
    # SHA-256 of a random value kept in the browser's session: ties the answer to the session that asked.
    session_binding = models.CharField(_("powiązanie z sesją"), max_length=64)
    next_url = models.CharField(_("adres po zalogowaniu"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("wysłano"), auto_now_add=True, db_index=True)
    consumed_at = models.DateTimeField(_("wykorzystano"), null=True, blank=True)

    class Meta:
        verbose_name = _("żądanie uwierzytelnienia (PZ)")
        verbose_name_plural = _("żądania uwierzytelnienia (PZ)")

    def __str__(self) -> str:
        return self.request_id


class ConsumedArtifact(models.Model):
    """An artifact already presented: a second presentation is a replay."""

    artifact_sha256 = models.CharField(_("skrót artefaktu"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("użyto"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("wykorzystany artefakt (PZ)")
        verbose_name_plural = _("wykorzystane artefakty (PZ)")

    def __str__(self) -> str:
        return self.artifact_sha256[:16]


class ConsumedAssertion(models.Model):
    """An assertion id already accepted: the same assertion is never accepted twice."""

    assertion_id = models.CharField(_("ID asercji"), max_length=200, unique=True)
    not_on_or_after = models.DateTimeField(_("ważna do"), null=True, blank=True)
    created_at = models.DateTimeField(_("użyto"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("wykorzystana asercja (PZ)")
        verbose_name_plural = _("wykorzystane asercje (PZ)")

    def __str__(self) -> str:
        return self.assertion_id


class IdpSession(models.Model):
    """A portal session opened by a Profil Zaufany login, so that the IdP's logout can end it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    session_key = models.CharField(_("klucz sesji portalu"), max_length=40, db_index=True)
    name_id = models.CharField(_("NameID"), max_length=200)
    session_index = models.CharField(_("SessionIndex"), max_length=200, db_index=True)
    created_at = models.DateTimeField(_("utworzono"), auto_now_add=True)
    ended_at = models.DateTimeField(_("zakończono"), null=True, blank=True)

    class Meta:
        verbose_name = _("sesja Profilu Zaufanego")
        verbose_name_plural = _("sesje Profilu Zaufanego")

    def __str__(self) -> str:
        return f"{self.user} ({self.session_index})"


class LogoutRequestSent(models.Model):
    """A LogoutRequest this portal sent to the IdP; its LogoutResponse must answer it."""

    request_id = models.CharField(_("ID żądania"), max_length=80, unique=True)
    created_at = models.DateTimeField(_("wysłano"), auto_now_add=True)
    answered_at = models.DateTimeField(_("odpowiedziano"), null=True, blank=True)

    class Meta:
        verbose_name = _("żądanie wylogowania (PZ)")
        verbose_name_plural = _("żądania wylogowania (PZ)")

    def __str__(self) -> str:
        return self.request_id


# --- the local simulator of login.gov.pl (PZ_ENVIRONMENT=simulator only) -------------------------


class SimulatorArtifact(models.Model):
    """An artifact the simulator handed out, with what its ArtifactResponse must say."""

    handle_sha256 = models.CharField(max_length=64, unique=True)
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("artefakt symulatora")
        verbose_name_plural = _("artefakty symulatora")

    def __str__(self) -> str:
        return self.handle_sha256[:16]


class SimulatorSession(models.Model):
    """A person logged in at the simulator (its "login.gov.pl session")."""

    session_index = models.CharField(max_length=80, unique=True)
    name_id = models.CharField(max_length=200)
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("sesja symulatora")
        verbose_name_plural = _("sesje symulatora")

    def __str__(self) -> str:
        return self.session_index
