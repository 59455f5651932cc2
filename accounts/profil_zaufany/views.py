"""The portal's side of Profil Zaufany: start, assertion consumer, terms step,
no-match page, single logout and the SP metadata. Thin: the work is in services."""

from __future__ import annotations

import logging
from urllib.parse import urlencode, urlsplit

from csp.decorators import csp_update
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.profil_zaufany import saml, services
from accounts.profil_zaufany.conf import NotConfigured, get_config, is_enabled
from accounts.profil_zaufany.forms import TermsForm
from accounts.profil_zaufany.saml import PzRefused
from accounts.profil_zaufany.xml import to_bytes
from portal.services.audit import audit_log

logger = logging.getLogger(__name__)


def post_binding(request: HttpRequest, *, action: str, fields: dict[str, str], title: str) -> HttpResponse:
    """An auto-submitting form (HTTP-POST binding); without JavaScript the person presses the button.

    The form posts to login.gov.pl (or to the simulator, at the portal's own address): the
    Content-Security-Policy's ``form-action`` of this page alone allows the origin of ``action``
    (whether the policy is enforced or report-only, CSP_REPORT_ONLY)."""
    response = render(
        request, "profil_zaufany/post_binding.html", {"action": action, "fields": fields.items(), "title": title}
    )
    response["Cache-Control"] = "no-store"
    parts = urlsplit(action)
    allowed = {"form-action": [f"{parts.scheme}://{parts.netloc}"]}

    def page(_request: HttpRequest) -> HttpResponse:
        return response

    # django-csp's decorators mark the response they get back (the page above) with the update.
    csp_update(allowed)(csp_update(allowed, REPORT_ONLY=True)(page))(request)
    return response


def _refused(request: HttpRequest, code: str, *, status: int = 403) -> HttpResponse:
    return render(
        request, "profil_zaufany/refused.html", {"message": services.refusal_message(code), "code": code}, status=status
    )


@require_POST
def start(request: HttpRequest) -> HttpResponse:
    if not is_enabled():
        raise Http404
    try:
        cfg, xml = services.login_start(request, next_url=request.POST.get("next", ""))
    except NotConfigured as exc:
        logger.error("Profil Zaufany nie jest skonfigurowany: %s", exc)
        return _refused(request, "not_configured", status=503)
    return _post_saml_request(request, action=cfg.idp_sso_url, xml=xml, title=_("Przekierowanie do login.gov.pl"))


def _post_saml_request(request: HttpRequest, *, action: str, xml: bytes, title: str) -> HttpResponse:
    """Hand a SAML request to login.gov.pl through the browser (HTTP-POST binding)."""
    return post_binding(request, action=action, fields={"SAMLRequest": saml.post_binding_value(xml)}, title=title)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def acs(request: HttpRequest) -> HttpResponse:
    """Assertion consumer (HTTP-Artifact binding). A POST from login.gov.pl is a cross-site
    request that carries no SameSite=Lax session cookie, so it is turned into a GET here,
    which does carry it: the answer must be tied to the session that asked."""
    if not is_enabled():
        raise Http404
    if request.method == "POST":
        query = {"SAMLart": request.POST.get("SAMLart", "")}
        if request.POST.get("RelayState"):
            query["RelayState"] = request.POST["RelayState"]
        return HttpResponseRedirect(f"{reverse('profil_zaufany:acs')}?{urlencode(query)}", status=303)
    outcome = services.login_finish(request, artifact=request.GET.get("SAMLart", ""))
    if outcome.kind == "refused":
        return _refused(request, outcome.code)
    if outcome.kind == "no_match":
        return redirect("profil_zaufany:no_match")
    if outcome.kind == "terms":
        return redirect("profil_zaufany:terms")
    messages.success(request, _("Zalogowano przez Profil Zaufany."))
    return redirect(outcome.next_url or "home")


@require_http_methods(["GET", "POST"])
def terms(request: HttpRequest) -> HttpResponse:
    pending = services.pending_login(request)
    if pending is None:
        return _refused(request, "session_expired", status=400)
    form = TermsForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.login_complete(request, pending, accepted_terms=True)
        except PzRefused as exc:
            services.refuse(request, exc.code, detail=exc.detail)
            return _refused(request, exc.code)
        messages.success(request, _("Zalogowano przez Profil Zaufany. Witamy w e-BOK."))
        return redirect(pending.get("next") or "home")
    return render(request, "profil_zaufany/terms.html", {"form": form, "pending": pending})


@require_GET
def no_match(request: HttpRequest) -> HttpResponse:
    names = request.session.get(services.SESSION_NO_MATCH)
    if not names:
        return redirect("login")
    return render(
        request,
        "profil_zaufany/no_match.html",
        {"names": names, "apply_url": services.apply_url(names["first_name"], names["last_name"])},
    )


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    started = services.logout_start(request)
    if started is None:
        messages.info(request, _("Wylogowano."))
        return redirect("home")
    cfg, xml = started
    return _post_saml_request(request, action=cfg.idp_slo_url, xml=xml, title=_("Wylogowanie z login.gov.pl"))


@csrf_exempt
@require_POST
def slo(request: HttpRequest) -> HttpResponse:
    """Single logout: the IdP's LogoutRequest (HTTP-POST or SOAP) or its answer to ours."""
    if not is_enabled():
        raise Http404
    soap = request.content_type in ("text/xml", "application/soap+xml")
    try:
        if soap:
            element = saml.soap_body_child(request.body)
        else:
            value = request.POST.get("SAMLRequest") or request.POST.get("SAMLResponse") or ""
            element = saml.decode_post_binding(value)
        result = services.slo_receive(request, element)
    except (PzRefused, NotConfigured) as exc:
        code = getattr(exc, "code", "not_configured")
        audit_log(
            action="profil_zaufany.logout_refused",
            request=request,
            actor_label="anonim (Profil Zaufany)",
            details={"reason": code, "detail": str(exc)[:500]},
        )
        return _refused(request, code, status=400)
    if result.kind == "response":
        if result.ok:
            messages.info(request, _("Wylogowano z e-BOK i z login.gov.pl."))
        else:
            messages.warning(request, _("Wylogowano z e-BOK. Wylogowanie z login.gov.pl nie powiodło się."))
        return redirect("home")
    if soap:
        return HttpResponse(saml.soap_envelope(result.reply), content_type="text/xml; charset=utf-8")
    return post_binding(
        request,
        action=result.cfg.idp_slo_url,
        fields={"SAMLResponse": saml.post_binding_value(to_bytes(result.reply))},
        title=_("Wylogowanie z login.gov.pl"),
    )


@require_GET
def metadata(request: HttpRequest) -> HttpResponse:
    """SP metadata for login.gov.pl's integrator: entity id, certificates, ACS and SLO addresses."""
    try:
        cfg = get_config(request, need_idp=False)
    except NotConfigured as exc:
        return HttpResponse(str(exc), status=503, content_type="text/plain; charset=utf-8")
    response = HttpResponse(saml.build_metadata(cfg), content_type="application/samlmetadata+xml")
    response["Content-Disposition"] = 'inline; filename="ebok-metadata.xml"'
    return response
