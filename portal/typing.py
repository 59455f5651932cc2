"""Types shared by the apps' views (checked by mypy, see docs/operations.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest

if TYPE_CHECKING:
    from accounts.models import User


class AuthenticatedHttpRequest(HttpRequest):
    """The request of a view behind ``login_required``: ``request.user`` is a ``User``, never
    ``AnonymousUser``. Only an annotation (``def page(request: AuthenticatedHttpRequest)``);
    Django still passes its own HttpRequest."""

    user: User
