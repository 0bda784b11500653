"""The client a command runs with: its service URL (or an embedded pulsar-lite broker),
authentication, TLS and logging, from the common options.

Main thread only. ``connection`` yields an open client and closes it (and stops the embedded
broker) when the block ends, whatever ends it.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import sys
from collections.abc import Iterator

import pulsar
from pulsar import _embedded

_LEVELS = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warn": logging.WARNING,
    "error": logging.ERROR,
    "off": logging.CRITICAL + 1,
}


class UsageError(Exception):
    """Arguments that cannot work together (exit status 2, the message on stderr)."""


class InvalidServiceUrl(Exception):
    """A service URL libpulsar cannot parse (exit status 2, the message on stderr)."""


def library_logger(level: str) -> logging.Logger:
    """A logger of its own (not in logging's tree) writing libpulsar's lines to stderr."""
    logger = logging.Logger("pulsar.cli", _LEVELS[level])  # noqa: LOG001 - outside the tree
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    logger.addHandler(handler)
    logger.propagate = False
    return logger


def _authentication(args: argparse.Namespace) -> pulsar.Authentication | None:
    if args.auth_token is not None:
        return pulsar.AuthenticationToken(args.auth_token)
    if args.auth_token_file is not None:
        path = args.auth_token_file
        try:
            with open(path, encoding="utf-8") as token_file:
                token_file.read(1)
        except OSError as exc:
            raise UsageError(f"--auth-token-file: cannot read {path}: {exc.strerror}") from None

        def read_token() -> str:
            with open(path, encoding="utf-8") as token_file:
                return token_file.read().strip()

        return pulsar.AuthenticationToken(read_token)
    return None


def note(text: str) -> None:
    """A line for the person at the terminal, on stderr (stdout carries the results)."""
    print(f"fastpulsar: {text}", file=sys.stderr, flush=True)


@contextlib.contextmanager
def _service_url(args: argparse.Namespace) -> Iterator[str]:
    if args.service_url:
        yield args.service_url
        return
    try:
        binary = _embedded.find_binary()
    except _embedded.EmbeddedBrokerError as exc:
        raise UsageError(
            f"no --service-url given, and the embedded broker is not available ({exc}): "
            f"pass --service-url pulsar://HOST:6650, or `{_embedded.INSTALL_HINT}` to run "
            f"against a broker started for the command"
        ) from None
    with _embedded.EmbeddedBroker(binary) as broker:
        note(f"started an embedded pulsar-lite broker at {broker.service_url}")
        yield broker.service_url


@contextlib.contextmanager
def connection(args: argparse.Namespace) -> Iterator[pulsar.Client]:
    """An open client of the cluster the options name; UsageError for options that cannot
    be used (no broker, unreadable token file)."""
    authentication = _authentication(args)
    with _service_url(args) as url:
        try:
            client = pulsar.Client(
                url,
                authentication=authentication,
                tls_trust_certs_file_path=args.tls_trust_certs_file,
                tls_allow_insecure_connection=args.tls_allow_insecure,
                logger=library_logger(args.log_level),
            )
        except ValueError as exc:  # a malformed URL: a plain ValueError, as pulsar-client
            if isinstance(exc, TypeError):
                raise  # InvalidArgumentType: not the URL's fault
            raise InvalidServiceUrl(str(exc)) from exc
        try:
            yield client
        finally:
            client.close()
