from django.urls import path

from members import admin_views, allowance_views, views

app_name = "members"

urlpatterns = [
    path("", views.home, name="home"),
    path("shares/<int:share_id>/ask-library/", views.ask_library, name="ask-library"),
    path("shares/<int:share_id>/ask-time/", views.ask_time, name="ask-time"),
    path("accept/", views.accept, name="accept"),
    path("link-tv/", views.link_tv, name="link-tv"),
    path("actions/<int:action_id>/", views.action_status, name="action"),
    path("actions/<int:action_id>/check/", views.action_check, name="action-check"),
    path("requests/", admin_views.requests, name="requests"),
    path("requests/waiting/", admin_views.waiting_badge, name="waiting"),
    path("requests/<int:request_id>/approve/", admin_views.approve, name="approve"),
    path("requests/<int:request_id>/deny/", admin_views.deny, name="deny"),
    path("invites/", allowance_views.invites, name="invites"),
    path("invites/<int:link_id>/disable/", allowance_views.disable_invite, name="invite-disable"),
    path("allowances/", allowance_views.allowance_list, name="allowances"),
    path("allowances/<int:member_id>/", allowance_views.allowance_edit, name="allowance"),
    path(
        "allowances/<int:member_id>/revoke/",
        allowance_views.allowance_revoke,
        name="allowance-revoke",
    ),
    path("tree/<int:person_id>/", allowance_views.tree, name="tree"),
]
