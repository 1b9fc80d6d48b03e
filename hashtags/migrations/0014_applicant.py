"""Platforms say how to join a conversation there (shown on each entry's page)."""

from django.db import migrations, models

HOW_TO_JOIN = {
    "x": "Search {tag} and choose Latest at the chat time; add {tag} to each of your "
    "posts so the others see them.",
    "bluesky": "Open the {tag} feed (search {tag}) and add {tag} to your posts.",
    "mastodon": "Search {tag} from your own server and follow the tag; add {tag} to your posts.",
    "linkedin": "Follow the hashtag {tag} and add it to your posts.",
    "threads": "Search {tag} and add it to your posts.",
    "instagram": "Search {tag} and follow the tag.",
}


def fill(apps, schema_editor):
    Platform = apps.get_model("hashtags", "Platform")
    for code, words in HOW_TO_JOIN.items():
        Platform.objects.filter(code=code, how_to_join="").update(how_to_join=words)


class Migration(migrations.Migration):
    dependencies = [("hashtags", "0013_review_codes")]

    operations = [
        migrations.AddField(
            model_name="platform",
            name="how_to_join",
            field=models.CharField(
                blank=True,
                help_text="One sentence for the entry page; {tag} stands for the hashtag, "
                "e.g. “Search {tag} and follow the tag.”",
                max_length=300,
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
