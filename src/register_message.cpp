// pulsar.Message: a received message, with the consumer's schema for value().
#include <string>
#include <utility>

#include "common.hpp"
#include "register.hpp"

namespace fastpulsar {
namespace {

class ReceivedMessage {
   public:
    ReceivedMessage(pulsar::Message message, py::object schema)
        : message_(std::move(message)), schema_(std::move(schema)) {}

    const pulsar::Message& message() const { return message_; }

    py::bytes data() const {
        return py::bytes(static_cast<const char*>(message_.getData()), message_.getLength());
    }

    py::object value(py::handle self) const {
        if (schema_.is_none()) {
            return data();
        }
        return schema_.attr("decode_message")(self);
    }

    py::dict properties() const {
        py::dict out;
        for (const auto& [key, value] : message_.getProperties()) {
            out[py::str(key)] = py::str(value);
        }
        return out;
    }

    std::string repr() const {
        const pulsar::MessageId& id = message_.getMessageId();
        return "<pulsar.Message id=(" + std::to_string(id.ledgerId()) + "," +
               std::to_string(id.entryId()) + "," + std::to_string(id.partition()) + "," +
               std::to_string(id.batchIndex()) + ") topic='" + message_.getTopicName() +
               "' size=" + std::to_string(message_.getLength()) + ">";
    }

   private:
    pulsar::Message message_;
    py::object schema_;
};

}  // namespace

py::object wrap_message(const pulsar::Message& message, py::handle schema) {
    return py::cast(ReceivedMessage(message, py::reinterpret_borrow<py::object>(schema)));
}

const pulsar::Message* unwrap_message(py::handle obj) {
    if (!py::isinstance<ReceivedMessage>(obj)) {
        return nullptr;
    }
    return &obj.cast<const ReceivedMessage&>().message();
}

void register_message(py::module_& m) {
    py::class_<ReceivedMessage>(m, "Message", "A message received by a Consumer.")
        .def("data", &ReceivedMessage::data, "The payload, as bytes.")
        .def(
            "value", [](py::handle self) { return self.cast<const ReceivedMessage&>().value(self); },
            "The payload decoded by the consumer's schema.")
        .def("properties", &ReceivedMessage::properties, "The properties, a dict of str to str.")
        .def(
            "partition_key",
            [](const ReceivedMessage& m) { return m.message().getPartitionKey(); },
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
            "schema_version",
            [](const ReceivedMessage& m) { return py::bytes(m.message().getSchemaVersion()); },
            "The schema version the producer used, as bytes (b'' when none).")
        .def(
            "producer_name",
            [](const ReceivedMessage& m) { return m.message().getProducerName(); },
            "The name of the producer that sent it.")
        .def(
            "has_null_value", [](const ReceivedMessage& m) { return m.message().hasNullValue(); },
            "Whether it was sent with content=None (a null value, e.g. a tombstone).")
        .def(
            "encryption_context", [](const ReceivedMessage&) { return py::none(); },
            "Always None: end-to-end encryption contexts are not exposed yet.")
        .def("__repr__", &ReceivedMessage::repr);
}

}  // namespace fastpulsar
