"""Load the fixed vocabularies: the platforms a conversation lives on, and the IANA zones."""

import zoneinfo

from django.db import migrations

PLATFORMS = [
    # code, name, where to follow a tag there ("{tag}" is the tag, URL-quoted)
    ("x", "X (Twitter)", "https://x.com/search?q=%23{tag}&f=live"),
    ("bluesky", "Bluesky", "https://bsky.app/hashtag/{tag}"),
    ("mastodon", "Mastodon", "https://mastodon.social/tags/{tag}"),
    ("linkedin", "LinkedIn", "https://www.linkedin.com/feed/hashtag/{tag}/"),
    ("threads", "Threads", "https://www.threads.net/search?q=%23{tag}"),
    ("instagram", "Instagram", "https://www.instagram.com/explore/tags/{tag}/"),
    ("other", "Other", ""),
]


def load(apps, schema_editor):
    Platform = apps.get_model("hashtags", "Platform")
    for position, (code, name, search_url) in enumerate(PLATFORMS):
        Platform.objects.update_or_create(
            code=code, defaults={"name": name, "search_url": search_url, "position": position}
        )
    TimeZone = apps.get_model("hashtags", "TimeZone")
    known = set(TimeZone.objects.values_list("name", flat=True))
    TimeZone.objects.bulk_create(
        [TimeZone(name=name) for name in sorted(zoneinfo.available_timezones() - known)]
    )


class Migration(migrations.Migration):
    dependencies = [("hashtags", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
