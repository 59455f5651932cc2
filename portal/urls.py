from django.contrib import admin
from django.urls import include, path

from billing import views as billing_views
from portal import demo, views

urlpatterns = [
    path("", billing_views.home, name="home"),
    path("regulamin/", views.terms, name="terms"),
    path("prywatnosc/", views.privacy, name="privacy"),
    # Answered by portal.ops_middleware.OperationsMiddleware before any host check; the
    # patterns give them names (reverse) and answer where that middleware is absent.
    path("zdrowie/", views.health, name="health"),
    path("zdrowie/gotowosc/", views.readiness, name="health_ready"),
    path("metryki/", views.metrics, name="metrics"),
    # The tenant's money pages are the most requested: first, so that resolving their paths
    # does not try every other app's patterns before them (no path matches two apps).
    path("", include("billing.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("favicon.ico", views.favicon, name="favicon"),
    path("deklaracja-dostepnosci/", views.accessibility, name="accessibility"),
    # The demo's outbox for its staff (404 outside DEMO; admin_view asks for the second factor).
    path("demo/poczta/", admin.site.admin_view(demo.demo_mail_list), name="demo_mail_list"),
    path("demo/poczta/<id:message_id>/", admin.site.admin_view(demo.demo_mail_detail), name="demo_mail_detail"),
    path(
        "demo/poczta/<id:message_id>/zalaczniki/<id:attachment_id>/",
        admin.site.admin_view(demo.demo_mail_attachment),
        name="demo_mail_attachment",
    ),
    path("admin/", admin.site.urls),
    path("", include("accounts.urls")),
    path("", include("tickets.urls")),
    path("", include("meters.urls")),
    path("", include("payments.urls")),
    path("", include("chat.urls")),
]

handler404 = "portal.views.page_not_found"
handler500 = "portal.views.server_error"
