"""Every sharing screen's URLs, in one namespace like every other app's (`sharing:<name>`).

Names are the screen (`people`, `matrix`, `drift`), the object (`person`, `share`, `operation`)
or `<screen or object>-<action>` (`share-edit`, `matrix-toggle`, `drift-adopt`). The paths
are mounted at the site root because the screens predate this file and their addresses are
bookmarked: `/people/…`, `/matrix/…`, `/drift/…`, `/audit/…`, `/switch/…`, `/sharing/sync/…`,
and the account page's device and view-state parts under `/accounts/account/…`.
"""

from django.urls import include, path

from sharing.views import (
    account,
    actions,
    audit,
    drift,
    home,
    matrix,
    operations,
    people,
    person,
    switch,
    sync,
)

app_name = "sharing"

people_urls = [
    path("", people.people_list, name="people"),
    path("<int:person_id>/", person.person_detail, name="person"),
    path("shares/<int:share_id>/", person.share_detail, name="share"),
    path("shares/<int:share_id>/edit/", person.edit_share, name="share-edit"),
    path("invite/", actions.invite_page, name="invite"),
    path("invite/send/", actions.invite_send, name="invite-send"),
    path("<int:person_id>/remove/", actions.remove_friend, name="remove-friend"),
    path(
        "<int:person_id>/remove/confirm/",
        actions.remove_friend_confirm,
        name="remove-friend-confirm",
    ),
    path("shares/<int:share_id>/stop/", actions.stop_sharing, name="share-stop"),
    path(
        "shares/<int:share_id>/stop/confirm/",
        actions.stop_sharing_confirm,
        name="share-stop-confirm",
    ),
    path("invites/<int:invite_id>/cancel/", actions.cancel_invite, name="invite-cancel"),
    path(
        "invites/<int:invite_id>/cancel/confirm/",
        actions.cancel_invite_confirm,
        name="invite-cancel-confirm",
    ),
    path("invites/<int:invite_id>/resend/", actions.resend_invite, name="invite-resend"),
    path(
        "invites/<int:invite_id>/resend/confirm/",
        actions.resend_invite_confirm,
        name="invite-resend-confirm",
    ),
    path("home/new/", home.managed_page, name="managed-new"),
    path("home/new/create/", home.managed_create, name="managed-create"),
    path("home/invite/", home.home_invite_page, name="home-invite"),
    path("home/invite/send/", home.home_invite_send, name="home-invite-send"),
    path(
        "home/invites/<int:invite_id>/cancel/",
        home.cancel_home_invite,
        name="home-invite-cancel",
    ),
    path(
        "home/invites/<int:invite_id>/cancel/confirm/",
        home.cancel_home_invite_confirm,
        name="home-invite-cancel-confirm",
    ),
    path("<int:person_id>/profile/", home.set_profile, name="set-profile"),
    path("<int:person_id>/pin/", home.set_pin, name="set-pin"),
    path("<int:person_id>/home/remove/", home.remove_home, name="home-remove"),
    path(
        "<int:person_id>/home/remove/confirm/",
        home.remove_home_confirm,
        name="home-remove-confirm",
    ),
    path("operations/<int:op_id>/", operations.operation_status, name="operation"),
    path("operations/<int:op_id>/retry/", operations.operation_retry, name="operation-retry"),
]

matrix_urls = [
    path("", matrix.matrix_index, name="matrix"),
    path("<int:server_id>/", matrix.server_matrix, name="matrix-server"),
    path("<int:server_id>/toggle/", matrix.toggle_cell, name="matrix-toggle"),
    path(
        "<int:server_id>/cells/<int:share_id>/<int:library_id>/",
        matrix.cell,
        name="matrix-cell",
    ),
    path("<int:server_id>/rows/<int:share_id>/", matrix.row, name="matrix-row"),
    path(
        "<int:server_id>/shares/<int:share_id>/stop/",
        matrix.stop_share,
        name="matrix-stop",
    ),
    path(
        "<int:server_id>/shares/<int:share_id>/stop/confirm/",
        matrix.stop_confirm,
        name="matrix-stop-confirm",
    ),
    path("<int:server_id>/bulk/", matrix.bulk, name="matrix-bulk"),
    path("<int:server_id>/bulk/apply/", matrix.bulk_apply, name="matrix-bulk-apply"),
    path("batches/<int:batch_id>/", matrix.batch_detail, name="matrix-batch"),
]

drift_urls = [
    path("", drift.drift_list, name="drift"),
    path("<int:share_id>/adopt/", drift.adopt, name="drift-adopt"),
    path("<int:share_id>/reapply/", drift.reapply, name="drift-reapply"),
]

audit_urls = [
    path("", audit.audit_trail, name="audit"),
    path("export.csv", audit.audit_export, name="audit-export"),
]

switch_urls = [
    path("", switch.home_people, name="switch"),
    path("<int:pk>/", switch.start, name="switch-start"),
    path("viewing/", switch.viewing, name="switch-viewing"),
    path("exit/", switch.exit_view, name="switch-exit"),
]

sync_urls = [
    path("", sync.sync_history, name="sync"),
    path("now/", sync.sync_now, name="sync-now"),
    path("prune/", sync.confirm_prune, name="sync-prune"),
]

account_urls = [
    path("", account.account, name="account"),
    path("refresh/", account.refresh, name="account-refresh"),
    path("devices/<str:device_id>/remove/", account.remove_device, name="remove-device"),
    path("devices/removals/<int:op_id>/", account.device_removal, name="device-removal"),
    path("view-state-sync/", account.set_view_state_sync, name="view-state-sync"),
]

urlpatterns = [
    path("people/", include(people_urls)),
    path("matrix/", include(matrix_urls)),
    path("drift/", include(drift_urls)),
    path("audit/", include(audit_urls)),
    path("switch/", include(switch_urls)),
    path("sharing/sync/", include(sync_urls)),
    path("accounts/account/", include(account_urls)),
]
