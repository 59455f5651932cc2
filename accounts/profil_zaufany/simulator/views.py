"""The local simulator of login.gov.pl (PZ_ENVIRONMENT=simulator, never with DEBUG=0).

Same bindings as the real node: the portal POSTs a signed AuthnRequest here, the
tester picks a person, the browser POSTs an artifact to the portal, and the
portal resolves it over SOAP at :func:`artifact`. Single logout works both ways.
"""

from __future__ import annotations

import datetime as dt
import functools
import secrets
from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec

from django.conf import settings
from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST
from lxml import etree

from accounts.profil_zaufany import crypto, saml
from accounts.profil_zaufany.conf import SIMULATOR_ENTITY_ID, PzConfig, get_config, simulator_idp_pair
from accounts.profil_zaufany.crypto import digest_hex
from accounts.profil_zaufany.forms import SimulatorPersonForm
from accounts.profil_zaufany.models import SimulatorArtifact, SimulatorSession
from accounts.profil_zaufany.saml import PzRefused
from accounts.profil_zaufany.simulator import idp
from accounts.profil_zaufany.views import post_binding
from accounts.profil_zaufany.xml import q, text_of, to_bytes
from billing.models import Person, Title

COOKIE = "pzsim"
COOKIE_SALT = "profil_zaufany.simulator"
SESSION_REQUESTS = "pzsim_requests"
ARTIFACT_TTL = dt.timedelta(minutes=5)
P = ParamSpec("P")


def simulator_only(
    view: Callable[Concatenate[HttpRequest, P], HttpResponse],
) -> Callable[Concatenate[HttpRequest, P], HttpResponse]:
    @functools.wraps(view)
    def wrapped(request: HttpRequest, /, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        if settings.PZ_ENVIRONMENT != "simulator":
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


def _error(request: HttpRequest, text: str, status: int = 400) -> HttpResponse:
    return render(request, "profil_zaufany/simulator/error.html", {"text": text}, status=status)


def _cookie_path() -> str:
    return reverse("profil_zaufany:simulator:home")


@csrf_exempt
@simulator_only
@require_POST
def sso(request: HttpRequest) -> HttpResponse:
    """SingleSignOnService (HTTP-POST binding): check the portal's AuthnRequest, show the person picker."""
    cfg = get_config(request)
    try:
        element = saml.decode_post_binding(request.POST.get("SAMLRequest", ""))
        authn = idp.read_authn_request(element, sp_cert_pem=cfg.signing.cert_pem, sso_url=cfg.idp_sso_url)
    except PzRefused as exc:
        return _error(request, _("Symulator odrzucił żądanie uwierzytelnienia: %(reason)s") % {"reason": exc})
    token = secrets.token_urlsafe(16)
    requests = request.session.get(SESSION_REQUESTS, {})
    requests = dict(list(requests.items())[-4:])  # a few open tabs at most
    requests[token] = {**authn, "relay_state": request.POST.get("RelayState", "")}
    request.session[SESSION_REQUESTS] = requests
    return redirect("profil_zaufany:simulator:login", token=token)


def _people() -> QuerySet[Person]:
    today = timezone.localdate()
    titled = Title.objects.filter(Title.active_q(today), person=OuterRef("pk"))
    return (
        Person.objects.exclude(pesel="")
        .annotate(has_title=Exists(titled))
        .filter(has_title=True)
        .prefetch_related("titles__unit__building")
        .order_by("last_name", "first_name")[:50]
    )


@simulator_only
@require_http_methods(["GET", "POST"])
def login(request: HttpRequest, token: str) -> HttpResponse:
    """The tester picks (or types) the person login.gov.pl vouches for, or cancels."""
    authn = request.session.get(SESSION_REQUESTS, {}).get(token)
    if authn is None:
        return _error(request, _("Nieznane lub przeterminowane żądanie logowania. Wróć do e-BOK i zacznij od nowa."))
    form = SimulatorPersonForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        action = request.POST.get("action", "login")
        options: dict[str, Any]
        if action in ("cancel", "fail"):
            options = {
                "status": saml.STATUS_REQUESTER if action == "cancel" else saml.STATUS_RESPONDER,
                "sub_status": saml.STATUS_REQUEST_DENIED if action == "cancel" else saml.STATUS_AUTHN_FAILED,
                "status_message": "Użytkownik anulował uwierzytelnienie"
                if action == "cancel"
                else "Authentication failed",
            }
            return _send_artifact(request, token, authn, person=None, options=options)
        if form.is_valid():
            person = form.person_payload()
            options = {"content_key_bytes": 16 if form.cleaned_data["short_content_key"] else 32}
            return _send_artifact(request, token, authn, person=person, options=options)
    return render(
        request,
        "profil_zaufany/simulator/login.html",
        {"form": form, "people": _people(), "authn": authn, "token": token},
    )


def _send_artifact(
    request: HttpRequest, token: str, authn: dict[str, Any], *, person: dict[str, Any] | None, options: dict[str, Any]
) -> HttpResponse:
    session_index = ""
    if person is not None:
        session_index = saml.new_id()
        SimulatorSession.objects.create(session_index=session_index, name_id=person["pesel"], payload=person)
    artifact = saml.make_artifact(SIMULATOR_ENTITY_ID)
    SimulatorArtifact.objects.create(
        handle_sha256=digest_hex(artifact),
        payload={"authn": authn, "person": person, "session_index": session_index, "options": options},
    )
    requests = request.session.get(SESSION_REQUESTS, {})
    requests.pop(token, None)
    request.session[SESSION_REQUESTS] = requests
    fields = {"SAMLart": artifact}
    if authn.get("relay_state"):
        fields["RelayState"] = authn["relay_state"]
    response = post_binding(request, action=authn["acs_url"], fields=fields, title=_("Powrót do e-BOK"))
    if session_index:
        response.set_signed_cookie(
            COOKIE, session_index, salt=COOKIE_SALT, path=_cookie_path(), httponly=True, samesite="Lax"
        )
    return response


@csrf_exempt
@simulator_only
@require_POST
def artifact(request: HttpRequest) -> HttpResponse:
    """ArtifactResolutionService (SOAP): each artifact resolves once, within five minutes."""
    cfg = get_config(request)
    try:
        resolve_id, artifact_value, _issuer = idp.read_artifact_resolve(request.body, sp_cert_pem=cfg.signing.cert_pem)
    except PzRefused as exc:
        return HttpResponse(f"ArtifactResolve odrzucony: {exc}", status=400, content_type="text/plain; charset=utf-8")
    now = timezone.now()
    updated = SimulatorArtifact.objects.filter(
        handle_sha256=digest_hex(artifact_value), resolved_at__isnull=True, created_at__gte=now - ARTIFACT_TTL
    ).update(resolved_at=now)
    if updated != 1:
        return HttpResponse("Nieznany artefakt", status=404, content_type="text/plain; charset=utf-8")
    stored = SimulatorArtifact.objects.get(handle_sha256=digest_hex(artifact_value)).payload
    person = idp.Person(**stored["person"]) if stored["person"] else None
    body = idp.build_artifact_response(
        resolve_id=resolve_id,
        request_id=stored["authn"]["request_id"],
        acs_url=stored["authn"]["acs_url"],
        sp_entity_id=stored["authn"]["sp_entity_id"],
        sp_encryption_cert_pem=cfg.encryption.cert_pem,
        signing=simulator_idp_pair(),
        person=person,
        session_index=stored["session_index"],
        options=idp.ResponseOptions(**stored["options"]),
    )
    return HttpResponse(body, content_type="text/xml; charset=utf-8")


def _current_session(request: HttpRequest) -> SimulatorSession | None:
    session_index = request.get_signed_cookie(COOKIE, default=None, salt=COOKIE_SALT)
    if not session_index:
        return None
    return SimulatorSession.objects.filter(session_index=session_index, ended_at__isnull=True).first()


@simulator_only
@require_http_methods(["GET"])
def home(request: HttpRequest) -> HttpResponse:
    """The simulator's own page: who is logged in at "login.gov.pl", with its logout."""
    return render(request, "profil_zaufany/simulator/home.html", {"idp_session": _current_session(request)})


@simulator_only
@require_POST
def idp_logout(request: HttpRequest) -> HttpResponse:
    """IdP-initiated single logout: a signed LogoutRequest to the portal (HTTP-POST binding)."""
    idp_session = _current_session(request)
    if idp_session is None:
        return redirect("profil_zaufany:simulator:home")
    cfg = get_config(request)
    SimulatorSession.objects.filter(pk=idp_session.pk).update(ended_at=timezone.now())
    element = saml.build_logout_request(
        issuer=SIMULATOR_ENTITY_ID,
        destination=cfg.slo_url,
        signing=simulator_idp_pair(),
        name_id=idp_session.name_id,
        session_index=idp_session.session_index,
        request_id=saml.new_id(),
    )
    return _logged_out_to_portal(request, cfg, "SAMLRequest", element, title=_("Wylogowanie z e-BOK"))


def _logged_out_to_portal(
    request: HttpRequest, cfg: PzConfig, field: str, message: etree._Element, *, title: str
) -> HttpResponse:
    """Post a logout message to the portal's SingleLogoutService (HTTP-POST binding); the
    simulator's own session cookie goes with it, the logout having ended that session."""
    response = post_binding(
        request, action=cfg.slo_url, fields={field: saml.post_binding_value(to_bytes(message))}, title=title
    )
    response.delete_cookie(COOKIE, path=_cookie_path())
    return response


@csrf_exempt
@simulator_only
@require_POST
def slo(request: HttpRequest) -> HttpResponse:
    """SingleLogoutService: the portal's LogoutRequest, or its LogoutResponse to ours."""
    cfg = get_config(request)
    try:
        value = request.POST.get("SAMLRequest") or request.POST.get("SAMLResponse") or ""
        element = saml.decode_post_binding(value)
        try:
            crypto.verify(element, cfg.signing.cert_pem, required=True)
        except crypto.SignatureError as exc:
            raise PzRefused("bad_signature", str(exc)) from exc
    except PzRefused as exc:
        return _error(request, _("Symulator odrzucił komunikat wylogowania: %(reason)s") % {"reason": exc})
    if element.tag == q("saml2p", "LogoutResponse"):
        return render(request, "profil_zaufany/simulator/logged_out.html")
    if element.tag != q("saml2p", "LogoutRequest"):
        return _error(request, _("Nieoczekiwany komunikat."))
    session_index = text_of(element.find(q("saml2p", "SessionIndex")))
    SimulatorSession.objects.filter(session_index=session_index, ended_at__isnull=True).update(ended_at=timezone.now())
    reply = saml.build_logout_response(
        issuer=SIMULATOR_ENTITY_ID,
        destination=cfg.slo_url,
        signing=simulator_idp_pair(),
        in_response_to=element.get("ID") or "",
    )
    return _logged_out_to_portal(request, cfg, "SAMLResponse", reply, title=_("Powrót do e-BOK"))
