from django.conf import settings
from django.http import HttpRequest

from portal.models import Operator


def portal(request: HttpRequest) -> dict:
    return {"operator": Operator.for_request(request), "DEMO": settings.DEMO}
