from django.urls import path

from sharing import audit_views

app_name = "audit"

urlpatterns = [
    path("", audit_views.audit_trail, name="trail"),
    path("export.csv", audit_views.audit_export, name="export"),
]
