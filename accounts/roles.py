"""Staff roles (issue 14 item 17): groups of admin permissions, made by the migration
accounts/0003_staff_roles (which holds each role's permissions, as migrations keep their data
frozen). A staff member gets a role in admin (the user's groups) or with
``manage.py create_staff LOGIN --email … --role "Obsługa klienta"``."""

CUSTOMER_SERVICE = "Obsługa klienta"
ACCOUNTING = "Księgowość"
PORTAL_ADMINISTRATOR = "Administrator portalu"
STAFF_ROLES = (CUSTOMER_SERVICE, ACCOUNTING, PORTAL_ADMINISTRATOR)
