"""The portal's URLs plus the trivial view ``bench/pages.py`` measures pages against.

One ``SELECT 1`` through the whole middleware chain, as ``/zdrowie/`` was until the health
probes moved in front of the middleware (issue 13): the ratios stay comparable.
"""

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.urls import include, path


def trivial(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


urlpatterns = [path("bench/trywialny/", trivial), path("", include("portal.urls"))]

handler404 = "portal.views.page_not_found"
handler500 = "portal.views.server_error"
