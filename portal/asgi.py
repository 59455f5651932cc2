"""The ASGI application: Django's pages and the chat's sockets (``chat.routing``).

Served by daphne: in production as the compose service ``chat`` (the proxy routes ``/ws/``
to it), in the try-out by ``manage.py runserver`` (daphne's). Sockets carry the session cookie
(AuthMiddlewareStack) and must come from one of ALLOWED_HOSTS (a page of another site cannot
open one with the tenant's cookie)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
django_application = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402 - Django is set up first
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from chat.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_application,
        "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)
