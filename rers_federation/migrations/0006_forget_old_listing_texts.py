"""Listings deleted before the logs forgot their words (a member's withdrawal, a closing):
their text leaves our log's earlier entries and the copies received from peers, as it does
for a listing deleted now (rers_federation.services.catalogue and .objects)."""

from django.db import migrations

TEXT = ("name", "content")


def _without_text(payload, mark):
    obj = payload.get("object") if isinstance(payload, dict) else None
    if not isinstance(obj, dict) or not any(key in obj for key in TEXT):
        return None
    kept = {key: value for key, value in obj.items() if key not in TEXT}
    return {**payload, "object": {**kept, **mark}}


def _strip(rows, deleted, key_of, mark):
    for row in rows.iterator(chunk_size=2000):
        obj = row.payload.get("object") if isinstance(row.payload, dict) else None
        if key_of(row, obj) not in deleted:
            continue
        payload = _without_text(row.payload, mark)
        if payload is not None:
            row.payload = payload
            row.save(update_fields=["payload"])


def forget_old_listing_texts(apps, schema_editor):
    OutboxActivity = apps.get_model("rers_federation", "OutboxActivity")
    InboxActivity = apps.get_model("rers_federation", "InboxActivity")
    MirroredObject = apps.get_model("rers_federation", "MirroredObject")

    ours = {
        (row.network_id, row.object_uri)
        for row in OutboxActivity.objects.filter(type="Delete").only(
            "network", "object_uri", "payload"
        )
        if isinstance(row.payload.get("object"), dict)
        and row.payload["object"].get("formerType") == "Listing"
    }
    _strip(
        OutboxActivity.objects.filter(type__in=["Create", "Update"]).only(
            "network", "object_uri", "payload"
        ),
        ours,
        lambda row, obj: (row.network_id, row.object_uri),
        {"withdrawn": True},
    )
    theirs = set(
        MirroredObject.objects.filter(type="Listing", deleted_at__isnull=False).values_list(
            "network_id", "uri"
        )
    )
    _strip(
        InboxActivity.objects.filter(type__in=["Create", "Update"]).only("network", "payload"),
        theirs,
        lambda row, obj: (row.network_id, obj.get("id") if isinstance(obj, dict) else None),
        {},
    )


class Migration(migrations.Migration):
    dependencies = [("rers_federation", "0005_inbox_activity_unique_per_peer")]

    operations = [migrations.RunPython(forget_old_listing_texts, migrations.RunPython.noop)]
