from typing import Any

from django.conf import settings
from django.http import HttpRequest

from portal.models import Operator


def portal(request: HttpRequest) -> dict[str, Any]:
    return {"operator": Operator.for_request(request), "DEMO": settings.DEMO}
