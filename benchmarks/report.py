"""Markdown tables for benchmark results."""

from __future__ import annotations


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 1000 else f"{value:.0f}"
    return str(value)


def markdown_table(rows: list[dict[str, object]]) -> str:
    headers = list(rows[0])
    lines = [
        "| " + " | ".join(headers) + " |",
        "|" + "|".join("---" for _ in headers) + "|",
    ]
    lines += ["| " + " | ".join(_cell(row[h]) for h in headers) + " |" for row in rows]
    return "\n".join(lines)


def print_table(title: str, rows: list[dict[str, object]]) -> None:
    print(f"\n### {title}\n")
    print(markdown_table(rows))
