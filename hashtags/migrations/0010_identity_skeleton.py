"""Look-alike names: each identity's Unicode TS 39 skeletons, unique.

`skeleton` is the skeleton of the tag as written, `key_skeleton` that of its identity key
(casefolded NFKC); each is unique, so no two live names render alike.

A database may already hold a look-alike pair (say #HCLDR and #HСLDR with a Cyrillic
'С', both accepted before this rule). The migration does not fail on it and changes no
entry: names are filled oldest first (by creation, then id), and a name whose skeleton an
older name already holds keeps that column empty (NULL; the unique index ignores NULLs).
Nothing is renamed, rejected or hidden; the admin's "near duplicates" box on either entry
lists the other, for a curator to merge or reject one. Until then the later name's tag
cannot be changed to anything that still looks like the older one.

On PostgreSQL the identity table's search trigger (0005) is paused while the columns are
filled: a skeleton is not part of the search document, and touching every entry once per
name would make the migration slow on a large registry.
"""

from django.db import migrations, models

from hashtags.validators import key_skeleton, tag_skeleton

BATCH = 5_000


def fill_skeletons(apps, schema_editor):
    Identity = apps.get_model("hashtags", "Identity")
    postgres = schema_editor.connection.vendor == "postgresql"
    if postgres:
        # Deferred foreign-key checks still queued in this transaction would forbid the
        # ALTER TABLE: run them now (they are deferred again below).
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        schema_editor.execute(
            "ALTER TABLE hashtags_identity DISABLE TRIGGER hashtags_identity_search"
        )
    held = {"skeleton": set(), "key_skeleton": set()}
    batch = []
    for identity in Identity.objects.order_by("created", "pk").only("pk", "tag").iterator(BATCH):
        for field, value in (
            ("skeleton", tag_skeleton(identity.tag)),
            ("key_skeleton", key_skeleton(identity.tag)),
        ):
            if value in held[field]:
                value = None  # the later name of a look-alike pair: left for a curator
            else:
                held[field].add(value)
            setattr(identity, field, value)
        batch.append(identity)
        if len(batch) >= BATCH:
            Identity.objects.bulk_update(batch, ["skeleton", "key_skeleton"])
            batch = []
    Identity.objects.bulk_update(batch, ["skeleton", "key_skeleton"])
    if postgres:
        schema_editor.execute(
            "ALTER TABLE hashtags_identity ENABLE TRIGGER hashtags_identity_search"
        )
        schema_editor.execute("SET CONSTRAINTS ALL DEFERRED")


class Migration(migrations.Migration):
    dependencies = [
        ("hashtags", "0009_one_line_names"),
    ]

    operations = [
        migrations.AddField(
            model_name="historicalidentity",
            name="key_skeleton",
            field=models.CharField(editable=False, max_length=900, null=True),
        ),
        migrations.AddField(
            model_name="historicalidentity",
            name="skeleton",
            field=models.CharField(editable=False, max_length=900, null=True),
        ),
        migrations.AddField(
            model_name="identity",
            name="key_skeleton",
            field=models.CharField(editable=False, max_length=900, null=True),
        ),
        migrations.AddField(
            model_name="identity",
            name="skeleton",
            field=models.CharField(editable=False, max_length=900, null=True),
        ),
        migrations.RunPython(fill_skeletons, migrations.RunPython.noop, elidable=True),
        migrations.AddConstraint(
            model_name="identity",
            constraint=models.UniqueConstraint(
                fields=("skeleton",),
                name="identity_skeleton_unique",
                violation_error_message="This hashtag looks like one already in the directory.",
            ),
        ),
        migrations.AddConstraint(
            model_name="identity",
            constraint=models.UniqueConstraint(
                fields=("key_skeleton",),
                name="identity_key_skeleton_unique",
                violation_error_message="This hashtag looks like one already in the directory.",
            ),
        ),
    ]
