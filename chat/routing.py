from django.urls import path

from chat.consumers import StaffChatConsumer, TenantChatConsumer

websocket_urlpatterns = [
    path("ws/czat/obsluga/", StaffChatConsumer.as_asgi()),
    path("ws/czat/<str:conversation_id>/", TenantChatConsumer.as_asgi()),
]
