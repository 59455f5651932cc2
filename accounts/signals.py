"""Audit entries for what Django and axes signal about logins (A14).

Receivers only write the audit trail; the login workflow itself is in the form
and the lockout handler.
"""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from accounts.models import User
from portal.services.audit import audit_log


def _account(username: str | None) -> User | None:
    if not username:
        return None
    return User.objects.filter(username=username).first()


@receiver(user_logged_in, dispatch_uid="accounts_audit_login")
def audit_login(sender: object, request: HttpRequest, user: User, **kwargs: object) -> None:
    audit_log(action="account.login", actor=user, obj=user, request=request)


@receiver(user_logged_out, dispatch_uid="accounts_audit_logout")
def audit_logout(sender: object, request: HttpRequest, user: User | None, **kwargs: object) -> None:
    if user is not None:
        audit_log(action="account.logout", actor=user, obj=user, request=request)


@receiver(user_login_failed, dispatch_uid="accounts_audit_login_failed")
def audit_login_failed(
    sender: object, credentials: dict[str, Any] | None, request: HttpRequest | None = None, **kwargs: object
) -> None:
    username = (credentials or {}).get("username")
    # axes' receiver ran first: it counted this failure unless the account was already locked.
    refused = (
        bool(getattr(request, "axes_locked_out", False)) and getattr(request, "axes_failures_since_start", None) is None
    )
    audit_log(
        action="account.login_refused_locked" if refused else "account.login_failed",
        obj=_account(username),
        request=request,
        actor_label="anonim",
        details={"username": (username or "")[:150]},
    )


@receiver(user_locked_out, dispatch_uid="accounts_audit_locked")
def audit_locked(
    sender: object, request: HttpRequest, username: str, ip_address: str | None = None, **kwargs: object
) -> None:
    failures = getattr(request, "axes_failures_since_start", None)  # set by axes on the request
    if failures is None:
        return  # a refused attempt during an existing lockout, audited above
    audit_log(
        action="account.locked",
        obj=_account(username),
        request=request,
        actor_label="system",
        details={"username": (username or "")[:150], "failures": failures},
    )
