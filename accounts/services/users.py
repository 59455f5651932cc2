"""Account lifecycle after activation: passwords, lockout, blocking, consents, closure."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.access import grant_running_after_q
from accounts.lockout import lockout_until
from accounts.models import Application, UnitGrant, User
from accounts.password_validation import password_generate
from accounts.services.personal_data import personal_data_parts
from portal.models import EmailMessage
from portal.services.audit import audit_log
from portal.services.mail import email_queue

CONSENT_FIELDS = ("consent_e_invoice", "consent_e_correspondence", "consent_newsletter")
NOTIFY_FIELDS = ("notify_announcements", "notify_reading_reminders")
# E-mails that carried a first password; their text is removed once it is no longer needed.
CREDENTIALS_KEY_PREFIX = "credentials:"
REDACTED_TEXT = "[Treść usunięta: wiadomość zawierała hasło jednorazowe, które zostało już zmienione.]\n"


def _locked(user: User) -> User:
    return User.objects.select_for_update().get(pk=user.pk)


def credentials_email(
    *, user: User, password: str, template: str, context: dict[str, Any] | None = None
) -> EmailMessage:
    """Send the login and a first password (the regulations deliver them by e-mail, 000 §6-7)."""
    return email_queue(
        to=[user.email],
        template=template,
        context={"user": user, "login": user.username, "password": password, **(context or {})},
        user=user,
        dedup_key=f"{CREDENTIALS_KEY_PREFIX}{user.pk}:{timezone.now().timestamp()}",
    )


def _redact_credentials(user: User) -> None:
    """The first password stays in the outbox only until the user has replaced it."""
    EmailMessage.objects.filter(user=user, dedup_key__startswith=f"{CREDENTIALS_KEY_PREFIX}{user.pk}:").exclude(
        status=EmailMessage.Status.QUEUED
    ).update(body_text=REDACTED_TEXT, body_html="")


def lockout_reset(*, username: str, by: User | None, request: HttpRequest | None = None, reason: str = "staff") -> int:
    """Open an account's lockout at once (staff action, A7); audited. Returns the attempts cleared."""
    with transaction.atomic():
        was_locked = lockout_until(username) is not None
        count: int
        count, _ = AccessAttempt.objects.filter(username=username).delete()
        if count or was_locked:
            audit_log(
                action="account.unlock",
                actor=by,
                obj=User.objects.filter(username=username).first(),
                request=request,
                details={"username": username, "reason": reason, "was_locked": was_locked, "attempts_cleared": count},
            )
    return count


def user_block(*, user: User, by: User | None, reason: str, request: HttpRequest | None = None) -> User:
    """Block an account (A10: abuse, the owner's written request). The user cannot log
    in and each open session of theirs ends at its next request (AccountStateMiddleware)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Podaj powód blokady."), code="reason_required")
    with transaction.atomic():
        user = _locked(user)
        if user.closed_at:
            raise ValidationError(_("Konto jest zamknięte."), code="closed")
        user.blocked_at = timezone.now()
        user.blocked_reason = reason
        user.save(update_fields=["blocked_at", "blocked_reason"])
        audit_log(action="account.block", actor=by, obj=user, request=request, details={"reason": reason})
    return user


def user_unblock(*, user: User, by: User | None, reason: str, request: HttpRequest | None = None) -> User:
    """Lift a block; the reason goes to the audit trail."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Podaj powód odblokowania."), code="reason_required")
    with transaction.atomic():
        user = _locked(user)
        if user.blocked_at is None:
            return user
        previous = user.blocked_reason
        user.blocked_at = None
        user.blocked_reason = ""
        user.save(update_fields=["blocked_at", "blocked_reason"])
        audit_log(
            action="account.unblock",
            actor=by,
            obj=user,
            request=request,
            details={"reason": reason, "blocked_for": previous},
        )
    return user


def user_new_first_password(*, user: User, by: User | None, request: HttpRequest | None = None) -> User:
    """Staff action (A8): a new random first password, e-mailed; it must be changed at
    the next login. Other sessions end (the session hash depends on the password)."""
    with transaction.atomic():
        user = _locked(user)
        if user.closed_at:
            raise ValidationError(_("Konto jest zamknięte."), code="closed")
        if not user.email:
            raise ValidationError(_("Konto nie ma adresu e-mail, na który można wysłać hasło."), code="no_email")
        password = password_generate()
        user.set_password(password)
        user.must_change_password = True
        user.save(update_fields=["password", "must_change_password"])
        lockout_reset(username=user.username, by=by, request=request, reason="new_password")
        credentials_email(user=user, password=password, template="account_new_password")
        audit_log(action="account.password_generated", actor=by, obj=user, request=request)
    return user


def user_password_changed(*, user: User, request: HttpRequest | None = None) -> None:
    """After the user changed their password (the forced first change or any later one)."""
    with transaction.atomic():
        was_forced = user.must_change_password
        User.objects.filter(pk=user.pk).update(must_change_password=False)
        user.must_change_password = False
        _redact_credentials(user)
        audit_log(
            action="account.password_change", actor=user, obj=user, request=request, details={"forced": was_forced}
        )


def user_password_reset(*, user: User, request: HttpRequest | None = None) -> None:
    """After a password was set through a reset link: it is the user's own, and it opens a lockout."""
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(must_change_password=False)
        user.must_change_password = False
        lockout_reset(username=user.username, by=user, request=request, reason="password_reset")
        _redact_credentials(user)
        audit_log(action="account.password_reset", actor=user, obj=user, request=request)


def user_consents_update(*, user: User, values: dict[str, bool], request: HttpRequest | None = None) -> list[str]:
    """Switch consents and e-mail notices; returns the fields that changed. Withdrawing a
    consent takes effect at once: mailings read these flags when they run."""
    allowed = set(CONSENT_FIELDS) | set(NOTIFY_FIELDS)
    with transaction.atomic():
        user = _locked(user)
        changes = {}
        for name, value in values.items():
            if name not in allowed:
                raise ValueError(name)
            if getattr(user, name) != bool(value):
                changes[name] = [getattr(user, name), bool(value)]
                setattr(user, name, bool(value))
        if not changes:
            return []
        fields = list(changes)
        if any(name in CONSENT_FIELDS for name in changes):
            user.consents_changed_at = timezone.now()
            fields.append("consents_changed_at")
        user.save(update_fields=fields)
        audit_log(action="account.consents", actor=user, obj=user, request=request, details=changes)
    return list(changes)


def user_close(*, user: User, request: HttpRequest | None = None) -> None:
    """The user closes their account (A11). Access ends, queued e-mail to them is
    cancelled, personal data the law does not require is erased, and the login and
    e-mail address become free for a new account. The audit trail keeps who it was."""
    with transaction.atomic():
        user = _locked(user)
        if user.closed_at:
            return
        old_username, old_email = user.username, user.email.lower()
        audit_log(action="account.close", actor=user, obj=user, request=request)
        today = timezone.localdate()
        UnitGrant.objects.filter(grant_running_after_q(today), user=user).update(until=today)
        for message in EmailMessage.objects.filter(status=EmailMessage.Status.QUEUED).only("pk", "to", "user_id"):
            if message.user_id == user.pk or old_email in [address.lower() for address in message.to]:
                EmailMessage.objects.filter(pk=message.pk, status=EmailMessage.Status.QUEUED).update(
                    status=EmailMessage.Status.CANCELLED, last_error="konto zamknięte"
                )
        _redact_credentials(user)
        applications = Q(user=user) | (Q(email__iexact=old_email) if old_email else Q(pk__in=[]))
        Application.objects.filter(applications).update(
            first_name="", last_name="", email="", phone="", pesel="", staff_note=""
        )
        # IP addresses of logins are personal data too.
        for model in (AccessAttempt, AccessLog, AccessFailureLog):
            model.objects.filter(username=old_username).delete()
        user.username = f"zamkniete-{user.pk}"
        user.email = ""
        user.first_name = ""
        user.last_name = ""
        user.phone = ""
        user.person = None
        user.is_active = False
        user.must_change_password = False
        for name in (*CONSENT_FIELDS, *NOTIFY_FIELDS):
            setattr(user, name, False)
        user.consents_changed_at = timezone.now()
        user.closed_at = timezone.now()
        user.set_unusable_password()
        user.save()
        # What other apps hold about the account (e.g. open chat conversations end).
        for part in personal_data_parts():
            if part.account_closed is not None:
                part.account_closed(user)


# --- accounts staff edit in admin ----------------------------------------------------------------


def _password_typed_by_someone_else(*, user: User, by: User) -> bool:
    """A5: a password someone other than the account holder typed is a staff-generated one,
    so it must be changed at the next login; staff setting their own password keep it.
    The one definition of the rule: admin's add form and its password form both use it."""
    return user.pk != by.pk


def user_save_by_staff(
    *, user: User, changed: Sequence[str], created: bool, by: User, request: HttpRequest | None = None
) -> User:
    """Staff add an account (with a password they typed) or change one in admin; audited."""
    with transaction.atomic():
        if created and _password_typed_by_someone_else(user=user, by=by):
            user.must_change_password = True
        user.save()
        audit_log(
            action="account.create" if created else "account.change",
            actor=by,
            obj=user,
            request=request,
            details={"fields": sorted(changed)},
        )
    return user


def user_password_set_by_staff(*, user: User, by: User, request: HttpRequest | None = None) -> None:
    """After staff typed a new password for an account in admin (the password itself is set by
    Django's form): someone else's must be changed at the next login (A5); audited."""
    with transaction.atomic():
        if _password_typed_by_someone_else(user=user, by=by):
            User.objects.filter(pk=user.pk).update(must_change_password=True)
            user.must_change_password = True
        audit_log(action="account.password_set_by_staff", actor=by, obj=user, request=request)
