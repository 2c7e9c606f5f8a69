"""``make load``: 100 concurrent visitors and 1000 sequential visits against one server."""

from __future__ import annotations

import argparse
import asyncio

from support.load import SESSION_CLEANUP_ARGS, run_concurrent, run_sequential, sequential_rows
from support.served import served_process
from support.tables import print_table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visitors", type=int, default=100)
    parser.add_argument("--sequential", type=int, default=1000)
    parser.add_argument("--draws", type=int, default=10_000)
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


if __name__ == "__main__":
    main()
