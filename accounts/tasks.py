from celery import shared_task

from accounts import services


@shared_task
def applications_purge_unconfirmed() -> int:
    return services.applications_purge_unconfirmed()
