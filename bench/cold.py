"""Cold mixes: the load benchmark with thousands of distinct addresses per endpoint.

bench/run.py loads one address per endpoint, so after its first request every figure is
the page cache's. Here wrk draws each request's address at random from a file of
thousands (bench/mix.lua), after the shared cache (the bench Redis db) is emptied, so a
mix measures what readers spread over the registry cost: mostly views computed, not
copies served. The same server, pinning and baselines as bench/run.py (B0/B1/B2 are
loaded in the same run, hot, one address each, and each mix is a ratio of one).

Mixes (sampled from the database at random, fast at 1,000,000 entries: TABLESAMPLE):
- entry page (cold), API detail (cold): /hashtags/<tag>/, /api/v1/hashtags/<tag>/ over
  --tags distinct approved entries;
- API list (cold): /api/v1/hashtags/ with filter combinations (category, kind, language,
  platform, has_chat) and cursors positioned at random entries' keys;
- API search selective/common/prefix/typo (cold): ?q= with rare name words (ts_stat over
  a sample), the commonest words, 3-5 character prefixes of keys, keys with one
  character changed;
- directory search (cold): /hashtags/?q= over all four kinds of word;
- directory filters (cold): /hashtags/ with filter combinations.

Each round empties the cache before each mix (FLUSHDB), then loads it for --duration
seconds; the median round (by requests/s) is reported, errors summed over the rounds
(answers not 2xx included: a 404 from a bad sample is a bug here), and the workers'
resident memory before and after each mix's rounds.

In-process (Django, the same Redis):
- the unfiltered directory with every cache emptied (median of 5);
- the first request after a curator's change: with the caches warm, one public entry's
  description is changed through hashtags.entries (what the admin saves) in a
  transaction, so the generation moves on commit; then each address is requested once
  over HTTP and timed against its mix's cold p50. The entry is restored the same way.

Usage: DATABASE_URL=postgres://…/hhd_bench .venv/bin/python bench/cold.py [--quick]
       [--output bench/cold-1m.json]
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import random
import re
import shutil
import signal
import statistics
import string
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, quote, urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import run as hot  # noqa: E402

SCRIPT = ROOT / "bench" / "mix.lua"
BASELINES = ("B0", "B1", "B2")
MIXES = {
    "entry page (cold)": "B1",
    "API detail (cold)": "B1",
    "API list (cold)": "B2",
    "API search selective (cold)": "B2",
    "API search common (cold)": "B2",
    "API search prefix (cold)": "B2",
    "API search typo (cold)": "B2",
    "directory search (cold)": "B2",
    "directory filters (cold)": "B2",
}
# (mix, share of its baseline at least, p95 at most in ms or None)
TARGETS = [
    ("entry page (cold)", 0.40, None),
    ("API detail (cold)", 0.40, None),
    ("API list (cold)", 0.25, 100.0),
    ("API search selective (cold)", 0.25, 100.0),
    ("API search common (cold)", 0.25, 100.0),
    ("API search prefix (cold)", 0.25, 100.0),
    ("API search typo (cold)", 0.25, 100.0),
    ("directory search (cold)", 0.20, None),
    # Issue 26: any filter combination answers cold at p95 ≤ 300 ms (the server's and wrk's).
    ("directory filters (cold)", 0.0, 300.0),
]
UNCACHED_DIRECTORY_TARGET_MS = 100.0
AFTER_CHANGE_FACTOR = 3.0
# Addresses of each mix requested once before the run, to catch bad samples (at most
# CHECKED_PER_MIX, and no more than 3 once CHECK_SECONDS have passed).
CHECKED_PER_MIX = 25
CHECK_SECONDS = 10.0


# --- Samples -----------------------------------------------------------------------------


def _percent(want: int, rows: int, factor: float = 2.5) -> float:
    """A TABLESAMPLE percentage expected to give `factor` × `want` rows of `rows`."""
    return min(100.0, max(0.01, 100.0 * factor * want / max(rows, 1)))


def sample_database(tags: int, words: int, combos: int, seed: int) -> dict:
    """Everything the mixes draw from, read with TABLESAMPLE (no sort of the registry)."""
    from django.db import connection

    from hashtags.models import Category, Kind, Platform

    rng = random.Random(seed)  # noqa: S311 - samples, not secrets
    started = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples::bigint FROM pg_class WHERE oid = 'hashtags_hashtag'::regclass"
        )
        rows = max(int(cursor.fetchone()[0]), 1)
        cursor.execute(
            "SELECT count(*) FROM hashtags_hashtag WHERE status IN ('approved', 'retired')"
        )
        public = cursor.fetchone()[0]
        rows = max(rows, public)
        # Random approved entries (BERNOULLI: rows, not blocks, at random; one pass over the
        # table and a sort of the sample only). 2 × tags: the entry mixes, the typos and
        # prefixes, the cursors and the after-a-change entries are drawn from them.
        cursor.execute(
            "SELECT id, tag, key, language FROM hashtags_hashtag "  # noqa: S608 - numbers
            f"TABLESAMPLE BERNOULLI ({_percent(2 * tags, rows):.4f}) REPEATABLE ({seed}) "
            "WHERE status = 'approved' ORDER BY random() LIMIT %s",
            [2 * tags + 100],
        )
        entries = cursor.fetchall()
        # Word frequencies in names over about 50,000 rows (the whole vocabulary shows).
        cursor.execute(
            "SELECT word, ndoc FROM ts_stat($$SELECT to_tsvector('simple', name) FROM "  # noqa: S608
            f"hashtags_hashtag TABLESAMPLE SYSTEM ({_percent(50_000, rows, 1.0):.4f}) "
            "WHERE status = 'approved'$$) ORDER BY ndoc DESC, word"
        )
        stats = [(word, n) for word, n in cursor.fetchall() if word.isalpha()]
        cursor.execute(
            "SELECT language FROM hashtags_hashtag "  # noqa: S608
            f"TABLESAMPLE SYSTEM ({_percent(20_000, rows, 1.0):.4f}) "
            "WHERE status = 'approved' GROUP BY language ORDER BY count(*) DESC LIMIT 12"
        )
        languages = [row[0] for row in cursor.fetchall()]
    rng.shuffle(entries)
    entry_pool, other_pool = entries[:tags], entries[tags:]
    common_count = min(300, max(len(stats) // 10, 1))
    common = [word for word, _ in stats[:common_count]]
    # The rarest words of the sample (in few names), at least 4 letters.
    selective = [word for word, _ in reversed(stats[common_count:]) if len(word) >= 4][:words]
    frequency = dict(stats)
    selective_n = [frequency[word] for word in selective]
    common_n = [frequency[word] for word in common]
    keys = [key for _, _, key, _ in other_pool] or [key for _, _, key, _ in entry_pool]
    prefixes: list[str] = []
    seen: set[str] = set()
    for key in keys:
        prefix = key[: rng.choice((3, 4, 5))]
        if len(prefix) >= 3 and prefix not in seen:
            seen.add(prefix)
            prefixes.append(prefix)
        if len(prefixes) >= words:
            break
    typos: list[str] = []
    seen = set()
    for key in keys:
        if len(key) < 4:
            continue
        at = rng.randrange(len(key))
        letter = rng.choice([c for c in string.ascii_lowercase if c != key[at]])
        typo = key[:at] + letter + key[at + 1 :]
        if typo not in seen:
            seen.add(typo)
            typos.append(typo)
        if len(typos) >= words:
            break
    filters = {
        "category": list(Category.objects.values_list("slug", flat=True)),
        "kind": list(Kind.values),
        "language": languages,
        "platform": list(Platform.objects.values_list("code", flat=True)),
        "has_chat": ["true", "false"],
    }
    combos_found: list[dict[str, str]] = []
    seen_combos: set[tuple] = set()
    for _ in range(combos * 20):
        combo = {
            name: rng.choice(values)
            for name, values in filters.items()
            if values and rng.random() < 0.5
        }
        marker = tuple(sorted(combo.items()))
        if combo and marker not in seen_combos:
            seen_combos.add(marker)
            combos_found.append(combo)
        if len(combos_found) >= combos:
            break
    return {
        "rows": rows,
        "public": public,
        "entries": [(pk, tag, key) for pk, tag, key, _ in entry_pool],
        "others": [(pk, tag, key) for pk, tag, key, _ in other_pool],
        "common": common,
        "selective": selective,
        "prefix": prefixes,
        "typo": typos,
        "combos": combos_found,
        "vocabulary_seen": len(stats),
        "sampled_rows_for_words": _percent(50_000, rows, 1.0) * rows / 100,
        # In how many of the sampled names the selective words and the common ones are.
        "selective_ndoc_in_sample": [min(selective_n, default=0), max(selective_n, default=0)],
        "common_ndoc_in_sample": [min(common_n, default=0), max(common_n, default=0)],
        "seconds": round(time.monotonic() - started, 1),
    }


def cursor_template() -> dict[str, list[str]]:
    """The fields of a cursor the API wrote (its first page's `next`), so that cursors at
    other positions are made the way the API makes them."""
    status, _, body = hot.fetch("/api/v1/hashtags/")
    if status != 200:
        raise SystemExit(f"GET /api/v1/hashtags/ answered {status}")
    link = json.loads(body).get("next")
    raw = parse_qs(urlsplit(link).query)["cursor"][0]
    return parse_qs(base64.b64decode(raw.encode()).decode(), keep_blank_values=True)


def make_cursor(template: dict[str, list[str]], key: str) -> str:
    fields = {name: values[0] for name, values in template.items()}
    fields["p"] = key
    fields.pop("o", None)  # offset 0: the page starts after the first entry with this key
    return base64.b64encode(urlencode(fields).encode()).decode()


def mixes(sample: dict, seed: int) -> dict[str, list[str]]:
    rng = random.Random(seed)  # noqa: S311 - samples, not secrets
    tags = [tag for _, tag, _ in sample["entries"]]
    template = cursor_template()
    combos = sample["combos"]
    cursor_keys = [key for _, _, key in sample["others"]][: len(combos)]
    api_list = [f"/api/v1/hashtags/?{urlencode(combo)}" for combo in combos]
    api_list += [
        f"/api/v1/hashtags/?{urlencode({'cursor': make_cursor(template, key)})}"
        for key in cursor_keys
    ]
    words = {kind: sample[kind] for kind in ("selective", "common", "prefix", "typo")}
    mixed = [word for kind in words.values() for word in kind]
    rng.shuffle(mixed)
    result = {
        "entry page (cold)": [f"/hashtags/{quote(tag, safe='')}/" for tag in tags],
        "API detail (cold)": [f"/api/v1/hashtags/{quote(tag, safe='')}/" for tag in tags],
        "API list (cold)": api_list,
    }
    for kind, values in words.items():
        result[f"API search {kind} (cold)"] = [
            f"/api/v1/hashtags/?{urlencode({'q': word})}" for word in values
        ]
    result["directory search (cold)"] = [f"/hashtags/?{urlencode({'q': w})}" for w in mixed]
    result["directory filters (cold)"] = [f"/hashtags/?{urlencode(combo)}" for combo in combos]
    return result


# --- Load ----------------------------------------------------------------------------------


def flush_cache(env: dict[str, str]) -> None:
    subprocess.run(  # noqa: S603
        ["redis-cli", "-n", env["REDIS_URL"].rsplit("/", 1)[-1], "FLUSHDB"],  # noqa: S607
        check=True,
        capture_output=True,
    )


def wrk_mix(paths_file: str, duration: int, connections: int, seed: int) -> dict:
    command = ["taskset", "-c", "1", "wrk", "-t1", f"-c{connections}", f"-d{duration}s"]
    command += ["-s", str(SCRIPT), "--timeout", "30s", hot.BASE + "/", "--", paths_file, str(seed)]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout  # noqa: S603
    result = hot.parse_wrk(output)
    cold = re.search(r"COLD (\d+) (\d+)", output)
    if not cold:
        raise SystemExit(f"wrk printed no COLD line:\n{output}")
    non2xx, socket_errors = map(int, cold.groups())
    # Answers not 2xx count as errors here (a 404 from a bad sample is a bug).
    result.update(errors=non2xx + socket_errors, non2xx=non2xx, socket_errors=socket_errors)
    return result


def check_samples(paths: dict[str, list[str]], seed: int) -> dict[str, list[str]]:
    """Request a few addresses of each mix once: a sample that is not 2xx is a bug of the
    sampling (or of the site), reported before the run."""
    rng = random.Random(seed)  # noqa: S311 - samples, not secrets
    bad: dict[str, list[str]] = {}
    for name, values in paths.items():
        started = time.monotonic()
        checked = 0
        for path in rng.sample(values, min(CHECKED_PER_MIX, len(values))):
            status = hot.fetch(path)[0]
            checked += 1
            if not 200 <= status < 300:
                bad.setdefault(name, []).append(f"{status} {path}")
            if checked >= 3 and time.monotonic() - started > CHECK_SECONDS:
                break
        print(
            f"  checked {checked} addresses of {name} in {time.monotonic() - started:.1f} s: "
            f"{len(bad.get(name, []))} not 2xx",
            flush=True,
        )
    return bad


def active_queries() -> int:
    """Queries PostgreSQL is running for the bench database, other than this one."""
    import psycopg

    with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as connection:
        row = connection.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND state <> 'idle' AND pid <> pg_backend_pid()"
        ).fetchone()
    return int(row[0])


def wait_all_idle(limit: float = 180.0) -> None:
    """Wait until every worker and every PostgreSQL query is idle: wrk stops sending at
    the end of a mix, but workers still compute the slow answers it no longer waits for
    (and their queries run on), and the next mix (or baseline) would be charged for
    them. Idle when PostgreSQL runs no query for the bench database and as many B0
    requests at once as there are workers all answer within 0.1 s, three times in a
    row (one free worker answering quickly is not enough)."""
    deadline = time.monotonic() + limit
    calm = 0
    with ThreadPoolExecutor(max_workers=hot.WORKERS) as pool:
        while time.monotonic() < deadline:
            started = time.monotonic()
            list(pool.map(lambda _: hot.fetch("/bench/b0"), range(hot.WORKERS)))
            quick = time.monotonic() - started < 0.1
            calm = calm + 1 if quick and active_queries() == 0 else 0
            if calm >= 3:
                return
            time.sleep(0.5)
    print("  (the server was still busy when the wait ran out)", flush=True)


SERVER_LOG: dict[str, str] = {}


def log_offset() -> int:
    return Path(SERVER_LOG["path"]).stat().st_size if SERVER_LOG else 0


def server_timing(since: int, only: str | None = None) -> dict | None:
    """p50/p95/p99 of the server's own request durations (its request log, ms) logged
    after byte `since`: what the workers spent, beside wrk's client-side figures (wrk
    corrects for coordinated omission, so a slow moment inflates its percentiles far
    beyond what any request took). `only`: one path (a baseline); else every path but
    the idle check's /bench/b0."""
    if not SERVER_LOG:
        return None
    durations = []
    with open(SERVER_LOG["path"], encoding="utf-8", errors="replace") as log:
        log.seek(since)
        for line in log:
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if record.get("logger") != "directory.requests" or "duration_ms" not in record:
                continue
            path = record.get("path", "")
            if (only is not None and path != only) or (only is None and path == "/bench/b0"):
                continue
            durations.append(float(record["duration_ms"]))
    if not durations:
        return None
    durations.sort()

    def at(share: float) -> float:
        return durations[min(len(durations) - 1, int(share * len(durations)))]

    return {"requests": len(durations), "p50": at(0.5), "p95": at(0.95), "p99": at(0.99)}


def load(args: argparse.Namespace, env: dict[str, str], server, paths: dict, b1: str) -> dict:
    files = {}
    folder = Path(tempfile.mkdtemp(prefix="hhd-cold-"))
    for name, values in paths.items():
        file = folder / (re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") + ".txt")
        file.write_text("\n".join(values) + "\n")
        files[name] = str(file)
    baselines = {"B0": "/bench/b0", "B1": b1, "B2": "/bench/b2"}
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(hot.LUA)
    for path in baselines.values():
        hot.fetch(path)
    runs: dict[str, list[dict]] = {name: [] for name in [*baselines, *paths]}
    rss: dict[str, dict[str, list[int]]] = {}
    for round_number in range(args.rounds):
        order = list(runs)
        random.Random(1000 + round_number).shuffle(order)  # noqa: S311 - an order
        for name in order:
            if name in baselines:
                if args.warmup:
                    hot.wrk(baselines[name], {}, args.warmup, args.connections, script.name)
                since = log_offset()
                result = hot.wrk(baselines[name], {}, args.duration, args.connections, script.name)
                result.update(non2xx=None, socket_errors=None)
                result["server"] = server_timing(since, only=baselines[name])
            else:
                flush_cache(env)
                before = hot.worker_rss(server)
                since = log_offset()
                result = wrk_mix(
                    files[name], args.duration, args.connections, args.seed + round_number
                )
                after = hot.worker_rss(server)
                rss.setdefault(name, {"before": before})["after"] = after
                wait_all_idle()
                # Answers finished after wrk stopped waiting belong to the mix too.
                result["server"] = server_timing(since)
            runs[name].append(result)
            timing = result.get("server") or {}
            print(
                f"  [r{round_number + 1}] {name:<28} {result['rps']:8.1f} req/s  p50 "
                f"{result['p50']:7.1f}  p95 {result['p95']:7.1f} ms  errors {result['errors']}"
                f"  server p50 {timing.get('p50', float('nan')):6.1f}"
                f"  p95 {timing.get('p95', float('nan')):6.1f} ms",
                flush=True,
            )
    shutil.rmtree(folder, ignore_errors=True)
    Path(script.name).unlink(missing_ok=True)
    medians = {}
    for name, results in runs.items():
        ordered = sorted(results, key=lambda r: r["rps"])
        medians[name] = {
            **ordered[len(ordered) // 2],
            "p95s": [r["p95"] for r in results],
            "errors_all_rounds": sum(r["errors"] for r in results),
            "non2xx_all_rounds": sum(r["non2xx"] or 0 for r in results),
            "requests_all_rounds": sum(r["requests"] for r in results),
        }
    return {"medians": medians, "rss_kib": rss, "baselines": baselines}


# --- In-process measurements ---------------------------------------------------------------


def uncached_directory(runs: int = 5) -> list[float]:
    """GET /hashtags/ through the Django test client, every cache emptied first."""
    from django.core.cache import cache
    from django.test import Client

    client = Client()
    times = []
    for _ in range(runs):
        cache.clear()
        started = time.perf_counter()
        response = client.get("/hashtags/")
        times.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"/hashtags/ answered {response.status_code} in-process")
    return times


def curator_edit(pk: int, description: str) -> str:
    """Change an entry's description the way the admin saves it (hashtags.entries), in a
    transaction, so the generation moves on commit; a plain save() (the model's own
    signals) if that API changed or refuses the synthetic entry. Returns the way used."""
    from django.core.exceptions import ValidationError
    from django.db import transaction

    from hashtags.models import Hashtag

    try:
        with transaction.atomic():
            from hashtags import entries

            hashtag = Hashtag.objects.select_for_update().get(pk=pk)
            plan = entries.prepare(hashtag, description=description)
            entries.write(plan, user=None, reason="bench/cold.py: first request after a change")
        return "hashtags.entries.write"
    except (ImportError, AttributeError, TypeError, ValidationError) as error:
        with transaction.atomic():
            hashtag = Hashtag.objects.select_for_update().get(pk=pk)
            hashtag.description = description
            hashtag.save()
        return f"Hashtag.save() ({type(error).__name__}: {str(error)[:100]})"


def timed_get(path: str) -> tuple[float, int, bytes]:
    started = time.perf_counter()
    status, _, body = hot.fetch(path)
    return (time.perf_counter() - started) * 1000, status, body


def after_change(sample: dict, medians: dict) -> dict:
    """The first request for each address after a curator's change, caches warm before."""
    from hashtags.models import Hashtag

    changed_pk, changed_tag, _ = sample["others"][-1]
    others = [tag for _, tag, _ in sample["others"][-21:-1]]
    word = sample["selective"][0] if sample["selective"] else "health"
    targets = [
        ("changed entry page", f"/hashtags/{quote(changed_tag, safe='')}/", "entry page (cold)"),
        (
            "changed entry API detail",
            f"/api/v1/hashtags/{quote(changed_tag, safe='')}/",
            "API detail (cold)",
        ),
    ]
    targets += [
        (f"other entry page {n + 1}", f"/hashtags/{quote(tag, safe='')}/", "entry page (cold)")
        for n, tag in enumerate(others)
    ]
    targets += [
        ("directory unfiltered", "/hashtags/", "directory filters (cold)"),
        ("API list", "/api/v1/hashtags/", "API list (cold)"),
        (
            "API search",
            f"/api/v1/hashtags/?{urlencode({'q': word})}",
            "API search selective (cold)",
        ),
        ("directory search", f"/hashtags/?{urlencode({'q': word})}", "directory search (cold)"),
    ]
    for _ in range(2):  # warm: the first computes and stores, the second is a cached copy
        for _, path, _ in targets:
            hot.fetch(path)
    warm = {label: timed_get(path)[0] for label, path, _ in targets}
    original = Hashtag.objects.get(pk=changed_pk).description
    marker = f"bench edit {int(time.time())}"
    changed = (original[: 5000 - len(marker) - 2] + " " + marker).strip()
    way = curator_edit(changed_pk, changed)
    rows = []
    try:
        for label, path, mix in targets:
            ms, status, body = timed_get(path)
            cold_p50 = medians.get(mix, {}).get("p50")
            row = {
                "request": label,
                "path": path,
                "ms": ms,
                "warm_ms": warm[label],
                "status": status,
                "compared_with": mix,
                "cold_p50": cold_p50,
                "ratio": ms / cold_p50 if cold_p50 else None,
            }
            if label.startswith("changed"):
                row["shows_change"] = marker.encode() in body
            rows.append(row)
    finally:
        curator_edit(changed_pk, original)
    restored = Hashtag.objects.get(pk=changed_pk).description == original
    return {
        "entry": changed_tag,
        "pk": changed_pk,
        "written_with": way,
        "rows": rows,
        "restored": restored,
    }


# --- Report --------------------------------------------------------------------------------


def mib(sizes: list[int]) -> str:
    return "/".join(str(size // 1024) for size in sizes)


def report(result: dict) -> str:
    medians = result["load"]["medians"]
    rss = result["load"]["rss_kib"]
    paths = result["paths"]
    lines = [
        f"Measured {result['when']}: {result['sample']['public']:,} public entries, "
        f"{result['args']['rounds']} rounds × {result['args']['duration']} s per mix, "
        f"{result['args']['connections']} connections, {hot.WORKERS} sync gunicorn workers, "
        "Redis emptied before each cold run.",
        "",
        "| mix | addresses | req/s | p50 ms | p95 ms | p99 ms | server p50 / p95 ms "
        "| errors (non-2xx) | vs baseline | worker RSS MiB before → after | p95 of each round |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- | --- |",
    ]
    for name, row in medians.items():
        if name in BASELINES:
            base = {"B0": None, "B1": "B0", "B2": "B0"}[name]
            address = f"`{result['load']['baselines'][name]}` (hot)"
            errors = str(row["errors_all_rounds"])
            memory = ""
        else:
            base = MIXES[name]
            example = paths[name][0]
            example = example if len(example) <= 40 else example[:37] + "…"
            address = f"{len(paths[name]):,} distinct, e.g. `{example}`"
            errors = f"{row['errors_all_rounds']} ({row['non2xx_all_rounds']})"
            memory = f"{mib(rss[name]['before'])} → {mib(rss[name]['after'])}"
        ratio = f"{row['rps'] / medians[base]['rps']:.0%} of {base}" if base else ""
        # No request completed within the run: no latency to show.
        p50, p95, p99 = (
            (f"{row[p]:.1f}" for p in ("p50", "p95", "p99")) if row["requests"] else "–––"
        )
        timing = row.get("server")
        server = f"{timing['p50']:.1f} / {timing['p95']:.1f}" if timing else "–"
        lines.append(
            f"| {name} | {address} | {row['rps']:,.1f} | {p50} | {p95} "
            f"| {p99} | {server} | {errors} | {ratio} | {memory} "
            f"| {' / '.join(f'{p:.0f}' for p in row['p95s'])} |"
        )
    lines += ["", "Targets:", "", "| target | measured | met |", "| --- | --- | --- |"]
    for target in result["targets"]:
        lines.append(f"| {target['target']} | {target['measured']} | {target['met']} |")
    change = result.get("after_change")
    if change:
        lines += [
            "",
            f"First request after a curator's change to `{change['entry']}` (caches warm "
            f"before; written with {change['written_with']}; restored: {change['restored']}):",
            "",
            "| request | status | first ms | warm ms before | cold p50 ms (mix) | ratio |",
            "| --- | ---: | ---: | ---: | --- | ---: |",
        ]
        for row in change["rows"]:
            shows = ""
            if "shows_change" in row:
                shows = " (shows the change)" if row["shows_change"] else " (STALE)"
            cold = f"{row['cold_p50']:.1f} ({row['compared_with']})" if row["cold_p50"] else ""
            ratio = f"{row['ratio']:.1f}×" if row["ratio"] else ""
            lines.append(
                f"| {row['request']}{shows} | {row['status']} | {row['ms']:.1f} "
                f"| {row['warm_ms']:.1f} | {cold} | {ratio} |"
            )
    return "\n".join(lines)


def targets(result: dict) -> list[dict]:
    medians = result["load"]["medians"]
    found = []
    for name, share, p95_limit in TARGETS:
        row = medians.get(name)
        if row is None:
            continue
        base = MIXES[name]
        ratio = row["rps"] / medians[base]["rps"]
        met = ratio >= share and row["errors_all_rounds"] == 0
        text = f"{ratio:.0%} of {base}"
        wanted = f"{name}: ≥ {share:.0%} of {base}"
        if p95_limit is not None:
            met = met and row["p95"] <= p95_limit
            text += f", p95 {row['p95']:.1f} ms"
            wanted += f", p95 ≤ {p95_limit:.0f} ms"
        if row["errors_all_rounds"]:
            text += f", {row['errors_all_rounds']} errors"
        found.append({"target": wanted, "measured": text, "met": "met" if met else "not met"})
    times = result.get("uncached_directory_ms")
    if times:
        median = statistics.median(times)
        found.append(
            {
                "target": f"unfiltered directory uncached ≤ {UNCACHED_DIRECTORY_TARGET_MS:.0f} ms",
                "measured": f"{median:,.0f} ms (median of {len(times)}; "
                f"{', '.join(f'{t:,.0f}' for t in times)})",
                "met": "met" if median <= UNCACHED_DIRECTORY_TARGET_MS else "not met",
            }
        )
    change = result.get("after_change")
    if change:
        groups: dict[str, list[dict]] = {}
        for row in change["rows"]:
            label = (
                "other entry pages (20)" if row["request"].startswith("other") else row["request"]
            )
            groups.setdefault(label, []).append(row)
        for label, rows in groups.items():
            worst = max(rows, key=lambda r: r["ratio"] or 0)
            ok = all(
                r["ratio"] is not None
                and r["ratio"] <= AFTER_CHANGE_FACTOR
                and 200 <= r["status"] < 300
                and r.get("shows_change", True)
                for r in rows
            )
            measured = f"{worst['ms']:.1f} ms vs {worst['compared_with']} p50 " + (
                f"{worst['cold_p50']:.1f} ms ({worst['ratio']:.1f}×)"
                if worst["ratio"]
                else "(none)"
            )
            if len(rows) > 1:
                measured = "worst: " + measured
            found.append(
                {
                    "target": f"first {label} after a change ≤ {AFTER_CHANGE_FACTOR:.0f}× cold p50",
                    "measured": measured,
                    "met": "met" if ok else "not met",
                }
            )
    return found


# --- Main ----------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=int, default=8, help="Seconds per wrk run.")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--warmup", type=int, default=1, help="Seconds before each baseline.")
    parser.add_argument("--tags", type=int, default=20_000, help="Distinct entries per mix.")
    parser.add_argument("--words", type=int, default=3_000, help="Distinct words per kind.")
    parser.add_argument("--combos", type=int, default=3_000, help="Distinct filter combinations.")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--quick", action="store_true", help="2 s runs, 1 round (a smoke test).")
    parser.add_argument("--no-after-change", action="store_true")
    parser.add_argument("--no-uncached", action="store_true")
    parser.add_argument("--output", default=str(ROOT / "bench" / "cold.json"))
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="MIX",
        help="Run only the mixes whose name contains this (repeatable: --only 'API list' "
        "--only 'directory filters'); the baselines always run.",
    )
    args = parser.parse_args()
    if args.quick:
        args.duration, args.rounds, args.warmup = 2, 1, 0
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install wrk (make bench does it)")
    hot.setup_django(redis=True)  # the server's cache, so a change in-process moves its generation
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["testserver", *settings.ALLOWED_HOSTS]
    sample = sample_database(args.tags, args.words, args.combos, args.seed)
    print(
        f"Registry: {sample['public']:,} public entries; sampled in {sample['seconds']} s: "
        f"{len(sample['entries']):,} entries, {len(sample['selective']):,} selective, "
        f"{len(sample['common']):,} common words (of {sample['vocabulary_seen']:,} seen), "
        f"{len(sample['prefix']):,} prefixes, {len(sample['typo']):,} typos, "
        f"{len(sample['combos']):,} filter combinations",
        flush=True,
    )
    # A `timeout` or Ctrl-C still stops the server and gives the services every CPU back.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    env = hot.environment(redis=True)
    flush_cache(env)
    hot.collectstatic(env)
    handle, SERVER_LOG["path"] = tempfile.mkstemp(prefix="hhd-cold-server-", suffix=".log")
    os.close(handle)
    server = hot.start_server(env, log_path=SERVER_LOG["path"])
    hot.pin_services({0})
    try:
        print("  server up; building the mixes and checking samples", flush=True)
        paths = mixes(sample, args.seed)
        if args.only:
            paths = {
                name: values
                for name, values in paths.items()
                if any(part.lower() in name.lower() for part in args.only)
            }
        bad = check_samples(paths, args.seed)
        for name, failures in bad.items():
            print(f"  bad samples in {name}: {failures[:5]}", flush=True)
        b1 = f"/bench/b1/{sample['entries'][0][0]}"
        loaded = load(args, env, server, paths, b1)
        result = {
            "when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "database": settings.DATABASES["default"]["NAME"],
            "args": vars(args),
            "sample": {
                key: (value if not isinstance(value, list) else len(value))
                for key, value in sample.items()
            },
            "paths": paths,
            "bad_samples": bad,
            "load": loaded,
        }
        if not args.no_after_change:
            print("  the first requests after a curator's change", flush=True)
            result["after_change"] = after_change(sample, loaded["medians"])
    finally:
        hot.pin_services(set(range(os.cpu_count() or 1)))
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
    if not args.no_uncached:
        print("  the unfiltered directory, uncached (in-process)", flush=True)
        result["uncached_directory_ms"] = uncached_directory()
    flush_cache(env)
    result["targets"] = targets(result)
    text = report(result)
    print("\n" + text)
    result["report"] = text
    saved = {**result, "paths": {name: values[:20] for name, values in paths.items()}}
    saved["path_counts"] = {name: len(values) for name, values in paths.items()}
    Path(args.output).write_text(json.dumps(saved, indent=1, default=str))
    print(f"\nSaved to {args.output}")


if __name__ == "__main__":
    main()
