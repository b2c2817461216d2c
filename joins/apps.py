from django.apps import AppConfig


class JoinsConfig(AppConfig):
    name = "joins"
    verbose_name = "Invite links"

    def ready(self) -> None:
        from joins import handlers, invite_presets, tree

        del handlers  # imported for its @handler registrations (the redemption operation)
        invite_presets.connect()  # profiles as starting points of the invite form
        tree.connect()  # who brought whom in, for the People screens
