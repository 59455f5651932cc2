"""Lost password (A8): a reset request and the e-mailed link.

The page answers every request the same way and at once: the request is only counted
against its limits here, and the account lookup and the e-mail are a task queued after
the commit, so neither the answer nor its timing tells whether an address has an account.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.http import HttpRequest
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.models import User
from portal.links import absolute_reverse
from portal.ratelimit import Limit, client_key, text_key
from portal.services.audit import audit_log, client_ip
from portal.services.mail import email_queue

logger = logging.getLogger(__name__)


def per_address_limit() -> Limit:
    """Reset requests for one e-mail address per hour, whoever sends them."""
    return Limit("password_reset_address", settings.PASSWORD_RESET_PER_ADDRESS_HOUR)


def per_client_limit() -> Limit:
    """Reset requests from one client (IP address, an IPv6 /64) per hour, for any addresses."""
    return Limit("password_reset_ip", settings.PASSWORD_RESET_PER_IP_HOUR)


def password_reset_request(*, email: str, request: HttpRequest | None = None) -> bool:
    """Count a reset request and queue its work (lookup, link, e-mail) for after the commit.

    Returns False when the address or the client is over its hourly limit: nothing is
    queued, and a warning is logged. The caller answers the same page either way.
    """
    address_key = text_key(email)
    ip_key = client_key(request) if request is not None else "unknown"
    ip = client_ip(request)
    for limit, key in ((per_address_limit(), address_key), (per_client_limit(), ip_key)):
        if limit.exceeded(key):
            # No address in the log line: the key identifies repeats without naming anyone.
            logger.warning(
                "password reset not sent: over the %s limit (%s per hour), client %s, address key %s",
                limit.scope,
                limit.limit,
                ip,
                address_key[:12],
            )
            return False
    per_address_limit().hit(address_key)
    per_client_limit().hit(ip_key)

    from accounts import tasks  # the tasks module imports the services

    tasks.password_reset_send.delay_on_commit(email.strip(), ip)
    return True


def password_reset_send(*, email: str, ip: str | None = None) -> bool:
    """E-mail a reset link when an active account has this address; True when one was sent.

    Safe to run twice: a second run sends a second link, as a second request would.
    """
    user = (
        User.objects.filter(email__iexact=email, is_active=True, closed_at__isnull=True, blocked_at__isnull=True)
        .exclude(email="")
        .first()
    )
    if user is None or not user.has_usable_password():
        audit_log(action="account.password_reset_unknown", actor_label="anonim", ip=ip)
        return False
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    url = absolute_reverse("password_reset_confirm", uid, token)
    email_queue(
        to=[user.email],
        template="password_reset",
        context={"user": user, "url": url, "minutes": settings.PASSWORD_RESET_TIMEOUT // 60},
        user=user,
    )
    audit_log(action="account.password_reset_request", obj=user, actor_label="anonim", ip=ip)
    return True
