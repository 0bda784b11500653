"""The interface of a Pulsar Function written in Python."""

from __future__ import annotations

from abc import abstractmethod
from typing import Any

from pulsar.functions.context import Context


class Function:
    """A Pulsar Function: `process` is called for each input message.

    As in pulsar-client, the class is not an ABC: the runtime instantiates subclasses, and
    the decorator only documents which method a subclass must define."""

    @abstractmethod
    def process(self, input: Any, context: Context) -> Any:
        """Process one `input` (deserialized by the input SerDe); what it returns, unless
        None, is serialized and published to the output topic.

        Args:
            input: The message's value.
            context: The function's `Context`: the message's metadata, configuration,
                state, metrics and publishing.
        """
