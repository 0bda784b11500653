"""A token supplier that gives short-lived tokens until the first message is sent, then
raises: run by fastpulsar and by pulsar-client 3.13 (each in its own interpreter, this file
as the script), to see what the broker's later request for a fresh token (an auth challenge,
once the token has expired) does to the process.

Arguments: service URL, CA file, the broker's HS256 token secret (hex), role, topic, seconds
to keep sending.  The tokens are made here (fastpulsar_testing's tokens.py, loaded by path:
the official client's environment does not have the package), each valid for
TOKEN_LIFETIME_S from when it is asked for.  Prints one JSON line: how often the supplier
raised, and each send's outcome.  Imports nothing else but pulsar and the standard library.
"""

from __future__ import annotations

import importlib.util
import json
import sys
import time
from pathlib import Path

import pulsar

TOKEN_LIFETIME_S = 3
TOKENS_PY = Path(__file__).resolve().parents[2] / "testing/fastpulsar_testing/standalone/tokens.py"


def main() -> None:
    url, ca, secret_hex, role, topic, seconds = sys.argv[1:7]
    spec = importlib.util.spec_from_file_location("peer_tokens", TOKENS_PY)
    assert spec is not None
    assert spec.loader is not None
    tokens = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tokens)
    secret = bytes.fromhex(secret_hex)
    raised: list[float] = []
    armed: list[bool] = []  # set once a message went through: from then on the supplier raises
    sys.unraisablehook = lambda unraisable: None  # fastpulsar reports each failure there

    def supplier() -> str:
        if not armed:
            return str(tokens.make_token(secret, role, TOKEN_LIFETIME_S))
        raised.append(time.monotonic())
        raise RuntimeError("the token supplier failed on refresh")

    client = pulsar.Client(
        url,
        authentication=pulsar.AuthenticationToken(supplier),
        tls_trust_certs_file_path=ca,
        operation_timeout_seconds=10,
    )
    producer = client.create_producer(topic, send_timeout_millis=3000)
    print("CREATED", flush=True)
    results: list[str] = []
    deadline = time.monotonic() + float(seconds)
    while time.monotonic() < deadline:
        try:
            producer.send(b"x")
            results.append("Ok")
            if not armed:
                armed.append(True)
        except pulsar.PulsarException as exc:
            results.append(type(exc).__name__)
        time.sleep(0.2)
    client.close()
    print(json.dumps({"raised": len(raised), "results": results}), flush=True)


if __name__ == "__main__":
    main()
