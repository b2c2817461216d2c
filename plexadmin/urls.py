from django.contrib import admin
from django.urls import include, path

from plexadmin import metrics, views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("status/", views.status, name="status"),
    path("metrics", metrics.metrics_view, name="metrics"),
    path("accounts/", include("accounts.urls")),
    # Sharing's screens keep their addresses at the root (people/, matrix/, drift/, …).
    path("", include("sharing.urls")),
    path("notifications/", include("notify.urls")),
    path("activity/", include("activity.urls")),
    path("me/", include("members.urls")),
    path("lifecycle/", include("lifecycle.urls")),
    path("", include("joins.urls")),
    path("django-admin/", admin.site.urls),
]
