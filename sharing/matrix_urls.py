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
    path("<int:server_id>/rows/<int:share_id>/", matrix_views.row, name="row"),
    path("<int:server_id>/shares/<int:share_id>/stop/", matrix_views.stop_share, name="stop"),
    path(
        "<int:server_id>/shares/<int:share_id>/stop/confirm/",
        matrix_views.stop_confirm,
        name="stop-confirm",
    ),
    path("<int:server_id>/bulk/", matrix_views.bulk, name="bulk"),
    path("<int:server_id>/bulk/apply/", matrix_views.bulk_apply, name="bulk-apply"),
    path("batches/<int:batch_id>/", matrix_views.batch_detail, name="batch"),
]
