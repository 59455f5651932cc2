from celery import shared_task

from accounts import services


@shared_task
def applications_purge_unconfirmed() -> int:
    return services.applications_purge_unconfirmed()


@shared_task(acks_late=True)
def password_reset_send(email: str, ip: str | None = None) -> bool:
    """The lookup and the e-mail of a reset request, done after the page was answered."""
    return services.password_reset_send(email=email, ip=ip)
