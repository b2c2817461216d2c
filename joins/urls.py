from django.urls import path

from joins import views_admin as admin
from joins import views_profiles as profiles
from joins import views_public as public

app_name = "joins"

urlpatterns = [
    path("links/", admin.link_list, name="links"),
    path("links/new/", admin.link_new, name="link-new"),
    path("links/<int:link_id>/", admin.link_detail, name="link"),
    path("links/<int:link_id>/disable/", admin.link_disable, name="link-disable"),
    path("links/<int:link_id>/enable/", admin.link_enable, name="link-enable"),
    path("links/<int:link_id>/delete/", admin.link_delete, name="link-delete"),
    path("links/profiles/", admin.profile_list, name="profiles"),
    path("links/profiles/new/", admin.profile_edit, name="profile-new"),
    path("links/profiles/<int:profile_id>/", admin.profile_edit, name="profile"),
    path("links/profiles/<int:profile_id>/apply/", profiles.profile_apply, name="profile-apply"),
    path("links/profiles/<int:profile_id>/delete/", admin.profile_delete, name="profile-delete"),
    path("links/approvals/", admin.approvals, name="approvals"),
    path("links/approvals/waiting/", admin.waiting_badge, name="waiting"),
    path("links/approvals/<int:redemption_id>/approve/", admin.approve, name="approve"),
    path("links/approvals/<int:redemption_id>/deny/", admin.deny, name="deny"),
    path("join/", public.landing, name="landing"),
    path("join/sign-in/", public.sign_in, name="sign-in"),
    path("join/status/", public.status, name="status"),
    path("join/check/", public.check, name="check"),
    path("join/<str:code>", public.enter, name="enter"),
]
