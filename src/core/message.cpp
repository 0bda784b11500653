// pulsar.Message (see message.hpp).
#include "core/message.hpp"

#include <utility>

namespace fastpulsar {

ReceivedMessage::ReceivedMessage(pulsar::Message message, py::object schema)
    : message_(std::move(message)), schema_(std::move(schema)) {}

py::bytes ReceivedMessage::data() const {
    return py::bytes(static_cast<const char*>(message_.getData()), message_.getLength());
}

py::object ReceivedMessage::value(py::handle self) const {
    if (schema_.is_none()) {
        return data();
    }
    return schema_.attr("decode_message")(self);
}

py::dict ReceivedMessage::properties() const {
    py::dict out;
    for (const auto& [key, value] : message_.getProperties()) {
        out[py::str(key)] = py::str(value);
    }
    return out;
}

py::str ReceivedMessage::schema_version() const {
    const std::string& version = message_.getSchemaVersion();
    PyObject* text = PyUnicode_DecodeUTF8(version.data(), static_cast<Py_ssize_t>(version.size()),
                                          "surrogateescape");
    if (text == nullptr) {
        throw py::error_already_set();
    }
    return py::reinterpret_steal<py::str>(text);
}

std::string ReceivedMessage::repr() const {
    const pulsar::MessageId& id = message_.getMessageId();
    return "<pulsar.Message id=(" + std::to_string(id.ledgerId()) + "," +
           std::to_string(id.entryId()) + "," + std::to_string(id.partition()) + "," +
           std::to_string(id.batchIndex()) + ") topic='" + message_.getTopicName() +
           "' size=" + std::to_string(message_.getLength()) + ">";
}

py::object wrap_message(const pulsar::Message& message, py::handle schema) {
    return py::cast(ReceivedMessage(message, py::reinterpret_borrow<py::object>(schema)));
}

const pulsar::Message* unwrap_message(py::handle obj) {
    if (!py::isinstance<ReceivedMessage>(obj)) {
        return nullptr;
    }
    return &obj.cast<const ReceivedMessage&>().message();
}

}  // namespace fastpulsar
