"""``make load``: 100 concurrent visitors and 1000 sequential visits against one server,
then the burst of a class (100 visitors from one address within a second) through
``deploy/``: nginx in front of two ``serve.sh`` processes."""

from __future__ import annotations

import argparse
import asyncio

from benchmarks.bench_burst import burst
from support.load import SESSION_CLEANUP_ARGS, run_concurrent, run_sequential, sequential_rows
from support.served import served_process
from support.tables import print_table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visitors", type=int, default=100)
    parser.add_argument("--sequential", type=int, default=1000)
    parser.add_argument("--draws", type=int, default=10_000)
    parser.add_argument("--burst", type=int, default=100, help="visitors (0: no burst)")
    args = parser.parse_args()
    with served_process(*SESSION_CLEANUP_ARGS) as (url, server):
        report = asyncio.run(run_concurrent(url, [server.pid], args.visitors, args.draws))
        sequential = asyncio.run(run_sequential(url, [server.pid], args.sequential))
    print_table(
        f"Load: {args.visitors} concurrent visitors, one panel serve process", report.rows()
    )
    print_table("Load: sequential visits", sequential_rows(sequential))
    for error in report.errors[:10]:
        print("error:", error)
    if args.burst:
        burst_report = burst({}, args.burst)
        print_table(
            f"Burst: {args.burst} visitors from one address within 1 s through deploy/ "
            "(nginx, 2 processes)",
            burst_report.rows(),
        )
        for error in burst_report.errors[:10]:
            print("error:", error)


if __name__ == "__main__":
    main()
