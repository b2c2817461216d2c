from django.urls import path

from sharing.console_views import operations, people, person

app_name = "people"

urlpatterns = [
    path("", people.people_list, name="list"),
    path("<int:person_id>/", person.person_detail, name="person"),
    path("shares/<int:share_id>/", person.share_detail, name="share"),
    path("shares/<int:share_id>/edit/", person.edit_share, name="share-edit"),
    path("operations/<int:op_id>/", operations.operation_status, name="operation"),
    path("operations/<int:op_id>/retry/", operations.operation_retry, name="operation-retry"),
]
