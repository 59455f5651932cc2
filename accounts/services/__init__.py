"""Writes of the accounts app: each workflow in one transaction with its audit entry.

Public entry points other apps call: ``grants_end_for_title`` (the nightly sync,
when a legal title ends) and ``user_block`` / ``user_unblock``.
"""

from accounts.services.applications import (
    ApplicationLinkInvalid,
    application_activate,
    application_confirm_email,
    application_confirmation_resend,
    application_person_match,
    application_reject,
    application_save_by_staff,
    application_submit,
    application_unit_match,
    applications_purge_unconfirmed,
)
from accounts.services.grants import grant_delete, grant_save, grants_end_for_title, grants_give
from accounts.services.password_reset import password_reset_request, password_reset_send
from accounts.services.personal_data import personal_data_export
from accounts.services.staff import StaffCredentials, staff_provision
from accounts.services.terms import terms_accept, terms_changed_email_send, terms_publish
from accounts.services.users import (
    lockout_reset,
    user_block,
    user_close,
    user_consents_update,
    user_new_first_password,
    user_password_changed,
    user_password_reset,
    user_password_set_by_staff,
    user_save_by_staff,
    user_unblock,
)

__all__ = [
    "ApplicationLinkInvalid",
    "StaffCredentials",
    "application_activate",
    "application_confirm_email",
    "application_confirmation_resend",
    "application_person_match",
    "application_reject",
    "application_save_by_staff",
    "application_submit",
    "application_unit_match",
    "applications_purge_unconfirmed",
    "grant_delete",
    "grant_save",
    "grants_end_for_title",
    "grants_give",
    "lockout_reset",
    "password_reset_request",
    "password_reset_send",
    "personal_data_export",
    "staff_provision",
    "terms_accept",
    "terms_changed_email_send",
    "terms_publish",
    "user_block",
    "user_close",
    "user_consents_update",
    "user_new_first_password",
    "user_password_changed",
    "user_password_reset",
    "user_password_set_by_staff",
    "user_save_by_staff",
    "user_unblock",
]
