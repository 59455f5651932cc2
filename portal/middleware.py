from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_cache_control


class PolishFirstLocaleMiddleware:
    """Polish unless the user chose another language with the switcher.

    Django's LocaleMiddleware would follow the browser's Accept-Language; many
    Polish users run an English browser and expect the portal in Polish.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.available = {code for code, _ in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.available else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


class PrivateCacheMiddleware:
    """``Cache-Control: private, no-store`` on every response to a logged-in user.

    A shared cache (a proxy, a CDN) must never keep a tenant's page, and the browser must
    not keep it on disk after the user logged out on a shared computer. Private files
    served to someone who is not logged in (the application PDF, a ticket's attachment by
    its status link) set the header in their views. Static files never reach this
    middleware (WhiteNoise answers them before), so they keep their long cache lifetime.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            # Drops "public" and max-age a view may have set: nothing of a user's is shareable.
            response.headers.pop("Expires", None)
            patch_cache_control(response, private=True, no_store=True)
        return response
