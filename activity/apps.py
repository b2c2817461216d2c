from django.apps import AppConfig


class ActivityConfig(AppConfig):
    name = "activity"
    verbose_name = "Household activity and media"

    def ready(self) -> None:
        # Registers the watchlist operation handlers and their labels with sharing's executor;
        # sharing never imports this app.
        from activity import operations  # noqa: F401
