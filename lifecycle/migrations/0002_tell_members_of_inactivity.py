"""Members are told of an inactivity clean-up's warning, as a new installation does.

"inactivity.warned" gained its member message with this app; an installation that already
stored its choice of member notices could not have ticked it, so it is added once here. An
admin who does not want it unticks it on the Notifications page.
"""

from django.db import migrations

KIND = "inactivity.warned"


def add(apps, schema_editor):  # type: ignore[no-untyped-def]
    notices = apps.get_model("notify", "MemberNotices")
    for row in notices.objects.all():
        if KIND not in row.events:
            row.events = [*row.events, KIND]
            row.save(update_fields=["events"])


class Migration(migrations.Migration):
    dependencies = [
        ("lifecycle", "0001_lifecycle"),
        ("notify", "0001_notifications"),
    ]

    operations = [migrations.RunPython(add, migrations.RunPython.noop)]
