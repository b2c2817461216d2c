from django.urls import path

from lifecycle import views

app_name = "lifecycle"

urlpatterns = [
    path("", views.lifecycle_page, name="page"),
    path("renew/", views.renew_batch, name="renew"),
    path("shares/<int:share_id>/renew/", views.renew_one, name="renew-one"),
    path("cleanups/", views.cleanup_start, name="cleanup-start"),
    path("cleanups/<int:cleanup_id>/", views.cleanup_detail, name="cleanup"),
]
