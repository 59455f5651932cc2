from django.urls import include, path

from payments import views

app_name = "payments"
urlpatterns = [
    path("lokale/<id:unit_id>/platnosci/", views.payment_history, name="history"),
    path("lokale/<id:unit_id>/platnosci/zaplac/", views.pay_balance, name="pay_balance"),
    path("lokale/<id:unit_id>/platnosci/<id:payment_id>/", views.payment_detail, name="detail"),
    path("lokale/<id:unit_id>/faktury/<id:invoice_id>/zaplac/", views.pay_invoice, name="pay_invoice"),
    path("platnosci/powiadomienie/", views.notify, name="notify"),
    path("platnosci/powiadomienie/odrzucenie/", views.notify_refusal, name="notify_refusal"),
    path("platnosci/symulator/", include("payments.simulator.urls")),
]
