import logging

from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "notify"
    verbose_name = "Notifications"

    def ready(self) -> None:
        from notify import receivers, watchdog  # noqa: F401  (connect their signals)

        # Apprise's log lines can quote a channel's URL, secret and all. They never reach an
        # output: `channels` reads them through LogCapture and stores a scrubbed summary.
        apprise_log = logging.getLogger("apprise")
        apprise_log.propagate = False
        apprise_log.addHandler(logging.NullHandler())
