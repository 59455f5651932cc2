from django.contrib.auth import views as auth_views
from django.urls import include, path

from accounts import views
from accounts.forms import LoginForm

urlpatterns = [
    path(
        "logowanie/",
        auth_views.LoginView.as_view(template_name="accounts/login.html", authentication_form=LoginForm),
        name="login",
    ),
    path("wyloguj/", auth_views.LogoutView.as_view(), name="logout"),
    path("wniosek/", views.application_form, name="application_form"),
    path("wniosek/wyslany/<str:token>/", views.application_sent, name="application_sent"),
    path("wniosek/pdf/<str:token>/", views.application_pdf_download, name="application_pdf"),
    path("wniosek/potwierdz/<str:token>/", views.application_confirm, name="application_confirm"),
    path("konto/", views.profile, name="profile"),
    path("konto/haslo/", views.password_change, name="password_change"),
    path("konto/zamknij/", views.account_close, name="account_close"),
    path(
        "konto/dane-osobowe.json",
        views.personal_data_download,
        {"file_format": "json"},
        name="personal_data_json",
    ),
    path("konto/dane-osobowe.pdf", views.personal_data_download, {"file_format": "pdf"}, name="personal_data_pdf"),
    path("regulamin/akceptacja/", views.terms_accept, name="terms_accept"),
    path("haslo/reset/", views.password_reset, name="password_reset"),
    path("haslo/reset/wyslano/", views.password_reset_done, name="password_reset_done"),
    path(
        "haslo/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("haslo/reset/gotowe/", views.password_reset_complete, name="password_reset_complete"),
    path("profil-zaufany/", include("accounts.profil_zaufany.urls")),
]
