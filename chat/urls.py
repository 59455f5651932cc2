from django.urls import path

from chat import views

app_name = "chat"
urlpatterns = [
    path("czat/", views.chat_index, name="index"),
    path("czat/<id:conversation_id>/", views.chat_detail, name="detail"),
    path("czat/<id:conversation_id>/zgloszenie/", views.chat_to_ticket, name="to_ticket"),
    path("czat/<id:conversation_id>/zakoncz/", views.chat_close, name="close"),
    path("czat/<id:conversation_id>/zapis/", views.chat_transcript, name="transcript"),
]
