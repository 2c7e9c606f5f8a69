"""A class arriving at once through deploy/: nginx in front of serve.sh's processes.

:func:`run_burst` sends ``visitors`` visitors within ``spread_s`` seconds, all from
ONE source address (a school behind one NAT). Each does what a browser does: GET
the page (keeping its own cookie jar, so nginx's route cookie comes back), fetch
every script and stylesheet the page links, then open its own Bokeh WebSocket
session and wait until the document is live (the main chart's ``sample-bars``
source is in the document it pulled). It measures each visitor's time to a live
session, the CPU seconds each backend process spent, and from nginx's access log
which upstream served what (static files must show none: nginx served them).

The helpers that start nginx and serve.sh on loopback (``running_nginx``,
``running_serve_sh``) are shared by tests/system/test_deploy.py and
benchmarks/bench_burst.py.
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin

import bokeh
from bokeh.util.token import generate_secret_key
from tornado.httpclient import AsyncHTTPClient, HTTPClientError, HTTPRequest, HTTPResponse

from .load import SESSION_CLEANUP_ARGS
from .memory import cpu_seconds
from .served import ROOT, server_errors, wait_for_http
from .tables import percentile
from .visitor import TIMEOUT_S, TOKEN, Visitor, VisitorError

DEPLOY = ROOT / "deploy"
# The directory holding bokeh/ and panel/ for the interpreter running this code.
SITE_PACKAGES = Path(bokeh.__file__).resolve().parent.parent
ACCESS_LINE = re.compile(
    r'^(?P<client>\S+) \[[^\]]*\] "(?P<method>\S+) (?P<path>\S+) [^"]*" (?P<status>\d{3}) '
    r"\S+ upstream=(?P<upstream>\S+) route=(?P<route>\S+)"
)
PARALLEL_FETCHES = 6  # what a browser opens per host


# ---------------------------------------------------------------------- nginx


class NginxMissing(RuntimeError):
    """Debian's nginx is not installed."""


def nginx_binary() -> str:
    """Debian's nginx (in /usr/sbin, often not on a user's PATH)."""
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")
    if not found:
        raise NginxMissing("nginx is not installed: `apt-get install -y nginx` (Debian/Ubuntu)")
    return found


def _replace_once(text: str, pattern: str, replacement: str) -> str:
    """Rewrite the one place ``pattern`` matches; fail loudly if the config changed shape."""
    result, count = re.subn(pattern, lambda _m: replacement, text, flags=re.MULTILINE)
    if count != 1:
        raise ValueError(f"deploy/nginx.conf: expected one match of {pattern!r}, found {count}")
    return result


def render_site(
    listen_port: int,
    backends: Sequence[int],
    access_log: Path,
    static: Path,
    key: str = "$gsx_route",
) -> str:
    """deploy/nginx.conf for loopback: the address, upstreams, log path and the
    static files' directory (:func:`precompressed_static`).

    ``key`` replaces the upstream's hash key (``$remote_addr`` shows what the
    cookie key fixes: one source address, one process).
    """
    site = (DEPLOY / "nginx.conf").read_text()
    site = _replace_once(
        site, r"^    listen 80;\n    listen \[::\]:80;\n", f"    listen 127.0.0.1:{listen_port};\n"
    )
    servers = "".join(f"    server 127.0.0.1:{port};\n" for port in backends)
    site = _replace_once(site, r"^(    server 127\.0\.0\.1:\d+;\n)+", servers)
    site = _replace_once(site, r"^    hash \$gsx_route consistent;", f"    hash {key} consistent;")
    site = _replace_once(site, r"^    default /srv/gumbel/static;", f"    default {static};")
    return _replace_once(site, r"/var/log/nginx/gumbel\.access\.log", str(access_log))


def precompressed_static(packages: Path = SITE_PACKAGES) -> Path:
    """The directory deploy/precompress.py fills from ``packages``, as a deployment
    has it (kept in .cache/: only what changed is compressed again)."""
    spec = importlib.util.spec_from_file_location("precompress", DEPLOY / "precompress.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.precompress(packages, ROOT / ".cache" / "static")


def render_main(prefix: Path, site: Path) -> str:
    """A main nginx.conf that keeps pid, logs and temp files under ``prefix`` (no root needed)."""
    temp = "\n".join(
        f"    {kind}_temp_path {prefix}/{kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    # As root, nginx's workers would switch to `nobody`, who cannot enter a 0700 tmp dir.
    user = "user root;\n" if os.geteuid() == 0 else ""
    return (
        f"{user}pid {prefix}/nginx.pid;\nworker_processes 1;\n"
        f"error_log {prefix}/error.log warn;\n"
        f"events {{ worker_connections 4096; }}\n"
        f"http {{\n{temp}\n    include {site};\n}}\n"
    )


@contextmanager
def running_nginx(
    prefix: Path,
    listen_port: int,
    backends: Sequence[int],
    key: str = "$gsx_route",
) -> Iterator[Path]:
    """nginx with deploy/nginx.conf on loopback; yields its access log."""
    binary = nginx_binary()
    prefix.mkdir(parents=True, exist_ok=True)
    access_log = prefix / "access.log"
    site = prefix / "gumbel.conf"
    site.write_text(render_site(listen_port, backends, access_log, precompressed_static(), key))
    main = prefix / "nginx.conf"
    main.write_text(render_main(prefix, site))
    command = [binary, "-p", str(prefix), "-c", str(main), "-e", str(prefix / "error.log")]
    subprocess.run([*command, "-t", "-q"], check=True)
    nginx = subprocess.Popen([*command, "-g", "daemon off;"])
    try:
        wait_for_http(f"http://127.0.0.1:{listen_port}/static/js/bokeh.min.js")
        yield access_log
    finally:
        nginx.send_signal(signal.SIGQUIT)  # graceful: open requests finish and get logged
        nginx.wait(timeout=30)
    errors = [
        line
        for line in (prefix / "error.log").read_text().splitlines()
        if re.search(r"\[(crit|alert|emerg)\]", line)
    ]
    if errors:
        raise AssertionError("nginx logged errors:\n" + "\n".join(errors))


# ---------------------------------------------------------------------- the servers


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid``."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # exited meanwhile
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


@dataclass
class Backends:
    ports: list[int]
    pids: list[int]


@contextmanager
def running_serve_sh(
    prefix: Path, ports: Sequence[int], public_host: str, env: dict[str, str] | None = None
) -> Iterator[Backends]:
    """deploy/serve.sh with one process per port; on exit, their logs must hold no traceback.

    ``env`` adds serve.sh settings (``GSX_WARM``, ``GSX_SETUP``, ...).
    """
    prefix.mkdir(parents=True, exist_ok=True)
    cleanup = dict(zip(SESSION_CLEANUP_ARGS[::2], SESSION_CLEANUP_ARGS[1::2], strict=True))
    environment = {
        **os.environ,
        "BOKEH_SECRET_KEY": generate_secret_key(),
        "GSX_PUBLIC_HOST": public_host,
        "GSX_PORTS": " ".join(map(str, ports)),
        "GSX_LOG_DIR": str(prefix),
        "GSX_SESSION_CHECK_MS": cleanup["--check-unused-sessions"],
        "GSX_SESSION_IDLE_MS": cleanup["--unused-session-lifetime"],
        "PYTHON": sys.executable,
        **(env or {}),
    }
    serve = subprocess.Popen([str(DEPLOY / "serve.sh")], env=environment, cwd=prefix)
    try:
        for port in ports:
            wait_for_http(f"http://127.0.0.1:{port}/liveness", timeout=120)
        yield Backends(list(ports), children(serve.pid))
    finally:
        serve.terminate()  # serve.sh stops its processes and waits for them
        serve.wait(timeout=30)
    for port in ports:
        log = (prefix / f"panel-{port}.log").read_text()
        if errors := server_errors(log):
            raise AssertionError(
                f"the server on port {port} logged an error:\n" + "\n".join(errors)
            )


# ---------------------------------------------------------------------- nginx's log


@dataclass
class LogLine:
    client: str
    method: str
    path: str
    status: int
    upstream: str
    route: str


def read_access_log(access_log: Path, offset: int = 0) -> list[LogLine]:
    """The requests nginx logged from byte ``offset`` of its access log on."""
    with access_log.open("rb") as log:
        log.seek(offset)
        text = log.read().decode()
    lines = []
    for line in text.splitlines():
        if match := ACCESS_LINE.match(line):
            groups = match.groupdict()
            lines.append(LogLine(**{**groups, "status": int(groups["status"])}))
    return lines


def is_page(line: LogLine) -> bool:
    return line.method == "GET" and bool(re.fullmatch(r"/app(\?.*)?", line.path))


def is_websocket(line: LogLine) -> bool:
    return line.method == "GET" and line.path.startswith("/app/ws") and line.status == 101


def is_static(line: LogLine) -> bool:
    return line.path.startswith("/static/")


def upstreams_by_route(lines: Sequence[LogLine]) -> dict[str, dict[str, list[str]]]:
    """route -> {"page" / "ws": the upstreams that served it}, for routes with a WebSocket."""
    seen: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for line in lines:
        if is_websocket(line):
            seen[line.route]["ws"].append(line.upstream)
        elif is_page(line) and line.status == 200:
            seen[line.route]["page"].append(line.upstream)
    return {route: dict(served) for route, served in seen.items() if "ws" in served}


# ---------------------------------------------------------------------- a browser's visit


class _Links(HTMLParser):
    """The scripts (src) and stylesheets (href) a page links, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "script" and found.get("src"):
            self.urls.append(found["src"])
        elif (
            tag == "link"
            and "stylesheet" in (found.get("rel") or "").split()
            and found.get("href")
        ):
            self.urls.append(found["href"])


def linked_resources(page_url: str, html: str) -> list[str]:
    """Absolute URLs of every script and stylesheet ``html`` links (data: URLs skipped)."""
    parser = _Links()
    parser.feed(html)
    return [urljoin(page_url, u) for u in parser.urls if not u.startswith("data:")]


def model_names(serialized: object) -> Iterator[str]:
    """The ``name`` of every model in Bokeh's serialized form of a document."""
    if isinstance(serialized, dict):
        if serialized.get("type") == "object" and "name" in serialized.get("attributes", {}):
            yield serialized["attributes"]["name"]
        for value in serialized.values():
            yield from model_names(value)
    elif isinstance(serialized, list):
        for value in serialized:
            yield from model_names(value)


@dataclass(eq=False, repr=False)
class BrowserVisitor(Visitor):
    """A :class:`Visitor` that keeps a cookie jar and fetches the page's resources first.

    It sends the jar on every request and on the WebSocket handshake, as a
    browser does. Like a browser, it leaves the document to the page: it reads
    which models the pulled document names and builds none of them in Python, a
    cost of the load generator's (about 55 ms a visitor, on the cores the server
    needs) that a class's own computers carry. What the server does for it is
    unchanged: the same requests, the same messages, ``DocumentReady`` included.
    """

    cookies: dict[str, str] = field(default_factory=dict)
    static_bytes: int = 0
    static_count: int = 0
    names: set[str] = field(default_factory=set)  # the models the pulled document names

    def _take_document(self, reply) -> None:
        self.names = set(model_names(reply.content))

    def _take_patch(self, message) -> None:
        pass  # the page would apply it; nothing here reads it

    def _headers(self) -> dict[str, str]:
        jar = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        return {"Cookie": jar} if jar else {}

    def _keep_cookies(self, response: HTTPResponse) -> None:
        for header in response.headers.get_list("Set-Cookie"):
            name, _, value = header.split(";", 1)[0].partition("=")
            self.cookies[name.strip()] = value.strip()

    async def _get(self, url: str) -> HTTPResponse:
        request = HTTPRequest(
            url,
            headers=self._headers(),
            connect_timeout=TIMEOUT_S,
            request_timeout=TIMEOUT_S,
            decompress_response=True,  # sends Accept-Encoding: gzip, as browsers do
        )
        response = await AsyncHTTPClient().fetch(request)
        self._keep_cookies(response)
        return response

    async def _load_page(self) -> str:
        """Fetch the page, then every script and stylesheet it links; return the token."""
        html = (await self._get(self.url)).body.decode()
        match = TOKEN.search(html)
        if match is None:
            raise VisitorError(f"no session token in the page at {self.url}")
        slots = asyncio.Semaphore(PARALLEL_FETCHES)

        async def fetch(url: str) -> None:
            async with slots:
                response = await self._get(url)
            self.static_bytes += len(response.body)
            self.static_count += 1

        await asyncio.gather(*(fetch(u) for u in linked_resources(self.url, html)))
        return match.group(1)


# ---------------------------------------------------------------------- the burst


@dataclass
class BurstReport:
    """What a burst measured: seconds to a live session, errors, and who carried the load."""

    visitors: int
    spread_s: float
    seconds: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    cpu_s: dict[int, float] = field(default_factory=dict)  # backend pid -> CPU seconds
    pages: Counter = field(default_factory=Counter)  # upstream -> page GETs
    websockets: Counter = field(default_factory=Counter)  # upstream -> WebSockets
    static_requests: int = 0
    static_from_upstream: int = 0  # static requests nginx passed to a process
    static_bytes: int = 0  # decoded, per visitor on average
    split_routes: int = 0  # visitors whose page and WebSocket reached different processes
    wall_s: float = 0.0
    client_cpu_s: float = 0.0  # this process (the 100 visitors), on the same cores

    def p(self, q: float) -> float:
        return percentile(self.seconds, q) if self.seconds else float("nan")

    @property
    def cpu_per_visitor(self) -> float:
        return sum(self.cpu_s.values()) / self.visitors

    def cpu_shares(self) -> list[float]:
        total = sum(self.cpu_s.values()) or 1.0
        return [s / total for s in self.cpu_s.values()]

    def rows(self, label: str = "") -> list[dict[str, object]]:
        tag = f" [{label}]" if label else ""
        ws_total = sum(self.websockets.values()) or 1
        return [
            {
                "what": f"time to a live session: p50 / p95 / max (s){tag}",
                "value": f"{self.p(50):.1f} / {self.p(95):.1f} / {self.p(100):.1f}",
                "target": "p95 <= 15",
            },
            {
                "what": f"errors ({self.visitors} in {self.spread_s:g} s, 1 address){tag}",
                "value": len(self.errors),
                "target": "0",
            },
            {
                "what": f"backend CPU (s): per process / per visitor{tag}",
                "value": " + ".join(f"{s:.1f}" for s in self.cpu_s.values())
                + f" / {self.cpu_per_visitor:.2f}",
                "target": "-",
            },
            {
                "what": f"CPU of the visitors' client, same cores (s){tag}",
                "value": self.client_cpu_s,
                "target": "-",
            },
            {
                "what": f"CPU share per process{tag}",
                "value": " / ".join(f"{share:.0%}" for share in self.cpu_shares()),
                "target": "each > 0",
            },
            {
                "what": f"WebSockets per process{tag}",
                "value": " / ".join(
                    f"{n} ({n / ws_total:.0%})" for _, n in sorted(self.websockets.items())
                ),
                "target": "both > 0",
            },
            {
                "what": f"page and WebSocket on different processes{tag}",
                "value": self.split_routes,
                "target": "0",
            },
            {
                "what": f"static requests served by a process (of all){tag}",
                "value": f"{self.static_from_upstream} of {self.static_requests}",
                "target": "0",
            },
        ]


async def run_burst(
    proxy_url: str,
    pids: Sequence[int],
    visitors: int = 100,
    spread_s: float = 1.0,
    access_log: Path | None = None,
    path: str = "/app",
) -> BurstReport:
    """``visitors`` browsers arriving within ``spread_s`` s from one address (module doc)."""
    report = BurstReport(visitors=visitors, spread_s=spread_s)
    AsyncHTTPClient.configure(None, max_clients=max(visitors * PARALLEL_FETCHES, 10))
    offset = access_log.stat().st_size if access_log else 0
    cpu_before = {pid: cpu_seconds(pid) for pid in pids}
    client_before = time.process_time()
    opened: list[BrowserVisitor] = []
    start = time.perf_counter()

    async def arrive(i: int) -> None:
        await asyncio.sleep(i * spread_s / visitors)
        arrival = time.perf_counter()
        visitor = BrowserVisitor(proxy_url + path)
        try:
            await visitor.open()
            if "sample-bars" not in visitor.names:
                raise VisitorError("the pulled document has no main chart source")
            report.seconds.append(time.perf_counter() - arrival)
            opened.append(visitor)
        except (VisitorError, OSError, TimeoutError, HTTPClientError) as error:
            report.errors.append(f"visitor {i}: {type(error).__name__}: {error}")
        report.static_bytes += visitor.static_bytes

    await asyncio.gather(*(arrive(i) for i in range(visitors)))
    report.wall_s = time.perf_counter() - start
    report.cpu_s = {pid: cpu_seconds(pid) - cpu_before[pid] for pid in pids}
    report.client_cpu_s = time.process_time() - client_before
    report.static_bytes //= max(visitors, 1)
    await asyncio.gather(*(v.close() for v in opened))
    if access_log is not None:
        await asyncio.sleep(0.5)  # nginx logs a WebSocket when it closes
        lines = read_access_log(access_log, offset)
        report.pages = Counter(line.upstream for line in lines if is_page(line))
        report.websockets = Counter(line.upstream for line in lines if is_websocket(line))
        static = [line for line in lines if is_static(line)]
        report.static_requests = len(static)
        report.static_from_upstream = sum(line.upstream != "-" for line in static)
        report.split_routes = sum(
            set(served.get("page", [])) != set(served["ws"])
            for served in upstreams_by_route(lines).values()
        )
    return report
