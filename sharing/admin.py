from django.contrib import admin

from sharing.models import AuditEvent, Invite, Library, Operation, PlexUser, Server, Share, SyncRun


@admin.register(Server)
class ServerAdmin(admin.ModelAdmin):
    list_display = ["name", "machine_identifier", "owned", "missing_since"]


@admin.register(Library)
class LibraryAdmin(admin.ModelAdmin):
    list_display = ["title", "server", "type", "key", "global_id", "missing_since"]
    list_filter = ["server", "type"]


@admin.register(PlexUser)
class PlexUserAdmin(admin.ModelAdmin):
    list_display = [
        "display_name",
        "kind",
        "username",
        "email",
        "missing_since",
        "removed_locally_at",
    ]
    list_filter = ["kind", "home"]
    search_fields = ["username", "email", "title"]


@admin.register(Share)
class ShareAdmin(admin.ModelAdmin):
    list_display = ["user", "server", "shared_server_id", "pending", "all_libraries", "version"]
    list_filter = ["server", "pending"]
    raw_id_fields = ["user"]


@admin.register(Invite)
class InviteAdmin(admin.ModelAdmin):
    list_display = ["address", "server", "shared_server_id", "created_at"]


@admin.register(Operation)
class OperationAdmin(admin.ModelAdmin):
    list_display = ["kind", "target_type", "target_id", "state", "attempts", "created_at"]
    list_filter = ["state", "kind"]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "source", "action", "target_label", "result"]
    list_filter = ["source", "action"]
    search_fields = ["target_label"]


@admin.register(SyncRun)
class SyncRunAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "triggered_by",
        "outcome",
        "created",
        "updated",
        "flagged",
        "plextv_requests",
        "duration",
    ]
    list_filter = ["outcome", "triggered_by"]
