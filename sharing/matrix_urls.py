from django.urls import path

from sharing import matrix_views

app_name = "matrix"

urlpatterns = [
    path("", matrix_views.matrix_index, name="index"),
    path("<int:server_id>/", matrix_views.server_matrix, name="server"),
    path("<int:server_id>/toggle/", matrix_views.toggle_cell, name="toggle"),
    path(
        "<int:server_id>/cells/<int:share_id>/<int:library_id>/",
        matrix_views.cell,
        name="cell",
    ),
    path("<int:server_id>/bulk/", matrix_views.bulk, name="bulk"),
    path("batches/<int:batch_id>/", matrix_views.batch_detail, name="batch"),
]
