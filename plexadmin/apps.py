from django.apps import AppConfig


class PlexadminConfig(AppConfig):
    name = "plexadmin"
    verbose_name = "plexadmin system"

    def ready(self) -> None:
        from plexadmin import (  # noqa: F401  (connect the heartbeats and the start-up checks)
            checks,
            signals,
        )
        from plexadmin.metrics import record_plextv
        from plextv.observe import add_observer

        add_observer(record_plextv)
