from django.urls import path

from accounts import reauth
from accounts.views import account, household, password, session, sign_in

app_name = "accounts"

urlpatterns = [
    path("sign-in/", sign_in.sign_in, name="sign-in"),
    path("sign-in/plex/", sign_in.start_oauth, name="start-oauth"),
    path("sign-in/link/", sign_in.start_link, name="start-link"),
    path("sign-in/password/", password.password_sign_in, name="password"),
    path("sign-in/pin/<uuid:public_id>/", sign_in.pin, name="pin"),
    path("sign-in/pin/<uuid:public_id>/status/", sign_in.pin_status, name="pin-status"),
    path("sign-in/pin/<uuid:public_id>/check/", sign_in.pin_check, name="pin-check"),
    path("sign-in/pin/<uuid:public_id>/cancel/", sign_in.pin_cancel, name="pin-cancel"),
    path("sign-in/pin/<uuid:public_id>/done/", sign_in.pin_done, name="pin-done"),
    path("sign-in/again/", reauth.sign_in_again, name="sign-in-again"),
    path("sign-out/", session.sign_out, name="sign-out"),
    path("sign-out/plex/", account.sign_out_of_plex, name="sign-out-plex"),
    path("setup/", household.setup, name="setup"),
    path("setup/code/", household.setup_claim, name="setup-code"),
    path("setup/pick/", household.setup_pick, name="setup-pick"),
    path("setup/claim-token/", household.claim_token, name="claim-token"),
    path("roles/", household.roles, name="roles"),
    path("roles/<int:pk>/grant-co-admin/", household.grant_co_admin, name="grant-co-admin"),
    path("roles/<int:pk>/revoke-co-admin/", household.revoke_co_admin, name="revoke-co-admin"),
    path("me/", household.member_page, name="member"),
    path("account/", account.account, name="account"),
    path("account/refresh/", account.refresh, name="account-refresh"),
    path("account/devices/<str:device_id>/remove/", account.remove_device, name="remove-device"),
    path("account/devices/removals/<int:op_id>/", account.device_removal, name="device-removal"),
    path("account/servers/check/", account.check_connections, name="check-connections"),
    path("account/view-state-sync/", account.set_view_state_sync, name="view-state-sync"),
]
