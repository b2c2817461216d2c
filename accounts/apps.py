import logging

from django.apps import AppConfig

from plextv.logging import TokenMaskingFilter


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts and sign-in"

    def ready(self) -> None:
        from accounts import reauth  # noqa: F401 - connects the sign-in time stamp

        mask_every_log_handler()


def mask_every_log_handler() -> None:
    """Put the token filter on every handler that exists once logging is configured.

    LOGGING gives the filter to the handlers it defines, but Django's own defaults stay
    attached to the "django" logger: a console handler (DEBUG) and the admin e-mail handler
    (DEBUG off). Records reach those before the root handler, so an error page's exception or
    the e-mail to ADMINS would carry a token that the root handler masks only afterwards.
    """
    loggers = [logging.getLogger()] + [
        found
        for found in list(logging.Logger.manager.loggerDict.values())
        if isinstance(found, logging.Logger)
    ]
    for logger in loggers:
        for handler in logger.handlers:
            if not any(isinstance(f, TokenMaskingFilter) for f in handler.filters):
                handler.addFilter(TokenMaskingFilter())
