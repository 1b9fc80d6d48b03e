"""The search and list SQL at two registry sizes (e.g. 1,000,000 and 100,000 entries):
EXPLAIN (ANALYZE, BUFFERS) of the exact SQL the site runs, median execution time of 5
runs (after a warm-up), the ratio between the sizes, and the plans (bench/README.md).

Usage: .venv/bin/python bench/sql_scale.py URL_LARGE URL_SMALL [--plans bench/plans.md]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUERIES = {
    "search selective": "",  # picked from the larger registry: a word in ~0.01% of names
    "search common": "health",
    "search prefix": "hcl",
    "search typo": "hcldt",
    "search long typo": "diabetesawarness",
    "search two words": "breast cancer",
}


def setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def pick_selective() -> str:
    setup()
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT word FROM ts_stat($$SELECT to_tsvector('simple', name) FROM "
            "hashtags_hashtag TABLESAMPLE SYSTEM (2) REPEATABLE (7)$$) "
            "WHERE length(word) >= 7 ORDER BY ndoc, word LIMIT 1"
        )
        return cursor.fetchone()[0]


def matches(word: str) -> int:
    setup()
    from hashtags.models import Hashtag
    from hashtags.search import text_query

    return Hashtag.objects.public().filter(search_document=text_query([word])).count()


def pick_with_matches(wanted: int) -> str:
    """A word of the registry (7+ letters) matching about `wanted` entries (the smaller
    registry's word with as many matches as the larger one's selective word)."""
    setup()
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT word FROM ts_stat($$SELECT to_tsvector('simple', name) FROM "
            "hashtags_hashtag TABLESAMPLE SYSTEM (10) REPEATABLE (7)$$) "
            "WHERE length(word) >= 7 ORDER BY abs(ndoc - %s), word LIMIT 200",
            [wanted / 10],
        )
        candidates = [row[0] for row in cursor.fetchall()]
    return min(candidates, key=lambda word: (abs(matches(word) - wanted), word))


def measure_here(selective: str, same_matches: str = "") -> dict:
    setup()
    from django.db import connection

    from hashtags.models import Hashtag
    from hashtags.search import search

    public = Hashtag.objects.public()
    page_1000_key = public.order_by("key").values_list("key", flat=True)[24 * 1000 - 1]
    statements = {
        name: search(public, query or selective)[:25] for name, query in QUERIES.items()
    }  # the directory's first page of results (24 + 1 rows)
    statements["search selective, as many matches"] = search(public, same_matches or selective)[:25]
    statements["list page 1"] = public.order_by("key")[:25]
    statements["list page 1000"] = public.filter(key__gt=page_1000_key).order_by("key")[:25]
    results = {
        "entries": public.count(),
        "words": {"selective": selective, "as many matches": same_matches or selective},
    }
    for name, queryset in statements.items():
        sql, params = queryset.query.sql_with_params()
        times, plan = [], ""
        with connection.cursor() as cursor:
            for _ in range(6):
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
                plan = "\n".join(row[0] for row in cursor.fetchall())
                times.append(float(re.search(r"Execution Time: ([\d.]+)", plan).group(1)))
        results[name] = {"ms": statistics.median(times[1:]), "plan": plan}
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("urls", nargs="*")
    parser.add_argument("--plans", default=str(ROOT / "bench" / "plans.md"))
    parser.add_argument("--here", help=argparse.SUPPRESS)
    parser.add_argument("--pick", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--count", help=argparse.SUPPRESS)
    parser.add_argument("--pick-matches", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--same", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.pick:
        print(pick_selective())
        return
    if args.count:
        print(matches(args.count))
        return
    if args.pick_matches is not None:
        print(pick_with_matches(args.pick_matches))
        return
    if args.here:
        print(json.dumps(measure_here(args.here, args.same)))
        return

    def run(url: str, *arguments: str) -> str:
        env = {**os.environ, "DATABASE_URL": url, "DEBUG": "1", "LOG_LEVEL": "WARNING"}
        output = subprocess.run(  # noqa: S603
            [sys.executable, __file__, *arguments], env=env, capture_output=True, text=True
        )
        if output.returncode:
            raise SystemExit(output.stderr)
        return output.stdout.strip().splitlines()[-1]

    selective = run(args.urls[0], "--pick")
    large_matches = int(run(args.urls[0], "--count", selective))
    # A word of the smaller registry with about as many matches as the selective word has
    # in the larger one: the same amount of ranking work at both sizes.
    same = run(args.urls[1], "--pick-matches", str(large_matches))
    print(
        f"Selective word: {selective} ({large_matches} matches in the larger registry, "
        f"{run(args.urls[1], '--count', selective)} in the smaller); in the smaller registry "
        f"{same} has about as many ({run(args.urls[1], '--count', same)})"
    )
    large = json.loads(run(args.urls[0], "--here", selective))
    small = json.loads(run(args.urls[1], "--here", selective, "--same", same))
    print(f"| SQL | {large['entries']:,} entries | {small['entries']:,} entries | ratio |")
    print("| --- | ---: | ---: | ---: |")
    plans = []
    for name in large:
        if name in ("entries", "words"):
            continue
        ratio = large[name]["ms"] / max(small[name]["ms"], 0.001)
        print(
            f"| {name} | {large[name]['ms']:.2f} ms | {small[name]['ms']:.2f} ms | {ratio:.2f}× |"
        )
        seq = "Seq Scan on hashtags_hashtag " in large[name]["plan"]
        plans.append(
            f"### {name} ({large['entries']:,} entries)"
            f"{' — sequential scan on the registry' if seq else ''}\n\n"
            f"```\n{large[name]['plan']}\n```\n"
        )
    Path(args.plans).write_text("# Plans of the search and list SQL\n\n" + "\n".join(plans))
    print(f"\nPlans written to {args.plans}")


if __name__ == "__main__":
    main()
