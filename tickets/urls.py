from django.urls import path

from tickets import views

app_name = "tickets"
urlpatterns = [
    path("zgloszenia/", views.ticket_list, name="list"),
    path("zgloszenia/nowe/", views.ticket_new, name="new"),
    path("zgloszenia/przyjete/", views.ticket_filed, name="filed"),
    path("zgloszenia/<id:ticket_id>/", views.ticket_detail, name="detail"),
    path("zgloszenia/<id:ticket_id>/odpowiedz/", views.ticket_reply, name="reply"),
    path(
        "zgloszenia/<id:ticket_id>/zalaczniki/<id:attachment_id>/",
        views.attachment_download,
        name="attachment",
    ),
    path("awaria/", views.failure_report, name="failure_report"),
    path("deklaracja-dostepnosci/zadanie/", views.accessibility_request, name="accessibility_request"),
    path("status/", views.status_check, name="status"),
    path("status/<str:token>/", views.status_link, name="status_link"),
    path("status/<str:token>/odpowiedz/", views.status_reply, name="status_reply"),
    path("status/<str:token>/zalaczniki/<id:attachment_id>/", views.status_attachment, name="status_attachment"),
    path("druki/", views.download_forms, name="forms"),
    path("druki/<id:form_id>/pobierz/", views.download_form_file, name="form_file"),
    path("newsletter/wypisz/<str:token>/", views.newsletter_unsubscribe, name="newsletter_unsubscribe"),
    path("ogloszenia/wypisz/<str:token>/", views.announcements_unsubscribe, name="announcements_unsubscribe"),
]
