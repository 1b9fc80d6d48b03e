"""Chat and break dates within 2000-01-01 … 2100-12-31, guarded by the database.

Model validation has refused such dates on every path since migration 0009's release;
a row written before (a chat "starting" in year 9999 or in year 1) is brought into the
range first, so the constraints can be added, changing as little as possible and logging
each chat changed by its number (stderr):
- a start before 2000 moves forward, and one after 2100 back, by whole repeats of the
  chat's own cycle (interval × 7 days), so its weekday and its every-N-weeks phase stay;
- an end after 2100 becomes "no end"; an end before 2000 becomes the (moved) start;
- a break's start is moved into the range the same way by days, and its end after 2100
  becomes "until further notice".
"""

import datetime
import logging

from django.db import migrations, models

EARLIEST = datetime.date(2000, 1, 1)
LATEST = datetime.date(2100, 12, 31)
logger = logging.getLogger("hashtags.migrations")


def into_range(day, step_days):
    """`day` moved by whole steps of `step_days` into EARLIEST … LATEST."""
    step = datetime.timedelta(days=step_days)
    if day < EARLIEST:
        return day + step * -(-(EARLIEST - day).days // step_days)
    if day > LATEST:
        return day - step * -(-(day - LATEST).days // step_days)
    return day


def bring_dates_into_range(apps, schema_editor):
    Chat = apps.get_model("hashtags", "Chat")
    ChatPause = apps.get_model("hashtags", "ChatPause")
    outside = models.Q(starts_on__lt=EARLIEST) | models.Q(starts_on__gt=LATEST)
    outside |= models.Q(ends_on__lt=EARLIEST) | models.Q(ends_on__gt=LATEST)
    for chat in Chat.objects.filter(outside):
        if chat.starts_on is not None:
            chat.starts_on = into_range(chat.starts_on, 7 * max(chat.interval, 1))
        if chat.ends_on is not None and chat.ends_on > LATEST:
            chat.ends_on = None
        elif chat.ends_on is not None and chat.ends_on < EARLIEST:
            chat.ends_on = max(EARLIEST, chat.starts_on or EARLIEST)
        if chat.starts_on and chat.ends_on and chat.ends_on < chat.starts_on:
            chat.ends_on = chat.starts_on
        Chat.objects.filter(pk=chat.pk).update(starts_on=chat.starts_on, ends_on=chat.ends_on)
        logger.warning("Chat %s: dates outside 2000-2100 brought into range.", chat.pk)
    for pause in ChatPause.objects.filter(outside):
        pause.starts_on = into_range(pause.starts_on, 1)
        if pause.ends_on is not None and pause.ends_on > LATEST:
            pause.ends_on = None
        elif pause.ends_on is not None and pause.ends_on < pause.starts_on:
            pause.ends_on = pause.starts_on
        ChatPause.objects.filter(pk=pause.pk).update(
            starts_on=pause.starts_on, ends_on=pause.ends_on
        )
        logger.warning(
            "Break of chat %s: dates outside 2000-2100 brought into range.", pause.chat_id
        )


class Migration(migrations.Migration):
    dependencies = [
        ("hashtags", "0011_activity"),
    ]

    operations = [
        migrations.RunPython(bring_dates_into_range, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="chat",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("starts_on__isnull", True),
                    models.Q(
                        ("starts_on__gte", datetime.date(2000, 1, 1)),
                        ("starts_on__lte", datetime.date(2100, 12, 31)),
                    ),
                    _connector="OR",
                ),
                name="chat_starts_on_in_range",
                violation_error_message="Enter a date between 2000-01-01 and 2100-12-31.",
            ),
        ),
        migrations.AddConstraint(
            model_name="chat",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("ends_on__isnull", True),
                    models.Q(
                        ("ends_on__gte", datetime.date(2000, 1, 1)),
                        ("ends_on__lte", datetime.date(2100, 12, 31)),
                    ),
                    _connector="OR",
                ),
                name="chat_ends_on_in_range",
                violation_error_message="Enter a date between 2000-01-01 and 2100-12-31.",
            ),
        ),
        migrations.AddConstraint(
            model_name="chatpause",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("starts_on__isnull", True),
                    models.Q(
                        ("starts_on__gte", datetime.date(2000, 1, 1)),
                        ("starts_on__lte", datetime.date(2100, 12, 31)),
                    ),
                    _connector="OR",
                ),
                name="chat_pause_starts_on_in_range",
                violation_error_message="Enter a date between 2000-01-01 and 2100-12-31.",
            ),
        ),
        migrations.AddConstraint(
            model_name="chatpause",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("ends_on__isnull", True),
                    models.Q(
                        ("ends_on__gte", datetime.date(2000, 1, 1)),
                        ("ends_on__lte", datetime.date(2100, 12, 31)),
                    ),
                    _connector="OR",
                ),
                name="chat_pause_ends_on_in_range",
                violation_error_message="Enter a date between 2000-01-01 and 2100-12-31.",
            ),
        ),
    ]
