"""Look-alike names across letter-case forms: each live name's skeletons, of both forms,
held once in `IdentitySkeleton`.

`Identity.skeleton` (the tag as written) and `Identity.key_skeleton` (its casefolded key)
are each unique, but 'hcIdr' with a capital I, as written, has the skeleton of HCLDR's
key: a pair that neither index sees, so two racing submissions could both get in. The
new table holds every skeleton value once, whichever form it comes from.

As in 0010, a database may already hold such a pair. The migration does not fail on it
and changes no entry: names are filled oldest first (by creation, then id), and a name
whose skeleton an older name already holds keeps its skeleton columns empty (NULL) and
holds nothing, which the admin's "near duplicates" box lists for a curator to merge or
reject one of the two.
"""

import django.db.models.deletion
from django.db import migrations, models

BATCH = 5_000


def hold_skeletons(apps, schema_editor):
    Identity = apps.get_model("hashtags", "Identity")
    IdentitySkeleton = apps.get_model("hashtags", "IdentitySkeleton")
    held, rows, unheld = set(), [], []
    names = Identity.objects.exclude(skeleton__isnull=True, key_skeleton__isnull=True)
    names = names.order_by("created", "pk")
    for identity in names.only("pk", "skeleton", "key_skeleton").iterator(BATCH):
        values = {identity.skeleton, identity.key_skeleton} - {None}
        if values & held:
            unheld.append(identity.pk)  # the later name of a crosswise pair
            continue
        held |= values
        rows += [IdentitySkeleton(identity_id=identity.pk, value=value) for value in values]
        if len(rows) >= BATCH:
            IdentitySkeleton.objects.bulk_create(rows)
            rows = []
    IdentitySkeleton.objects.bulk_create(rows)
    Identity.objects.filter(pk__in=unheld).update(skeleton=None, key_skeleton=None)


class Migration(migrations.Migration):
    dependencies = [
        ("hashtags", "0020_claim_decline_reason"),
    ]

    operations = [
        migrations.CreateModel(
            name="IdentitySkeleton",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("value", models.CharField(max_length=900)),
                (
                    "identity",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="held_skeletons",
                        to="hashtags.identity",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("value",),
                        name="identity_skeleton_held_once",
                        violation_error_message=(
                            "This hashtag looks like one already in the directory."
                        ),
                    )
                ],
            },
        ),
        migrations.RunPython(hold_skeletons, migrations.RunPython.noop, elidable=True),
    ]
