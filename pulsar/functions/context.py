"""The context a Pulsar Function gets with each input: the message being processed, the
function's identity and configuration, metrics, publishing and managed state.

An interface: the Pulsar Functions runtime supplies the implementation. As in pulsar-client,
the class is not an ABC (the decorators document what an implementation defines)."""

from __future__ import annotations

from abc import abstractmethod
from typing import Any


class Context:
    """What a Pulsar Function can ask about, and do, while it processes a message."""

    @abstractmethod
    def get_message_id(self) -> Any:
        """The id of the message being processed."""

    @abstractmethod
    def get_message_key(self) -> Any:
        """The key of the message being processed."""

    @abstractmethod
    def get_message_eventtime(self) -> Any:
        """The event time of the message being processed."""

    @abstractmethod
    def get_message_properties(self) -> Any:
        """The properties (a dict) of the message being processed."""

    @abstractmethod
    def get_current_message_topic_name(self) -> Any:
        """The topic the message being processed came from."""

    @abstractmethod
    def get_function_tenant(self) -> Any:
        """The tenant this function runs in."""

    @abstractmethod
    def get_function_namespace(self) -> Any:
        """The namespace this function runs in."""

    @abstractmethod
    def get_function_name(self) -> Any:
        """This function's name."""

    @abstractmethod
    def get_function_id(self) -> Any:
        """This function's id."""

    @abstractmethod
    def get_instance_id(self) -> Any:
        """The id of the instance running this function."""

    @abstractmethod
    def get_function_version(self) -> Any:
        """The version of this function."""

    @abstractmethod
    def get_logger(self) -> Any:
        """A logger for the function to log with."""

    @abstractmethod
    def get_user_config_value(self, key: Any) -> Any:
        """The user configuration's value for `key`, None when it has none."""

    @abstractmethod
    def get_user_config_map(self) -> Any:
        """The whole user configuration, as a dict."""

    @abstractmethod
    def get_secret(self, secret_name: str) -> Any:
        """The secret named `secret_name`, None when there is none."""

    @abstractmethod
    def get_partition_key(self) -> Any:
        """The partition key of the message being processed, if it has one."""

    @abstractmethod
    def get_ordering_key(self) -> Any:
        """The ordering key of the message being processed, if it has one."""

    @abstractmethod
    def record_metric(self, metric_name: str, metric_value: float) -> Any:
        """Records `metric_value` (a number) for the metric `metric_name`."""

    @abstractmethod
    def publish(
        self,
        topic_name: str,
        message: Any,
        serde_class_name: str = "serde.IdentitySerDe",
        properties: Any = None,
        compression_type: Any = None,
        callback: Any = None,
        message_conf: Any = None,
    ) -> Any:
        """Serializes `message` with the SerDe class named `serde_class_name` and publishes it to
        `topic_name`. `message_conf` may hold properties, partition_key, ordering_key,
        sequence_id, replication_clusters, disable_replication and event_timestamp.
        `properties`, `compression_type` and `callback` are the runtime's: the properties
        of the message, the producer's compression and a function called once the message
        is sent.
        """

    @abstractmethod
    def get_input_topics(self) -> Any:
        """The topics this function reads."""

    @abstractmethod
    def get_output_topic(self) -> Any:
        """The topic this function's results go to."""

    @abstractmethod
    def get_output_serde_class_name(self) -> Any:
        """The name of the SerDe class of the output."""

    @abstractmethod
    def ack(self, msgid: Any, topic: str) -> Any:
        """Acknowledges the message `msgid` of `topic`."""

    @abstractmethod
    def incr_counter(self, key: Any, amount: int) -> Any:
        """Adds `amount` to the managed-state counter `key`."""

    @abstractmethod
    def get_counter(self, key: Any) -> Any:
        """The managed-state counter `key`."""

    @abstractmethod
    def del_counter(self, key: Any) -> Any:
        """Deletes the managed-state counter `key`."""

    @abstractmethod
    def put_state(self, key: Any, value: Any) -> Any:
        """Sets the managed-state value of `key`."""

    @abstractmethod
    def get_state(self, key: Any) -> Any:
        """The managed-state value of `key`."""
