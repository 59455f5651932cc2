"""What a logged-in account may reach, checked on every request.

1. A blocked or closed account is logged out at once, wherever its session is (A10, A11).
2. An account with a first (or staff-generated) password reaches only the change form (A5).
3. A tenant who has not accepted the current terms reaches only the acceptance page (A12).
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.selectors import user_has_accepted_current_terms

# Paths every logged-in user may reach whatever the state of the account.
_ALWAYS_OPEN = ("logout", "set_language", "terms", "privacy", "health")


class AccountStateMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            response = self._check(request, user)
            if response is not None:
                return response
        return self.get_response(request)

    def _open_paths(self, *names: str) -> set[str]:
        return {reverse(name) for name in (*_ALWAYS_OPEN, *names)}

    def _exempt(self, request: HttpRequest, *names: str) -> bool:
        path = request.path_info
        if path.startswith(settings.STATIC_URL):
            return True
        return path in self._open_paths(*names)

    def _check(self, request: HttpRequest, user: User) -> HttpResponse | None:
        if user.is_shut_out:
            blocked = user.is_blocked
            logout(request)
            if blocked:
                messages.error(
                    request,
                    _("Twoje konto zostało zablokowane. Aby wyjaśnić sprawę, skontaktuj się z biurem obsługi."),
                )
            return redirect("login")
        if user.must_change_password:
            if self._exempt(request, "password_change"):
                return None
            return _redirect_with_next("password_change", request)
        if (
            not user.is_staff
            and not self._exempt(request, "terms_accept", "account_close")
            and not user_has_accepted_current_terms(user, request.session)
        ):
            return _redirect_with_next("terms_accept", request)
        return None


def _redirect_with_next(name: str, request: HttpRequest) -> HttpResponse:
    url = reverse(name)
    if request.method == "GET" and request.path_info != reverse("home"):
        url += "?" + urlencode({"next": request.get_full_path()})
    return redirect(url)
