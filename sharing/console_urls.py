from django.urls import path

from sharing.console_views import actions, home, operations, people, person

app_name = "people"

urlpatterns = [
    path("", people.people_list, name="list"),
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
