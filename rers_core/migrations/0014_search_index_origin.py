"""The search index says whose listing each row is, and holds the network's own listings in
a partial index of their own: a search of our listings no longer reads the matches of every
neighbour's mirrored ones (PostgreSQL only; SQLite's FTS5 table is searched as a whole)."""

from django.db import migrations

FORWARD = [
    "ALTER TABLE rers_listing_search ADD COLUMN IF NOT EXISTS mirrored boolean NOT NULL DEFAULT false",
    """
    UPDATE rers_listing_search AS s SET mirrored = true
      FROM rers_core_listing AS l
     WHERE l.id = s.listing_id AND l.origin_uri <> ''
    """,
    "CREATE INDEX IF NOT EXISTS rers_listing_search_own_vector ON rers_listing_search"
    " USING gin (vector) WHERE NOT mirrored",
]
BACKWARD = [
    "DROP INDEX IF EXISTS rers_listing_search_own_vector",
    "ALTER TABLE rers_listing_search DROP COLUMN IF EXISTS mirrored",
]


def run(statements):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return apply


class Migration(migrations.Migration):
    dependencies = [("rers_core", "0013_listing_order_indexes")]

    operations = [migrations.RunPython(run(FORWARD), run(BACKWARD))]
