"""Provider calls found by an exact custom_id or buy_id: a GIN index on their subjects (PostgreSQL only)."""

from django.db import migrations

from purchases.call_subjects import INDEX_NAME, INDEX_SQL


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(INDEX_SQL)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX_NAME}")


class Migration(migrations.Migration):
    dependencies = [("purchases", "0006_state_counts_rollup")]

    operations = [migrations.RunPython(create, drop)]
