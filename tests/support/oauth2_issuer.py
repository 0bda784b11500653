"""A minimal OAuth2 issuer on loopback (client-credentials grant only), for
``AuthenticationOauth2``: libpulsar reads ``/.well-known/openid-configuration``, then posts
the client id and secret to its ``token_endpoint``, which answers with ``access_token``
(a token the broker's token provider accepts).

Thread: one serving thread (http.server), a daemon, ended by close().
"""

from __future__ import annotations

import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class OAuth2Issuer:
    """Issues ``access_token`` to ``client_id`` presenting ``client_secret``; ``token_requests``
    counts the grants asked for, ``rejected`` those with wrong credentials."""

    def __init__(self, client_id: str, client_secret: str, access_token: str) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.access_token = access_token
        self.token_requests = 0
        self.rejected = 0
        issuer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass  # quiet: stderr is checked for secrets by some tests

            def _reply(self, status: int, body: dict[str, object]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                if self.path.rstrip("/").endswith("/.well-known/openid-configuration"):
                    self._reply(
                        200, {"issuer": issuer.url, "token_endpoint": issuer.url + "/token"}
                    )
                else:
                    self._reply(404, {"error": "not_found"})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = urllib.parse.parse_qs(self.rfile.read(length).decode())
                issuer.token_requests += 1
                if form.get("client_id") != [issuer.client_id] or form.get("client_secret") != [
                    issuer.client_secret
                ]:
                    issuer.rejected += 1
                    self._reply(401, {"error": "invalid_client"})
                    return
                self._reply(
                    200,
                    {
                        "access_token": issuer.access_token,
                        "token_type": "Bearer",
                        "expires_in": 3600,
                    },
                )

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="oauth2-issuer", daemon=True
        )
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)
