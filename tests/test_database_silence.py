"""A database that stops answering, rather than refusing, costs a request seconds, not a
worker: /readyz answers 503 within two seconds, a page 503 within its deadlines, and
both answer again once the database does, without a restart. The silence is real: the
site's connections go through a small TCP proxy (written here) that stops forwarding,
so connections stay open and nothing comes back, as from a frozen server.

Also: every statement of a page is bounded by PostgreSQL's statement_timeout
(DATABASE_STATEMENT_TIMEOUT), which cancels it and leaves the connection usable."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator

import pytest
from django.db import OperationalError, connection
from django.test import Client

pytestmark = [pytest.mark.postgres]


@pytest.fixture(autouse=True)
def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("a database server that stops answering needs PostgreSQL")


class SilentProxy:
    """Forwards TCP between the site and PostgreSQL until `silence()`: then what either
    side sends is held, connections (new ones too) stay open, and nothing answers.
    `resume()` forwards again."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.forwarding = threading.Event()
        self.forwarding.set()
        self.sockets: list[socket.socket] = [self.listener]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return  # closed
            upstream = socket.create_connection(self.target)
            self.sockets += [client, upstream]
            for source, target in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, target), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                self.forwarding.wait()
                target.sendall(data)
        with contextlib.suppress(OSError):
            target.shutdown(socket.SHUT_WR)

    def silence(self) -> None:
        self.forwarding.clear()

    def resume(self) -> None:
        self.forwarding.set()

    def close(self) -> None:
        self.forwarding.set()
        for sock in self.sockets:
            with contextlib.suppress(OSError):
                sock.close()


@pytest.fixture
def through_proxy() -> Iterator[SilentProxy]:
    """The site's connection to PostgreSQL goes through a SilentProxy, kept open between
    requests (CONN_MAX_AGE, as in production), each wait of a page for the server bounded
    by one second (production: DATABASE_STATEMENT_TIMEOUT + 2 s)."""
    settings_dict = connection.settings_dict
    kept = {name: settings_dict[name] for name in ("HOST", "PORT", "CONN_MAX_AGE", "OPTIONS")}
    proxy = SilentProxy(settings_dict["HOST"] or "127.0.0.1", int(settings_dict["PORT"] or 5432))
    connection.close()
    settings_dict.update(
        HOST="127.0.0.1",
        PORT=str(proxy.port),
        CONN_MAX_AGE=60,
        OPTIONS={**settings_dict["OPTIONS"], "deadline": 1.0},
    )
    try:
        yield proxy
    finally:
        connection.close()
        settings_dict.update(kept)
        proxy.close()


def timed(client: Client, url: str) -> tuple[int, float]:
    started = time.monotonic()
    answer = client.get(url)
    return answer.status_code, time.monotonic() - started


@pytest.mark.django_db(transaction=True)
def test_a_silent_database_makes_readyz_answer_503_within_two_seconds(through_proxy, make_hashtag):
    make_hashtag("HCLDR")
    client = Client(raise_request_exception=False)
    assert timed(client, "/readyz")[0] == 200  # the connection is open, through the proxy

    through_proxy.silence()
    status, seconds = timed(client, "/readyz")
    assert status == 503 and seconds < 2
    # The next check opens a new connection: connect_timeout (2 s) bounds it.
    status, seconds = timed(client, "/readyz")
    assert status == 503 and seconds < 3
    assert client.get("/healthz").status_code == 200  # liveness does not ask the database

    through_proxy.resume()
    assert timed(client, "/readyz")[0] == 200


@pytest.mark.django_db(transaction=True)
def test_a_page_waits_for_a_silent_database_no_longer_than_its_deadlines(
    through_proxy, make_hashtag
):
    make_hashtag("HCLDR")
    client = Client(raise_request_exception=False)
    for url in ("/hashtags/HCLDR/", "/api/v1/hashtags/HCLDR/"):
        assert client.get(url).status_code == 200

    through_proxy.silence()
    for url in ("/hashtags/HCLDR/", "/api/v1/hashtags/HCLDR/", "/hashtags/?q=hcl"):
        status, seconds = timed(client, url)
        # The open connection's deadline (1 s), then a new one's connect_timeout (2 s).
        assert status == 503, url
        assert seconds < 4, url

    through_proxy.resume()
    for url in ("/hashtags/HCLDR/", "/api/v1/hashtags/HCLDR/"):
        assert client.get(url).status_code == 200, url


@pytest.mark.django_db(transaction=True)
def test_a_statement_longer_than_the_bound_is_cancelled_and_the_connection_stays(settings):
    settings_dict = connection.settings_dict
    assert "-c statement_timeout=10000" in settings_dict["OPTIONS"]["options"]
    kept = settings_dict["OPTIONS"]
    connection.close()
    settings_dict["OPTIONS"] = {**kept, "options": "-c statement_timeout=300", "deadline": 2.3}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SHOW statement_timeout")
            assert cursor.fetchone() == ("300ms",)
            started = time.monotonic()
            with pytest.raises(OperationalError, match="statement timeout"):
                cursor.execute("SELECT pg_sleep(5)")
            assert time.monotonic() - started < 1.5
            cursor.execute("SELECT 1")  # cancelled by the server: the connection is fine
            assert cursor.fetchone() == (1,)
    finally:
        connection.close()
        settings_dict["OPTIONS"] = kept
