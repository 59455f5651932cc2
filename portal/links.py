"""The portal's own address in e-mails and PDFs: one setting, one helper (issue 14 item 24).

Anything that leaves the browser (an e-mail, a PDF, a report to staff) cannot use the
request's host, so it is built from ``PORTAL_BASE_URL``; in the demo that setting's default
follows ``HOST``/``PORT`` (portal/settings.py), so links work whatever port the demo runs on.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse


def absolute_url(path: str = "/") -> str:
    """``path`` (``/konto/`` or a ``reverse()`` result) as an address to open from outside."""
    return str(settings.PORTAL_BASE_URL).rstrip("/") + "/" + path.lstrip("/")


def absolute_reverse(viewname: str, *args: object, **kwargs: object) -> str:
    """``reverse(viewname, args=…, kwargs=…)`` as an address to open from outside."""
    return absolute_url(reverse(viewname, args=args or None, kwargs=kwargs or None))
