from celery import shared_task

from accounts.profil_zaufany import services


@shared_task
def replay_store_prune() -> int:
    return services.replay_store_prune()
