"""The production deployment end to end: Debian's nginx in front of two server processes.

deploy/serve.sh starts the two ``panel serve`` processes exactly as in production
(signed session ids, --liveness, --use-xheaders, ...; only the ports, the public
host and the session cleanup times come from the environment), and nginx runs
deploy/nginx.conf with only the listen address, the upstream servers and the log
path rewritten for loopback. The load test of benchmarks/load.py then runs
through the proxy: concurrent visitors (every answer checked) and sequential
visits, with the same figures and bounds as against one process.

Stickiness: the production upstream hashes the client address, and on loopback
every client is 127.0.0.1, so all visitors would land on one process and prove
nothing. Rather than weaken the production config for the test, each visitor
connects from its own loopback address (127.0.0.2, 127.0.0.3, ...: Linux routes
all of 127/8 to lo): its page request and its WebSocket both leave from that
address. nginx logs the client and the upstream of every request, and the test
checks that each visitor's page and WebSocket reached the same process, and
that both processes served visitors.

Sizes: GSX_DEPLOY_VISITORS (default 10) and GSX_DEPLOY_SEQUENTIAL (default 50);
``make deploy-check`` runs 100 and 1000. The figures are printed either way and
written to benchmarks/results/deploy.md. Without nginx the test fails saying how
to install it (never skips).
"""

from __future__ import annotations

import asyncio
import ipaddress
import itertools
import os
import re
import shutil
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path

import pytest
from bokeh.util.token import generate_secret_key
from tornado.httpclient import AsyncHTTPClient, HTTPClientError, HTTPRequest
from tornado.websocket import websocket_connect

import support.visitor
from support.load import SESSION_CLEANUP_ARGS, run_concurrent, run_sequential, sequential_rows
from support.served import ROOT, free_port, server_errors, wait_for_http
from support.tables import markdown_table
from support.visitor import Visitor

DEPLOY = ROOT / "deploy"
RESULTS = ROOT / "benchmarks" / "results" / "deploy.md"
VISITORS = int(os.environ.get("GSX_DEPLOY_VISITORS", "10"))
SEQUENTIAL = int(os.environ.get("GSX_DEPLOY_SEQUENTIAL", "50"))
DRAWS = 10_000
FIRST_VISITOR_ADDRESS = ipaddress.IPv4Address("127.0.0.2")
ACCESS_LINE = re.compile(r'^(\S+) \[[^\]]*\] "(\S+) (\S+) [^"]*" (\d{3}) .*upstream=(\S+)')


# ---------------------------------------------------------------------- nginx


def nginx_binary() -> str:
    """Debian's nginx (in /usr/sbin, often not on a user's PATH), or fail saying how to get it."""
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")
    if found:
        return found
    pytest.fail("nginx is not installed: `apt-get install -y nginx` (Debian/Ubuntu)")


def _replace_once(text: str, pattern: str, replacement: str) -> str:
    """Rewrite the one place ``pattern`` matches; fail loudly if the config changed shape."""
    result, count = re.subn(pattern, lambda _m: replacement, text, flags=re.MULTILINE)
    assert count == 1, f"deploy/nginx.conf: expected one match of {pattern!r}, found {count}"
    return result


def render_site(listen_port: int, backends: Sequence[int], access_log: Path) -> str:
    """deploy/nginx.conf for loopback: only the address, the upstream servers and the log path."""
    site = (DEPLOY / "nginx.conf").read_text()
    site = _replace_once(
        site, r"^    listen 80;\n    listen \[::\]:80;\n", f"    listen 127.0.0.1:{listen_port};\n"
    )
    servers = "".join(f"    server 127.0.0.1:{port};\n" for port in backends)
    site = _replace_once(site, r"^(    server 127\.0\.0\.1:\d+;\n)+", servers)
    return _replace_once(site, r"/var/log/nginx/gumbel\.access\.log", str(access_log))


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
        f"events {{ worker_connections 1024; }}\n"
        f"http {{\n{temp}\n    include {site};\n}}\n"
    )


@contextmanager
def running_nginx(prefix: Path, listen_port: int, backends: Sequence[int]) -> Iterator[Path]:
    """nginx with deploy/nginx.conf on loopback; yields its access log."""
    binary = nginx_binary()
    access_log = prefix / "access.log"
    site = prefix / "gumbel.conf"
    site.write_text(render_site(listen_port, backends, access_log))
    main = prefix / "nginx.conf"
    main.write_text(render_main(prefix, site))
    command = [binary, "-p", str(prefix), "-c", str(main), "-e", str(prefix / "error.log")]
    subprocess.run([*command, "-t", "-q"], check=True)
    nginx = subprocess.Popen([*command, "-g", "daemon off;"])
    try:
        yield access_log
    finally:
        nginx.send_signal(signal.SIGQUIT)  # graceful: open requests finish and get logged
        nginx.wait(timeout=30)
    errors = [
        line
        for line in (prefix / "error.log").read_text().splitlines()
        if re.search(r"\[(crit|alert|emerg)\]", line)
    ]
    assert not errors, "nginx logged errors:\n" + "\n".join(errors)


# ---------------------------------------------------------------------- the servers


def _children(pid: int) -> list[int]:
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
def running_serve_sh(prefix: Path, ports: Sequence[int], public_host: str) -> Iterator[Backends]:
    """deploy/serve.sh with one process per port; on exit, their logs must hold no traceback."""
    cleanup = dict(zip(SESSION_CLEANUP_ARGS[::2], SESSION_CLEANUP_ARGS[1::2], strict=True))
    env = {
        **os.environ,
        "BOKEH_SECRET_KEY": generate_secret_key(),
        "GSX_PUBLIC_HOST": public_host,
        "GSX_PORTS": " ".join(map(str, ports)),
        "GSX_LOG_DIR": str(prefix),
        "GSX_SESSION_CHECK_MS": cleanup["--check-unused-sessions"],
        "GSX_SESSION_IDLE_MS": cleanup["--unused-session-lifetime"],
        "PYTHON": sys.executable,
    }
    serve = subprocess.Popen([str(DEPLOY / "serve.sh")], env=env, cwd=prefix)
    try:
        for port in ports:
            wait_for_http(f"http://127.0.0.1:{port}/liveness", timeout=60)
        yield Backends(list(ports), _children(serve.pid))
    finally:
        serve.terminate()  # serve.sh stops its processes and waits for them
        serve.wait(timeout=30)
    for port in ports:
        log = (prefix / f"panel-{port}.log").read_text()
        errors = server_errors(log)
        assert not errors, f"the server on port {port} logged an error:\n" + "\n".join(errors)


# ---------------------------------------------------------------------- visitors


SOURCE_ADDRESS: ContextVar[str | None] = ContextVar("source_address", default=None)


@pytest.fixture
def visitors_from_own_addresses(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each Visitor's page request and WebSocket leave from its own loopback address.

    Visitor.open sets the address for its own task; the HTTP fetch and the
    WebSocket connect it makes read it when they are called.
    """
    addresses = (str(FIRST_VISITOR_ADDRESS + i) for i in itertools.count())
    original_open, original_fetch = Visitor.open, AsyncHTTPClient.fetch

    async def open_from_own_address(self: Visitor) -> None:
        SOURCE_ADDRESS.set(next(addresses))
        await original_open(self)

    def fetch(self: AsyncHTTPClient, request: str, raise_error: bool = True, **kwargs: object):
        if isinstance(request, str):
            kwargs["network_interface"] = SOURCE_ADDRESS.get()
        return original_fetch(self, request, raise_error, **kwargs)

    def connect(request: HTTPRequest, **kwargs: object):
        request.network_interface = SOURCE_ADDRESS.get()
        return websocket_connect(request, **kwargs)

    monkeypatch.setattr(Visitor, "open", open_from_own_address)
    monkeypatch.setattr(AsyncHTTPClient, "fetch", fetch)
    monkeypatch.setattr(support.visitor, "websocket_connect", connect)
    yield


def upstreams_by_client(access_log: Path) -> dict[str, dict[str, set[str]]]:
    """client address -> {"page" / "ws": the upstreams that served it} from nginx's log."""
    seen: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for line in access_log.read_text().splitlines():
        if match := ACCESS_LINE.match(line):
            client, method, path, status, upstream = match.groups()
            if method == "GET" and path.startswith("/app/ws") and status == "101":
                seen[client]["ws"].add(upstream)
            elif method == "GET" and re.fullmatch(r"/app(\?.*)?", path) and status == "200":
                seen[client]["page"].add(upstream)
    return seen


# ---------------------------------------------------------------------- the test


def _fetch_status(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str]]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers)


def check_exposure(proxy: str) -> None:
    """The threat model's promises: forged ids and foreign origins refused; JS gzipped."""
    status, _ = _fetch_status(f"{proxy}/app?bokeh-session-id=guessed-or-forged")
    assert status == 403, f"a forged session id got {status}"
    status, headers = _fetch_status(f"{proxy}/static/js/bokeh.min.js", {"Accept-Encoding": "gzip"})
    assert status == 200 and headers.get("Content-Encoding") == "gzip", (status, headers)

    async def foreign_origin() -> int:
        request = HTTPRequest(
            proxy.replace("http", "ws") + "/app/ws", headers={"Origin": "http://elsewhere.example"}
        )
        try:
            (await websocket_connect(request)).close()
        except HTTPClientError as error:
            return error.code
        return 101

    assert asyncio.run(foreign_origin()) == 403


def report_figures(
    concurrent_rows: list[dict[str, object]],
    sequential_rows_: list[dict[str, object]],
    per_session_mb: float,
) -> str:
    title = f"nginx -> 2 panel serve processes (deploy/), {VISITORS} concurrent visitors"
    text = (
        f"### {title}\n\n{markdown_table(concurrent_rows)}\n\n"
        f"memory per concurrent visitor at the peak (MB): {per_session_mb:.2f}\n\n"
        f"### Sequential visits through nginx\n\n{markdown_table(sequential_rows_)}\n"
    )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text)
    return text


@pytest.mark.usefixtures("visitors_from_own_addresses")
def test_load_through_nginx_on_two_processes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    nginx_binary()  # fail (or skip) before starting anything
    proxy_port, ports = free_port(), [free_port(), free_port()]
    proxy = f"http://127.0.0.1:{proxy_port}"
    with (
        running_serve_sh(tmp_path, ports, f"127.0.0.1:{proxy_port}") as backends,
        running_nginx(tmp_path, proxy_port, ports) as access_log,
    ):
        assert len(backends.pids) == 2, f"serve.sh started {backends.pids}"
        wait_for_http(f"{proxy}/liveness")
        wait_for_http(f"{proxy}/app")
        check_exposure(proxy)
        # Each process is warmed directly (a non-browser client sends no Origin),
        # so the baseline is every process's idle state, not one cold process.
        backends_direct = [f"http://127.0.0.1:{port}/app" for port in ports]
        report = asyncio.run(
            run_concurrent(
                f"{proxy}/app", backends.pids, VISITORS, DRAWS, warm_up_urls=backends_direct
            )
        )
        sequential = asyncio.run(run_sequential(f"{proxy}/app", backends.pids, SEQUENTIAL))

    per_session = (report.rss_peak - report.rss_before) / VISITORS
    with capsys.disabled():  # the figures show without -s too
        print("\n" + report_figures(report.rows(), sequential_rows(sequential), per_session))

    assert report.errors == [], report.errors[:10]
    clients = upstreams_by_client(access_log)
    visits = {c: u for c, u in clients.items() if c != "127.0.0.1"}  # 127.0.0.1: our polling
    # Every visit, and run_sequential's warm-up, went through nginx.
    assert len(visits) == VISITORS + SEQUENTIAL + 1, "every visit through nginx"
    for client, served in visits.items():
        assert len(served["page"]) == 1 and served["ws"] == served["page"], (
            f"{client}: page from {served['page']}, WebSocket from {served['ws']}"
        )
    used = {upstream for served in visits.values() for upstream in served["ws"]}
    assert used == {f"127.0.0.1:{port}" for port in ports}, f"only {used} served visitors"
    assert report.rss_after <= 1.2 * report.rss_before
    assert sequential["growth"] <= 30
