"""A small TCP proxy for fault tests: between a client and a broker's binary port, it can
cut every connection, stall them, and let traffic through again.

``TcpProxy(upstream_port).start()`` listens on a free loopback port (``port``, ``url``) and
forwards each connection it accepts to ``127.0.0.1:upstream_port`` (``upstream`` may be
changed later, e.g. once the broker behind it has its ports: new connections go there).  One thread runs every
socket through a selector; the methods below may be called from any thread and return once
that thread has applied them:

* ``cut()``: close every open connection (both ends) and, until ``restore()``, accept new
  ones only to close them at once (the client sees the connection end during its handshake);
* ``stall()``: stop forwarding bytes in both directions without closing anything (new
  connections are accepted and held, silent) until ``restore()``;
* ``restore()``: forward again (held bytes and connections go on where they were).

``bytes_forwarded`` (and its two directions) and ``connections_accepted`` show that traffic
really went through the proxy.  ``close()`` (or leaving the ``with`` block) stops the thread
and closes every socket.
"""

from __future__ import annotations

import contextlib
import selectors
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from .ports import LOOPBACK

# Per direction, at most this many bytes wait in the proxy before it stops reading the sender.
_BUFFER_LIMIT = 1 << 20
_READ_SIZE = 1 << 16


class ProxyError(RuntimeError):
    """The proxy could not start, or its thread is gone."""


@dataclass(eq=False)
class _Side:
    """One socket of a forwarded connection; ``pending`` holds the bytes to write to it."""

    sock: socket.socket
    to_upstream: bool  # bytes written to this socket go to the broker
    peer: _Side | None = None
    pending: bytearray = field(default_factory=bytearray)
    events: int = 0  # what the selector watches for now (0: not registered)


class TcpProxy:
    """Forwards loopback TCP connections to ``upstream_host:upstream_port``; see the module
    docstring.  ``port``: where to listen (default: a free loopback port)."""

    def __init__(self, upstream_port: int, *, upstream_host: str = LOOPBACK, port: int = 0) -> None:
        self.upstream = (upstream_host, upstream_port)
        self._requested_port = port
        self._listener: socket.socket | None = None
        self._selector = selectors.DefaultSelector()
        self._wake_r, self._wake_w = socket.socketpair()
        self._commands: list[tuple[Callable[[], None], threading.Event]] = []
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._closing = False
        self._sides: set[_Side] = set()
        self.mode = "forward"  # or "cut", "stall"
        self.bytes_to_upstream = 0
        self.bytes_to_client = 0
        self.connections_accepted = 0
        self.connections_refused = 0  # accepted and closed at once while cut
        self.upstream_failures = 0  # the broker refused the proxy's connection

    # -- public -----------------------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._listener is None:
            raise ProxyError("proxy not started")
        return int(self._listener.getsockname()[1])

    @property
    def url(self) -> str:
        return f"pulsar://{LOOPBACK}:{self.port}"

    @property
    def bytes_forwarded(self) -> int:
        return self.bytes_to_upstream + self.bytes_to_client

    @property
    def open_connections(self) -> int:
        return len(self._sides) // 2

    def start(self) -> TcpProxy:
        """Listen and start the forwarding thread.  Raises ProxyError if already started."""
        if self._thread is not None:
            raise ProxyError("proxy already started")
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            listener.bind((LOOPBACK, self._requested_port))
            listener.listen(128)
        except OSError as exc:
            listener.close()
            raise ProxyError(f"cannot listen on {LOOPBACK}:{self._requested_port}: {exc}") from exc
        listener.setblocking(False)
        self._listener = listener
        self._wake_r.setblocking(False)
        self._selector.register(listener, selectors.EVENT_READ, "listen")
        self._selector.register(self._wake_r, selectors.EVENT_READ, "wake")
        self._thread = threading.Thread(target=self._run, name="fastpulsar-test-proxy", daemon=True)
        self._thread.start()
        return self

    def cut(self) -> None:
        """Close every open connection; refuse new ones until ``restore()``."""
        self._call(self._do_cut)

    def stall(self) -> None:
        """Stop forwarding (nothing closed) until ``restore()``."""
        self._call(self._do_stall)

    def restore(self) -> None:
        """Forward again after ``cut()`` or ``stall()``."""
        self._call(self._do_restore)

    def close(self) -> None:
        """Stop the thread, close every socket; idempotent."""
        thread = self._thread
        if thread is not None and thread.is_alive():
            self._closing = True
            self._wake()
            thread.join(10)
        for side in list(self._sides):
            self._close_side(side)
        if self._listener is not None:
            self._listener.close()
        self._wake_r.close()
        self._wake_w.close()
        self._selector.close()

    def __enter__(self) -> TcpProxy:  # noqa: PYI034 - Self needs Python 3.11
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- commands, run by the proxy's thread --------------------------------------------------

    def _call(self, command: Callable[[], None], timeout: float = 10.0) -> None:
        """Run ``command`` on the proxy's thread and wait for it (ProxyError if it is gone)."""
        if self._thread is None or not self._thread.is_alive():
            raise ProxyError("proxy not running")
        done = threading.Event()
        with self._lock:
            self._commands.append((command, done))
        self._wake()
        if not done.wait(timeout):
            raise ProxyError("the proxy's thread did not answer")

    def _wake(self) -> None:
        # OSError: the buffer is full (a wake-up is pending already), or the proxy is closed.
        with contextlib.suppress(OSError):
            self._wake_w.send(b"x")

    def _do_cut(self) -> None:
        self.mode = "cut"
        for side in list(self._sides):
            self._close_side(side)

    def _do_stall(self) -> None:
        self.mode = "stall"
        self._update_all()

    def _do_restore(self) -> None:
        self.mode = "forward"
        self._update_all()

    # -- the loop -----------------------------------------------------------------------------

    def _run(self) -> None:
        while not self._closing:
            for key, mask in self._selector.select(timeout=0.5):
                if key.data == "wake":
                    self._drain_wake()
                elif key.data == "listen":
                    self._accept()
                else:
                    side = key.data
                    assert isinstance(side, _Side)
                    if side in self._sides and mask & selectors.EVENT_READ:
                        self._read(side)
                    if side in self._sides and mask & selectors.EVENT_WRITE:
                        self._write(side)

    def _drain_wake(self) -> None:
        try:
            while self._wake_r.recv(4096):
                pass
        except BlockingIOError:
            pass
        with self._lock:
            commands, self._commands = self._commands, []
        for command, done in commands:
            try:
                command()
            finally:
                done.set()

    def _accept(self) -> None:
        assert self._listener is not None
        try:
            client, _ = self._listener.accept()
        except (BlockingIOError, InterruptedError):
            return
        self.connections_accepted += 1
        if self.mode == "cut":
            self.connections_refused += 1
            client.close()
            return
        try:
            upstream = socket.create_connection(self.upstream, timeout=5.0)
        except OSError:
            self.upstream_failures += 1
            client.close()
            return
        for sock in (client, upstream):
            sock.setblocking(False)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        a = _Side(client, to_upstream=False)
        b = _Side(upstream, to_upstream=True)
        a.peer, b.peer = b, a
        self._sides.update((a, b))
        self._update(a)
        self._update(b)

    def _read(self, side: _Side) -> None:
        peer = side.peer
        assert peer is not None
        try:
            data = side.sock.recv(_READ_SIZE)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:  # the other end closed: close the connection on both sides
            self._close_side(side)
            return
        peer.pending += data
        self._write(peer)
        if peer in self._sides:
            self._update(side)

    def _write(self, side: _Side) -> None:
        if self.mode != "forward" or not side.pending:
            self._update(side)
            return
        try:
            sent = side.sock.send(side.pending)
        except (BlockingIOError, InterruptedError):
            sent = 0
        except OSError:
            self._close_side(side)
            return
        del side.pending[:sent]
        if side.to_upstream:
            self.bytes_to_upstream += sent
        else:
            self.bytes_to_client += sent
        self._update(side)
        if side.peer is not None:
            self._update(side.peer)

    def _update_all(self) -> None:
        for side in list(self._sides):
            self._update(side)

    def _update(self, side: _Side) -> None:
        """Watch ``side`` for what it can do now: read while its peer's buffer has room,
        write while it has bytes pending; nothing while stalled."""
        if side not in self._sides:
            return
        events = 0
        if self.mode == "forward":
            peer = side.peer
            if peer is not None and len(peer.pending) < _BUFFER_LIMIT:
                events |= selectors.EVENT_READ
            if side.pending:
                events |= selectors.EVENT_WRITE
        if events == side.events:
            return
        if side.events == 0:
            self._selector.register(side.sock, events, side)
        elif events == 0:
            self._selector.unregister(side.sock)
        else:
            self._selector.modify(side.sock, events, side)
        side.events = events

    def _close_side(self, side: _Side) -> None:
        """Close ``side`` and its peer (a connection is forwarded whole or not at all)."""
        for s in (side, side.peer):
            if s is None or s not in self._sides:
                continue
            self._sides.discard(s)
            if s.events:
                with contextlib.suppress(KeyError, ValueError):  # selector closed already
                    self._selector.unregister(s.sock)
                s.events = 0
            with contextlib.suppress(OSError):  # not connected any more
                s.sock.shutdown(socket.SHUT_RDWR)
            s.sock.close()
