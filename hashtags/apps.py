from django.apps import AppConfig


class HashtagsConfig(AppConfig):
    name = "hashtags"
    verbose_name = "Registry"

    def ready(self) -> None:
        from hashtags.changes import connect_signals

        connect_signals()
