from django.urls import path

from accounts.profil_zaufany.simulator import views

app_name = "simulator"

urlpatterns = [
    path("", views.home, name="home"),
    path("SingleSignOnService", views.sso, name="sso"),
    path("logowanie/<str:token>/", views.login, name="login"),
    path("idpArtifactResolutionService", views.artifact, name="artifact"),
    path("singleLogoutService", views.slo, name="slo"),
    path("wyloguj/", views.idp_logout, name="logout"),
]
