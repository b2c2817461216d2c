from django.apps import AppConfig


class PlexadminConfig(AppConfig):
    name = "plexadmin"
    verbose_name = "plexadmin system"

    def ready(self) -> None:
        from plexadmin import signals  # noqa: F401  (connects the worker-ready heartbeat)
