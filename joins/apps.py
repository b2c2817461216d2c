from django.apps import AppConfig


class JoinsConfig(AppConfig):
    name = "joins"
    verbose_name = "Invite links"

    def ready(self) -> None:
        from joins import handlers  # noqa: F401  (registers the redemption operation)
