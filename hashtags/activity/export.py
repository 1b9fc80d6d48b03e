"""The activity export: every stored daily count of the public entries, as CSV, under the
registry's licence (CC0 1.0, hashtags.opendata.registry_io.LICENCE). Served at
`/api/v1/export/activity.csv` and written by `manage.py export_activity`.

One row per entry, network, server and day, with a header row:
`tag,network,server,day,uses,accounts` (the entry's tag as displayed; the network's code;
the server's base URL; a UTC day as YYYY-MM-DD; two whole numbers). Rows are in tag
identity, network, server and day order, so the same data gives the same bytes. Counts
only: no post, no account. The file is read from the database in chunks and streamed.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from hashtags.models import PUBLIC_STATUSES, DailyActivity

COLUMNS = ("tag", "network", "server", "day", "uses", "accounts")
CHUNK_SIZE = 2000
STREAM_BUFFER = 64 * 1024


def iter_activity_csv() -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    rows = (
        DailyActivity.objects.filter(hashtag__status__in=PUBLIC_STATUSES)
        .order_by("hashtag__key", "hashtag_id", "network", "server", "day")
        .values_list("hashtag__tag", "network", "server", "day", "uses", "accounts")
    )
    for tag, network, server, day, uses, accounts in rows.iterator(chunk_size=CHUNK_SIZE):
        writer.writerow((tag, network, server, day.isoformat(), uses, accounts))
        if buffer.tell() >= STREAM_BUFFER:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
