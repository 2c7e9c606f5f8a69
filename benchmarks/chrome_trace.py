"""Reading a Chrome trace (Playwright's ``browser.start_tracing``): the renderer's
CPU profile (the ``disabled-by-default-v8.cpu_profiler`` category) and timeline events.

Times are in milliseconds; trace timestamps are microseconds on the trace clock.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

# Categories of DevTools' Performance panel, plus the sampled CPU profile.
CATEGORIES = [
    "devtools.timeline",
    "disabled-by-default-devtools.timeline",
    "disabled-by-default-devtools.timeline.frame",
    "v8.execute",
    "v8",
    "blink.user_timing",
    "loading",
    "disabled-by-default-v8.cpu_profiler",
]

# Pseudo-frames V8 reports for time not spent in a script's own code.
SPECIAL = {"(program)", "(idle)", "(garbage collector)", "(root)"}


@dataclass
class Samples:
    """One thread's CPU profile: per sample, its leaf frame and its time (ms)."""

    frames: list[tuple[str, str]] = field(default_factory=list)  # (function, url)
    stacks: list[tuple[str, ...]] = field(default_factory=list)  # urls on the stack
    times_us: list[float] = field(default_factory=list)  # sample timestamps
    weights_ms: list[float] = field(default_factory=list)

    def window(self, start_us: float, end_us: float) -> Samples:
        keep = [i for i, t in enumerate(self.times_us) if start_us <= t < end_us]
        return Samples(
            [self.frames[i] for i in keep],
            [self.stacks[i] for i in keep],
            [self.times_us[i] for i in keep],
            [self.weights_ms[i] for i in keep],
        )

    def busy_ms(self) -> float:
        """CPU time not idle."""
        pairs = zip(self.frames, self.weights_ms, strict=True)
        return sum(w for (fn, _), w in pairs if fn != "(idle)")


def load_events(path: Path) -> list[dict]:
    data = json.loads(path.read_text())
    return data["traceEvents"] if isinstance(data, dict) else data


def short_url(url: str) -> str:
    """The script's file name, without query string; the pseudo-frames as they are."""
    if not url:
        return "(V8 builtins / native)"
    name = url.split("?")[0].rstrip("/").rsplit("/", 1)[-1]
    return name or url


def _profiles(events: list[dict]) -> dict[tuple[int, str], list[dict]]:
    chunks: dict[tuple[int, str], list[dict]] = defaultdict(list)
    for event in events:
        if event.get("name") in ("Profile", "ProfileChunk"):
            chunks[(event["pid"], event.get("id", ""))].append(event)
    return chunks


def _samples_of(chunks: list[dict]) -> Samples:
    """Rebuild a profile from its chunks: nodes arrive incrementally, as do samples."""
    nodes: dict[int, dict] = {}
    samples: list[int] = []
    deltas: list[float] = []
    start = 0.0
    for event in chunks:
        data = event["args"]["data"]
        if event["name"] == "Profile":
            start = data.get("startTime", event["ts"])
            continue
        profile = data.get("cpuProfile", {})
        for node in profile.get("nodes", []):
            nodes[node["id"]] = node
        samples += profile.get("samples", [])
        deltas += data.get("timeDeltas", [])
    times, t = [], start
    for delta in deltas:
        t += delta
        times.append(t)
    out = Samples()
    for i, node_id in enumerate(samples):
        node = nodes.get(node_id, {"callFrame": {"functionName": "(unknown)", "url": ""}})
        frame = node["callFrame"]
        # DevTools' convention: the time up to the next sample belongs to this one.
        weight = (times[i + 1] - times[i]) / 1e3 if i + 1 < len(times) else 0.0
        out.frames.append((frame["functionName"] or "(anonymous)", frame.get("url", "")))
        out.stacks.append(_stack_urls(nodes, node_id))
        out.times_us.append(times[i])
        out.weights_ms.append(weight)
    return out


def _stack_urls(nodes: dict[int, dict], node_id: int) -> tuple[str, ...]:
    urls, current = [], nodes.get(node_id)
    while current is not None:
        url = current["callFrame"].get("url", "")
        if url and url not in urls:
            urls.append(url)
        current = nodes.get(current.get("parent", -1))
    return tuple(urls)


def renderer_samples(events: list[dict], marker: str = "bokeh") -> Samples:
    """The CPU profile of the thread that ran BokehJS (the page's main thread)."""
    best, best_score = Samples(), -1.0
    for chunks in _profiles(events).values():
        samples = _samples_of(chunks)
        pairs = zip(samples.frames, samples.weights_ms, strict=True)
        score = sum(w for (_, url), w in pairs if marker in url)
        if score > best_score:
            best, best_score = samples, score
    return best


def self_time_by_url(samples: Samples) -> Counter[str]:
    """Self time per script; idle/GC/program as V8 names them."""
    totals: Counter[str] = Counter()
    for (fn, url), weight in zip(samples.frames, samples.weights_ms, strict=True):
        totals[fn if fn in SPECIAL else short_url(url)] += weight
    return totals


def builtin_time_by_caller(samples: Samples) -> Counter[str]:
    """Builtins' self time charged to the nearest script on the stack that called them."""
    totals: Counter[str] = Counter()
    rows = zip(samples.frames, samples.stacks, samples.weights_ms, strict=True)
    for (fn, url), stack, weight in rows:
        if not url and fn not in SPECIAL:
            totals[short_url(stack[0]) if stack else "(no script)"] += weight
    return totals


def self_time_by_function(samples: Samples) -> Counter[str]:
    totals: Counter[str] = Counter()
    for (fn, url), weight in zip(samples.frames, samples.weights_ms, strict=True):
        totals[fn if fn in SPECIAL else f"{fn} ({short_url(url)})"] += weight
    return totals


SCRIPT_EVENTS = {"EvaluateScript", "FunctionCall", "EventDispatch", "TimerFire"}


def main_thread(events: list[dict]) -> tuple[int, int]:
    """(pid, tid) of the renderer's main thread that ran the most script."""
    names = {
        (e["pid"], e["tid"]): e["args"]["name"]
        for e in events
        if e.get("ph") == "M" and e.get("name") == "thread_name"
    }
    script: Counter[tuple[int, int]] = Counter()
    for event in events:
        key = (event.get("pid"), event.get("tid"))
        if names.get(key) == "CrRendererMain" and event.get("name") in SCRIPT_EVENTS:
            script[key] += event.get("dur", 0)
    if not script:
        raise ValueError("no renderer main thread ran a script in this trace")
    return script.most_common(1)[0][0]


def event_totals(
    events: list[dict], thread: tuple[int, int], start_us: float, end_us: float
) -> Counter[str]:
    """Summed duration (ms, inclusive: nested events count in both) per event name."""
    totals: Counter[str] = Counter()
    for event in events:
        if (event.get("pid"), event.get("tid")) != thread or event.get("ph") != "X":
            continue
        if start_us <= event["ts"] < end_us:
            totals[event["name"]] += event.get("dur", 0) / 1e3
    return totals


def script_evaluation(events: list[dict], thread: tuple[int, int]) -> Counter[str]:
    """EvaluateScript (compile + top-level run) wall time per script file, ms."""
    totals: Counter[str] = Counter()
    for event in events:
        if (event.get("pid"), event.get("tid")) != thread or event.get("ph") != "X":
            continue
        if event["name"] == "EvaluateScript":
            url = event.get("args", {}).get("data", {}).get("url", "")
            totals[short_url(url)] += event.get("dur", 0) / 1e3
    return totals


def user_marks(events: list[dict]) -> dict[str, float]:
    """performance.mark() names -> trace timestamp (µs), first occurrence."""
    marks: dict[str, float] = {}
    for event in events:
        if "blink.user_timing" in event.get("cat", "") and event.get("ph") in ("R", "I", "n"):
            marks.setdefault(event["name"], event["ts"])
    return marks
