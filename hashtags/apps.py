from importlib import import_module

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def restore_reference_data(sender: AppConfig, using: str = "default", **kwargs) -> None:
    """Re-load what the data migrations load (platforms, time zones, the Curators group)
    when it is missing.

    `migrate` and `flush` both end with post_migrate. After a flush (which a transactional
    test ends with) the tables are empty although the migrations are recorded as applied;
    this puts the vocabularies and the role back, with the migrations' own functions.
    """
    from django.apps import apps

    from hashtags.models import Platform

    if Platform.objects.using(using).exists():
        return
    import_module("hashtags.migrations.0002_platforms_and_time_zones").load(apps, None)
    import_module("hashtags.migrations.0004_curators_group").create_group(apps, None)


class HashtagsConfig(AppConfig):
    name = "hashtags"
    verbose_name = "Registry"

    def ready(self) -> None:
        post_migrate.connect(restore_reference_data, sender=self)
        from hashtags.cache import connect_signals

        connect_signals()
