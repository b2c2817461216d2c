from django.urls import path

from sharing import views

app_name = "sharing"

urlpatterns = [
    path("sync/", views.sync_history, name="sync"),
    path("sync/now/", views.sync_now, name="sync-now"),
    path("sync/prune/", views.confirm_prune, name="sync-prune"),
]
