"""Permission names in Polish (issue 14 item 14): Django names the four default permissions
of every model "Can add …", "Can change …" in English when it creates them after
``migrate``. Renamed here right after, each time (a new model's permissions too):
"Może dodać wniosek o dostęp", "Może oglądać fakturę" (portal.admin_grammar)."""

from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.db import DEFAULT_DB_ALIAS

from portal.admin_grammar import permission_name


def permissions_in_polish(sender: AppConfig, using: str = DEFAULT_DB_ALIAS, **kwargs: Any) -> int:
    """post_migrate receiver: rename the default permissions of ``sender``'s models; returns
    how many names changed. Runs after django.contrib.auth's own receiver, which creates them
    (auth is ready, and connects, before the portal)."""
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType

    changed = 0
    for model in sender.get_models():
        opts = model._meta
        content_type = ContentType.objects.db_manager(using).get_for_model(model, for_concrete_model=False)
        for action in opts.default_permissions:
            name = permission_name(action, opts)
            if name is None:
                continue
            changed += (
                Permission.objects.using(using)
                .filter(content_type=content_type, codename=f"{action}_{opts.model_name}")
                .exclude(name=name[:255])
                .update(name=name[:255])
            )
    return changed
