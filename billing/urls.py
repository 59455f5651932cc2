from django.urls import path

from billing import views

app_name = "billing"
urlpatterns = [
    path("lokale/<int:unit_id>/", views.unit_detail, name="unit"),
    path("lokale/<int:unit_id>/faktury/", views.invoice_list, name="invoices"),
    path("lokale/<int:unit_id>/faktury/<int:invoice_id>/", views.invoice_detail, name="invoice"),
    path("lokale/<int:unit_id>/faktury/<int:invoice_id>/pdf/", views.invoice_pdf, name="invoice_pdf"),
    path("lokale/<int:unit_id>/zestawienie/", views.statement, name="statement"),
    path("korespondencja/", views.document_list, name="documents"),
    path("korespondencja/<int:document_id>/", views.document_download, name="document"),
]
