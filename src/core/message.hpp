// The C++ object behind pulsar.Message: a received message, with the consumer's schema
// for value().
#pragma once

#include <pybind11/pybind11.h>

#include <string>

#include "abi/message.hpp"

namespace fastpulsar {

namespace py = pybind11;

// Its methods are called with the GIL held; they throw error_already_set (a failing
// schema decode, MemoryError).
class ReceivedMessage {
   public:
    ReceivedMessage(pulsar::Message message, py::object schema);

    const pulsar::Message& message() const { return message_; }
    py::bytes data() const;
    // The payload decoded by the schema; `self` is this message's Python object.
    py::object value(py::handle self) const;
    py::dict properties() const;
    // The schema version's bytes as a str, as pulsar-client returns it: decoded as UTF-8,
    // with bytes that do not decode kept as lone surrogates (surrogateescape).
    py::str schema_version() const;
    std::string repr() const;

   private:
    pulsar::Message message_;
    py::object schema_;
};

// A new pulsar.Message whose value() decodes with `schema`. GIL held; throws
// error_already_set.
py::object wrap_message(const pulsar::Message& message, py::handle schema);

// The libpulsar message inside a pulsar.Message, or nullptr for another object. GIL
// held; never throws.
const pulsar::Message* unwrap_message(py::handle obj);

}  // namespace fastpulsar
