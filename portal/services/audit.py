"""The audit trail: every account, money, reading and ticket change writes one entry.

``client_ip`` is the one place the portal learns who is on the other end of a request:
the audit trail, axes (``AXES_CLIENT_IP_CALLABLE``), the per-client limits and the
applications all ask it.
"""

from __future__ import annotations

import functools
import ipaddress
from typing import Any

from django.conf import settings
from django.db import models
from django.http import HttpRequest

from portal.models import AuditEntry

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _address(value: str) -> Address | None:
    try:
        address = ipaddress.ip_address(value.strip())
    except ValueError:
        return None
    # A dual-stack socket reports an IPv4 peer as ::ffff:a.b.c.d; it is the IPv4 address.
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


@functools.lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    # Keyed by the setting's value, so a test overriding TRUSTED_PROXIES gets its own networks.
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries if entry.strip())


def _trusted(address: Address, networks: tuple[Network, ...]) -> bool:
    return any(address in network for network in networks)


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's address.

    ``X-Forwarded-For`` is believed only when the direct peer (``REMOTE_ADDR``) is one of
    ``TRUSTED_PROXIES``: anyone else can send that header. The header is read from the
    right (the hop our proxy added) to the left, skipping our own proxies; the first other
    address is the client. An unreadable hop there means the chain cannot be trusted, and
    the peer is answered instead; so is a request without the header.
    """
    if request is None:
        return None
    peer = _address(request.META.get("REMOTE_ADDR") or "")
    if peer is None:
        return None
    networks = _networks(tuple(settings.TRUSTED_PROXIES))
    if not _trusted(peer, networks):
        return str(peer)
    client = peer
    for hop in reversed(request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")):
        address = _address(hop)
        if address is None:
            return str(peer)
        client = address
        if not _trusted(address, networks):
            break
    # When every hop is one of ours (e.g. a health check from the proxy's host), the
    # left-most is where the request started.
    return str(client)


def audit_log(
    *,
    action: str,
    actor: Any = None,
    obj: models.Model | None = None,
    request: HttpRequest | None = None,
    details: dict[str, Any] | None = None,
    actor_label: str = "",
    ip: str | None = None,
) -> AuditEntry:
    """Write one audit entry; ``actor`` defaults to the request's authenticated user.

    ``ip`` is for work done after the request (a task): the client address the request had.
    """
    user = getattr(request, "user", None)
    if actor is None and user is not None and user.is_authenticated:
        actor = user
    if actor is not None and not actor_label:
        actor_label = actor.get_username()
    entry = AuditEntry(
        actor=actor if actor is not None and actor.pk else None,
        actor_label=actor_label[:200] or "system",
        action=action,
        ip_address=client_ip(request) if request is not None else ip,
        details=details or {},
    )
    if obj is not None:
        entry.object_type = obj._meta.label_lower
        entry.object_id = str(obj.pk)
        entry.object_repr = str(obj)[:200]
    entry.save()
    return entry
