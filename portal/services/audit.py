"""The audit trail: every account, money, reading and ticket change writes one entry."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.http import HttpRequest

from portal.models import AuditEntry


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's address; REMOTE_ADDR is set by gunicorn from the trusted proxy."""
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def audit_log(
    *,
    action: str,
    actor: Any = None,
    obj: models.Model | None = None,
    request: HttpRequest | None = None,
    details: dict[str, Any] | None = None,
    actor_label: str = "",
) -> AuditEntry:
    """Write one audit entry; ``actor`` defaults to the request's authenticated user."""
    user = getattr(request, "user", None)
    if actor is None and user is not None and user.is_authenticated:
        actor = user
    if actor is not None and not actor_label:
        actor_label = actor.get_username()
    entry = AuditEntry(
        actor=actor if actor is not None and actor.pk else None,
        actor_label=actor_label[:200] or "system",
        action=action,
        ip_address=client_ip(request),
        details=details or {},
    )
    if obj is not None:
        entry.object_type = obj._meta.label_lower
        entry.object_id = str(obj.pk)
        entry.object_repr = str(obj)[:200]
    entry.save()
    return entry
