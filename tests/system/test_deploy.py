"""The production deployment end to end: Debian's nginx in front of two server processes.

deploy/serve.sh starts the two ``panel serve`` processes exactly as in production
(signed session ids, --liveness, --use-xheaders, --warm, ...; only the ports, the
public host and the session cleanup times come from the environment), and nginx
runs deploy/nginx.conf with only the listen address, the upstream servers, the
log path and the virtualenv's path rewritten for loopback (support/burst.py).

Stickiness: the upstream hashes a route cookie that nginx sets on a visitor's
first response. Every visitor here comes from 127.0.0.1, as a school behind one
NAT address does, so the address cannot tell them apart; each visitor keeps its
own cookie jar and sends the cookie back on its static fetches and WebSocket, as
a browser does. nginx logs the route and the upstream of every request; the tests
check that each visitor's page and WebSocket reached the same process, that both
processes served visitors, and that the static files never reached a process.
The same burst through the config keyed on ``$remote_addr`` lands on one
process: that is what the cookie fixes.

Sizes: GSX_DEPLOY_VISITORS (default 10), GSX_DEPLOY_SEQUENTIAL (default 50) and
GSX_DEPLOY_BURST (default 20); ``make deploy-check`` runs 100 and 1000. The load
figures are printed either way and written to benchmarks/results/deploy.md.
Without nginx the tests fail saying how to install it (never skip).
"""

from __future__ import annotations

import asyncio
import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextvars import ContextVar
from pathlib import Path

import pytest
from bokeh.document import Document
from bokeh.models import Column, ColumnDataSource, Div
from bokeh.plotting import figure
from bokeh.protocol import Protocol
from tornado.httpclient import AsyncHTTPClient, HTTPClientError, HTTPRequest
from tornado.websocket import websocket_connect

import support.visitor
from support.burst import (
    NginxMissing,
    linked_resources,
    model_names,
    nginx_binary,
    read_access_log,
    run_burst,
    running_nginx,
    running_serve_sh,
    upstreams_by_route,
)
from support.load import run_concurrent, run_sequential, sequential_rows
from support.served import ROOT, free_port, wait_for_http
from support.tables import markdown_table
from support.visitor import Visitor

RESULTS = ROOT / "benchmarks" / "results" / "deploy.md"
VISITORS = int(os.environ.get("GSX_DEPLOY_VISITORS", "10"))
SEQUENTIAL = int(os.environ.get("GSX_DEPLOY_SEQUENTIAL", "50"))
BURST = int(os.environ.get("GSX_DEPLOY_BURST", "20"))
DRAWS = 10_000


def require_nginx() -> None:
    """Fail (never skip) before starting anything when nginx is missing."""
    try:
        nginx_binary()
    except NginxMissing as error:
        pytest.fail(str(error))


def wire_form(doc: Document) -> dict:
    """A PULL-DOC-REPLY's content for ``doc``, as a visitor receives it."""
    return json.loads(Protocol().create("PULL-DOC-REPLY", "a-request", doc).content_json)


def test_a_burst_visitor_reads_the_names_of_a_pulled_document() -> None:
    """The burst's visitors tell a live session by the main chart's source in the
    document they pulled, which they do not build (support/burst.py)."""
    served = Document()
    served.add_root(Column(Div(name="intro"), figure(name="chart")))
    bars = ColumnDataSource(data={"x": [1], "top": [1]}, name="sample-bars")
    served.roots[0].children[1].vbar(x="x", top="top", source=bars)
    assert {"intro", "chart", "sample-bars"} <= set(model_names(wire_form(served)))
    bars.name = "other"
    assert "sample-bars" not in set(model_names(wire_form(served)))


# ---------------------------------------------------------------------- visitors

COOKIES: ContextVar[dict[str, str] | None] = ContextVar("cookies", default=None)


def _cookie_header(jar: dict[str, str]) -> dict[str, str]:
    return {"Cookie": "; ".join(f"{k}={v}" for k, v in jar.items())} if jar else {}


@pytest.fixture
def visitors_keep_cookies(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each Visitor (support/load.py's) keeps its own cookie jar, as a browser tab does.

    Visitor.open starts a fresh jar for its own task; the page fetch stores
    nginx's Set-Cookie in it and sends it back, and the WebSocket handshake sends it.
    """
    original_open, original_fetch = Visitor.open, AsyncHTTPClient.fetch

    async def open_with_jar(self: Visitor) -> None:
        COOKIES.set({})
        await original_open(self)

    async def fetch(self: AsyncHTTPClient, request, raise_error: bool = True, **kwargs):
        jar = COOKIES.get()
        if jar is None or not isinstance(request, str):
            return await original_fetch(self, request, raise_error, **kwargs)
        kwargs["headers"] = _cookie_header(jar)
        response = await original_fetch(self, request, raise_error, **kwargs)
        for header in response.headers.get_list("Set-Cookie"):
            name, _, value = header.split(";", 1)[0].partition("=")
            jar[name] = value
        return response

    def connect(request: HTTPRequest, **kwargs: object):
        request.headers.update(_cookie_header(COOKIES.get() or {}))
        return websocket_connect(request, **kwargs)

    monkeypatch.setattr(Visitor, "open", open_with_jar)
    monkeypatch.setattr(AsyncHTTPClient, "fetch", fetch)
    monkeypatch.setattr(support.visitor, "websocket_connect", connect)
    yield


# ---------------------------------------------------------------------- checks


def _fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str]]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers)


def check_exposure(proxy: str) -> None:
    """The threat model's promises: forged ids and foreign origins refused."""
    status, _ = _fetch(f"{proxy}/app?bokeh-session-id=guessed-or-forged")
    assert status == 403, f"a forged session id got {status}"

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


def check_route_cookie(proxy: str) -> None:
    """A first request gets the route cookie; a request that sends one gets none."""
    status, headers = _fetch(f"{proxy}/app")
    cookie = headers.get("Set-Cookie", "")
    assert status == 200 and cookie.startswith("gsx_route="), headers
    assert all(flag in cookie for flag in ("Path=/", "HttpOnly", "SameSite=Lax")), cookie
    status, headers = _fetch(f"{proxy}/app", {"Cookie": cookie.split(";")[0]})
    assert status == 200 and "Set-Cookie" not in headers, headers


def logged_static_requests(access_log: Path, offset: int, paths: set[str]) -> list:
    """The /static/ lines logged after ``offset``, once all of ``paths`` are (or 10 s).

    nginx logs a request after its response has gone out, so the last fetch's
    line can land a moment after the client has it.
    """
    deadline = time.monotonic() + 10
    while True:
        logged = read_access_log(access_log, offset)
        static = [line for line in logged if line.path.startswith("/static/")]
        if paths <= {line.path for line in static} or time.monotonic() > deadline:
            return static
        time.sleep(0.05)


def check_static_by_nginx(proxy: str, access_log: Path) -> int:
    """BokehJS and Panel's bundle: from nginx (no upstream), gzipped, cached a year.
    Returns how many scripts and stylesheets the page links."""
    offset = access_log.stat().st_size
    page = urllib.request.urlopen(f"{proxy}/app", timeout=30).read().decode()
    urls = linked_resources(f"{proxy}/app", page)
    assert any("/static/js/bokeh.min.js?v=" in u for u in urls), urls
    assert any("/static/extensions/panel/panel.min.js?v=" in u for u in urls), urls
    for url in urls:
        status, headers = _fetch(url, {"Accept-Encoding": "gzip"})
        assert status == 200, (url, status)
        # gzip_min_length 1024: only the few tiny stylesheets go uncompressed.
        gzipped = headers.get("Content-Encoding") == "gzip"
        assert gzipped or int(headers.get("Content-Length", "0")) < 1024, (url, headers)
        assert gzipped or not url.split("?")[0].endswith(".js"), (url, headers)
        # Sent precompressed (deploy/precompress.py): gzipped on the fly it has no length.
        assert not gzipped or "Content-Length" in headers, (url, headers)
        assert headers.get("Content-Type", "").split(";")[0] in (
            "application/javascript",
            "text/css",
        ), (url, headers)
        if "?v=" in url:
            assert "max-age=31536000" in headers.get("Cache-Control", ""), (url, headers)
            assert "immutable" in headers["Cache-Control"], (url, headers)
    paths = {url.split(str(urllib.parse.urlsplit(url).port), 1)[1] for url in urls}
    static = logged_static_requests(access_log, offset, paths)
    assert paths <= {line.path for line in static}, (paths, static)
    assert {line.upstream for line in static} == {"-"}, [
        line.path for line in static if line.upstream != "-"
    ]
    return len(urls)


# ---------------------------------------------------------------------- load


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


@pytest.mark.usefixtures("visitors_keep_cookies")
def test_load_through_nginx_on_two_processes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    require_nginx()
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
        check_route_cookie(proxy)
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
    visits = upstreams_by_route(read_access_log(access_log))
    # Every visit, and run_sequential's warm-up, went through nginx with its own cookie.
    assert len(visits) == VISITORS + SEQUENTIAL + 1, "every visit through nginx"
    for route, served in visits.items():
        assert len(served.get("page", [])) == 1 and served["ws"] == served["page"], (
            f"route {route}: page from {served.get('page')}, WebSocket from {served['ws']}"
        )
    used = {upstream for served in visits.values() for upstream in served["ws"]}
    assert used == {f"127.0.0.1:{port}" for port in ports}, f"only {used} served visitors"
    assert report.rss_after <= 1.2 * report.rss_before
    assert sequential["growth"] <= 30


# ---------------------------------------------------------------------- a class at once


def test_burst_from_one_address_spreads_over_both_processes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """BURST browsers within a second from 127.0.0.1: all live, both processes used."""
    require_nginx()
    proxy_port, by_address_port = free_port(), free_port()
    ports = [free_port(), free_port()]
    proxy = f"http://127.0.0.1:{proxy_port}"
    with (
        running_serve_sh(tmp_path / "serve", ports, f"127.0.0.1:{proxy_port}") as backends,
        running_nginx(tmp_path / "nginx", proxy_port, ports) as access_log,
    ):
        linked = check_static_by_nginx(proxy, access_log)
        report = asyncio.run(run_burst(proxy, backends.pids, BURST, 1.0, access_log))
        with capsys.disabled():
            print(f"\n### burst: {BURST} visitors from one address\n")
            print(markdown_table(report.rows()))
        assert report.errors == [], report.errors[:5]
        assert len(report.seconds) == BURST
        # Both processes built sessions: their WebSockets in nginx's log, and their CPU.
        upstreams = {f"127.0.0.1:{port}" for port in ports}
        assert set(report.websockets) == upstreams, report.websockets
        assert sum(report.websockets.values()) == BURST
        assert all(share > 0.1 for share in report.cpu_shares()), report.cpu_s
        # A tab's page GET and its WebSocket (same cookie) reached the same process.
        assert report.split_routes == 0
        assert report.static_requests >= BURST * linked  # every visitor fetched them all
        assert report.static_from_upstream == 0

        # The control: the same kind of burst through the config keyed on the
        # address (the old default) lands on one process. (Our visitors send no
        # Origin header, so the backends take them from this second proxy too.)
        with running_nginx(
            tmp_path / "by-address", by_address_port, ports, key="$remote_addr"
        ) as by_address_log:
            control = asyncio.run(
                run_burst(
                    f"http://127.0.0.1:{by_address_port}", backends.pids, 6, 1.0, by_address_log
                )
            )
    assert control.errors == [], control.errors[:5]
    assert len(control.websockets) == 1, control.websockets
