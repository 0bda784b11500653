"""A TLS-terminating TCP proxy on loopback, for the hostname and CA tests.

It presents a certificate of the test's choosing (e.g. one naming only "other.example") and
forwards the decrypted bytes to a broker's plain port.  Only the first connection of a client
(its lookup) goes through it: the broker's lookup answer names the broker's own TLS address,
so producers and consumers then connect there directly, with the broker's own certificate.

Threads: one accepting, one per connection; all daemons, ended by close().
"""

from __future__ import annotations

import contextlib
import select
import socket
import ssl
import threading
from pathlib import Path


class TlsProxy:
    """Listens on 127.0.0.1 (``port``), TLS with ``cert``/``key``, forwards to ``upstream``.

    ``accepted`` counts TCP connections, ``handshakes`` completed TLS handshakes, and
    ``handshake_errors`` the handshake failures (their messages).
    """

    def __init__(self, cert: Path, key: Path, upstream: tuple[str, int]) -> None:
        self._context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self._context.load_cert_chain(str(cert), str(key))
        self._upstream = upstream
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self.port: int = self._listener.getsockname()[1]
        self.accepted = 0
        self.handshakes = 0
        self.handshake_errors: list[str] = []
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._accept_loop, name="tls-proxy", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"pulsar+ssl://127.0.0.1:{self.port}"

    def _accept_loop(self) -> None:
        while not self._closed.is_set():
            try:
                conn, _ = self._listener.accept()
            except (TimeoutError, socket.timeout):
                continue
            except OSError:
                return
            with self._lock:
                self.accepted += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        conn.settimeout(30)
        try:
            tls = self._context.wrap_socket(conn, server_side=True)
        except (ssl.SSLError, OSError) as exc:
            with self._lock:
                self.handshake_errors.append(str(exc))
            conn.close()
            return
        with self._lock:
            self.handshakes += 1
        try:
            upstream = socket.create_connection(self._upstream, timeout=10)
        except OSError:
            tls.close()
            return
        tls.settimeout(5)
        upstream.settimeout(5)
        # One thread both ways: an SSL socket must not be read and written by two threads.
        peers = {tls: upstream, upstream: tls}
        try:
            while not self._closed.is_set():
                if tls.pending():
                    readable: list[socket.socket] = [tls]
                else:
                    readable = select.select(list(peers), [], [], 0.2)[0]
                for sock in readable:
                    try:
                        data = sock.recv(65536)
                    except (TimeoutError, socket.timeout, ssl.SSLWantReadError):
                        continue  # a TLS record not complete yet, or not application data
                    if not data:
                        return
                    peers[sock].sendall(data)
        except OSError:
            pass
        finally:
            for sock in (tls, upstream):
                with contextlib.suppress(OSError):
                    sock.close()

    def close(self) -> None:
        self._closed.set()
        self._listener.close()
        self._thread.join(5)  # the connections' threads see _closed within 0.2 s

    def __enter__(self) -> TlsProxy:  # noqa: PYI034 - Self needs Python 3.11
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
