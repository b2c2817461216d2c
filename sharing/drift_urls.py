from django.urls import path

from sharing import drift_views

app_name = "drift"

urlpatterns = [
    path("", drift_views.drift_list, name="list"),
    path("<int:share_id>/adopt/", drift_views.adopt, name="adopt"),
    path("<int:share_id>/reapply/", drift_views.reapply, name="reapply"),
]
