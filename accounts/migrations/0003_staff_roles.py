"""Staff roles as groups (issue 14 item 17). Each role gets what its people work with:

- Obsługa klienta: applications, tenants' accounts and their units, unlocking logins, tickets,
  announcements, forms to download, newsletters, meter readings (reject), the outbox
  (resend) and the audit trail; the back-office data read-only.
- Księgowość: the back-office data (units, persons, titles, ledger, invoices, documents),
  the nightly import and outbound bundles, meters and readings, read-only; readings may be
  rejected.
- Administrator portalu: everything in the portal's apps and the staff's second factors and
  groups, without being a superuser.

Permissions are created here first: on a new database Django makes them only after all
migrations have run."""

from django.db import migrations

VIEW = ["view"]
ALL = ["add", "change", "delete", "view"]

CUSTOMER_SERVICE = {
    "accounts": {
        "application": ["view", "change"],
        "user": ["view", "change"],
        "unitgrant": ALL,
        "termsversion": VIEW,
        "termsacceptance": VIEW,
    },
    "axes": {"accessattempt": ["view", "delete"], "accessfailurelog": VIEW, "accesslog": VIEW},
    "billing": {name: VIEW for name in ["building", "unit", "person", "title", "ledgerentry", "invoice", "document"]},
    "meters": {"meter": VIEW, "reading": ["view", "change"]},
    "tickets": {
        "ticket": ["view", "change"],
        "ticketmessage": VIEW,
        "announcement": ALL,
        "downloadform": ALL,
        "newsletter": ["add", "change", "view"],
    },
    "portal": {"emailmessage": ["view", "change"], "auditentry": VIEW},
}

ACCOUNTING = {
    "accounts": {"user": VIEW, "unitgrant": VIEW},
    "billing": {
        name: VIEW
        for name in ["building", "unit", "person", "title", "ledgerentry", "invoice", "invoiceline", "document"]
    },
    "meters": {"meter": VIEW, "reading": ["view", "change"]},
    "sync": {name: VIEW for name in ["importrun", "importproblem", "outboundbundle", "consentchange"]},
    "tickets": {"ticket": VIEW},
    "portal": {"emailmessage": VIEW, "auditentry": VIEW},
}

# Every permission of these apps (the portal's own, its staff's second factors, login records).
ADMINISTRATOR_APPS = ["accounts", "billing", "meters", "tickets", "sync", "portal", "axes", "otp_totp", "otp_static"]
ADMINISTRATOR_EXTRA = {"auth": {"group": ALL, "permission": VIEW}}

ROLES = {
    "Obsługa klienta": CUSTOMER_SERVICE,
    "Księgowość": ACCOUNTING,
}


def _permissions(Permission, spec):
    wanted = [
        (app_label, f"{action}_{model}")
        for app_label, models in spec.items()
        for model, actions in models.items()
        for action in actions
    ]
    found = {
        (p.content_type.app_label, p.codename): p
        for p in Permission.objects.filter(content_type__app_label__in=spec).select_related("content_type")
    }
    missing = [f"{app}.{codename}" for app, codename in wanted if (app, codename) not in found]
    if missing:
        raise RuntimeError(f"staff roles: no such permissions: {', '.join(missing)}")
    return [found[key] for key in wanted]


def create_roles(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, spec in ROLES.items():
        group, _created = Group.objects.get_or_create(name=name)
        group.permissions.add(*_permissions(Permission, spec))
    administrator, _created = Group.objects.get_or_create(name="Administrator portalu")
    administrator.permissions.add(
        *Permission.objects.filter(content_type__app_label__in=ADMINISTRATOR_APPS),
        *_permissions(Permission, ADMINISTRATOR_EXTRA),
    )


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(
        name__in=["Obsługa klienta", "Księgowość", "Administrator portalu"]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_applications_terms_versions"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("axes", "0010_accessattemptexpiration"),
        ("billing", "0005_backoffice_ids_collate_c"),
        ("meters", "0003_backoffice_ids_collate_c"),
        ("otp_static", "0003_add_timestamps"),
        ("otp_totp", "0003_add_timestamps"),
        ("portal", "0002_ratelimithit"),
        ("sync", "0001_import_runs_and_outbound"),
        ("tickets", "0002_ratelimithit_moved_to_portal"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
