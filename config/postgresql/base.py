"""Django's PostgreSQL backend, with a deadline on every wait for the server.

libpq waits for an answer as long as it takes. A server that stops answering without
refusing (a frozen host, a network that drops packets, a pooler queueing for a dead
server) would hold each worker until gunicorn kills it. Here every exchange with the
server (a query and its rows, a commit) must end within the connection's deadline,
OPTIONS["deadline"] in seconds (config/settings.py: DATABASE_STATEMENT_TIMEOUT plus a
margin, so that the server's own statement_timeout cancels a slow query first and the
connection stays usable). Past the deadline the connection is closed and
OperationalError raised, which the site answers with its 503 (directory/health.py).
`deadline()` sets a shorter one for a while (/readyz).

TCP keepalives and tcp_user_timeout (in the settings' OPTIONS) end a connection whose
server's host is gone; they cannot tell a live host whose database is stuck, which
this deadline does.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from django.db.backends.postgresql import base
from psycopg.pq import TransactionStatus


class Connection(psycopg.Connection):
    """psycopg's connection whose waits end within `deadline` seconds (None: no end)."""

    deadline: float | None = None

    def wait(self, gen, *args, timeout: float | None = None, **kwargs):
        limit = self.deadline if timeout is None else timeout
        try:
            return super().wait(gen, *args, timeout=limit, **kwargs)
        except psycopg.OperationalError as error:
            if self.info.transaction_status != TransactionStatus.ACTIVE:
                raise  # the server answered with an error (a cancelled statement, say)
            # No answer in time: the exchange is half done, so the connection is closed.
            self.close()
            raise psycopg.OperationalError(
                f"the database did not answer within {limit:g} s"
            ) from error


class DatabaseWrapper(base.DatabaseWrapper):
    deadline_for_now: float | None = None  # deadline()'s, while it lasts

    def get_connection_params(self) -> dict:
        params = super().get_connection_params()
        params.pop("deadline", None)  # ours, not libpq's
        return params

    def waits_for(self) -> float | None:
        if self.deadline_for_now is not None:
            return self.deadline_for_now
        return self.settings_dict["OPTIONS"].get("deadline")

    def get_new_connection(self, conn_params: dict) -> Connection:
        connection = super().get_new_connection(conn_params)
        # psycopg takes no connection class outside its pool: the one it made becomes
        # ours (a subclass that adds no state of its own).
        connection.__class__ = Connection
        connection.deadline = self.waits_for()
        return connection


@contextmanager
def deadline(wrapper, seconds: float) -> Iterator[None]:
    """Within the block, each wait of Django's connection `wrapper` for the server ends
    within `seconds` (a connection opened meanwhile too, once connected: connecting is
    bounded by connect_timeout). Nothing changes for another database engine."""
    if not isinstance(wrapper, DatabaseWrapper):
        yield
        return
    wrapper.deadline_for_now = seconds
    if wrapper.connection is not None:
        wrapper.connection.deadline = seconds
    try:
        yield
    finally:
        wrapper.deadline_for_now = None
        if wrapper.connection is not None:
            wrapper.connection.deadline = wrapper.waits_for()
