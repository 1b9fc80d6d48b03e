from django.apps import AppConfig


class HashtagsConfig(AppConfig):
    name = "hashtags"
    verbose_name = "Registry"

    def ready(self) -> None:
        from hashtags import admin_review  # noqa: F401 (adds the review queue's pages)
        from hashtags.changes import connect_signals

        connect_signals()
