from django.urls import path

from notify import views

app_name = "notify"

urlpatterns = [
    path("", views.notifications, name="page"),
    path("channels/add/", views.channel_add, name="channel-add"),
    path("channels/<int:pk>/", views.channel_card, name="channel"),
    path("channels/<int:pk>/events/", views.channel_events, name="channel-events"),
    path("channels/<int:pk>/test/", views.channel_test, name="channel-test"),
    path("channels/<int:pk>/remove/", views.channel_remove, name="channel-remove"),
    path(
        "channels/<int:pk>/remove/confirm/",
        views.channel_remove_confirm,
        name="channel-remove-confirm",
    ),
    path("messages/<int:pk>/send-again/", views.delivery_resend, name="send-again"),
    path("members/", views.member_notices, name="member-notices"),
    path("mailbox/", views.mailbox_page, name="mailbox"),
]
