"""The idle timeout of sessions without a session write on every request (issue 18).

A session ends ``SESSION_COOKIE_AGE`` seconds (``SESSION_IDLE_TIMEOUT``, 30 minutes) after
the user's last activity: its stored expiry is renewed whenever the session is saved. Django's
``SESSION_SAVE_EVERY_REQUEST`` renews it by saving on every request, which is a database
write (or a Redis write) per page. This middleware instead saves an otherwise unchanged
session only when it was last saved ``SESSION_TOUCH_SECONDS`` (60 s) or more ago, so a tenant
clicking through pages causes one write a minute at most, and an idle session still ends
between ``SESSION_COOKIE_AGE - SESSION_TOUCH_SECONDS`` and ``SESSION_COOKIE_AGE`` after the
last request. It sits right after Django's ``SessionMiddleware``, which does the saving.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

# Unix time of the session's last save by this middleware (or of any change saved after it).
TOUCHED_KEY = "portal_touched_at"


class IdleTimeoutSessionMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is None or session.session_key is None:
            return response  # no session cookie, or a new session saved anyway if it holds anything
        now = int(time.time())
        touched = session.get(TOUCHED_KEY)
        if session.session_key is None:
            return response  # the stored session is gone (expired, logged out): nothing to renew
        if session.modified or touched is None or now - touched >= settings.SESSION_TOUCH_SECONDS:
            # Saved by SessionMiddleware on the way out, with a new expiry counted from now.
            session[TOUCHED_KEY] = now
        return response
