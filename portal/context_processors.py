from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from portal.models import Operator


def portal(request: HttpRequest) -> dict[str, Any]:
    def logout_url() -> str:  # called by the layout, for a logged-in user only
        # After a login through Profil Zaufany, logging out also ends its session there (single logout).
        return reverse("profil_zaufany:logout" if request.session.get("pz_login") else "logout")

    return {"operator": Operator.for_request(request), "DEMO": settings.DEMO, "logout_url": logout_url}
