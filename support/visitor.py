"""A visitor that talks to the served app exactly as a browser tab does, minus the drawing.

It fetches the page over HTTP (which makes the server run ``app.py`` for a new
session), takes the session token from it, opens the session's WebSocket with
Bokeh's protocol, pulls the document and then sends the same messages BokehJS
sends for a slider drag, a tab switch or a button click. Many visitors share
one asyncio loop, so a load test needs no browser and no threads.

Because it goes through the page like a browser, it also works behind a proxy
and with signed session ids (the token is the server's own).
"""

from __future__ import annotations

import asyncio
import importlib
import pkgutil
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

import panel.models
from bokeh.client.websocket import WebSocketClientConnectionWrapper
from bokeh.document import Document
from bokeh.document.events import DocumentPatchedEvent
from bokeh.events import ButtonClick, DocumentReady
from bokeh.model import Model
from bokeh.protocol import Protocol
from bokeh.protocol.receiver import Receiver
from tornado.httpclient import AsyncHTTPClient, HTTPRequest
from tornado.websocket import WebSocketClientConnection, websocket_connect


def _register_panel_models() -> None:
    """Import every Panel model class so pulled documents can be decoded here."""
    for module in pkgutil.iter_modules(panel.models.__path__):
        importlib.import_module(f"panel.models.{module.name}")


_register_panel_models()
TOKEN = re.compile(r'"token":"([^"]+)"')
# A browser waits minutes for a page, not seconds; 100 visitors arriving at once
# on one process queue that long (see the README's load figures).
TIMEOUT_S = 300.0


class VisitorError(RuntimeError):
    """The server answered a visitor wrongly (an HTTP error, a closed socket, a timeout)."""


@dataclass(eq=False, repr=False)
class Visitor:
    """One browser tab's worth of traffic for the app at ``url``."""

    url: str
    query: dict[str, str] = field(default_factory=dict)
    document: Document = field(default_factory=Document)
    _socket: WebSocketClientConnection | None = None
    _reader: asyncio.Task | None = None
    _changed: asyncio.Event = field(default_factory=asyncio.Event)
    _sending: set[asyncio.Task] = field(default_factory=set)
    _closed: bool = False

    # ------------------------------------------------------------------ session

    async def open(self) -> None:
        """Load the page, connect its WebSocket and pull the session's document."""
        await self._connect(await self._load_page())

    def _headers(self) -> dict[str, str]:
        """Headers of every request and of the WebSocket handshake (none here)."""
        return {}

    async def _load_page(self) -> str:
        """Fetch the page; return its session token."""
        page_url = self.url + ("?" + urlencode(self.query) if self.query else "")
        response = await AsyncHTTPClient().fetch(
            page_url, connect_timeout=TIMEOUT_S, request_timeout=TIMEOUT_S
        )
        match = TOKEN.search(response.body.decode())
        if match is None:
            raise VisitorError(f"no session token in the page at {page_url}")
        return match.group(1)

    async def _connect(self, token: str) -> None:
        """Open the session's WebSocket with ``token`` and pull its document."""
        ws_url = re.sub(r"^http", "ws", self.url.split("?")[0]) + "/ws"
        self._socket = await websocket_connect(
            HTTPRequest(
                ws_url,
                headers=self._headers(),
                connect_timeout=TIMEOUT_S,
                request_timeout=TIMEOUT_S,
            ),
            subprotocols=["bokeh", token],
            max_message_size=2**26,
        )
        self._socket.stream.set_nodelay(True)  # Bokeh sends each message as 3+ frames
        self._protocol = Protocol()
        self._receiver = Receiver(self._protocol)
        ack = await self._read_message()
        if ack.msgtype != "ACK":
            raise VisitorError(f"expected ACK, got {ack.msgtype}")
        await self._send(self._protocol.create("PULL-DOC-REQ"))
        reply = await self._read_message()
        if reply.msgtype != "PULL-DOC-REPLY":
            raise VisitorError(f"expected PULL-DOC-REPLY, got {reply.msgtype}")
        self._take_document(reply)
        self.document.callbacks.on_change(self._send_change)
        self._reader = asyncio.create_task(self._read_forever())
        # BokehJS says this once the page is drawn; Panel runs its onload work then.
        self.document.callbacks.send_event(DocumentReady())

    def _take_document(self, reply) -> None:
        """Build the pulled document here, to act on its models."""
        reply.push_to_document(self.document)
        self.document.models.flush_synced()  # later messages refer to these by id

    def _take_patch(self, message) -> None:
        message.apply_to_document(self.document, self)
        self.document.models.flush_synced()

    async def close(self) -> None:
        """Leave as a tab does: what was sent arrives, then the socket closes."""
        await asyncio.gather(*self._sending)
        self._closed = True
        if self._socket is not None:
            self._socket.close()
        if self._reader is not None:
            self._reader.cancel()
            await asyncio.gather(self._reader, return_exceptions=True)

    # ------------------------------------------------------------------ actions

    def model(self, predicate: Callable[[Model], bool], what: str) -> Model:
        """The one model of the document that ``predicate`` picks."""
        for model in self.document.models:
            if predicate(model):
                return model
        raise VisitorError(f"no {what} in the document")

    def slide(self, slider: Model, value: float) -> None:
        """What BokehJS sends for a key press on ``slider``: its value, then the settled value."""
        slider.value = value
        slider.set_from_json("value_throttled", value)  # read-only for Python code, not for us

    def click(self, button: Model) -> None:
        """What BokehJS sends when the user clicks ``button``."""
        self.document.callbacks.send_event(ButtonClick(button))

    async def wait_for(self, predicate: Callable[[], bool], what: str) -> float:
        """Wait until the server's updates make ``predicate()`` true; return the perf_counter."""
        deadline = time.perf_counter() + TIMEOUT_S
        while not predicate():
            if self._closed or self._reader is None or self._reader.done():
                raise VisitorError(f"connection closed while waiting for {what}")
            self._changed.clear()
            remaining = deadline - time.perf_counter()
            try:
                await asyncio.wait_for(self._changed.wait(), timeout=max(remaining, 0))
            except TimeoutError:
                raise VisitorError(f"timed out waiting for {what}") from None
        return time.perf_counter()

    # ------------------------------------------------------------------ wire

    def _send_change(self, event: object) -> None:
        """Forward a local change (ours, not the server's) to the server."""
        if isinstance(event, DocumentPatchedEvent) and event.setter is not self:
            message = self._protocol.create("PATCH-DOC", [event])
            task = asyncio.get_running_loop().create_task(self._send(message))
            self._sending.add(task)
            task.add_done_callback(self._sending.discard)

    async def _send(self, message) -> None:
        await message.send(WebSocketClientConnectionWrapper(self._socket))

    async def _read_message(self):
        while True:
            fragment = await self._socket.read_message()
            if fragment is None:
                raise VisitorError("the server closed the connection")
            if (message := await self._receiver.consume(fragment)) is not None:
                return message

    async def _read_forever(self) -> None:
        while True:
            message = await self._read_message()
            if message.msgtype == "PATCH-DOC":
                self._take_patch(message)
            elif message.msgtype == "ERROR":
                raise VisitorError(f"server error: {message.content}")
            self._changed.set()
