from django.urls import path

from sharing import switch_views

app_name = "switch"

urlpatterns = [
    path("", switch_views.home_people, name="home"),
    path("<int:pk>/", switch_views.start, name="start"),
    path("viewing/", switch_views.viewing, name="viewing"),
    path("exit/", switch_views.exit_view, name="exit"),
]
