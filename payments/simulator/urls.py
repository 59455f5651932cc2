from django.urls import path

from payments.simulator import views

app_name = "simulator"

# The same paths as the real gateway's, under the simulator's base address.
urlpatterns = [
    path("", views.home, name="home"),
    path("api/v1/transaction/register", views.register, name="register"),
    path("api/v1/transaction/verify", views.verify, name="verify"),
    path("trnRequest/<str:token>", views.pay_page, name="pay"),
    path("transakcje/<str:token>/powiadomienie/", views.send_late, name="send_late"),
]
