from django.apps import AppConfig


class HashtagsConfig(AppConfig):
    name = "hashtags"
    verbose_name = "Registry"

    def ready(self) -> None:
        # The admin's pages register when imported (hashtags.admin's package stays empty:
        # its app config, hashtags.admin.apps, loads before the models).
        from hashtags.admin import entries, review, stewards  # noqa: F401
        from hashtags.serving.expiry import connect_signals

        connect_signals()
