// pulsar.Message's methods and docstrings (the class is core/message.hpp's).
#include <pybind11/pybind11.h>

#include "bind/register.hpp"
#include "core/encryption.hpp"
#include "core/message.hpp"
#include "core/message_id.hpp"

namespace fastpulsar {

void register_message(py::module_& m) {
    py::class_<ReceivedMessage>(m, "Message", "A message received by a Consumer.")
        .def("data", &ReceivedMessage::data, "The payload, as bytes.")
        .def(
            "value",
            [](py::handle self) { return self.cast<const ReceivedMessage&>().value(self); },
            "The payload decoded by the consumer's schema.")
        .def("properties", &ReceivedMessage::properties, "The properties, a dict of str to str.")
        .def(
            "partition_key", [](const ReceivedMessage& m) { return m.message().getPartitionKey(); },
            "The partition key ('' when none was set).")
        .def(
            "ordering_key", [](const ReceivedMessage& m) { return m.message().getOrderingKey(); },
            "The ordering key ('' when none was set).")
        .def(
            "publish_timestamp",
            [](const ReceivedMessage& m) { return m.message().getPublishTimestamp(); },
            "When the broker received it, in milliseconds since the epoch.")
        .def(
            "event_timestamp",
            [](const ReceivedMessage& m) { return m.message().getEventTimestamp(); },
            "The event time set by the producer in milliseconds since the epoch, or 0.")
        .def(
            "message_id",
            [](const ReceivedMessage& m) { return wrap_message_id(m.message().getMessageId()); },
            "The MessageId, for acknowledge() and seek().")
        .def(
            "topic_name", [](const ReceivedMessage& m) { return m.message().getTopicName(); },
            "The topic (partition) the message came from.")
        .def(
            "redelivery_count",
            [](const ReceivedMessage& m) { return m.message().getRedeliveryCount(); },
            "How many times the broker has redelivered it.")
        .def(
            "schema_version", [](const ReceivedMessage& m) { return m.schema_version(); },
            "The schema version the producer used, as a str as in pulsar-client ('' when\n"
            "none; libpulsar's bytes decoded as UTF-8, undecodable bytes as surrogates).")
        .def(
            "producer_name", [](const ReceivedMessage& m) { return m.message().getProducerName(); },
            "The name of the producer that sent it.")
        .def(
            "has_null_value", [](const ReceivedMessage& m) { return m.message().hasNullValue(); },
            "Whether it was sent with content=None (a null value, e.g. a tombstone).")
        .def(
            "encryption_context",
            [](const ReceivedMessage& m) { return encryption_context(m.message()); },
            "None for a message that was not encrypted; else a pulsar.EncryptionContext (a\n"
            "copy: it stays valid after the message is gone), is_decryption_failed() telling\n"
            "whether the payload is still encrypted (crypto_failure_action=CONSUME).")
        .def("__repr__", &ReceivedMessage::repr);

    m.def("_install_encryption_context", &install_encryption_context_factory, py::arg("factory"),
          "Called once by pulsar._crypto: the factory of the EncryptionContext objects that\n"
          "Message.encryption_context() returns.");
}

}  // namespace fastpulsar
