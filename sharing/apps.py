from django.apps import AppConfig


class SharingConfig(AppConfig):
    name = "sharing"
    verbose_name = "Sharing"

    def ready(self) -> None:
        from accounts import directory
        from sharing import (
            signals,  # noqa: F401  (connects the sign-in receiver)
            switching,  # noqa: F401  (forgets a switched view at sign-out)
            tasks,  # noqa: F401  (registers the tasks: submit() publishes them by name)
        )
        from sharing.directory import SyncedDirectory

        directory.register(SyncedDirectory())
