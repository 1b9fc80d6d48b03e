"""The load benchmark behind `make bench` (figures in bench/README.md).

One gunicorn (the production server, settings `bench.settings`: the product plus the
baselines B0/B1/B2 of bench/urls.py) serves every endpoint; wrk (Debian), pinned to CPU 1
with taskset, loads one endpoint at a time for DURATION seconds with CONNECTIONS
clients. Endpoints are shuffled in each round, so they interleave; each is measured
ROUNDS times and the median round (by requests/s) is reported, with p50/p95/p99 from
wrk's own histogram (a Lua done() hook) and its throughput as a ratio of its baseline.

It runs twice: with Redis as the shared cache (REDIS_URL) and without (per-worker local
memory). Before each load run it counts the SQL queries each endpoint makes (in-process,
Django test client), and it samples the workers' resident memory before and after.

Usage: DATABASE_URL=postgres://…/hhd_bench .venv/bin/python bench/run.py [--quick]
The database must hold the registry to measure (`manage.py seed_synthetic --count N`).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PORT = 8077
BASE = f"http://127.0.0.1:{PORT}"
WORKERS = 4
LUA = """
done = function(summary, latency, requests)
  io.write(string.format("BENCH %d %d %d %d %d %d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(95), latency:percentile(99),
    summary.errors.status + summary.errors.connect + summary.errors.read
      + summary.errors.write + summary.errors.timeout))
end
"""

# The baseline each endpoint is compared with (None: a baseline itself).
BASELINE = {
    "B0": None,
    "B1": "B0",
    "B2": "B0",
    "API list": "B2",
    "API list page 1000": "B2",
    "API detail": "B1",
    "API search selective": "B2",
    "API search common": "B2",
    "API search prefix": "B2",
    "API search typo": "B2",
    "directory": "B2",
    "directory q": "B2",
    "directory page 1000": "B2",
    "entry page": "B1",
    "chats.ics": "B2",
    "entry 304": "B1",
    "API detail 304": "B1",
    "chats.ics 304": "B1",
}
# Endpoints whose one answer takes seconds (the whole iCalendar feed of a million-entry
# registry is over 100 MB): measured over this many seconds at least, and followed by a
# pause until the workers are idle again, so that the next endpoint is not charged for them.
LONG_RUNS = {"chats.ics": 40}


def environment(redis: bool) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="bench.settings",
        DEBUG="0",
        SECRET_KEY="bench-only-secret-key-not-for-production-0123456789",  # noqa: S106
        ALLOWED_HOSTS="127.0.0.1,localhost",
        # The server's own address: links are built from it, and a Host header's port
        # must be SITE_URL's (ALLOWED_PORTS' default), else every request is a 400.
        SITE_URL=BASE,
        SECURE_SSL_REDIRECT="0",
        SECURE_COOKIES="0",
        SECURE_HSTS_SECONDS="0",
        RATE_LIMITS="off",
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT),
    )
    if redis:
        env["REDIS_URL"] = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")
        env["CACHE_KEY_PREFIX"] = "hhd-bench"
    else:
        env.pop("REDIS_URL", None)
    return env


def setup_django(redis: bool) -> None:
    os.environ.update(environment(redis))
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def samples() -> dict[str, str]:
    """Real values from the database: an entry, words of known frequency, cursors."""
    from django.db import connection

    from hashtags.models import Hashtag

    public = Hashtag.objects.public()
    total = public.count()
    middle = public.order_by("key").values("pk", "tag", "key")[total // 2]
    page_1000 = public.order_by("key").values_list("key", flat=True)[24 * 1000 - 1]
    with connection.cursor() as cursor:
        # A word in about 1 in 10,000 names, and the commonest word.
        cursor.execute(
            "SELECT word, ndoc FROM ts_stat($$SELECT to_tsvector('simple', name) FROM "
            "hashtags_hashtag TABLESAMPLE SYSTEM (2)$$) ORDER BY ndoc DESC"
        )
        stats = cursor.fetchall()
    common = stats[0][0]
    selective = next(word for word, n in reversed(stats) if len(word) >= 6 and n >= 1)
    tag = middle["tag"]
    return {
        "total": str(total),
        "pk": str(middle["pk"]),
        "tag": tag,
        "common": common,
        "selective": selective,
        "prefix": middle["key"][:5],
        "typo": middle["key"][:-1] + ("x" if middle["key"][-1] != "x" else "y"),
        "after_1000": page_1000,
    }


def endpoints(sample: dict[str, str], api: bool) -> dict[str, tuple[str, dict[str, str]]]:
    tag = sample["tag"]
    paths = {
        "B0": "/bench/b0",
        "B1": f"/bench/b1/{sample['pk']}",
        "B2": "/bench/b2",
        "directory": "/hashtags/",
        "directory q": f"/hashtags/?q={sample['selective']}",
        "directory page 1000": f"/hashtags/?after={sample['after_1000']}",
        "entry page": f"/hashtags/{tag}/",
        "chats.ics": "/chats.ics",
    }
    if api:
        paths.update(
            {
                "API list": "/api/v1/hashtags/",
                "API detail": f"/api/v1/hashtags/{tag}/",
                "API search selective": f"/api/v1/hashtags/?q={sample['selective']}",
                "API search common": f"/api/v1/hashtags/?q={sample['common']}",
                "API search prefix": f"/api/v1/hashtags/?q={sample['prefix']}",
                "API search typo": f"/api/v1/hashtags/?q={sample['typo']}",
            }
        )
        if sample.get("api_page_1000"):
            paths["API list page 1000"] = sample["api_page_1000"]
    result = {name: (path, {}) for name, path in paths.items()}
    conditional = (
        ("entry 304", f"/hashtags/{tag}/"),
        ("API detail 304", None),
        ("chats.ics 304", "/chats.ics"),
    )
    for name, path in conditional:
        if path is None:
            if not api:
                continue
            path = f"/api/v1/hashtags/{tag}/"
        etag = fetch_etag(path)
        if etag:
            result[name] = (path, {"If-None-Match": etag})
    return result


def fetch(path: str, headers: dict[str, str] | None = None) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(BASE + path, headers=headers or {})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def fetch_etag(path: str) -> str:
    status, headers, _ = fetch(path)
    return headers.get("ETag", "") if status == 200 else ""


def api_page_1000() -> str:
    """The address of the API list's page 1,000, by following `next` links."""
    path = "/api/v1/hashtags/"
    for _ in range(999):
        status, _, body = fetch(path)
        if status != 200:
            return ""
        link = json.loads(body).get("next")
        if not link:
            return ""
        path = link.removeprefix("http://127.0.0.1:8000").removeprefix(BASE)
        path = re.sub(r"^https?://[^/]+", "", path)
    return path


def collectstatic(env: dict[str, str]) -> None:
    """Without DEBUG the pages need the hashed static manifest, as in production."""
    subprocess.run(  # noqa: S603
        [str(ROOT / ".venv/bin/python"), "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
    )


def start_server(env: dict[str, str], log_path: str | None = None) -> subprocess.Popen:
    """gunicorn on PORT. With `log_path`, its stderr goes there with the request log on
    (one JSON line per request, with the server's own duration_ms)."""
    if log_path is not None:
        env = {**env, "LOG_LEVEL": "INFO", "LOG_FORMAT": "json"}
    command = [
        "taskset", "-c", "0",
        str(ROOT / ".venv/bin/gunicorn"), "config.wsgi",
        "--bind", f"127.0.0.1:{PORT}",
        "--workers", str(WORKERS),
        "--worker-class", "sync",
        "--timeout", "120",
        "--env", "DJANGO_SETTINGS_MODULE=bench.settings",
    ]  # fmt: skip
    stderr = open(log_path, "w") if log_path is not None else subprocess.DEVNULL  # noqa: SIM115 - the server's life
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=stderr)  # noqa: S603
    for _ in range(100):
        try:
            if fetch("/bench/b0")[0] == 200:
                return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("gunicorn did not start on port 8077")


def wait_until_idle(limit: float = 120.0) -> None:
    """Wait until B0 answers at once again (workers still writing a long answer to a
    client that wrk has closed finish it first)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        started = time.monotonic()
        fetch("/bench/b0")
        if time.monotonic() - started < 0.05:
            return
        time.sleep(1)


def worker_rss(server: subprocess.Popen) -> list[int]:
    """Resident memory (KiB) of each gunicorn worker."""
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children")
    pids = children.read_text().split() if children.exists() else []
    sizes = []
    for pid in pids:
        status = Path(f"/proc/{pid}/status")
        if status.exists():
            match = re.search(r"VmRSS:\s+(\d+)", status.read_text())
            if match:
                sizes.append(int(match.group(1)))
    return sizes


def wrk(path: str, headers: dict[str, str], duration: int, connections: int, script: str):
    command = ["taskset", "-c", "1", "wrk", "-t1", f"-c{connections}", f"-d{duration}s"]
    command += ["-s", script, "--timeout", "30s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run(  # noqa: S603
        [*command, BASE + path], capture_output=True, text=True, check=True
    ).stdout
    return parse_wrk(output)


def parse_wrk(output: str) -> dict:
    """The figures the Lua done() hook printed (the BENCH line); exits if there are none."""
    match = re.search(r"BENCH (\d+) (\d+) (\d+) (\d+) (\d+) (\d+)", output)
    if not match:
        raise SystemExit(f"wrk printed no result:\n{output}")
    requests, micros, p50, p95, p99, errors = map(int, match.groups())
    return {
        "rps": requests / (micros / 1e6),
        "p50": p50 / 1000,
        "p95": p95 / 1000,
        "p99": p99 / 1000,
        "requests": requests,
        "errors": errors,
    }


def query_counts(
    targets: dict[str, tuple[str, dict[str, str]]],
) -> tuple[dict[str, int], dict[str, float]]:
    """SQL queries per request and the time of one request, in-process, page cache
    bypassed: what a request costs when no cached copy is there (the first after a
    change, or after a quiet minute). The time is the median of 3 (1 for streamed feeds)."""
    from django.conf import settings
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    settings.REGISTRY_CACHE_SECONDS = 0
    client = Client()
    counts, times = {}, {}
    for name, (path, _headers) in targets.items():
        if "304" in name:
            continue
        runs = []
        for _ in range(3):
            cache.clear()  # the facet counts too: all of what a first request computes
            started = time.perf_counter()
            with CaptureQueriesContext(connection) as queries:
                response = client.get(path)
                if response.streaming:  # the feeds: their queries run as the body is read
                    for _piece in response.streaming_content:
                        pass
            runs.append((time.perf_counter() - started) * 1000)
            if response.streaming:
                break
        counts[name] = len(queries)
        times[name] = statistics.median(runs)
    return counts, times


SERVICES = ("postgres", "redis-server")


def pin_services(cpus: set[int]) -> list[int]:
    """Move PostgreSQL's and Redis's processes (every thread; backends forked later
    inherit it) to `cpus`: the server side, app and database, on CPU 0, and the load
    generator alone on CPU 1, so that a busy database never slows wrk's clock. Returns
    the pids moved (the services of this machine, as `pgrep -x` finds them)."""
    moved = []
    for name in SERVICES:
        found = subprocess.run(  # noqa: S603
            ["pgrep", "-x", name],  # noqa: S607
            capture_output=True,
            text=True,
            check=False,
        ).stdout.split()
        for pid in map(int, found):
            for task in Path(f"/proc/{pid}/task").glob("*"):
                try:
                    os.sched_setaffinity(int(task.name), cpus)
                except (PermissionError, ProcessLookupError, OSError):
                    continue
            moved.append(pid)
    return moved


def measure(args: argparse.Namespace, redis: bool, sample: dict[str, str]) -> dict:
    env = environment(redis)
    if redis:
        subprocess.run(  # noqa: S603
            ["redis-cli", "-n", env["REDIS_URL"].rsplit("/", 1)[-1], "FLUSHDB"],  # noqa: S607
            check=False,
            capture_output=True,
        )
    collectstatic(env)
    server = start_server(env)
    pin_services({0})
    try:
        api = fetch("/api/v1/hashtags/")[0] == 200
        if api and "api_page_1000" not in sample:
            sample["api_page_1000"] = api_page_1000()
        targets = endpoints(sample, api)
        skipped = set(args.skip) | (set() if redis else set(args.skip_locmem))
        targets = {name: value for name, value in targets.items() if name not in skipped}
        unanswered = []
        for name, (path, headers) in list(targets.items()):  # warm up: caches, connections
            try:
                for _ in range(3):
                    fetch(path, headers)
            except OSError:  # no answer within a minute: reported, not measured
                unanswered.append(name)
                del targets[name]
        rss_before = worker_rss(server)
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
            script.write(LUA)
        runs: dict[str, list[dict]] = {name: [] for name in targets}
        total_requests = 0
        for round_number in range(args.rounds):
            order = list(targets)
            random.Random(round_number).shuffle(order)  # noqa: S311 - an order
            for name in order:
                path, headers = targets[name]
                duration = max(args.duration, LONG_RUNS.get(name, 0))
                if args.warmup and name not in LONG_RUNS:
                    # Steady state: every worker has served this address, and its cached
                    # copy is this minute's (the first request after a quiet spell pays
                    # one uncached computation, which the tables in bench/README.md list).
                    wrk(path, headers, args.warmup, args.connections, script.name)
                result = wrk(path, headers, duration, args.connections, script.name)
                if name in LONG_RUNS:
                    wait_until_idle()
                runs[name].append(result)
                total_requests += result["requests"]
                mode = "redis" if redis else "locmem"
                print(
                    f"  [{mode} r{round_number + 1}] {name:<22} {result['rps']:8.1f} req/s"
                    f" p95 {result['p95']:7.1f} ms",
                    flush=True,
                )
        # Memory soak: keep cycling through every endpoint until the workers have answered
        # `--soak` requests in all, reading their resident memory as the count grows.
        rss_series = [(total_requests, worker_rss(server))]
        cycle = 0
        soaked = [name for name in targets if name not in LONG_RUNS]
        while total_requests < args.soak:
            name = soaked[cycle % len(soaked)]
            cycle += 1
            path, headers = targets[name]
            result = wrk(path, headers, 2, args.connections, script.name)
            total_requests += result["requests"]
            if total_requests - rss_series[-1][0] >= 20_000 or total_requests >= args.soak:
                rss_series.append((total_requests, worker_rss(server)))
                print(f"  soak: {total_requests:,} requests, RSS {rss_series[-1][1]}", flush=True)
        rss_after = worker_rss(server)
    finally:
        pin_services(set(range(os.cpu_count() or 1)))
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
    medians = {}
    for name, results in runs.items():
        ordered = sorted(results, key=lambda r: r["rps"])
        medians[name] = {**ordered[len(ordered) // 2], "p95s": [r["p95"] for r in results]}
    return {
        "cache": "redis" if redis else "local memory",
        "endpoints": {name: (targets[name][0], bool(targets[name][1])) for name in targets},
        "medians": medians,
        "rss_before_kib": rss_before,
        "rss_after_kib": rss_after,
        "rss_series_kib": rss_series,
        "total_requests": total_requests,
        "unanswered": unanswered,
    }


def table(result: dict, counts: dict[str, int], uncached: dict[str, float]) -> str:
    medians = result["medians"]
    lines = [
        f"### Cache: {result['cache']}",
        "",
        "| endpoint | address | req/s | p50 ms | p95 ms | p99 ms | errors | vs baseline "
        "| queries | uncached ms | p95 of each round |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | --- |",
    ]
    for name, (path, conditional) in result["endpoints"].items():
        row = medians[name]
        base = BASELINE.get(name)
        ratio = f"{row['rps'] / medians[base]['rps']:.0%} of {base}" if base in medians else ""
        shown = path if len(path) <= 48 else path[:45] + "…"
        if conditional:
            shown += " (If-None-Match)"
        lines.append(
            f"| {name} | `{shown}` | {row['rps']:,.0f} | {row['p50']:.1f} | {row['p95']:.1f} "
            f"| {row['p99']:.1f} | {row['errors']} | {ratio} | {counts.get(name, '')} "
            f"| {f'{uncached[name]:,.0f}' if name in uncached else ''} "
            f"| {' / '.join(f'{p:.0f}' for p in row.get('p95s', []))} |"
        )
    before, after = result["rss_before_kib"], result["rss_after_kib"]
    if result["unanswered"]:
        lines += ["", f"Not measured (no answer within 60 s): {', '.join(result['unanswered'])}."]
    series = "; ".join(
        f"{count:,}: {[size // 1024 for size in sizes]}"
        for count, sizes in result.get("rss_series_kib", [])
    )
    lines += [
        "",
        f"Worker RSS (KiB) before: {before}; after {result['total_requests']:,} requests: {after}.",
        f"Worker RSS (MiB) by requests served: {series}.",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=int, default=5, help="Seconds per wrk run.")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--quick", action="store_true", help="2 s runs, 1 round (a smoke test).")
    parser.add_argument(
        "--warmup",
        type=int,
        default=1,
        help="Seconds of unmeasured load on each endpoint before each measured run.",
    )
    parser.add_argument(
        "--soak",
        type=int,
        default=100_000,
        help="Keep loading the server until it has answered this many requests in all, "
        "reading the workers' memory on the way (default 100,000).",
    )
    parser.add_argument("--only", choices=["redis", "locmem"], help="One cache mode only.")
    parser.add_argument(
        "--skip",
        action="append",
        default=[],
        help="Leave an endpoint out (repeatable), e.g. --skip chats.ics.",
    )
    parser.add_argument(
        "--skip-locmem",
        action="append",
        default=[],
        help="Leave an endpoint out of the run without Redis only (repeatable).",
    )
    parser.add_argument(
        "--no-query-counts",
        action="append",
        default=[],
        help="Do not count queries of this endpoint (a slow uncached page; repeatable).",
    )
    parser.add_argument("--output", default=str(ROOT / "bench" / "results.json"))
    args = parser.parse_args()
    if args.quick:
        args.duration, args.rounds, args.soak, args.warmup = 2, 1, 0, 0
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install wrk (make bench does it)")
    setup_django(redis=False)
    sample = samples()
    print(f"Registry: {int(sample['total']):,} public entries; samples: {sample}", flush=True)
    modes = {"redis": [True], "locmem": [False], None: [True, False]}[args.only]
    results = []
    counts: dict[str, int] = {}
    uncached: dict[str, float] = {}
    for redis in modes:
        result = measure(args, redis, sample)
        if not counts:
            from django.conf import settings

            settings.ALLOWED_HOSTS = ["testserver", *settings.ALLOWED_HOSTS]
            counts, uncached = query_counts(
                {
                    name: (path, {})
                    for name, (path, _) in result["endpoints"].items()
                    if name not in args.no_query_counts
                }
            )
        results.append(result)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    report = [f"Measured {stamp}: {int(sample['total']):,} public entries, "
              f"{args.rounds} rounds × {args.duration} s per endpoint "
              f"(after {args.warmup} s unmeasured), "
              f"{args.connections} connections, {WORKERS} sync gunicorn workers."]  # fmt: skip
    report += [table(result, counts, uncached) for result in results]
    print("\n\n".join(report))
    Path(args.output).write_text(
        json.dumps(
            {
                "when": stamp,
                "sample": sample,
                "results": results,
                "queries": counts,
                "uncached_ms": uncached,
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
