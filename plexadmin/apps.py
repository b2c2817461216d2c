from django.apps import AppConfig


class PlexadminConfig(AppConfig):
    name = "plexadmin"
    verbose_name = "plexadmin system"

    def ready(self) -> None:
        from plexadmin import signals  # noqa: F401  (connects the worker-ready heartbeat)
        from plexadmin.metrics import record_plextv
        from plextv.observe import add_observer

        add_observer(record_plextv)
