"""The request type of pages behind ``login_required``: its user is a portal account, not
``AnonymousUser`` (for the type checker; at run time it is Django's ``HttpRequest``)."""

from __future__ import annotations

from django.http import HttpRequest

from accounts.models import User


class AuthenticatedRequest(HttpRequest):
    user: User
