from django.db import migrations, models


def publish_again(apps, schema_editor):
    """Publish every public entry (and count them afresh): `has_chat` now means a chat
    that meets now (on evidence), and documents carry the chat status "unconfirmed". Runs
    the current producer, so only where there is something to publish: a new database
    has nothing, and migrates past this at once. A database migrated from before 0016
    is published here, not there (`published.schema_is_current`): only now does every
    column the producer writes exist."""
    if (
        not apps.get_model("hashtags", "Hashtag")
        .objects.using(schema_editor.connection.alias)
        .exists()
    ):
        return
    from hashtags.published import publish_all

    publish_all(using=schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [
        ("hashtags", "0022_stored_vtimezones"),
    ]

    operations = [
        migrations.AddField(
            model_name="published",
            name="counted_until",
            field=models.DateTimeField(
                blank=True,
                help_text="When what the counts count of it moves on (a chat ends, its "
                "evidence runs out, a break without an end begins).",
                null=True,
            ),
        ),
        migrations.AddIndex(
            model_name="published",
            index=models.Index(fields=["counted_until"], name="published_counted_until"),
        ),
        migrations.RunPython(publish_again, migrations.RunPython.noop),
    ]
