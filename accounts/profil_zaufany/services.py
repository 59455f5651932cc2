"""The Profil Zaufany login workflow: start, finish (artifact → verified identity →
matched account), terms step, single logout in both directions.

Every login and every refusal writes an audit entry. Nothing is created and
nobody is logged in until the answer from login.gov.pl has passed every check.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth import login, logout
from django.db import IntegrityError, models, transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from lxml import etree

from accounts.models import TermsVersion, UnitGrant, User
from accounts.password_validation import login_generate
from accounts.profil_zaufany import saml
from accounts.profil_zaufany.conf import PzConfig, get_config
from accounts.profil_zaufany.crypto import digest_hex
from accounts.profil_zaufany.models import (
    AuthnRequestSent,
    ConsumedArtifact,
    ConsumedAssertion,
    IdpSession,
    LogoutRequestSent,
)
from accounts.profil_zaufany.saml import Identity, PzRefused
from accounts.profil_zaufany.xml import q, text_of, to_bytes
from accounts.services.terms import terms_accept
from billing.models import Person, Title
from portal.services.audit import audit_log

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
REQUEST_TTL = dt.timedelta(minutes=15)
PENDING_TTL = dt.timedelta(minutes=15)

SESSION_BINDING = "pz_binding"
SESSION_PENDING = "pz_pending"
SESSION_NO_MATCH = "pz_no_match"
SESSION_LOGIN = "pz_login"

REFUSAL_MESSAGES = {
    "malformed": _("Odpowiedź z login.gov.pl jest nieczytelna lub niekompletna i została odrzucona."),
    "bad_signature": _("Odpowiedź z login.gov.pl ma nieprawidłowy podpis i została odrzucona."),
    "wrong_issuer": _("Odpowiedź nie pochodzi z login.gov.pl i została odrzucona."),
    "wrong_audience": _("Odpowiedź z login.gov.pl była przeznaczona dla innego serwisu i została odrzucona."),
    "wrong_destination": _("Odpowiedź z login.gov.pl była skierowana pod inny adres i została odrzucona."),
    "expired": _("Odpowiedź z login.gov.pl straciła ważność. Zaloguj się ponownie."),
    "not_yet_valid": _("Odpowiedź z login.gov.pl nie jest jeszcze ważna. Zaloguj się ponownie za chwilę."),
    "replayed_artifact": _("Ta odpowiedź z login.gov.pl została już wykorzystana. Zaloguj się ponownie."),
    "replayed_assertion": _("To potwierdzenie tożsamości zostało już wykorzystane. Zaloguj się ponownie."),
    "decryption_failed": _(
        "Nie udało się odszyfrować odpowiedzi z login.gov.pl — dane mogły zostać zmienione po drodze. Zaloguj się ponownie."
    ),
    "unknown_request": _(
        "Ta odpowiedź z login.gov.pl nie dotyczy logowania rozpoczętego w tej przeglądarce. Zaloguj się ponownie."
    ),
    "cancelled": _("Logowanie przez Profil Zaufany zostało anulowane."),
    "idp_failed": _("Login.gov.pl nie potwierdził tożsamości. Spróbuj ponownie."),
    "unavailable": _("Nie udało się połączyć z login.gov.pl. Spróbuj ponownie za kilka minut."),
    "missing_attributes": _("Login.gov.pl nie przekazał imienia, nazwiska lub prawidłowego numeru PESEL."),
    "loa_too_low": _("Poziom uwierzytelnienia w login.gov.pl jest niewystarczający."),
    "blocked": _("Twoje konto w e-BOK jest zablokowane. Skontaktuj się z biurem obsługi."),
    "not_configured": _("Logowanie przez Profil Zaufany jest chwilowo niedostępne. Zaloguj się loginem i hasłem."),
    "session_expired": _("Czas na dokończenie logowania minął. Zaloguj się ponownie."),
}


def refusal_message(code: str) -> str:
    return str(REFUSAL_MESSAGES.get(code, REFUSAL_MESSAGES["malformed"]))


@dataclass
class Outcome:
    kind: str  # "logged_in", "terms", "no_match", "refused"
    code: str = ""
    user: User | None = None
    next_url: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def refuse(request: HttpRequest, code: str, *, detail: str = "", user: User | None = None) -> Outcome:
    audit_log(
        action="profil_zaufany.login_refused",
        actor=user,
        obj=user,
        request=request,
        actor_label="" if user else "anonim (Profil Zaufany)",
        details={"reason": code, "detail": detail[:500]},
    )
    return Outcome(kind="refused", code=code)


# --- start ---------------------------------------------------------------------------------------


def safe_next(request: HttpRequest, next_url: str) -> str:
    if next_url and url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return next_url
    return reverse(settings.LOGIN_REDIRECT_URL)


def login_start(request: HttpRequest, *, next_url: str = "") -> tuple[PzConfig, bytes]:
    """A signed AuthnRequest for this browser session (recorded so that only its answer is accepted)."""
    cfg = get_config(request)
    binding = request.session.get(SESSION_BINDING)
    if not binding:
        binding = secrets.token_urlsafe(32)
        request.session[SESSION_BINDING] = binding
    request_id = saml.new_id()
    AuthnRequestSent.objects.create(
        request_id=request_id, session_binding=digest_hex(binding), next_url=safe_next(request, next_url)[:500]
    )
    return cfg, saml.build_authn_request(cfg, request_id=request_id)


# --- finish --------------------------------------------------------------------------------------


def _consume_request(request: HttpRequest, in_response_to: str) -> AuthnRequestSent:
    binding = request.session.get(SESSION_BINDING)
    now = timezone.now()
    if not binding or not in_response_to:
        raise PzRefused("unknown_request", "no login started in this session")
    # Race: the same answer presented twice at once; the conditional UPDATE lets one through.
    updated = AuthnRequestSent.objects.filter(
        request_id=in_response_to,
        session_binding=digest_hex(binding),
        consumed_at__isnull=True,
        created_at__gte=now - REQUEST_TTL,
    ).update(consumed_at=now)
    if updated != 1:
        stale = AuthnRequestSent.objects.filter(
            request_id=in_response_to, session_binding=digest_hex(binding), consumed_at__isnull=True
        ).exists()
        raise PzRefused("expired" if stale else "unknown_request", f"InResponseTo {in_response_to[:80]}")
    return AuthnRequestSent.objects.get(request_id=in_response_to)


def _remember_once(model: type[models.Model], **fields: Any) -> bool:
    try:
        with transaction.atomic():
            model._default_manager.create(**fields)
    except IntegrityError:
        return False
    return True


def resolve_identity(request: HttpRequest, cfg: PzConfig, artifact: str) -> tuple[Identity, AuthnRequestSent]:
    """Artifact → ArtifactResolve → checked, decrypted, verified identity."""
    artifact = saml.check_artifact(artifact)
    if not _remember_once(ConsumedArtifact, artifact_sha256=digest_hex(artifact)):
        raise PzRefused("replayed_artifact")
    resolve_id = saml.new_id()
    answer = saml.soap_post(
        cfg.idp_artifact_url,
        saml.build_artifact_resolve(cfg, artifact=artifact, resolve_id=resolve_id),
        timeout=settings.PZ_HTTP_TIMEOUT,
    )
    response = saml.read_artifact_response(cfg, answer, resolve_id=resolve_id)
    sent = _consume_request(request, response.get("InResponseTo") or "")
    saml.check_response_status(response)
    identity = saml.read_assertion(cfg, response, request_id=sent.request_id)
    if not identity.assertion_id or not _remember_once(
        ConsumedAssertion, assertion_id=identity.assertion_id, not_on_or_after=identity.assertion_not_on_or_after
    ):
        raise PzRefused("replayed_assertion", identity.assertion_id)
    return identity, sent


def login_finish(request: HttpRequest, *, artifact: str) -> Outcome:
    """The whole answer path; returns what the view should show next."""
    try:
        cfg = get_config(request)
    except Exception as exc:  # noqa: BLE001 - any configuration problem is "not available"
        return refuse(request, "not_configured", detail=str(exc))
    try:
        identity, sent = resolve_identity(request, cfg, artifact)
    except PzRefused as exc:
        return refuse(request, exc.code, detail=exc.detail)
    return match_identity(request, identity, next_url=sent.next_url)


# --- matching --------------------------------------------------------------------------------------


def _existing_user(pesel: str) -> User | None:
    return User.objects.filter(person__pesel=pesel, closed_at__isnull=True).order_by("pk").first()


def _active_titles(pesel: str, today: dt.date) -> QuerySet[Title]:
    return Title.objects.filter(Title.active_q(today), person__pesel=pesel).select_related("unit", "person")


def match_identity(request: HttpRequest, identity: Identity, *, next_url: str) -> Outcome:
    """PESEL → back-office person with active titles → account (found, or made after the terms)."""
    today = timezone.localdate()
    user = _existing_user(identity.pesel)
    if user is not None and user.is_blocked:
        return refuse(request, "blocked", user=user)
    if user is None and not _active_titles(identity.pesel, today).exists():
        request.session[SESSION_NO_MATCH] = {"first_name": identity.first_name, "last_name": identity.last_name}
        audit_log(
            action="profil_zaufany.no_match",
            request=request,
            actor_label="anonim (Profil Zaufany)",
            details={"first_name": identity.first_name, "last_name": identity.last_name},
        )
        return Outcome(kind="no_match")
    pending = {
        "user_id": user.pk if user else None,
        "pesel": identity.pesel,
        "first_name": identity.first_name,
        "last_name": identity.last_name,
        "name_id": identity.name_id,
        "session_index": identity.session_index,
        "loa": identity.loa,
        "next": next_url,
        "at": timezone.now().isoformat(),
    }
    if user is not None:
        # An existing account accepted the terms before; a newer version is asked for
        # by the accounts middleware, as for a password login.
        user = login_complete(request, pending, accepted_terms=False)
        return Outcome(kind="logged_in", user=user, next_url=next_url)
    request.session[SESSION_PENDING] = pending
    return Outcome(kind="terms", next_url=next_url)


def pending_login(request: HttpRequest) -> dict[str, Any] | None:
    """The verified identity waiting for the terms, if it is still fresh."""
    pending: dict[str, Any] | None = request.session.get(SESSION_PENDING)
    if not pending:
        return None
    if timezone.now() - dt.datetime.fromisoformat(pending["at"]) > PENDING_TTL:
        del request.session[SESSION_PENDING]
        return None
    return pending


def _free_login() -> str:
    """A unique login identifier, from the same generator as accounts made by staff."""
    for _attempt in range(50):
        candidate = login_generate()
        if not User.objects.filter(username__iexact=candidate).exists():
            return candidate
    raise RuntimeError("no free login identifier")


def _sync_grants(user: User, pesel: str, today: dt.date) -> list[int]:
    """A grant (source: Profil Zaufany) for each unit the person holds an active title to."""
    created = []
    held = set(UnitGrant.objects.filter(UnitGrant.active_q(today), user=user).values_list("unit_id", flat=True))
    for title in _active_titles(pesel, today).order_by("unit_id", "valid_from"):
        if title.unit_id in held:
            continue
        UnitGrant.objects.create(
            user=user,
            unit=title.unit,
            since=min(title.valid_from, today),
            until=title.valid_to,
            source=UnitGrant.Source.PROFIL_ZAUFANY,
        )
        held.add(title.unit_id)
        created.append(title.unit_id)
    return created


def login_complete(request: HttpRequest, pending: dict[str, Any], *, accepted_terms: bool) -> User:
    """Find or make the account, grant its units, log it in (no password, so no axes), audit."""
    today = timezone.localdate()
    pesel = pending["pesel"]
    with transaction.atomic():
        # Race: two first logins of one person at once would make two accounts; the row lock serialises them.
        persons = list(Person.objects.select_for_update().filter(pesel=pesel).order_by("pk"))
        user = _existing_user(pesel)
        created = False
        if user is None:
            titled = {t.person_id for t in _active_titles(pesel, today)}
            person = next((p for p in persons if p.pk in titled), persons[0] if persons else None)
            user = User(
                username=_free_login(),
                first_name=pending["first_name"][:150],
                last_name=pending["last_name"][:150],
                person=person,
            )
            user.set_unusable_password()
            user.save()
            created = True
        elif user.is_blocked:
            raise PzRefused("blocked")
        new_units = _sync_grants(user, pesel, today)
        if accepted_terms and (terms := TermsVersion.current()) is not None:
            terms_accept(user=user, terms=terms, request=request)
        if created:
            audit_log(
                action="profil_zaufany.account_created",
                actor=user,
                obj=user,
                request=request,
                details={"units": new_units},
            )
        if accepted_terms:
            audit_log(action="profil_zaufany.terms_accepted", actor=user, obj=user, request=request)
    request.session.pop(SESSION_PENDING, None)
    login(request, user, backend=MODEL_BACKEND)
    if request.session.session_key is None:
        request.session.save()
    session_key = request.session.session_key
    if session_key is None:  # save() always gives the session its key
        raise RuntimeError("the session has no key after save()")
    request.session[SESSION_LOGIN] = {"name_id": pending["name_id"], "session_index": pending["session_index"]}
    IdpSession.objects.create(
        user=user,
        session_key=session_key,
        name_id=pending["name_id"][:200],
        session_index=pending["session_index"][:200],
    )
    audit_log(
        action="accounts.login",
        actor=user,
        obj=user,
        request=request,
        details={"method": "profil_zaufany", "loa": pending.get("loa", ""), "new_units": new_units},
    )
    return user


def apply_url(first_name: str, last_name: str) -> str:
    """The application form (accounts app) prefilled with the name."""
    from urllib.parse import urlencode

    return f"{reverse('application_form')}?{urlencode({'first_name': first_name, 'last_name': last_name})}"


# --- single logout ----------------------------------------------------------------------------------


def logout_start(request: HttpRequest) -> tuple[PzConfig, bytes] | None:
    """End the portal session; when it came from Profil Zaufany, a signed LogoutRequest for the IdP."""
    info = request.session.get(SESSION_LOGIN)
    if request.user.is_authenticated:
        audit_log(
            action="accounts.logout",
            request=request,
            obj=request.user,
            details={"method": "profil_zaufany" if info else "password"},
        )
    logout(request)
    if not info:
        return None
    IdpSession.objects.filter(session_index=info["session_index"], ended_at__isnull=True).update(
        ended_at=timezone.now()
    )
    try:
        cfg = get_config(request)
    except Exception:  # noqa: BLE001 - the portal session is over either way
        return None
    request_id = saml.new_id()
    LogoutRequestSent.objects.create(request_id=request_id)
    element = saml.build_logout_request(
        issuer=cfg.sp_entity_id,
        destination=cfg.idp_slo_url,
        signing=cfg.signing,
        name_id=info["name_id"],
        session_index=info["session_index"],
        request_id=request_id,
    )
    return cfg, to_bytes(element)


def end_idp_sessions(request: HttpRequest | None, *, name_id: str, session_index: str) -> int:
    """End every portal session opened under this IdP session (the browser's cookie is not needed)."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    ended = 0
    for idp_session in IdpSession.objects.filter(
        session_index=session_index, name_id=name_id, ended_at__isnull=True
    ).select_related("user"):
        store(session_key=idp_session.session_key).delete()
        audit_log(
            action="accounts.logout",
            actor=idp_session.user,
            obj=idp_session.user,
            request=request,
            details={"method": "profil_zaufany", "initiated_by": "idp"},
        )
        ended += 1
    IdpSession.objects.filter(session_index=session_index, name_id=name_id).update(ended_at=timezone.now())
    return ended


@dataclass
class SloResult:
    kind: str  # "request" (answer with ``reply``) or "response"
    cfg: PzConfig
    ok: bool = True
    reply: etree._Element | None = None


def slo_receive(request: HttpRequest, element: etree._Element) -> SloResult:
    """A LogoutRequest from the IdP (end the sessions, answer) or the LogoutResponse to ours."""
    cfg = get_config(request)
    saml.read_logout_message(cfg, element)
    if element.tag == q("saml2p", "LogoutResponse"):
        updated = LogoutRequestSent.objects.filter(
            request_id=element.get("InResponseTo") or "", answered_at__isnull=True
        ).update(answered_at=timezone.now())
        if updated != 1:
            raise PzRefused("unknown_request", "LogoutResponse to no request of ours")
        status = element.find(f"{q('saml2p', 'Status')}/{q('saml2p', 'StatusCode')}")
        return SloResult(kind="response", cfg=cfg, ok=status is not None and status.get("Value") == saml.STATUS_SUCCESS)
    name_id = text_of(element.find(q("saml2", "NameID")))
    session_index = text_of(element.find(q("saml2p", "SessionIndex")))
    end_idp_sessions(request, name_id=name_id, session_index=session_index)
    own = request.session.get(SESSION_LOGIN) if hasattr(request, "session") else None
    if own and own.get("session_index") == session_index:
        logout(request)
    reply = saml.build_logout_response(
        issuer=cfg.sp_entity_id,
        destination=cfg.idp_slo_url,
        signing=cfg.signing,
        in_response_to=element.get("ID") or "",
    )
    return SloResult(kind="request", reply=reply, cfg=cfg)


# --- housekeeping --------------------------------------------------------------------------------


def replay_store_prune(*, older_than: dt.timedelta = dt.timedelta(days=2)) -> int:
    """Drop replay-store and request rows no answer can refer to any more (idempotent).

    Artifacts and requests live minutes and assertions a few minutes, so two days is far
    past any of them; a replayed old artifact would still fail at login.gov.pl and at the
    request check."""
    cutoff = timezone.now() - older_than
    deleted = 0
    for model in (AuthnRequestSent, ConsumedArtifact, ConsumedAssertion, LogoutRequestSent):
        deleted += model.objects.filter(created_at__lt=cutoff).delete()[0]
    deleted += IdpSession.objects.filter(ended_at__lt=cutoff).delete()[0]
    return deleted
