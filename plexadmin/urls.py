from django.contrib import admin
from django.urls import include, path

from plexadmin import metrics, views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("status/", views.status, name="status"),
    path("metrics", metrics.metrics_view, name="metrics"),
    path("accounts/", include("accounts.urls")),
    path("sharing/", include("sharing.urls")),
    path("people/", include("sharing.console_urls")),
    path("audit/", include("sharing.audit_urls")),
    path("switch/", include("sharing.switch_urls")),
    path("drift/", include("sharing.drift_urls")),
    path("matrix/", include("sharing.matrix_urls")),
    path("notifications/", include("notify.urls")),
    path("activity/", include("activity.urls")),
    path("me/", include("members.urls")),
    path("lifecycle/", include("lifecycle.urls")),
    path("", include("joins.urls")),
    path("django-admin/", admin.site.urls),
]
