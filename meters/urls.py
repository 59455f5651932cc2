from django.urls import path

from meters import views

app_name = "meters"
urlpatterns = [
    path("liczniki/", views.meter_index, name="index"),
    path("liczniki/<id:meter_id>/", views.meter_history, name="meter"),
    path("liczniki/<id:meter_id>/historia.csv", views.meter_history_csv, name="meter_csv"),
    path("liczniki/<id:meter_id>/odczyt/", views.reading_new, name="submit"),
    path("liczniki/<id:meter_id>/odczyty/<id:reading_pk>/zdjecie/", views.reading_photo, name="photo"),
    path("lokale/<id:unit_id>/liczniki/", views.unit_meters, name="unit"),
    path("lokale/<id:unit_id>/liczniki/historia/", views.unit_history, name="unit_history"),
    path("lokale/<id:unit_id>/liczniki/historia.csv", views.unit_history_csv, name="unit_csv"),
]
