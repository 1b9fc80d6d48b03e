"""Compare two `bench/run.py` results (JSON) endpoint by endpoint, as a Markdown table.

Each endpoint's throughput is shown as a share of its baseline (B1 or B2) measured in
the same run, so runs on a machine that is faster or slower on the day compare fairly.

Usage: python bench/compare.py BEFORE.json AFTER.json [BEFORE2.json AFTER2.json …]
(pairs: each before with the after that follows it; the table gives each pair's ratio
and the mean change over the pairs).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

# The baseline each endpoint is compared with, as in bench/run.py.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.run import BASELINE


def shares(path: str) -> dict[str, float]:
    """{endpoint: requests/s as a share of its baseline's} of a result's first cache mode."""
    medians = json.loads(Path(path).read_text())["results"][0]["medians"]
    return {
        name: medians[name]["rps"] / medians[BASELINE[name]]["rps"]
        for name in medians
        if BASELINE.get(name) in ("B1", "B2")
    }


def main() -> None:
    paths = sys.argv[1:]
    if len(paths) < 2 or len(paths) % 2:
        raise SystemExit(__doc__)
    pairs = [(shares(paths[i]), shares(paths[i + 1])) for i in range(0, len(paths), 2)]
    head = " | ".join(f"run {n + 1} before | run {n + 1} after" for n in range(len(pairs)))
    print(f"| endpoint | baseline | {head} | mean change |")
    print("| --- | --- |" + " ---: |" * (2 * len(pairs) + 1))
    for name in pairs[0][0]:
        cells, changes = [], []
        for before, after in pairs:
            cells += [f"{before[name]:.0%}", f"{after[name]:.0%}"]
            changes.append(after[name] / before[name] - 1)
        mean = sum(changes) / len(changes)
        print(f"| {name} | {BASELINE[name]} | {' | '.join(cells)} | {mean:+.0%} |")


if __name__ == "__main__":
    main()
