from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = "Members' own space"

    def ready(self) -> None:
        from joins import link_hooks
        from members import allowances

        # The links screen's disable and enable keep the allowance's count.
        link_hooks.register(allowances.LINK_HOOKS)
