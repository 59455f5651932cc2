from django.urls import include, path

from accounts.profil_zaufany import views

app_name = "profil_zaufany"

urlpatterns = [
    path("zaloguj/", views.start, name="start"),
    path("acs/", views.acs, name="acs"),
    path("slo/", views.slo, name="slo"),
    path("metadane/", views.metadata, name="metadata"),
    path("regulamin/", views.terms, name="terms"),
    path("brak-dopasowania/", views.no_match, name="no_match"),
    path("wyloguj/", views.logout, name="logout"),
    # The local simulator of login.gov.pl: every view answers 404 unless PZ_ENVIRONMENT is
    # "simulator", which the settings refuse with DEBUG=0.
    path("symulator/", include("accounts.profil_zaufany.simulator.urls")),
]
