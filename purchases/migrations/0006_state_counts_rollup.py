"""Purchases per (provider, state, day) and their money, kept by database triggers (purchases/state_counts.py), counted once here."""

from django.db import migrations, models


def install(apps, schema_editor):
    from purchases import state_counts

    state_counts.install(using=schema_editor.connection.alias)


def uninstall(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        for name in ("purchases_statecount_ins", "purchases_statecount_del", "purchases_statecount_upd"):
            if connection.vendor == "postgresql":
                cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON purchases_purchase")
            else:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
        if connection.vendor == "postgresql":
            cursor.execute("DROP FUNCTION IF EXISTS purchases_statecount_delta()")


class Migration(migrations.Migration):
    dependencies = [("purchases", "0006_webhook_bad_signature_excerpt")]

    operations = [
        migrations.CreateModel(
            name="StateCount",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("provider", models.CharField(max_length=16)),
                ("state", models.CharField(max_length=32)),
                ("day", models.DateField(help_text="The day (UTC) the purchases were created.")),
                ("n", models.BigIntegerField()),
                (
                    "amount",
                    models.DecimalField(decimal_places=4, help_text="Debits, else prices (USD).", max_digits=18),
                ),
            ],
            options={"db_table": "purchases_statecount"},
        ),
        migrations.RunPython(install, uninstall),
    ]
