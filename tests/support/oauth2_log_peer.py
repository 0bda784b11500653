"""Connect with AuthenticationOauth2 and a DEBUG ConsoleLogger, produce one message, close:
run by fastpulsar and by pulsar-client 3.13 (each in its own interpreter, this file as the
script) to compare what their log lines show of the OAuth2 secrets.

Arguments: service URL, CA file, topic, the OAuth2 parameters (JSON).  The log lines go to
standard output; the last line is ``RESULT <Ok or the exception's class name>``.  Imports
nothing but pulsar and the standard library.
"""

from __future__ import annotations

import sys

import pulsar


def main() -> None:
    url, ca, topic, params = sys.argv[1:5]
    client = pulsar.Client(
        url,
        authentication=pulsar.AuthenticationOauth2(params),
        tls_trust_certs_file_path=ca,
        operation_timeout_seconds=30,
        logger=pulsar.ConsoleLogger(pulsar.LoggerLevel.Debug),
    )
    try:
        client.create_producer(topic).send(b"oauth2")
        result = "Ok"
    except pulsar.PulsarException as exc:
        result = type(exc).__name__
    client.close()
    sys.stdout.flush()
    print(f"RESULT {result}", flush=True)


if __name__ == "__main__":
    main()
