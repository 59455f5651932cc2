"""Optional error reports to Sentry (issue 13, item 15), on only when SENTRY_DSN is set.

Tenants' personal data must not leave for a third party: the SDK is told not to send it
(``send_default_pii=False``, no request bodies, no local variables of stack frames), and
``scrub_event`` removes what could still carry it — cookies, headers other than a few
harmless ones, query strings, the user's e-mail and IP — and masks e-mail addresses,
PESEL-like numbers and IPv4 addresses in every remaining text (exception messages,
log breadcrumbs). The request id stays, as a tag, to find the matching log lines.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from sentry_sdk.types import Event, Hint

# Request headers worth keeping: none of them identifies a person.
_KEPT_HEADERS = {"user-agent", "content-type", "content-length", "accept-language", "x-request-id"}
# Parts of an event that hold no user data and are large (installed packages, SDK info).
_NOT_SCRUBBED = {"modules", "sdk", "debug_meta"}
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
_PESEL = re.compile(r"(?<!\d)\d{11}(?!\d)")
_IPV4 = re.compile(r"(?<![\d.])(\d{1,3}\.){3}\d{1,3}(?![\d.])")


def sentry_init(*, dsn: str, environment: str, release: str, traces_sample_rate: float) -> None:
    """Called by settings when SENTRY_DSN is set."""
    import sentry_sdk

    sentry_sdk.init(
        dsn=dsn,
        environment=environment or None,
        release=release or None,
        send_default_pii=False,
        max_request_body_size="never",
        include_local_variables=False,
        traces_sample_rate=traces_sample_rate,
        before_send=scrub_event,
        before_send_transaction=scrub_event,
    )


def scrub_event(event: Event, hint: Hint | None = None) -> Event:
    """``before_send``: the event without personal data (see the module's docstring)."""
    from portal.logs import request_id_var

    # The SDK types the event as a TypedDict of known keys; the scrub walks every key, so it
    # treats the event as the plain dict it is at run time (changed in place, then returned).
    data = cast("dict[str, Any]", event)

    request = data.get("request")
    if isinstance(request, dict):
        headers = request.get("headers") or {}
        data["request"] = {
            "method": request.get("method"),
            "url": str(request.get("url") or "").split("?", 1)[0],
            "headers": {k: v for k, v in headers.items() if k.lower() in _KEPT_HEADERS},
        }
    user = data.get("user")
    if isinstance(user, dict):
        data["user"] = {"id": user["id"]} if "id" in user else {}
    request_id = request_id_var.get()
    if request_id:
        data.setdefault("tags", {})["request_id"] = request_id
    for key, value in list(data.items()):
        if key not in _NOT_SCRUBBED:
            data[key] = _scrub(value)
    return event


def _scrub(value: Any) -> Any:
    if isinstance(value, str):
        return _IPV4.sub("[IP]", _PESEL.sub("[PESEL]", _EMAIL.sub("[e-mail]", value)))
    if isinstance(value, dict):
        return {k: _scrub(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_scrub(v) for v in value]
    return value
