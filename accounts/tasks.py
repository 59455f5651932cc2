from celery import shared_task

from accounts import services


@shared_task
def applications_purge_unconfirmed() -> int:
    return services.applications_purge_unconfirmed()


@shared_task(acks_late=True)
def password_reset_send(email: str, ip: str | None = None) -> bool:
    """The lookup and the e-mail of a reset request, done after the page was answered."""
    return services.password_reset_send(email=email, ip=ip)


@shared_task(acks_late=True)
def terms_changed_email(terms_id: int) -> int:
    """Tell every user about a newly published version of the regulations (safe to run twice)."""
    return services.terms_changed_email_send(terms_id=terms_id)
