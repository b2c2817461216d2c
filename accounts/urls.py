from django.urls import path

from accounts.views import session

app_name = "accounts"

urlpatterns = [
    path("sign-out/", session.sign_out, name="sign-out"),
]
