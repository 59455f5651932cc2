from django.urls import path

from billing import views

app_name = "billing"
urlpatterns = [
    path("lokale/<id:unit_id>/", views.unit_detail, name="unit"),
    path("lokale/<id:unit_id>/faktury/", views.invoice_list, name="invoices"),
    path("lokale/<id:unit_id>/faktury/<id:invoice_id>/", views.invoice_detail, name="invoice"),
    path("lokale/<id:unit_id>/faktury/<id:invoice_id>/pdf/", views.invoice_pdf, name="invoice_pdf"),
    path("lokale/<id:unit_id>/faktury/<id:invoice_id>/xml/", views.invoice_xml, name="invoice_xml"),
    path("lokale/<id:unit_id>/zestawienie/", views.statement, name="statement"),
    path("korespondencja/", views.document_list, name="documents"),
    path("korespondencja/<id:document_id>/", views.document_download, name="document"),
]
