"""Thin tasks: they take ids and call a service; each is safe to run twice."""

from celery import shared_task

from tickets import services


@shared_task(acks_late=True)
def announcement_email(announcement_id: int) -> int:
    return services.announcement_email_send(announcement_id=announcement_id)


@shared_task
def announcements_email_due() -> int:
    return services.announcements_email_due()


@shared_task(acks_late=True)
def newsletter_deliver(newsletter_id: int) -> int:
    return services.newsletter_deliver_send(newsletter_id=newsletter_id)
