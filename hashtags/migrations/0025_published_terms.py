from django.db import migrations

import hashtags.models.published

FILL_CHUNK = 5000


def narrow(apps, schema_editor):
    """On PostgreSQL, keep the table's rows narrow: a row over 2 kB has its documents
    moved out of line (`toast_tuple_target`), so the counts, which read up to 1,001 rows
    per value, read a few pages rather than one per row. Set before `fill` rewrites
    every row."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE hashtags_published SET (toast_tuple_target = 128)")


def compact(apps, schema_editor):
    """On PostgreSQL, gather the statistics the planner reads the terms' frequencies from,
    and mark the space the rewrite left for reuse. Not VACUUM FULL: it would lock the
    table every page reads for as long as it runs (docs/deploy.md says when to run it)."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("VACUUM (ANALYZE) hashtags_published")


def fill(apps, schema_editor):
    """Fill `terms` of the rows already published, from their counted columns (no
    document is produced again); a database whose entries were never published (0023
    left it to the newest migration) is published here."""
    using = schema_editor.connection.alias
    published = apps.get_model("hashtags", "Published").objects.using(using)
    from hashtags import published as producer

    if not published.exists():
        if apps.get_model("hashtags", "Hashtag").objects.using(using).exists():
            producer.publish_all(using=using)
        return
    last = -1
    while True:
        rows = list(
            published.filter(entry_id__gt=last)
            .order_by("entry_id")
            .only("entry_id", *producer.SIGNATURE_FIELDS)[:FILL_CHUNK]
        )
        if not rows:
            break
        for row in rows:
            row.terms = producer.terms_of(
                **{name: getattr(row, name) for name in producer.SIGNATURE_FIELDS}
            )
        published.bulk_update(rows, ["terms"], batch_size=1000)
        last = rows[-1].entry_id


def index(apps, schema_editor):
    """The GIN index the filters read, on PostgreSQL (SQLite stores the terms as text)."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS published_terms ON hashtags_published USING gin (terms)"
        )
        # Statistics on every term, rare ones included (a category of 60 entries): with
        # the default sample the planner guesses a rare term at 0.5% of the registry and
        # walks the whole key index for a page of a small category.
        schema_editor.execute(
            "ALTER TABLE hashtags_published ALTER COLUMN terms SET STATISTICS 1000"
        )


def unindex(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS published_terms")


class Migration(migrations.Migration):
    # VACUUM cannot run in a transaction; each step below is safe to run again.
    atomic = False

    dependencies = [
        ("hashtags", "0024_submitter_language"),
    ]

    operations = [
        migrations.AddField(
            model_name="published",
            name="terms",
            field=hashtags.models.published.TermsField(
                blank=True,
                default=list,
                help_text="What the list filters read (hashtags.filters): 'k:' kind, 'l:' language "
                "and each shorter form of it ('l:en', 'l:en-gb'), 'e:' the language exactly, "
                "'c:' category id, 'p:' platform code, 'h:1' or 'h:0' (a chat that meets now, "
                "or none).",
            ),
        ),
        migrations.RunPython(narrow, migrations.RunPython.noop),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.RunPython(index, unindex),
        migrations.RunPython(compact, migrations.RunPython.noop),
    ]
