"""What the logs may say about a request. A steward's signed link is a secret (it acts
for them until it expires, docs/curating.md, "Stewards and reminders"), so no log line carries it:
the app's request log, Django's own warnings (a steward's POST that fails its CSRF
check logs the path) and gunicorn's access and error logs all write `/steward/<token>/`.

`HideStewardTokens` is a logging filter: LOGGING in config/settings.py puts it on the
one stderr handler (a filter on a logger would miss its children, such as
`django.security.csrf`), and `GunicornLogger` on gunicorn's loggers (docs/deploy.md:
`--logger-class directory.logs.GunicornLogger`). This module imports no Django: the
gunicorn master loads it before any settings.
"""

from __future__ import annotations

import logging
import re

from gunicorn.glogging import Logger

# The path segment after /steward/ where a path starts: after a host (a full URL, the
# Referer), or after anything that cannot be inside a path segment (a space, a quote,
# the `|` of a custom log format); not a tag's own page such as /hashtags/steward/.
STEWARD_TOKEN = re.compile(r"""(//[^/\s"'|<>]+|^|[^\w.~%/-])/steward/[^/\s?#"'|<>,;\]]+""")
# What every LogRecord has; anything else was passed as `extra` and may be written out
# (the JSON formatter writes every extra, Django's `request` among them).
RECORD_FIELDS = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


def logged_path(text: str) -> str:
    """`text` with each steward's token replaced: "/steward/<token>/stop/"."""
    return STEWARD_TOKEN.sub(r"\1/steward/<token>", text)


class HideStewardTokens(logging.Filter):
    """Rewrites a record's message, and the extras a formatter may write, without any
    steward's token; lets every record through."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        hidden = logged_path(message)
        if hidden != message:
            record.msg, record.args = hidden, ()
        for name, value in list(vars(record).items()):
            if name in RECORD_FIELDS or value is None or isinstance(value, int | float):
                continue
            text = str(value)
            hidden = logged_path(text)
            if hidden != text:
                setattr(record, name, hidden)
        return True


class GunicornLogger(Logger):
    """gunicorn's logger, its access lines (the request line, the path, the Referer,
    whatever atoms the format names) and error lines without a steward's token."""

    def setup(self, cfg) -> None:
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            if not any(isinstance(f, HideStewardTokens) for f in log.filters):
                log.addFilter(HideStewardTokens())
