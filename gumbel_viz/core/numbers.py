"""Numbers as text, both ways: parsing what a user types or a link carries, and formatting.

Parsing is plain ``float`` (never ``eval``), bounded in length, and every refusal
names the token. Formatting comes in one flavour per use:

* :func:`exact_text` reads back to the same float (links, CSV, the editor);
* :func:`display_number` for tables and hovers (4 decimals, a real minus, −∞);
* :func:`tex_number` for KaTeX; :func:`format_p` for p-values;
  :func:`short_number` for a compact value (``%g``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable

__all__ = [
    "MAX_INPUT_CHARS",
    "display_number",
    "exact_text",
    "format_numbers",
    "format_p",
    "parse_numbers",
    "read_integer",
    "read_number",
    "short_number",
    "tex_number",
]

MAX_INPUT_CHARS = 2000  # k <= 12 numbers never need more; longer input is refused unread
_SEPARATORS = re.compile(r"[,;\s]+")


# --------------------------------------------------------------------------- parsing


def parse_numbers(text: str, *, allow_minus_inf: bool = False) -> list[float]:
    """Numbers separated by commas, semicolons or spaces; ValueError names the bad token.

    NaN and +inf are refused; ``-inf`` only where asked for (a logit of -inf is a
    class of probability 0). Text longer than :data:`MAX_INPUT_CHARS` is refused unread.
    """
    if len(text) > MAX_INPUT_CHARS:
        raise ValueError(f"input is too long ({len(text)} characters)")
    tokens = [t for t in _SEPARATORS.split(text.strip()) if t]
    if not tokens:
        raise ValueError("enter one number per class")
    values = []
    for token in tokens:
        try:
            value = float(token)
        except ValueError:
            raise ValueError(f"{token!r} is not a number") from None
        if math.isnan(value) or value == math.inf or (value == -math.inf and not allow_minus_inf):
            raise ValueError(f"{token!r} is not a finite number")
        values.append(value)
    return values


def read_number(name: str, raw: str, notices: list[str]) -> float | None:
    """A link's ``name=raw`` as a float (not NaN); ``None`` and a notice if it is not one."""
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if math.isnan(value):
        notices.append(f"{name}={raw!r} is not a number; ignored")
        return None
    return value


def read_integer(name: str, raw: str, bounds: tuple[int, int], notices: list[str]) -> int | None:
    """A link's ``name=raw`` as a whole number, clamped into ``bounds`` with a notice."""
    value = read_number(name, raw, notices)
    if value is None:
        return None
    if math.isinf(value) or value != int(value):
        notices.append(f"{name}={raw!r} is not a whole number; ignored")
        return None
    return int(clamp(name, int(value), *bounds, notices))


def clamp(name: str, value: float, low: float, high: float, notices: list[str]) -> float:
    """``value`` moved into [low, high]; a notice says so when it had to move."""
    if value < low or value > high:
        clamped = min(max(value, low), high)
        notices.append(f"{name}={value:g} is out of range; using {clamped:g}")
        return clamped
    return value


# --------------------------------------------------------------------------- formatting


def exact_text(value: float) -> str:
    """The shortest text that reads back to the same float: ``repr``, ``-inf`` for log 0."""
    value = float(value)
    return repr(value) if math.isfinite(value) else str(value)


def format_numbers(values: Iterable[float]) -> str:
    """Comma-separated :func:`exact_text`: :func:`parse_numbers` reads it back exactly."""
    return ", ".join(exact_text(v) for v in values)


def _needs_exponent(value: float) -> bool:
    return value != 0 and not 1e-3 <= abs(value) < 1e5


def display_number(value: float) -> str:
    """A number as tables and hovers show it: 4 decimals, −∞ for log 0, a real minus."""
    if value == -math.inf:
        return "−∞"
    text = f"{value:.4e}" if _needs_exponent(value) else f"{value:.4f}"
    return text.replace("-", "−")


def tex_number(value: float) -> str:
    """A finite number for KaTeX: 4 decimals, or a power of ten for very small/large ones."""
    if _needs_exponent(value):
        mantissa, exponent = f"{value:.4e}".split("e")
        return rf"{mantissa}\times 10^{{{int(exponent)}}}"
    return f"{value:.4f}"


def format_p(p: float) -> str:
    """A p-value for reading: 3 decimals, scientific below 0.001, a bound below 1e-300.

    Rounded *down*, so a printed p never crosses a threshold the true p is below:
    p = 0.00051 reads 5.10e-04 (not 0.001), p = 9.996e-07 reads 9.99e-07.
    """
    if p < 1e-300:
        return "< 1e-300"
    if p < 1e-3:
        exponent = math.floor(math.log10(p))
        mantissa = math.floor(p / 10.0**exponent * 100 + 1e-9) / 100  # 1e-9: float noise
        if mantissa >= 10:  # p / 10**exponent rounded up to 10
            mantissa, exponent = mantissa / 10, exponent + 1
        return f"{mantissa:.2f}e{exponent:+03d}"
    return f"{math.floor(p * 1000 + 1e-9) / 1000:.3f}"


def short_number(value: float) -> str:
    """A compact value: ``%g`` (6 significant digits)."""
    return f"{value:g}"
